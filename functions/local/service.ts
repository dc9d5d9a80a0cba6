import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { environmentOf, loadConfig, type ServiceSettings } from '../adapters/config';
import { exampleApiRoutes, exampleCatalogue } from '../domain/routes';
import { databaseKeyOf, ensureTable, localDynamoClient, startDynamoDbLocal, type RunningDynamoDb } from './dynamodb-local';
import { LOCAL_APP_CLIENT_ID } from './local-sessions';
import { DynamoRevocationFeed } from '../adapters/dynamodb/dynamo-revocation-feed';
import { DynamoTable } from '../adapters/dynamodb/dynamo-table';
import { systemClock } from '../service/ports';
import { StageFlusher } from '../service/stage-flusher';
import { startLocalServer } from './server';

export interface LocalServiceOptions {
  port: number;
  host?: string;
  /** Where DynamoDB Local's data and the signing key live. @default `.local` */
  dataDir: string;
  /** Use this DynamoDB (e.g. the tests' DynamoDB Local) instead of starting one. */
  dynamoEndpoint?: string;
  tableName?: string;
  settings?: Partial<ServiceSettings>;
  /** API Gateway's authorizer result TTL, emulated by the front. @default 300 */
  authorizerCacheSeconds?: number;
  /**
   * Run the stage flusher against the front's emulated cache, as the deployed service runs it
   * against API Gateway. Off: revocations wait for the TTL. @default true
   */
  stageFlush?: boolean;
  trustForwardedFor?: boolean;
  /** How many proxies of yours append to X-Forwarded-For. @default 1 */
  trustedProxyHops?: number;
}

export const localSettings: ServiceSettings = {
  issuer: 'pat-local',
  catalogue: exampleCatalogue,
  routes: exampleApiRoutes,
  appClientIds: [LOCAL_APP_CLIENT_ID],
};

/**
 * The whole service on one machine: DynamoDB Local, a local signing key, and the HTTP front that
 * calls the Lambda handlers. The handlers read their configuration from the environment, exactly
 * as in Lambda, so this sets it before loading them.
 */
/** The environment the handlers read, as the CDK stack would set it, for the local stand-ins. */
export function applyLocalEnvironment(options: {
  dataDir: string;
  endpoint: string;
  region: string;
  tableName: string;
  settings?: Partial<ServiceSettings>;
}): void {
  Object.assign(process.env, environmentOf({ ...localSettings, ...options.settings }), {
    TABLE_NAME: options.tableName,
    DYNAMODB_ENDPOINT: options.endpoint,
    SIGNER: 'local',
    LOCAL_SIGNING_KEY_FILE: join(options.dataDir, 'signing-key.jwk.json'),
    // The development sign-in's key: the front signs sessions with it, the handlers verify them.
    LOCAL_SESSION_KEY_FILE: sessionKeyFileOf(options.dataDir),
    // The functions' DynamoDB client names this region, which selects the data directory's database.
    AWS_REGION: options.region,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // EMF metrics are for CloudWatch; locally they would only clutter the console.
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
  });
}

/** The development sign-in's key, in the data directory beside the signing key. */
export const sessionKeyFileOf = (dataDir: string) => join(resolve(dataDir), 'session-key.jwk.json');

/** Where a running `npm start` tells other local tools its DynamoDB Local endpoint. */
export const endpointFileOf = (dataDir: string) => join(resolve(dataDir), 'dynamodb-endpoint');

export async function startLocalService(options: LocalServiceOptions) {
  const dataDir = resolve(options.dataDir);
  // The signing key and the database key live here: only this user may read them.
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  let dynamo: RunningDynamoDb | undefined;
  if (!options.dynamoEndpoint) {
    const dbPath = join(dataDir, 'dynamodb');
    mkdirSync(dbPath, { recursive: true, mode: 0o700 });
    dynamo = await startDynamoDbLocal({ dbPath, region: databaseKeyOf(dataDir) });
  }
  const endpoint = options.dynamoEndpoint ?? dynamo!.endpoint;
  const region = dynamo?.region ?? process.env.AWS_REGION ?? 'local';
  const tableName = options.tableName ?? 'pat-tokens';
  try {
    const client = localDynamoClient(endpoint, region);
    await ensureTable(client, tableName);
    client.destroy();

    const resultCacheSeconds = options.authorizerCacheSeconds ?? 300;
    applyLocalEnvironment({ dataDir, endpoint, region, tableName, settings: { resultCacheSeconds, ...options.settings } });
    const config = loadConfig(process.env);
    const front = await startLocalServer({
      port: options.port,
      host: options.host,
      identity: config.identity,
      sessionKeyFile: sessionKeyFileOf(dataDir),
      // The routes the authorizer was configured with: what it protects is what the front serves.
      apiRoutes: config.routes,
      catalogue: config.catalogue,
      authorizerCacheSeconds: resultCacheSeconds,
      trustForwardedFor: options.trustForwardedFor,
      trustedProxyHops: options.trustedProxyHops,
    });
    // The deployed flusher's loop, with the front as the one registered stage.
    const flushClient = localDynamoClient(endpoint, region);
    let flushing = options.stageFlush ?? true;
    const flusher = new StageFlusher({
      feed: new DynamoRevocationFeed(new DynamoTable(flushClient, { tableName, retentionDays: config.policy.retentionDays })),
      registry: { list: async () => [{ restApiId: 'local', stage: 'local' }] },
      cache: { flush: () => front.flushAuthorizerCache() },
      clock: systemClock,
      onFlush: (outcome) => {
        if (!outcome.ok) console.error('local stage flusher: flush failed', (outcome.error as Error).message);
      },
      onError: (error, what) => console.error(`local stage flusher: ${what} failed (retrying)`, (error as Error).message),
    });
    const flushLoop = flushing
      ? flusher
          .run(
            () => flushing,
            500,
            (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
          )
          .catch(() => undefined)
      : Promise.resolve();
    const stopFlushing = async () => {
      if (!flushing) return;
      flushing = false;
      await flushLoop;
      flushClient.destroy();
    };
    return {
      url: front.url,
      counters: front.counters,
      dynamoEndpoint: endpoint,
      dynamoRegion: region,
      /** The DynamoDB Local this service started (absent when given `dynamoEndpoint`). */
      dynamoPid: dynamo?.pid,
      tableName,
      stop: async () => {
        await stopFlushing();
        await front.close();
        await dynamo?.stop();
      },
    };
  } catch (error) {
    await dynamo?.stop();
    throw error;
  }
}

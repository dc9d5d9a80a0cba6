/**
 * The service as the simulation runs it: the real use cases, authorizer and stage flusher, wired
 * the way their handlers wire them (functions/handlers/*.ts), over the simulated DynamoDB. This is
 * the ONE file that knows constructor signatures: when a fix changes one, adapt it here (and the
 * use-case calls in operations.ts), nothing else.
 */
import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoRevocationFeed } from '../../functions/adapters/dynamodb/dynamo-revocation-feed';
import { DynamoTable } from '../../functions/adapters/dynamodb/dynamo-table';
import { DynamoTokenStatus } from '../../functions/adapters/dynamodb/dynamo-token-status';
import { DynamoUsageLog } from '../../functions/adapters/dynamodb/dynamo-usage-log';
import { DynamoTokenStore } from '../support/dynamo-token-store';
import { Es256JwtVerifier } from '../../functions/adapters/jwt-verifier';
import { LocalSecretDeriver } from '../../functions/adapters/local-secret-deriver';
import type { LocalKeyRing } from '../../functions/adapters/local-signer';
import type { TokenPolicy } from '../../functions/domain/token-policy';
import { routePolicyOf } from '../../functions/apigateway/route-policy';
import { resolveRoutes, type ProtectedRoute } from '../../functions/domain/routes';
import type { ScopeCatalogue } from '../../functions/domain/scopes';
import { authorizerResultOf } from '../../functions/apigateway/authorizer-result';
import { Authorizer, type DenialReason } from '../../functions/service/authorize';
import { FeedWatcher } from '../../functions/service/revocation-watch';
import { StageFlusher, type StageCache, type StageRegistry } from '../../functions/service/stage-flusher';
import { TokenServices } from '../support/token-services';
import type { FaultProfile, SimulatedNetwork } from './dynamodb-client';
import type { Scheduler } from './scheduler';

export const TABLE_NAME = 'pat-sim';

export interface SystemOptions {
  scheduler: Scheduler;
  network: SimulatedNetwork;
  faults: FaultProfile;
  policy: TokenPolicy;
  catalogue: ScopeCatalogue;
  routes: ProtectedRoute[];
  keyRing: LocalKeyRing;
  refreshMacKey: Uint8Array;
  issuer: string;
}

/** What the stage flusher tells its operators (metrics and alarms in AWS). */
export interface FlusherReports {
  /** A flush failed, or a read it needs did: the bound is API Gateway's TTL until a retry works. */
  failed(what: string): void;
  /** A flush landed later than the bound allows (the fixed flusher's alarm; today's never says so). */
  late(what: string): void;
}

/** An authorizer Lambda's answer, as API Gateway receives it. */
export type AuthorizerAnswer =
  | { kind: 'policy'; result: APIGatewayAuthorizerResult; effect: 'allow' | 'forbidden' }
  | { kind: 'unauthorized'; reason: DenialReason };

export interface AuthorizerEvent {
  authorization: string;
  sourceIp: string;
  httpMethod: string;
  resource: string;
  methodArn: string;
}

/** The feed settings the authorizer handler takes from its configuration (defaults). */
const FEED_POLL_MS = 1_000;
const FEED_STATUS_CACHE_MS = 300_000;
export const RESULT_CACHE_MS = 300_000;
const STATUS_CACHE_MS = 10_000;
const LAST_USED_INTERVAL_MS = 60_000;

export class ServiceSystem {
  readonly resolvedRoutes;
  private readonly routePolicy;
  private readonly secrets: LocalSecretDeriver;

  constructor(private readonly options: SystemOptions) {
    this.resolvedRoutes = resolveRoutes(options.routes, options.catalogue);
    this.routePolicy = routePolicyOf(this.resolvedRoutes);
    this.secrets = new LocalSecretDeriver(options.refreshMacKey);
  }

  /** A table whose every call is made as `actor` (the trace's name for it), with the seed's faults. */
  table(actor: string, faults: FaultProfile = this.options.faults): DynamoTable {
    return new DynamoTable(undefined as unknown as DynamoDBClient, {
      tableName: TABLE_NAME,
      retentionDays: this.options.policy.retentionDays,
      clock: this.options.scheduler,
      sleep: this.options.scheduler.sleep,
      documents: this.options.network.documentsFor({ actor, faults }),
    });
  }

  /** The management use cases, as one invocation of a handler (create, refresh, revoke…) builds them. */
  tokenService(actor: string): TokenServices {
    const { scheduler, policy, catalogue, issuer, keyRing, faults } = this.options;
    const store = new DynamoTokenStore(undefined as unknown as DynamoDBClient, {
      tableName: TABLE_NAME,
      retentionDays: policy.retentionDays,
      clock: scheduler,
      sleep: scheduler.sleep,
      documents: this.options.network.documentsFor({ actor, faults }),
    });
    return new TokenServices({
      store,
      signer: keyRing,
      clock: scheduler,
      policy,
      catalogue,
      issuer,
      verifier: new Es256JwtVerifier(keyRing, { issuer, clock: scheduler, allowNoExpiry: policy.allowNoExpiry }),
      secrets: this.secrets,
    });
  }

  /** One authorizer container (a warm Lambda), wired as functions/handlers/authorizer.ts wires it. */
  authorizerContainer(name: string): (event: AuthorizerEvent) => Promise<AuthorizerAnswer> {
    const { scheduler, policy, issuer, keyRing } = this.options;
    const table = this.table(name);
    const records = new DynamoTokenStatus(table);
    const usage = new DynamoUsageLog(table);
    const feedLog = new DynamoRevocationFeed(table);
    const authorizer = new Authorizer({
      verifier: new Es256JwtVerifier(keyRing, { issuer, clock: scheduler, allowNoExpiry: policy.allowNoExpiry }),
      store: {
        getWithFamily: records.getWithFamily.bind(records),
        recordUse: usage.recordUse.bind(usage),
        recordDenial: usage.recordDenial.bind(usage),
      },
      clock: scheduler,
      routes: this.resolvedRoutes,
      statusCacheMs: STATUS_CACHE_MS,
      lastUsedIntervalMs: LAST_USED_INTERVAL_MS,
      feed: {
        watcher: new FeedWatcher(feedLog, FEED_POLL_MS),
        log: feedLog,
        statusCacheMs: FEED_STATUS_CACHE_MS,
        resultCacheMs: RESULT_CACHE_MS,
      },
    });
    const routePolicy = this.routePolicy;
    // The handler: unauthorized is API Gateway's 401; a fault throws (API Gateway answers 500, caches nothing).
    return async (event) => {
      const decision = await authorizer.authorize({
        authorization: event.authorization,
        sourceIp: event.sourceIp,
        method: event.httpMethod,
        resource: event.resource,
      });
      if (decision.effect === 'unauthorized') return { kind: 'unauthorized', reason: decision.reason };
      return { kind: 'policy', result: authorizerResultOf(decision, event.methodArn, routePolicy), effect: decision.effect };
    };
  }

  /** One stage flusher container, wired as functions/handlers/flush-authorizer-caches.ts wires it. */
  stageFlusher(name: string, registry: StageRegistry, cache: StageCache, reports: FlusherReports): StageFlusher {
    return new StageFlusher({
      feed: new DynamoRevocationFeed(this.table(name)),
      registry,
      cache,
      clock: this.options.scheduler,
      onFlush: (outcome) => {
        if (!outcome.ok) reports.failed('flush');
        if (outcome.late) reports.late(`flush of ${outcome.stage.stage} ${outcome.flushedAt - outcome.oldestEntryAt} ms after its entry`);
      },
      onError: (_error, what) => reports.failed(what),
    });
  }
}

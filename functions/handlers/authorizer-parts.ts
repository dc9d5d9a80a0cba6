import { dynamoClient } from '../adapters/aws-clients';
import { loadConfig, required, type ServiceConfig } from '../adapters/config';
import { DynamoRevocationFeed } from '../adapters/dynamodb/dynamo-revocation-feed';
import { DynamoTable } from '../adapters/dynamodb/dynamo-table';
import { DynamoTokenStatus } from '../adapters/dynamodb/dynamo-token-status';
import { DynamoUsageLog } from '../adapters/dynamodb/dynamo-usage-log';
import { Es256JwtVerifier } from '../adapters/jwt-verifier';
import { DEPLOYED_PUBLIC_JWKS_ENV, deployedPublicKeys } from '../adapters/public-keys';
import { resolveRoutes, type ResolvedRoute } from '../domain/routes';
import { logger } from '../observability/logger';
import { Authorizer } from '../service/authorize';
import { systemClock } from '../service/ports';
import type { PublicKeySource } from '../service/ports';
import { FeedWatcher } from '../service/revocation-watch';

/** Containers read the feed at most this often; the stage flusher's settle time counts on it. */
const FEED_POLL_MS = 1_000;

/**
 * The public keys that verify tokens: given at deploy time when the deployment passes them
 * (`SIGNING_PUBLIC_JWKS`), so the container builds no KMS client; otherwise the signing key ring,
 * loaded (and the KMS SDK with it) only when the first token is verified, not at cold start.
 */
function publicKeysOf(config: ServiceConfig): PublicKeySource {
  const deployed = process.env[DEPLOYED_PUBLIC_JWKS_ENV];
  if (deployed) return deployedPublicKeys(deployed);
  let ring: Promise<PublicKeySource> | undefined;
  return {
    publicKeys: async () => {
      ring ??= import('../adapters/key-ring').then(
        ({ keyRingOf }) => keyRingOf(config),
        (error: unknown) => {
          ring = undefined;
          throw error;
        },
      );
      return (await ring).publicKeys();
    },
  };
}

/**
 * The composition every kind of authorizer shares (REST, HTTP API): one client and table for the
 * three things it touches — the token's record, family and tenant idle expiry (one read), its usage,
 * the revocation feed — and nothing of the management routes, so the hot path's bundle stays small.
 * `announceEnds: false` (HTTP APIs): no `due` entries, since no stage flusher can end an HTTP API's
 * cached answers (its TTL is the bound).
 */
export function authorizerParts(options: { announceEnds: boolean }): {
  config: ServiceConfig;
  routes: ResolvedRoute[];
  authorizer: Authorizer;
} {
  const config = loadConfig(process.env);
  const table = new DynamoTable(dynamoClient(config.dynamoEndpoint), {
    tableName: required(config.tableName, 'TABLE_NAME'),
    retentionDays: config.policy.retentionDays,
  });
  const status = new DynamoTokenStatus(table);
  const usage = new DynamoUsageLog(table);
  const routes = resolveRoutes(config.routes, config.catalogue);
  const feedLog = config.revocationFeed ? new DynamoRevocationFeed(table) : undefined;
  const onFeedError = (error: unknown) =>
    logger.warn('Revocation feed unavailable: trusting cached statuses for the short status cache only', { error: error as Error });
  const authorizer = new Authorizer({
    verifier: new Es256JwtVerifier(publicKeysOf(config), {
      issuer: config.issuer,
      clock: systemClock,
      allowNoExpiry: config.policy.allowNoExpiry,
    }),
    store: {
      getWithFamily: status.getWithFamily.bind(status),
      recordUse: usage.recordUse.bind(usage),
      recordDenial: usage.recordDenial.bind(usage),
    },
    clock: systemClock,
    routes,
    statusCacheMs: config.statusCacheMs,
    lastUsedIntervalMs: config.lastUsedIntervalMs,
    idleExpiryDays: config.policy.idleExpiryDays,
    onUsageWriteError: (error, tokenId) => logger.warn('Could not record token use or denial', { tokenId, error: error as Error }),
    feed:
      feedLog && config.revocationFeed
        ? {
            watcher: new FeedWatcher(feedLog, FEED_POLL_MS, onFeedError),
            log: feedLog,
            statusCacheMs: config.revocationFeed.statusCacheMs,
            // 0: never announce a token's end (nothing would flush an HTTP API on it).
            resultCacheMs: options.announceEnds ? config.revocationFeed.resultCacheMs : 0,
            onFeedError,
          }
        : undefined,
  });
  return { config, routes, authorizer };
}

import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { dynamoClient } from '../adapters/aws-clients';
import { loadConfig, required } from '../adapters/config';
import { DynamoRevocationFeed } from '../adapters/dynamodb/dynamo-revocation-feed';
import { DynamoTable } from '../adapters/dynamodb/dynamo-table';
import { DynamoTokenStatus } from '../adapters/dynamodb/dynamo-token-status';
import { DynamoUsageLog } from '../adapters/dynamodb/dynamo-usage-log';
import { FastJwtVerifier } from '../adapters/jwt-verifier';
import { keyRingOf } from '../adapters/key-ring';
import { resolveRoutes } from '../domain/routes';
import { authorizeRequestOf, simpleResponseOf } from '../http/http-api-authorizer';
import { logger } from '../http/logger';
import { AuthorizationCounters } from '../http/metrics';
import { Authorizer } from '../service/authorize';
import { systemClock } from '../service/ports';
import { FeedWatcher } from '../service/revocation-watch';

// The same composition as handlers/authorizer.ts (REST), with two differences an HTTP API makes:
// no IAM policy (a simple response per route: the route key is part of the cache key), and no
// `due` entries (no stage flusher can end an HTTP API's cached answers: its TTL is the bound).
const config = loadConfig(process.env);
const table = new DynamoTable(dynamoClient(config.dynamoEndpoint), {
  tableName: required(config.tableName, 'TABLE_NAME'),
  retentionDays: config.policy.retentionDays,
});
const records = new DynamoTokenStatus(table);
const usage = new DynamoUsageLog(table);
const store = {
  getWithFamily: records.getWithFamily.bind(records),
  recordUse: usage.recordUse.bind(usage),
  recordDenial: usage.recordDenial.bind(usage),
};
const routes = resolveRoutes(config.routes, config.catalogue);
const onFeedError = (error: unknown) =>
  logger.warn('Revocation feed unavailable: trusting cached statuses for the short status cache only', { error: error as Error });
/** Containers read the feed at most this often: part of the bound (the result TTL + this). */
const FEED_POLL_MS = 1_000;
const feedLog = config.revocationFeed ? new DynamoRevocationFeed(table) : undefined;
const authorizer = new Authorizer({
  verifier: new FastJwtVerifier(keyRingOf(config), {
    issuer: config.issuer,
    clock: systemClock,
    allowNoExpiry: config.policy.allowNoExpiry,
  }),
  store,
  clock: systemClock,
  routes,
  statusCacheMs: config.statusCacheMs,
  lastUsedIntervalMs: config.lastUsedIntervalMs,
  onUsageWriteError: (error, tokenId) => logger.warn('Could not record token use or denial', { tokenId, error: error as Error }),
  feed:
    feedLog && config.revocationFeed
      ? {
          watcher: new FeedWatcher(feedLog, FEED_POLL_MS, onFeedError),
          log: feedLog,
          statusCacheMs: config.revocationFeed.statusCacheMs,
          // 0: never announce a token's end; nothing would flush an HTTP API on it.
          resultCacheMs: 0,
          onFeedError,
        }
      : undefined,
});

const counters = new AuthorizationCounters();

/**
 * HTTP API (payload 2.0, simple responses) Lambda authorizer, identity sources the Authorization
 * header, the source IP and the route key. Every refusal is `isAuthorized: false` (HTTP API's
 * 403); the reason goes to the log only. A fault (DynamoDB unreachable) throws: HTTP API answers
 * 500, caches nothing and lets nobody in.
 */
export const handler = async (event: APIGatewayRequestAuthorizerEventV2) => {
  const decision = await authorizer.authorize(authorizeRequestOf(event));
  if (decision.effect === 'unauthorized') {
    counters.record({ denied: 'unauthorized' });
    logger.info('Authorization refused', { reason: decision.reason, detail: decision.detail, tokenId: decision.tokenId });
  } else if (decision.effect === 'forbidden') {
    counters.record({ denied: decision.reason });
    logger.info('Authorization denied', { reason: decision.reason, tokenId: decision.principal.tokenId, routeKey: event.routeKey });
  } else {
    counters.record('allowed');
  }
  return simpleResponseOf(decision);
};

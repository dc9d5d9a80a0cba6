import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { dynamoClient } from '../adapters/aws-clients';
import { loadConfig, required } from '../adapters/config';
import { DynamoRevocationFeed } from '../adapters/dynamodb/dynamo-revocation-feed';
import { DynamoTable } from '../adapters/dynamodb/dynamo-table';
import { DynamoTokenStatus } from '../adapters/dynamodb/dynamo-token-status';
import { DynamoUsageLog } from '../adapters/dynamodb/dynamo-usage-log';
import { FastJwtVerifier } from '../adapters/jwt-verifier';
import { keyRingOf } from '../adapters/key-ring';
import { tokenRefusalOf } from '../domain/bearer-challenge';
import { routePolicyOf } from '../domain/route-policy';
import { resolveRoutes } from '../domain/routes';
import { policyOf } from '../http/authorizer-policy';
import { logger } from '../http/logger';
import { AuthorizationCounters } from '../http/metrics';
import { Authorizer } from '../service/authorize';
import { systemClock } from '../service/ports';
import { FeedWatcher } from '../service/revocation-watch';

const config = loadConfig(process.env);
// One client and table for the three things the authorizer touches: the token's record and family,
// its usage (lastUsedAt, denials) and the revocation feed. Not the whole token store: the hot path's
// bundle carries no family sweep, audit listing or tenant policy code (docs/revocation.md, bundle size).
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
// Throws at cold start for a route table some grant has no exact policy for, naming the routes.
const routePolicy = routePolicyOf(routes);
const feedLog = config.revocationFeed ? new DynamoRevocationFeed(table) : undefined;
const onFeedError = (error: unknown) =>
  logger.warn('Revocation feed unavailable: trusting cached statuses for the short status cache only', { error: error as Error });
/** Containers read the feed at most this often; the stage flusher's settle time counts on it. */
const FEED_POLL_MS = 1_000;
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
  idleExpiryDays: config.policy.idleExpiryDays,
  onUsageWriteError: (error, tokenId) => logger.warn('Could not record token use or denial', { tokenId, error: error as Error }),
  feed:
    feedLog && config.revocationFeed
      ? { watcher: new FeedWatcher(feedLog, FEED_POLL_MS, onFeedError), log: feedLog, ...config.revocationFeed, onFeedError }
      : undefined,
});

const counters = new AuthorizationCounters();

function headerOf(event: APIGatewayRequestAuthorizerEvent, name: string): string | undefined {
  const headers = event.headers ?? {};
  for (const key of Object.keys(headers)) if (key.toLowerCase() === name) return headers[key] ?? undefined;
  return undefined;
}

/**
 * REQUEST authorizer, identity sources `Authorization` and `context.identity.sourceIp`. Every
 * authentication failure is the same `Unauthorized` (401); the reason goes to the log only.
 * A fault (DynamoDB or KMS unreachable) throws: API Gateway then lets nobody in.
 */
export const handler = async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
  const decision = await authorizer.authorize({
    authorization: headerOf(event, 'authorization'),
    sourceIp: event.requestContext.identity.sourceIp,
    method: event.httpMethod,
    resource: event.resource,
  });
  if (decision.effect === 'unauthorized') {
    counters.record({ denied: 'unauthorized' });
    logger.info('Authorization refused', { reason: decision.reason, detail: decision.detail, tokenId: decision.tokenId });
    // API Gateway reads only the message (`Unauthorized` → 401, its static challenge); the local
    // front also reads `refusal` to say which kind in its `WWW-Authenticate` (docs/authorizer.md).
    throw Object.assign(new Error('Unauthorized'), { refusal: tokenRefusalOf(decision.reason) });
  }
  if (decision.effect === 'forbidden') {
    counters.record({ denied: decision.reason });
    logger.info('Authorization denied', { reason: decision.reason, tokenId: decision.principal.tokenId });
  } else {
    counters.record('allowed');
  }
  return policyOf(decision, event.methodArn, routePolicy);
};

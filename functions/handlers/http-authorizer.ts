import { authorizerParts } from './authorizer-parts';
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { authorizeRequestOf, simpleResponseOf } from '../apigateway/simple-response';
import { logger } from '../observability/logger';
import { AuthorizationCounters } from '../observability/metrics';

// The REST authorizer's composition (authorizer-parts.ts), with the two differences an HTTP API makes:
// no IAM policy (a simple response per route: the route key is part of the cache key), and no `due`
// entries (no stage flusher can end an HTTP API's cached answers: its TTL is the bound).
const { authorizer } = authorizerParts({ announceEnds: false });

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

import { authorizerParts } from './authorizer-parts';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { tokenRefusalOf } from '../domain/bearer-challenge';
import { routePolicyOf } from '../apigateway/route-policy';
import { authorizerResultOf } from '../apigateway/authorizer-result';
import { logger } from '../observability/logger';
import { AuthorizationCounters } from '../observability/metrics';

const { routes, authorizer } = authorizerParts({ announceEnds: true });
// Throws at cold start for a route table some grant has no exact policy for, naming the routes.
const routePolicy = routePolicyOf(routes);

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
  return authorizerResultOf(decision, event.methodArn, routePolicy);
};

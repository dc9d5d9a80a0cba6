import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult } from 'aws-lambda';
import type { AuthorizeRequest, Decision } from '../service/authorize';

/** What an HTTP API (payload 2.0, simple responses) passes to the backend in `$context.authorizer.lambda`. */
export type HttpAuthorizerContext = {
  tokenId: string;
  owner: string;
  tenant: string;
  /** Space-separated, as the REST authorizer passes them. */
  scopes: string;
};

/**
 * An HTTP API authorizer event as the authorizer's request: the route is `routeKey`
 * (`GET /api/candidates/{id}` → method GET, resource `/api/candidates/{id}`), the client is
 * `requestContext.http.sourceIp`, and the token the `authorization` header (HTTP API lower-cases
 * header names; repeated headers arrive comma-joined, which no Bearer token matches). `$default`,
 * `ANY` and a route key that is not `METHOD /path` have no route: they are decided as an unknown
 * route (403 for a valid token).
 */
export function authorizeRequestOf(event: APIGatewayRequestAuthorizerEventV2): AuthorizeRequest {
  const [method, resource] = routeOf(event.routeKey);
  let authorization: string | undefined;
  for (const [name, value] of Object.entries(event.headers ?? {})) if (name.toLowerCase() === 'authorization') authorization = value;
  return { authorization, sourceIp: event.requestContext.http.sourceIp, method, resource };
}

function routeOf(routeKey: string | undefined): [string, string] {
  const match = /^([A-Z]+) (\/\S*)$/.exec(routeKey ?? '');
  return match ? [match[1]!, match[2]!] : ['', ''];
}

/**
 * The simple response HTTP API caches for (Authorization, source IP, route key): allowed or not for
 * this route only, since the route is part of the cache key. A 401 (no valid token) and a 403 (scope
 * or IP) are both `isAuthorized: false`, which HTTP API answers 403; the reason is only logged.
 */
export function simpleResponseOf(
  decision: Decision,
): APIGatewaySimpleAuthorizerWithContextResult<HttpAuthorizerContext | Record<string, never>> {
  if (decision.effect !== 'allow') return { isAuthorized: false, context: {} };
  const { principal } = decision;
  return {
    isAuthorized: true,
    context: { tokenId: principal.tokenId, owner: principal.owner, tenant: principal.tenant, scopes: principal.scopes.join(' ') },
  };
}

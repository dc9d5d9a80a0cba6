import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import type { ResolvedRoute } from '../domain/routes';
import type { Decision } from '../service/authorize';

/** `arn:aws:execute-api:region:account:api/stage/METHOD/path` → `arn:…:api/stage`. */
export function apiStageArn(methodArn: string): string {
  const [arnPrefix, stage] = methodArn.split('/');
  return `${arnPrefix}/${stage}`;
}

/** The method ARN pattern of a route: path parameters become wildcards. */
export function routeArn(stageArn: string, route: Pick<ResolvedRoute, 'method' | 'resource'>): string {
  const path = route.resource.replace(/\{[^}]+\}/g, '*');
  return `${stageArn}/${route.method}${path}`;
}

// The authorizer hands the same allowed-routes array for a token while its status is cached: its
// ARNs are built once per (array, stage), not on every request.
const arnsByRoutes = new WeakMap<readonly ResolvedRoute[], { stageArn: string; arns: string[] }>();

function routeArns(stageArn: string, routes: readonly ResolvedRoute[]): string[] {
  const cached = arnsByRoutes.get(routes);
  if (cached?.stageArn === stageArn) return cached.arns;
  const arns = routes.map((route) => routeArn(stageArn, route));
  arnsByRoutes.set(routes, { stageArn, arns });
  return arns;
}

/**
 * The IAM policy API Gateway caches for (Authorization, source IP): it lists every method the
 * token's scopes allow, so a cache hit on another route is still decided right. A route not listed
 * is denied (403). A client IP the token does not allow is denied everything.
 */
export function policyOf(decision: Exclude<Decision, { effect: 'unauthorized' }>, methodArn: string): APIGatewayAuthorizerResult {
  const stageArn = apiStageArn(methodArn);
  const { principal } = decision;
  const statement: Array<{ Action: string; Effect: 'Allow' | 'Deny'; Resource: string[] }> =
    decision.effect === 'forbidden' && decision.reason === 'ip'
      ? [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: [`${stageArn}/*`] }]
      : decision.allowedRoutes.length > 0
        ? [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: routeArns(stageArn, decision.allowedRoutes) }]
        : [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: [`${stageArn}/*`] }];
  return {
    principalId: principal.tokenId,
    policyDocument: { Version: '2012-10-17', Statement: statement },
    // Context values must be primitives: API Gateway answers 500 to anything else.
    context: {
      tokenId: principal.tokenId,
      owner: principal.owner,
      tenant: principal.tenant,
      scopes: principal.scopes.join(' '),
      validUntil: Number.isFinite(decision.validUntil) ? String(decision.validUntil) : '',
    },
  };
}

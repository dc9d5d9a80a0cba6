import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import type { RoutePolicy } from './route-policy';
import type { ResolvedRoute } from '../domain/routes';
import type { Decision } from '../service/authorize';

/** `arn:aws:execute-api:region:account:api/stage/METHOD/path` → `arn:…:api/stage`. */
export function apiStageArn(methodArn: string): string {
  const [arnPrefix, stage] = methodArn.split('/');
  return `${arnPrefix}/${stage}`;
}

type Statement = { Action: string; Effect: 'Allow' | 'Deny'; Resource: string[] };

// The authorizer hands the same allowed-routes array for a token while its status is cached: its
// statements are built once per (array, stage), not on every request.
const statementsByRoutes = new WeakMap<readonly ResolvedRoute[], { stageArn: string; routePolicy: RoutePolicy; statements: Statement[] }>();

function grantStatements(stageArn: string, routes: readonly ResolvedRoute[], routePolicy: RoutePolicy): Statement[] {
  const cached = statementsByRoutes.get(routes);
  if (cached?.stageArn === stageArn && cached.routePolicy === routePolicy) return cached.statements;
  const { allow, deny } = routePolicy.policyFor(routes);
  const statements: Statement[] = [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: allow.map((path) => `${stageArn}/${path}`) }];
  // Deny wins in API Gateway: it takes back what an Allow pattern's `*` reaches beyond its route.
  if (deny.length > 0)
    statements.push({ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: deny.map((path) => `${stageArn}/${path}`) });
  statementsByRoutes.set(routes, { stageArn, routePolicy, statements });
  return statements;
}

/**
 * The IAM policy API Gateway caches for (Authorization, source IP): it allows every method the
 * token's scopes allow and denies the other routes those patterns also match, so a cache hit on
 * another route is still decided right. A route not allowed is denied (403). A client IP the token
 * does not allow is denied everything.
 */
export function authorizerResultOf(
  decision: Exclude<Decision, { effect: 'unauthorized' }>,
  methodArn: string,
  routePolicy: RoutePolicy,
): APIGatewayAuthorizerResult {
  const stageArn = apiStageArn(methodArn);
  const { principal } = decision;
  const statement: Statement[] =
    decision.effect === 'forbidden' && decision.reason === 'ip'
      ? [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: [`${stageArn}/*`] }]
      : decision.allowedRoutes.length > 0
        ? grantStatements(stageArn, decision.allowedRoutes, routePolicy)
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
      // Tells a 403 for the client address from one for a scope (the local front's challenge says which).
      ...(decision.effect === 'forbidden' && decision.reason === 'ip' ? { deniedIp: 'true' } : {}),
    },
  };
}

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
 * The last result handed out for a token status (its allowed-routes array): while the status is
 * cached, every allowed request of that token on that stage gets the same answer, so it is built
 * once, not per request. Reused only when every input it was built from is the same.
 */
const resultsByRoutes = new WeakMap<
  readonly ResolvedRoute[],
  {
    decision: Exclude<Decision, { effect: 'unauthorized' }>;
    stageArn: string;
    routePolicy: RoutePolicy;
    result: APIGatewayAuthorizerResult;
  }
>();

function sameAnswer(a: Exclude<Decision, { effect: 'unauthorized' }>, b: Exclude<Decision, { effect: 'unauthorized' }>): boolean {
  return (
    a.effect === b.effect &&
    (a.effect === 'allow' || (b.effect !== 'allow' && a.reason === b.reason)) &&
    a.validUntil === b.validUntil &&
    a.principal.tokenId === b.principal.tokenId &&
    a.principal.owner === b.principal.owner &&
    a.principal.tenant === b.principal.tenant &&
    a.principal.scopes === b.principal.scopes
  );
}

/**
 * The IAM policy API Gateway caches for (Authorization, source IP): it allows every method the
 * token's scopes allow and denies the other routes those patterns also match, so a cache hit on
 * another route is still decided right. A route not allowed is denied (403). A client IP the token
 * does not allow is denied everything. The result is shared between requests: callers must not change it.
 */
export function authorizerResultOf(
  decision: Exclude<Decision, { effect: 'unauthorized' }>,
  methodArn: string,
  routePolicy: RoutePolicy,
): APIGatewayAuthorizerResult {
  const stageArn = apiStageArn(methodArn);
  const cached = resultsByRoutes.get(decision.allowedRoutes);
  if (cached && cached.stageArn === stageArn && cached.routePolicy === routePolicy && sameAnswer(cached.decision, decision))
    return cached.result;
  // Frozen, deep: the one object every later request of this status gets; a caller that changed it
  // (a Resource pushed, a context rewritten) would change every later answer for the token.
  const result = deepFreeze(buildResult(decision, stageArn, routePolicy));
  resultsByRoutes.set(decision.allowedRoutes, { decision, stageArn, routePolicy, result });
  return result;
}

/** Freezes an object and everything it holds (built once per token status, off the warm path). */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}

function buildResult(
  decision: Exclude<Decision, { effect: 'unauthorized' }>,
  stageArn: string,
  routePolicy: RoutePolicy,
): APIGatewayAuthorizerResult {
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

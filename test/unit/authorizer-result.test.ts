import { describe, expect, it } from 'vitest';
import { routePolicyOf } from '../../functions/apigateway/route-policy';
import { exampleApiRoutes, exampleCatalogue, resolveRoutes, type ProtectedRoute } from '../../functions/domain/routes';
import { covers } from '../../functions/domain/scopes';
import { authorizerResultOf } from '../../functions/apigateway/authorizer-result';
import { policyAllows } from '../../functions/local/policy-evaluation';

const routes = resolveRoutes(exampleApiRoutes, exampleCatalogue);
const routePolicy = routePolicyOf(routes);
const methodArn = (method: string, path: string) => `arn:aws:execute-api:eu-west-1:111122223333:abcdef1234/prod/${method}${path}`;
const principal = (scopes: string[]) => ({ tokenId: 't1', owner: 'alice', tenant: 'acme', scopes });
const allowDecision = (scopes: string[]) => ({
  effect: 'allow' as const,
  principal: principal(scopes),
  allowedRoutes: routes.filter((route) => covers(scopes, route.scope)),
  validUntil: 2_000_000_000_000,
});

describe('authorizer policy', () => {
  it('lists every method the scopes allow, path parameters as wildcards', () => {
    const result = authorizerResultOf(allowDecision(['candidates:read']), methodArn('GET', '/api/candidates'), routePolicy);
    expect(result.policyDocument.Statement).toEqual([
      {
        Action: 'execute-api:Invoke',
        Effect: 'Allow',
        Resource: [
          'arn:aws:execute-api:eu-west-1:111122223333:abcdef1234/prod/GET/api/candidates',
          'arn:aws:execute-api:eu-west-1:111122223333:abcdef1234/prod/GET/api/candidates/*',
          'arn:aws:execute-api:eu-west-1:111122223333:abcdef1234/prod/GET/api/candidates/*/documents',
        ],
      },
    ]);
  });

  it('passes the principal as strings, scopes space-separated', () => {
    const result = authorizerResultOf(allowDecision(['candidates:read', 'jobs:read']), methodArn('GET', '/api/jobs'), routePolicy);
    expect(result.principalId).toBe('t1');
    expect(result.context).toEqual({
      tokenId: 't1',
      owner: 'alice',
      tenant: 'acme',
      scopes: 'candidates:read jobs:read',
      validUntil: '2000000000000',
    });
    for (const value of Object.values(result.context!)) expect(typeof value).toBe('string');
  });

  it('stays right for other routes when served from the cache', () => {
    const cached = authorizerResultOf(allowDecision(['candidates:read']), methodArn('GET', '/api/candidates'), routePolicy);
    expect(policyAllows(cached, methodArn('GET', '/api/candidates/42'))).toBe(true);
    expect(policyAllows(cached, methodArn('GET', '/api/candidates/42/documents'))).toBe(true);
    expect(policyAllows(cached, methodArn('POST', '/api/candidates'))).toBe(false);
    expect(policyAllows(cached, methodArn('DELETE', '/api/candidates/42'))).toBe(false);
    expect(policyAllows(cached, methodArn('GET', '/api/jobs'))).toBe(false);
  });

  it('denies everything to a client IP the token does not allow', () => {
    const result = authorizerResultOf(
      { ...allowDecision(['*']), effect: 'forbidden', reason: 'ip' },
      methodArn('GET', '/api/jobs'),
      routePolicy,
    );
    expect(result.policyDocument.Statement).toEqual([
      { Action: 'execute-api:Invoke', Effect: 'Deny', Resource: ['arn:aws:execute-api:eu-west-1:111122223333:abcdef1234/prod/*'] },
    ]);
    for (const route of routes) expect(policyAllows(result, methodArn(route.method, route.resource.replace('{id}', '1')))).toBe(false);
  });

  it('denies with an explicit statement when the scopes allow no route at all', () => {
    const result = authorizerResultOf(
      { ...allowDecision(['assessments:write']), effect: 'forbidden', reason: 'scope' },
      methodArn('GET', '/api/jobs'),
      routePolicy,
    );
    expect(result.policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny' });
  });
});

/** A token holding `scopes`, its policy computed on a request to `first`, then replayed from the cache. */
function cachedPolicy(table: ProtectedRoute[], scopes: string[], first: [string, string]) {
  const resolved = resolveRoutes(table, exampleCatalogue);
  const decision = {
    effect: 'allow' as const,
    principal: principal(scopes),
    allowedRoutes: resolved.filter((route) => covers(scopes, route.scope)),
    validUntil: 2_000_000_000_000,
  };
  return authorizerResultOf(decision, methodArn(...first), routePolicyOf(resolved));
}

describe('a cached policy never reaches beyond the scopes (issue 12)', () => {
  it('keeps a candidates:read token out of a deeper route that needs assessments:read', () => {
    const table = [
      { method: 'GET', resource: '/api/candidates/{id}' },
      { method: 'GET', resource: '/api/candidates/{id}/assessments', scope: 'assessments:read' },
    ];

    const cached = cachedPolicy(table, ['candidates:read'], ['GET', '/api/candidates/7']);

    expect(policyAllows(cached, methodArn('GET', '/api/candidates/42/assessments'))).toBe(false);
    expect(policyAllows(cached, methodArn('GET', '/api/candidates/42'))).toBe(true);
    expect(policyAllows(cached, methodArn('GET', '/api/candidates/assessments'))).toBe(true);
  });

  it('keeps a candidates:read token out of a derived jobs:read route its pattern also matches', () => {
    const table = [
      { method: 'GET', resource: '/api/{team}/candidates' },
      { method: 'GET', resource: '/api/jobs/{id}/candidates' },
    ];

    const cached = cachedPolicy(table, ['candidates:read'], ['GET', '/api/blue/candidates']);

    expect(policyAllows(cached, methodArn('GET', '/api/jobs/7/candidates'))).toBe(false);
    expect(policyAllows(cached, methodArn('GET', '/api/blue/candidates'))).toBe(true);
    expect(policyAllows(cached, methodArn('GET', '/api/jobs/candidates'))).toBe(true);
  });

  it('still lets a token holding both scopes reach both routes', () => {
    const table = [
      { method: 'GET', resource: '/api/candidates/{id}' },
      { method: 'GET', resource: '/api/candidates/{id}/assessments', scope: 'assessments:read' },
    ];

    const cached = cachedPolicy(table, ['candidates:read', 'assessments:read'], ['GET', '/api/candidates/7']);

    expect(policyAllows(cached, methodArn('GET', '/api/candidates/42/assessments'))).toBe(true);
    expect(policyAllows(cached, methodArn('GET', '/api/candidates/42'))).toBe(true);
    expect(cached.policyDocument.Statement).toHaveLength(1);
  });
});

describe('the result of a cached token status', () => {
  it('is built once per status and stage, and handed out again while nothing it depends on changed', () => {
    const decision = allowDecision(['candidates:read']);

    const first = authorizerResultOf(decision, methodArn('GET', '/api/candidates'), routePolicy);
    const again = authorizerResultOf({ ...decision }, methodArn('GET', '/api/candidates/c1'), routePolicy);

    expect(again).toBe(first);
  });

  it.each([
    ['another stage', (d: ReturnType<typeof allowDecision>) => d, 'test'],
    ['another end', (d: ReturnType<typeof allowDecision>) => ({ ...d, validUntil: d.validUntil - 1 }), 'prod'],
    ['another token', (d: ReturnType<typeof allowDecision>) => ({ ...d, principal: { ...d.principal, tokenId: 't2' } }), 'prod'],
    ['another owner', (d: ReturnType<typeof allowDecision>) => ({ ...d, principal: { ...d.principal, owner: 'bob' } }), 'prod'],
    ['a refused IP', (d: ReturnType<typeof allowDecision>) => ({ ...d, effect: 'forbidden' as const, reason: 'ip' as const }), 'prod'],
  ])('is built again for %s', (_name, change, stage) => {
    const decision = allowDecision(['candidates:read']);
    const first = authorizerResultOf(decision, methodArn('GET', '/api/candidates'), routePolicy);

    const changed = change(decision);
    const second = authorizerResultOf(
      changed,
      `arn:aws:execute-api:eu-west-1:111122223333:abcdef1234/${stage}/GET/api/candidates`,
      routePolicy,
    );

    expect(second).not.toBe(first);
    expect(second).toEqual(
      authorizerResultOf(
        { ...changed, allowedRoutes: [...changed.allowedRoutes] },
        `arn:aws:execute-api:eu-west-1:111122223333:abcdef1234/${stage}/GET/api/candidates`,
        routePolicy,
      ),
    );
  });
});

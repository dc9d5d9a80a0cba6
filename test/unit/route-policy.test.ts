import { describe, expect, it } from 'vitest';
import { policyLetsIn } from '../../functions/apigateway/iam-evaluation';
import { RouteTableError, routePolicyOf, RoutePolicy } from '../../functions/apigateway/route-policy';
import { exampleApiRoutes, exampleCatalogue, resolveRoutes, type ProtectedRoute } from '../../functions/domain/routes';
import { covers } from '../../functions/domain/scopes';

const resolve = (routes: ProtectedRoute[]) => resolveRoutes(routes, exampleCatalogue);
const allowed = (plan: RoutePolicy, scopes: string[]) => plan.routes.filter((route) => covers(scopes, route.scope));
const lets = (plan: RoutePolicy, scopes: string[], verb: string, path: string) => {
  const { allow, deny } = plan.policyFor(allowed(plan, scopes));
  const statements = [
    { Effect: 'Allow', Action: 'execute-api:Invoke', Resource: allow.map((p) => `s/${p}`) },
    { Effect: 'Deny', Action: 'execute-api:Invoke', Resource: deny.map((p) => `s/${p}`) },
  ];
  return policyLetsIn(statements, `s/${verb}${path}`);
};

describe('route table check', () => {
  it('accepts the example API', () => {
    expect(routePolicyOf(resolve(exampleApiRoutes)).conflicts).toEqual([]);
  });

  it('refuses a proxy beside a deeper route of another scope, naming both routes', () => {
    const table = resolve([
      { method: 'GET', resource: '/api/candidates/{proxy+}' },
      { method: 'GET', resource: '/api/candidates/documents/{id}' },
    ]);

    const refusal = (() => {
      try {
        routePolicyOf(table);
      } catch (error) {
        return error;
      }
    })();

    expect(refusal).toBeInstanceOf(RouteTableError);
    const message = (refusal as Error).message;
    expect(message).toContain('GET /api/candidates/{proxy+} (candidates:read)');
    expect(message).toContain('GET /api/candidates/documents/{id} (candidates/documents:read)');
    expect((refusal as RouteTableError).conflicts[0]).toMatchObject({
      denied: { resource: '/api/candidates/{proxy+}' },
      granted: { resource: '/api/candidates/documents/{id}' },
      witnessScopes: ['candidates/documents:read'],
    });
  });

  it('shows why it refuses: the simple policy of the witness scopes keeps the token out of a route it holds', () => {
    const plan = new RoutePolicy(
      resolve([
        { method: 'GET', resource: '/api/candidates/{id}' },
        { method: 'GET', resource: '/api/candidates/{id}/assessments', scope: 'assessments:read' },
        { method: 'GET', resource: '/api/candidates/{id}/reviews/assessments' },
      ]),
    );
    const [conflict] = plan.conflicts;

    expect(conflict).toMatchObject({
      denied: { resource: '/api/candidates/{id}/assessments' },
      granted: { resource: '/api/candidates/{id}/reviews/assessments' },
    });
    expect(lets(plan, conflict!.witnessScopes, conflict!.verb, conflict!.blockedPath)).toBe(false);
    expect(conflict!.blockedPath).toMatch(/^\/api\/candidates\/[^/]+\/reviews\/assessments$/);
  });

  it('accepts a leak a Deny can take back without touching a granted route', () => {
    const plan = routePolicyOf(
      resolve([
        { method: 'GET', resource: '/api/candidates/{id}' },
        { method: 'GET', resource: '/api/candidates/{id}/assessments', scope: 'assessments:read' },
      ]),
    );

    expect(plan.policyFor(allowed(plan, ['candidates:read']))).toEqual({
      allow: ['GET/api/candidates/*'],
      deny: ['GET/api/candidates/*/assessments'],
    });
  });

  it('adds no Deny where a pattern only matches paths that another route wins', () => {
    // `GET/*/jobs/*` string-matches `/jobs/jobs/1`, but API Gateway routes that path to `/jobs/{x}/{y}`
    // (a literal first part wins): denying it to a jobs:read token would keep it out of its own route.
    const plan = routePolicyOf(
      resolve([
        { method: 'GET', resource: '/jobs/{x}/{y}', scope: 'jobs:read' },
        { method: 'GET', resource: '/{x}/jobs/{y}', scope: 'candidates:read' },
      ]),
    );

    expect(plan.policyFor(allowed(plan, ['jobs:read']))).toEqual({ allow: ['GET/jobs/*/*'], deny: [] });
    expect(lets(plan, ['jobs:read'], 'GET', '/jobs/jobs/1')).toBe(true);
    expect(plan.policyFor(allowed(plan, ['candidates:read']))).toEqual({ allow: ['GET/*/jobs/*'], deny: ['GET/jobs/*/*'] });
    expect(lets(plan, ['candidates:read'], 'GET', '/jobs/jobs/1')).toBe(false);
    expect(lets(plan, ['candidates:read'], 'GET', '/blue/jobs/1')).toBe(true);
  });

  it('denies the root to a /{proxy+} token: its `*` also matches the empty path', () => {
    const plan = routePolicyOf(
      resolve([
        { method: 'GET', resource: '/', scope: 'jobs:read' },
        { method: 'GET', resource: '/{proxy+}', scope: 'candidates:read' },
      ]),
    );

    expect(lets(plan, ['candidates:read'], 'GET', '/')).toBe(false);
    expect(lets(plan, ['candidates:read'], 'GET', '/a/b')).toBe(true);
  });

  it('treats ANY as each verb not declared on the same resource', () => {
    const plan = routePolicyOf(
      resolve([
        { method: 'ANY', resource: '/api/jobs/{id}', scope: 'jobs:write' },
        { method: 'GET', resource: '/api/jobs/{id}' },
        { method: 'GET', resource: '/api/jobs/{id}/candidates', scope: 'candidates:read' },
        { method: 'POST', resource: '/api/jobs/{id}/candidates', scope: 'candidates:write' },
      ]),
    );

    expect(lets(plan, ['jobs:write'], 'POST', '/api/jobs/1')).toBe(true);
    expect(lets(plan, ['jobs:write'], 'GET', '/api/jobs/1')).toBe(false);
    expect(lets(plan, ['jobs:write'], 'POST', '/api/jobs/1/candidates')).toBe(false);
    expect(lets(plan, ['jobs:write'], 'DELETE', '/api/jobs/1/candidates')).toBe(true); // ANY's own: nothing more specific
  });

  it('refuses a method API Gateway does not have, a partial parameter and a wildcard in a literal', () => {
    expect(() => resolve([{ method: 'FETCH', resource: '/api/jobs', scope: 'jobs:read' }])).toThrow(
      /FETCH \/api\/jobs: API Gateway methods are/,
    );
    expect(() => resolve([{ method: 'GET', resource: '/api/jobs/{id}.json' }])).toThrow(/GET \/api\/jobs\/\{id\}.json: the resource/);
    expect(() => resolve([{ method: 'GET', resource: '/api/jobs/*' }])).toThrow(/wildcards in method ARNs/);
    expect(() => resolve([{ method: 'GET', resource: '/api/{rest+}/jobs' }])).toThrow(/must be the last path part/);
  });

  it('refuses the same method declared twice on one resource', () => {
    expect(() =>
      routePolicyOf(
        resolve([
          { method: 'GET', resource: '/api/jobs/{id}' },
          { method: 'GET', resource: '/api/jobs/{jobId}', scope: 'candidates:read' },
        ]),
      ),
    ).toThrow(/GET \/api\/jobs\/\{jobId\} is declared twice/);
  });
});

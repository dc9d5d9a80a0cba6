import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../functions/domain/errors';
import { needsSignedInUser, routeKeyOf, serviceRoutes } from '../../functions/domain/service-routes';
import { documentedRoutes } from '../../functions/http/openapi-document';
import { dispatch } from '../../functions/http/route-dispatch';
import { json } from '../../functions/http/responses';
import { requestTarget } from '../../functions/local/front-io';
import { handlerModules, managementRoutes, RouteMatcher } from '../../functions/local/routing';
import { serveWebConsole } from '../../functions/local/web-console';
import type { Caller } from '../../functions/service/caller';

const tableKeys = serviceRoutes.map(routeKeyOf);
/** A request path for a resource: each `{parameter}` filled in. */
const concrete = (resource: string) => resource.replace(/\{[^}]+\}/g, '0123456789abcdef0123456789abcdef');

describe('the route table', () => {
  it('names each route once', () => {
    expect(new Set(tableKeys).size).toBe(tableKeys.length);
    expect(new Set(serviceRoutes.map((route) => route.operationId)).size).toBe(serviceRoutes.length);
  });

  it('puts a signed-in person in front of every route but those carrying their own credential or none', () => {
    const open = serviceRoutes.filter((route) => !needsSignedInUser(route.access)).map(routeKeyOf);

    expect(open.sort()).toEqual(
      [
        'GET /openapi.json',
        'POST /tokens/refresh',
        'POST /tokens/revoke-leaked',
        'GET /.well-known/jwks.json',
        'GET /tokens/self',
        'POST /oauth2/token',
        'POST /oauth2/revoke',
        'GET /.well-known/oauth-authorization-server',
        'POST /secret-scanning/github',
      ].sort(),
    );
  });
});

describe('the OpenAPI document', () => {
  it('describes exactly the routes of the table', () => {
    expect(documentedRoutes().sort()).toEqual([...tableKeys].sort());
  });
});

describe('the local front', () => {
  const matcher = new RouteMatcher(managementRoutes);

  it('serves every route of the table with the function the table names, and no other route', () => {
    for (const route of serviceRoutes) {
      const path = concrete(route.path);
      const found = matcher.find(route.method, path, path.split('/'));

      expect(found.route?.route, routeKeyOf(route)).toBe(route);
    }
    expect(managementRoutes.map((route) => `${route.method} ${route.resource}`).sort()).toEqual([...tableKeys].sort());
  });

  it('loads a handler module for each function of the table (openapi is its own document) and the authorizer, nothing else', () => {
    const served = new Set(serviceRoutes.map((route) => route.handler as string));
    served.delete('openapi');

    expect(Object.keys(handlerModules).sort()).toEqual([...served, 'authorizer'].sort());
  });
});

describe('the local web console', () => {
  it('answers no route of the table with its page, so that a miss there stays a JSON 404', () => {
    const root = mkdtempSync(join(tmpdir(), 'pat-console-'));
    writeFileSync(join(root, 'index.html'), '<!doctype html>');
    const response = { writeHead: () => response, end: () => response } as unknown as ServerResponse;
    try {
      const served = serviceRoutes.filter((route) => serveWebConsole(concrete(`${route.path}/x`), 'text/html', response, root));

      expect(served.map(routeKeyOf)).toEqual([]);
      expect(serveWebConsole('/settings', 'text/html', response, root)).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('RouteMatcher', () => {
  const routes = [
    { method: 'GET', resource: '/tokens/{id}' },
    { method: 'PATCH', resource: '/tokens/{id}' },
    { method: 'GET', resource: '/tokens/self' },
    { method: 'GET', resource: '/{area}/self' },
  ];
  const find = (matcher: RouteMatcher<(typeof routes)[number]>, method: string, path: string) =>
    matcher.find(method, path, path.split('/'));

  it('prefers a literal segment to a parameter whatever the order, as API Gateway does', () => {
    for (const order of [routes, [...routes].reverse()]) {
      const matcher = new RouteMatcher(order);

      expect(find(matcher, 'GET', '/tokens/self').route).toEqual({ method: 'GET', resource: '/tokens/self' });
      expect(find(matcher, 'GET', '/tokens/abc')).toEqual({ route: routes[0], parameters: { id: 'abc' }, pathMatched: true });
      expect(find(matcher, 'GET', '/jobs/self')).toMatchObject({ route: routes[3], parameters: { area: 'jobs' } });
    }
  });

  it('lets another method of a literal path fall through to a parameter route of that method', () => {
    expect(find(new RouteMatcher(routes), 'PATCH', '/tokens/self')).toEqual({
      route: routes[1],
      parameters: { id: 'self' },
      pathMatched: true,
    });
  });

  it('tells a path it knows under another method from an unknown path, and decodes parameters', () => {
    const matcher = new RouteMatcher(routes);

    expect(find(matcher, 'DELETE', '/tokens/abc')).toEqual({ route: undefined, parameters: null, pathMatched: true });
    expect(find(matcher, 'GET', '/nothing/here/at/all')).toEqual({ route: undefined, parameters: null, pathMatched: false });
    expect(find(matcher, 'GET', '/tokens/')).toMatchObject({ route: undefined });
    expect(find(matcher, 'GET', '/tokens/a%20b').parameters).toEqual({ id: 'a b' });
  });
});

describe('requestTarget', () => {
  it('reads the path and query as the URL parser does, dot segments and escapes included', () => {
    const targets = [
      '/api/candidates',
      '/api/candidates?limit=5&cursor=abc',
      '/api/./candidates',
      '/api/x/../candidates',
      '/api/candidates/..',
      '/tokens/%2e%2e/audit',
      '/tokens/a%20b?x=%20y&x=2',
      '/a\\b',
      '/a"b<c>',
      '/a#fragment',
      '/?q',
      '/.well-known/jwks.json',
      '//double//slash',
      '/a//b',
      '/x?y=a+b&z',
    ];
    for (const target of targets) {
      const url = new URL(target, 'http://localhost');
      const read = requestTarget(target);

      expect({ path: read.path, query: [...read.query] }, target).toEqual({ path: url.pathname, query: [...url.searchParams] });
    }
  });
});

describe('dispatch', () => {
  const caller: Caller = { userId: 'alice', tenant: 'acme', isAdmin: false } as Caller;
  const event = (httpMethod: string, resource: string) => ({ httpMethod, resource }) as Parameters<ReturnType<typeof dispatch>>[0];
  const route = dispatch('catalog', {
    'GET /scopes': async () => json(200, { route: 'scopes' }),
    'GET /policy': async (_event, who) => json(200, { route: 'policy', who: who.userId }),
  });

  it('runs the action of the request’s route key, with the caller', async () => {
    expect(JSON.parse((await route(event('GET', '/policy'), caller)).body)).toEqual({ route: 'policy', who: 'alice' });
    expect(JSON.parse((await route(event('GET', '/scopes'), caller)).body)).toEqual({ route: 'scopes' });
  });

  it('answers 404 to a route key it does not have', async () => {
    await expect(route(event('POST', '/scopes'), caller)).rejects.toMatchObject({ code: 'not_found' });
    await expect(route(event('POST', '/scopes'), caller)).rejects.toBeInstanceOf(DomainError);
  });

  it('refuses, at cold start, a dispatch that misses a route of the table or has one the table gives another handler', () => {
    const missing = { 'GET /scopes': async () => json(200, {}) };
    const extra = {
      'GET /scopes': async () => json(200, {}),
      'GET /policy': async () => json(200, {}),
      'GET /tokens': async () => json(200, {}),
    };

    expect(() => dispatch('catalog', missing as never)).toThrow(/route table gives it GET \/scopes, GET \/policy/);
    expect(() => dispatch('catalog', extra as never)).toThrow(/route table gives it/);
  });
});

import { describe, expect, it } from 'vitest';
import { derivedScope, exampleCatalogue, MAX_RESOURCE_SEGMENTS, parseResource, resolveRoutes } from '../../functions/domain/routes';

// The resource paths a route table may hold (functions/domain/routes.ts), each refusal named;
// test/unit/routes.test.ts holds the route → scope derivation.
describe('parseResource', () => {
  it('reads literals, {parameters} and a final {proxy+}', () => {
    expect(parseResource('/api/{id}/files/{path+}')).toEqual({
      ok: true,
      segments: [{ kind: 'static', text: 'api' }, { kind: 'param' }, { kind: 'static', text: 'files' }, { kind: 'proxy' }],
    });
    expect(parseResource('/')).toEqual({ ok: true, segments: [] });
  });

  it.each([
    ['api/jobs', 'must start with /'],
    ['/api//jobs', 'has an empty path part'],
    ['/api/jobs/', 'has an empty path part'],
    ['/{path+}/more', '{path+} must be the last path part'],
    ['/api/x{id}', '"x{id}" is neither a literal nor a whole {parameter} (and * and ? are wildcards in method ARNs)'],
    ['/api/{id}x', '"{id}x" is neither a literal nor a whole {parameter} (and * and ? are wildcards in method ARNs)'],
    ['/api/{path+}x', '"{path+}x" is neither a literal nor a whole {parameter} (and * and ? are wildcards in method ARNs)'],
    ['/api/x{path+}', '"x{path+}" is neither a literal nor a whole {parameter} (and * and ? are wildcards in method ARNs)'],
    ['/api/jo*s', '"jo*s" is neither a literal nor a whole {parameter} (and * and ? are wildcards in method ARNs)'],
  ])('refuses %j: %s', (resource, problem) => {
    expect(parseResource(resource)).toEqual({ ok: false, problem });
  });

  it(`accepts ${MAX_RESOURCE_SEGMENTS} path parts and refuses one more`, () => {
    const path = (parts: number) => `/${Array.from({ length: parts }, () => 'a').join('/')}`;

    expect(parseResource(path(MAX_RESOURCE_SEGMENTS)).ok).toBe(true);
    expect(parseResource(path(MAX_RESOURCE_SEGMENTS + 1))).toEqual({
      ok: false,
      problem: `has more than ${MAX_RESOURCE_SEGMENTS} path parts`,
    });
  });
});

describe('resolveRoutes refusals', () => {
  it('lists the methods API Gateway knows when a route names another', () => {
    expect(() => resolveRoutes([{ method: 'FETCH', resource: '/api/jobs' }], exampleCatalogue)).toThrow(
      'FETCH /api/jobs: API Gateway methods are GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, ANY',
    );
  });

  it('names the resource problem', () => {
    expect(() => resolveRoutes([{ method: 'get', resource: 'api/jobs' }], exampleCatalogue)).toThrow(
      'GET api/jobs: the resource must start with /',
    );
  });
});

describe('derivedScope', () => {
  it('skips empty parts and parameters when looking for the area', () => {
    expect(derivedScope('GET', '/{tenant}/jobs', exampleCatalogue)).toBe('jobs:read');
    expect(derivedScope('GET', '/{jobs}', exampleCatalogue)).toBeUndefined();
  });
});

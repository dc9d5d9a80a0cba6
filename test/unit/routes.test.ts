import { describe, expect, it } from 'vitest';
import { derivedScope, exampleApiRoutes, exampleCatalogue, resolveRoutes } from '../../functions/domain/routes';

describe('route → scope', () => {
  it.each([
    ['GET', '/api/candidates', 'candidates:read'],
    ['HEAD', '/api/candidates', 'candidates:read'],
    ['POST', '/api/candidates', 'candidates:write'],
    ['PUT', '/api/candidates/{id}', 'candidates:write'],
    ['PATCH', '/api/candidates/{id}', 'candidates:write'],
    ['DELETE', '/api/candidates/{id}', 'candidates:delete'],
    ['GET', '/api/candidates/{id}/documents', 'candidates/documents:read'],
    ['POST', '/api/candidates/{id}/documents/{docId}/versions', 'candidates/documents:write'],
    ['GET', '/jobs', 'jobs:read'],
    ['GET', '/v2/assessments/{id}', 'assessments:read'],
  ])('%s %s needs %s', (method, resource, scope) => {
    expect(derivedScope(method, resource, exampleCatalogue)).toBe(scope);
  });

  it('derives nothing for an area outside the catalogue or a method without permission', () => {
    expect(derivedScope('GET', '/api/payroll', exampleCatalogue)).toBeUndefined();
    expect(derivedScope('OPTIONS', '/api/candidates', exampleCatalogue)).toBeUndefined();
  });

  it('prefers a declared scope', () => {
    expect(
      resolveRoutes([{ method: 'post', resource: '/api/candidates/{id}/archive', scope: 'candidates:delete' }], exampleCatalogue),
    ).toEqual([{ method: 'POST', resource: '/api/candidates/{id}/archive', scope: 'candidates:delete' }]);
  });

  it('refuses a route whose scope cannot be derived', () => {
    expect(() => resolveRoutes([{ method: 'GET', resource: '/api/payroll' }], exampleCatalogue)).toThrow(/No scope for GET \/api\/payroll/);
  });

  it('resolves every example route', () => {
    expect(resolveRoutes(exampleApiRoutes, exampleCatalogue)).toHaveLength(exampleApiRoutes.length);
  });
});

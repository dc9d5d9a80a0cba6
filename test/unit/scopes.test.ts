import { describe, expect, it } from 'vitest';
import { exampleCatalogue } from '../../functions/domain/routes';
import { catalogueView, covers, governingArea, normaliseScopes, parseScope } from '../../functions/domain/scopes';

describe('scope grammar', () => {
  it.each(['candidates:read', 'candidates/documents:write', 'jobs:delete', 'a/b/c:read'])('accepts %s', (scope) => {
    expect(parseScope(scope)).toBeDefined();
  });

  it.each([
    'candidates',
    'candidates:admin',
    ':read',
    'Candidates:read',
    'candidates/:read',
    'candidates//documents:read',
    'candidates:read:write',
    ' candidates:read',
  ])('rejects %j', (scope) => {
    expect(parseScope(scope)).toBeUndefined();
  });
});

describe('scope coverage', () => {
  it('covers a sub-area with a grant on its parent area', () => {
    expect(covers(['candidates:read'], 'candidates/documents:read')).toBe(true);
  });

  it('does not cover a parent area with a grant on a sub-area', () => {
    expect(covers(['candidates/documents:read'], 'candidates:read')).toBe(false);
  });

  it('keeps read, write and delete independent', () => {
    expect(covers(['candidates:read'], 'candidates:write')).toBe(false);
    expect(covers(['candidates:write'], 'candidates:delete')).toBe(false);
    expect(covers(['candidates:delete'], 'candidates:read')).toBe(false);
  });

  it('does not treat a name prefix as an area prefix', () => {
    expect(covers(['candidates:read'], 'candidatesx:read')).toBe(false);
  });

  it('covers everything with *', () => {
    expect(covers(['*'], 'assessments:delete')).toBe(true);
  });

  it('covers nothing that is not a scope', () => {
    expect(covers(['*'], 'not a scope')).toBe(false);
  });
});

describe('catalogue check', () => {
  it('de-duplicates, keeping the order the caller gave', () => {
    expect(normaliseScopes(['jobs:read', 'candidates:read', 'jobs:read'], exampleCatalogue)).toEqual({
      ok: true,
      scopes: ['jobs:read', 'candidates:read'],
    });
  });

  it('reduces a request containing * to * alone', () => {
    expect(normaliseScopes(['jobs:read', '*'], exampleCatalogue)).toEqual({ ok: true, scopes: ['*'] });
  });

  it('names every scope outside the catalogue', () => {
    expect(normaliseScopes(['payroll:read', 'jobs:read', 'candidates/photos:read'], exampleCatalogue)).toEqual({
      ok: false,
      unknown: ['payroll:read', 'candidates/photos:read'],
    });
  });

  it('finds the deepest catalogue area governing a path', () => {
    expect(governingArea('candidates/documents/x', exampleCatalogue)).toBe('candidates/documents');
    expect(governingArea('candidates/notes', exampleCatalogue)).toBe('candidates');
    expect(governingArea('payroll', exampleCatalogue)).toBeUndefined();
  });

  it('lists each area with its three scopes', () => {
    expect(catalogueView(exampleCatalogue).areas[0]).toEqual({
      name: 'candidates',
      description: exampleCatalogue[0]!.description,
      scopes: ['candidates:read', 'candidates:write', 'candidates:delete'],
    });
  });
});

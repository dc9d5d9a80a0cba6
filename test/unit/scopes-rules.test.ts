import { describe, expect, it } from 'vitest';
import {
  ALL_SCOPES,
  catalogueView,
  covers,
  governingArea,
  isValidAreaName,
  isWithinArea,
  normaliseScopes,
  parseScope,
  scopesOfArea,
} from '../../functions/domain/scopes';

// Boundaries of functions/domain/scopes.ts that the property tests do not pin.
describe('isValidAreaName', () => {
  it('accepts a name of 200 characters and refuses one of 201', () => {
    expect(isValidAreaName('a'.repeat(200))).toBe(true);
    expect(isValidAreaName('a'.repeat(201))).toBe(false);
  });
});

describe('governingArea', () => {
  it('picks the deepest area containing the path, whatever the catalogue order', () => {
    const catalogue = [
      { name: 'candidates/documents', description: '' },
      { name: 'candidates', description: '' },
    ];

    expect(governingArea('candidates/documents/scans', catalogue)).toBe('candidates/documents');
    expect(governingArea('candidates/notes', catalogue)).toBe('candidates');
    expect(governingArea('jobs', catalogue)).toBeUndefined();
  });
});

describe('parseScope', () => {
  it('splits a scope at its last colon into area and permission', () => {
    expect(parseScope('candidates/documents:write')).toStrictEqual({ area: 'candidates/documents', permission: 'write' });
    expect(parseScope('a-1/b2:delete')).toStrictEqual({ area: 'a-1/b2', permission: 'delete' });
    expect(parseScope('jobs:read')).toStrictEqual({ area: 'jobs', permission: 'read' });
  });

  it('refuses a scope without an area, a permission, or with an area name too long', () => {
    expect(parseScope(':read')).toBeUndefined();
    expect(parseScope('jobs:')).toBeUndefined();
    expect(parseScope('jobs')).toBeUndefined();
    expect(parseScope(ALL_SCOPES)).toBeUndefined();
    expect(parseScope(`${'a'.repeat(201)}:read`)).toBeUndefined();
    expect(parseScope(`${'a'.repeat(200)}:read`)).toStrictEqual({ area: 'a'.repeat(200), permission: 'read' });
  });
});

describe('isWithinArea', () => {
  it('holds for the area itself and its sub-areas, not for a sibling sharing a prefix or a parent', () => {
    expect(isWithinArea('jobs', 'jobs')).toBe(true);
    expect(isWithinArea('jobs/notes', 'jobs')).toBe(true);
    expect(isWithinArea('jobsx', 'jobs')).toBe(false);
    expect(isWithinArea('jobs', 'jobs/notes')).toBe(false);
  });
});

describe('covers', () => {
  it('skips a granted entry that is not a scope and looks at the rest', () => {
    expect(covers(['garbage', 'jobs:read'], 'jobs/notes:read')).toBe(true);
    expect(covers(['garbage'], 'jobs:read')).toBe(false);
    expect(covers([], 'jobs:read')).toBe(false);
  });

  it('needs the same permission on the area or an ancestor of it', () => {
    expect(covers(['jobs:write', 'candidates:read'], 'jobs:read')).toBe(false);
    expect(covers(['jobs:write', 'jobs:read'], 'jobs:read')).toBe(true);
  });
});

describe('normaliseScopes', () => {
  const catalogue = [{ name: 'jobs', description: 'Jobs' }];

  it('names entries that are not scopes, and scopes of areas outside the catalogue, in order', () => {
    expect(normaliseScopes(['garbage', 'jobs:read', 'jobs/notes:read', 'payroll:read', '*'], catalogue)).toStrictEqual({
      ok: false,
      unknown: ['garbage', 'jobs/notes:read', 'payroll:read'],
    });
  });

  it('accepts an empty request, and * alone', () => {
    expect(normaliseScopes([], catalogue)).toStrictEqual({ ok: true, scopes: [] });
    expect(normaliseScopes(['*', '*'], catalogue)).toStrictEqual({ ok: true, scopes: ['*'] });
  });
});

describe('scopesOfArea and catalogueView', () => {
  it('lists read, write and delete of each area, in catalogue order', () => {
    expect(scopesOfArea('jobs/notes')).toStrictEqual(['jobs/notes:read', 'jobs/notes:write', 'jobs/notes:delete']);
    expect(
      catalogueView([
        { name: 'jobs', description: 'Jobs' },
        { name: 'candidates', description: 'People' },
      ]),
    ).toStrictEqual({
      areas: [
        { name: 'jobs', description: 'Jobs', scopes: ['jobs:read', 'jobs:write', 'jobs:delete'] },
        { name: 'candidates', description: 'People', scopes: ['candidates:read', 'candidates:write', 'candidates:delete'] },
      ],
    });
  });
});

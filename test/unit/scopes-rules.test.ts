import { describe, expect, it } from 'vitest';
import { governingArea, isValidAreaName } from '../../functions/domain/scopes';

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

import { describe, expect, it } from 'vitest';
import { DomainError } from '../../functions/domain/errors';
import { descriptionProblem, newTokenTerms, type NewTokenRequest } from '../../functions/domain/new-token';
import { DAY_SECONDS, defaultPolicy } from '../../functions/domain/token-policy';
import { exampleCatalogue } from '../../functions/domain/routes';

// The create request's rules (functions/domain/new-token.ts): every offending field in one 400,
// and the terms stored when none offends.
const now = Date.UTC(2026, 10, 23, 12, 0, 0, 750);
const nowSeconds = Math.floor(now / 1000);
const terms = (change: Partial<NewTokenRequest>) =>
  newTokenTerms({ description: 'CI deploys', scopes: ['jobs:read'], ...change }, defaultPolicy, exampleCatalogue, now);

function problems(change: Partial<NewTokenRequest>): { message: string; details: unknown } {
  try {
    terms(change);
  } catch (error) {
    if (error instanceof DomainError && error.code === 'invalid_request') return { message: error.message, details: error.details };
    throw error;
  }
  throw new Error('expected an invalid_request');
}

describe('descriptionProblem', () => {
  it.each([
    ['', 'must not be empty'],
    ['   ', 'must not be empty'],
    ['a\nb', 'must not contain control characters or line breaks (U+000A)'],
    ['a\u202Eb', 'must not contain invisible or format characters (U+202E)'],
    ['a\uD800b', 'must be well-formed Unicode (lone surrogate U+D800)'],
    ['x'.repeat(101), 'must be at most 100 characters'],
  ])('words the fault of %j as %j', (description, problem) => {
    expect(descriptionProblem(description, 100)).toBe(problem);
  });

  it('finds nothing wrong with a description of exactly the maximum length', () => {
    expect(descriptionProblem('x'.repeat(100), 100)).toBeUndefined();
  });
});

describe('newTokenTerms', () => {
  it('returns the stored terms: normalised description, de-duplicated scopes, whole-second expiry', () => {
    expect(terms({ description: '  Ｃｉ  ', scopes: ['jobs:read', 'jobs:read', 'candidates:write'] })).toStrictEqual({
      description: 'Ci',
      scopes: ['jobs:read', 'candidates:write'],
      allowedIps: [],
      expiresAt: (nowSeconds + 90 * DAY_SECONDS) * 1000,
    });
  });

  it('keeps no expiry as null where the policy allows it', () => {
    expect(
      newTokenTerms(
        { description: 'CI', scopes: ['jobs:read'], expiresAt: null },
        { ...defaultPolicy, allowNoExpiry: true },
        exampleCatalogue,
        now,
      ).expiresAt,
    ).toBeNull();
  });

  it('stores IP entries as written (trimmed), each spelling of one entry once', () => {
    expect(terms({ allowedIps: [' 10.1.2.3/8', '10.0.0.0/8', '2001:db8::1', '2001:DB8::1 '] }).allowedIps).toEqual([
      '10.1.2.3/8',
      '2001:db8::1',
    ]);
  });

  it('accepts as many IP entries as the policy allows, and refuses one more', () => {
    const entries = (count: number) => Array.from({ length: count }, (_, i) => `10.0.0.${i + 1}`);

    expect(terms({ allowedIps: entries(20) }).allowedIps).toHaveLength(20);
    expect(problems({ allowedIps: entries(21) }).details).toEqual([{ field: 'allowedIps', message: 'at most 20 entries' }]);
  });

  it('names each offending IP entry by its index', () => {
    expect(problems({ allowedIps: ['10.0.0.1', 'localhost', '10.0.0.9-10.0.0.1'] }).details).toEqual([
      { field: 'allowedIps[1]', message: 'not an IPv4 or IPv6 address, CIDR or range' },
      { field: 'allowedIps[2]', message: 'range start is after its end' },
    ]);
  });

  it('refuses an empty scope list', () => {
    expect(problems({ scopes: [] }).details).toEqual([{ field: 'scopes', message: 'must name at least one scope' }]);
  });

  it('refuses scopes outside the catalogue, listing them', () => {
    expect(problems({ scopes: ['jobs:read', 'payroll:read', 'jobs:admin'] }).details).toEqual([
      { field: 'scopes', message: 'not in the scope catalogue: payroll:read, jobs:admin' },
    ]);
  });

  it('lists every offending field in one refusal, message and details alike', () => {
    expect(problems({ description: '', scopes: [], expiresInDays: 7 })).toEqual({
      message: 'description must not be empty; scopes must name at least one scope; expiresInDays must be one of 90, 180, 365',
      details: [
        { field: 'description', message: 'must not be empty' },
        { field: 'scopes', message: 'must name at least one scope' },
        { field: 'expiresInDays', message: 'must be one of 90, 180, 365' },
      ],
    });
  });
});

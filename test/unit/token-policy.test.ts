import { describe, expect, it } from 'vitest';
import { DomainError } from '../../functions/domain/errors';
import { DAY_SECONDS, defaultPolicy, policyProblems, resolveExpiry, successorExpiry } from '../../functions/domain/token-policy';

const now = 1_800_000_000;

function problemOf(action: () => unknown): DomainError {
  try {
    action();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError');
}

describe('lifetime policy', () => {
  it('defaults to 90 days', () => {
    expect(resolveExpiry({}, defaultPolicy, now)).toBe(now + 90 * DAY_SECONDS);
  });

  it.each([90, 180, 365])('offers %i days', (days) => {
    expect(resolveExpiry({ expiresInDays: days }, defaultPolicy, now)).toBe(now + days * DAY_SECONDS);
  });

  it.each([0, 1, 30, 366, -90])('refuses %i days, which is not offered', (days) => {
    expect(problemOf(() => resolveExpiry({ expiresInDays: days }, defaultPolicy, now)).code).toBe('invalid_request');
  });

  it('accepts a custom date at exactly the maximum, in whole seconds', () => {
    const max = new Date((now + 365 * DAY_SECONDS) * 1000 + 999).toISOString();
    expect(resolveExpiry({ expiresAt: max }, defaultPolicy, now)).toBe(now + 365 * DAY_SECONDS);
  });

  it('refuses a custom date one second past the maximum', () => {
    const beyond = new Date((now + 365 * DAY_SECONDS + 1) * 1000).toISOString();
    expect(problemOf(() => resolveExpiry({ expiresAt: beyond }, defaultPolicy, now)).details?.[0]?.field).toBe('expiresAt');
  });

  it('refuses a date in the past and the present second', () => {
    expect(() => resolveExpiry({ expiresAt: new Date(now * 1000).toISOString() }, defaultPolicy, now)).toThrow(/future/);
    expect(() => resolveExpiry({ expiresAt: '2020-01-01T00:00:00Z' }, defaultPolicy, now)).toThrow(/future/);
  });

  it('reads a calendar date as midnight UTC', () => {
    expect(resolveExpiry({ expiresAt: '2027-03-01' }, defaultPolicy, now)).toBe(Date.UTC(2027, 2, 1) / 1000);
  });

  it.each(['tomorrow', '2027-13-01T00:00:00Z', '2027-02-30', '2027-01-01T10:00:00', '1800000000'])(
    'refuses %j, which is no ISO 8601 date-time',
    (value) => {
      expect(() => resolveExpiry({ expiresAt: value }, defaultPolicy, now)).toThrow(/ISO 8601/);
    },
  );

  it('refuses both expiresInDays and expiresAt', () => {
    expect(() => resolveExpiry({ expiresInDays: 90, expiresAt: '2027-01-01T00:00:00Z' }, defaultPolicy, now)).toThrow(/not both/);
  });

  it('refuses no expiry unless the policy allows it', () => {
    expect(() => resolveExpiry({ expiresAt: null }, defaultPolicy, now)).toThrow(/without expiry/);
    expect(resolveExpiry({ expiresAt: null }, { ...defaultPolicy, allowNoExpiry: true }, now)).toBeNull();
  });

  it('gives a successor its predecessor lifetime, capped by the maximum', () => {
    expect(successorExpiry({ issuedAt: 0, expiresAt: 180 * DAY_SECONDS }, defaultPolicy, now)).toBe(now + 180 * DAY_SECONDS);
    expect(
      successorExpiry({ issuedAt: 0, expiresAt: 180 * DAY_SECONDS }, { ...defaultPolicy, maxLifetimeDays: 100, lifetimesDays: [90] }, now),
    ).toBe(now + 100 * DAY_SECONDS);
  });

  it('finds the default policy coherent and a broken one not', () => {
    expect(policyProblems(defaultPolicy)).toEqual([]);
    expect(policyProblems({ ...defaultPolicy, defaultLifetimeDays: 30, rotationGraceSeconds: 4000 })).toHaveLength(2);
  });
});

import { describe, expect, it } from 'vitest';
import { DomainError } from '../../functions/domain/errors';
import {
  DAY_SECONDS,
  defaultPolicy,
  policyProblems,
  resolveExpiry,
  successorExpiry,
  type TokenPolicy,
} from '../../functions/domain/token-policy';

// The rules of functions/domain/token-policy.ts at their boundaries: which deployment policies are coherent
// (checked at synth time and at cold start), and the exact 400 each refused lifetime answers.
const now = 1_800_000_000;
const withPolicy = (change: Partial<TokenPolicy>): TokenPolicy => ({ ...defaultPolicy, ...change });

function refusal(action: () => unknown): { message: string; details: unknown } {
  try {
    action();
  } catch (error) {
    if (error instanceof DomainError && error.code === 'invalid_request') return { message: error.message, details: error.details };
    throw error;
  }
  throw new Error('expected an invalid_request');
}

describe('policyProblems', () => {
  it('finds the default policy coherent', () => {
    expect(policyProblems(defaultPolicy)).toEqual([]);
  });

  it.each(['maxIpEntries', 'maxDescriptionLength', 'maxActiveTokensPerOwner'] as const)(
    'accepts 1 as %s, the smallest positive integer',
    (name) => {
      expect(policyProblems(withPolicy({ [name]: 1 }))).toEqual([]);
    },
  );

  it.each(['maxIpEntries', 'maxDescriptionLength', 'maxActiveTokensPerOwner', 'maxLifetimeDays'] as const)(
    'refuses 0 and 2.5 as %s, naming the field and the value',
    (name) => {
      expect(policyProblems(withPolicy({ [name]: 0 }))).toContain(`${name} must be a positive integer (got 0)`);
      expect(policyProblems(withPolicy({ [name]: 2.5 }))).toContain(`${name} must be a positive integer (got 2.5)`);
    },
  );

  it('refuses a default lifetime of 0 days, and one that is not offered', () => {
    expect(policyProblems(withPolicy({ defaultLifetimeDays: 0 }))).toEqual([
      'defaultLifetimeDays must be a positive integer (got 0)',
      'defaultLifetimeDays (0) must be one of lifetimesDays',
    ]);
    expect(policyProblems(withPolicy({ defaultLifetimeDays: 30 }))).toEqual(['defaultLifetimeDays (30) must be one of lifetimesDays']);
  });

  it('refuses an empty list of lifetimes', () => {
    expect(policyProblems(withPolicy({ lifetimesDays: [] }))).toContain('lifetimesDays must offer at least one lifetime');
  });

  it('accepts lifetimes from 1 day up to the maximum itself', () => {
    expect(policyProblems(withPolicy({ lifetimesDays: [1, 90, 365] }))).toEqual([]);
  });

  it.each([0, 366, 1.5])('refuses a lifetime of %s days', (days) => {
    expect(policyProblems(withPolicy({ lifetimesDays: [90, days] }))).toEqual([
      `lifetime ${days} must be a whole number of days between 1 and maxLifetimeDays (365)`,
    ]);
  });

  describe.each(['rotationGraceSeconds', 'reuseLeewaySeconds'] as const)('%s', (name) => {
    it('accepts 0 and 3600', () => {
      expect(policyProblems(withPolicy({ [name]: 0 }))).toEqual([]);
      expect(policyProblems(withPolicy({ [name]: 3600 }))).toEqual([]);
    });

    it.each([-1, 3601, 0.5])('refuses %s', (value) => {
      expect(policyProblems(withPolicy({ [name]: value }))).toEqual([`${name} must be an integer between 0 and 3600`]);
    });
  });

  it('accepts a refresh window of 0 days, and refuses a negative or fractional one', () => {
    expect(policyProblems(withPolicy({ refreshWindowDays: 0 }))).toEqual([]);
    expect(policyProblems(withPolicy({ refreshWindowDays: -1 }))).toEqual(['refreshWindowDays must be a non-negative integer']);
    expect(policyProblems(withPolicy({ refreshWindowDays: 0.5 }))).toEqual(['refreshWindowDays must be a non-negative integer']);
  });

  it('requires the retention to last at least the refresh window, in whole days', () => {
    const tooShort = 'retentionDays must be an integer at least refreshWindowDays, or expired tokens vanish before they can be refreshed';

    expect(policyProblems(withPolicy({ refreshWindowDays: 30, retentionDays: 30 }))).toEqual([]);
    expect(policyProblems(withPolicy({ refreshWindowDays: 30, retentionDays: 29 }))).toEqual([tooShort]);
    expect(policyProblems(withPolicy({ refreshWindowDays: 30, retentionDays: 30.5 }))).toEqual([tooShort]);
  });
});

describe('resolveExpiry refusals name the field', () => {
  it('refuses expiresInDays with expiresAt', () => {
    expect(refusal(() => resolveExpiry({ expiresInDays: 90, expiresAt: '2027-01-01' }, defaultPolicy, now))).toEqual({
      message: 'Give either expiresInDays or expiresAt, not both',
      details: [{ field: 'expiresAt', message: 'cannot be combined with expiresInDays' }],
    });
  });

  it('refuses no expiry where the policy does not allow it', () => {
    expect(refusal(() => resolveExpiry({ expiresAt: null }, defaultPolicy, now))).toEqual({
      message: 'Tokens without expiry are not allowed',
      details: [{ field: 'expiresAt', message: 'must be a date' }],
    });
  });

  it('refuses a date that is not ISO 8601', () => {
    expect(refusal(() => resolveExpiry({ expiresAt: 'next week' }, defaultPolicy, now))).toEqual({
      message: 'expiresAt must be an ISO 8601 date-time',
      details: [{ field: 'expiresAt', message: 'not an ISO 8601 date-time' }],
    });
  });

  it('refuses the present second', () => {
    expect(refusal(() => resolveExpiry({ expiresAt: new Date(now * 1000).toISOString() }, defaultPolicy, now))).toEqual({
      message: 'expiresAt must be in the future',
      details: [{ field: 'expiresAt', message: 'must be in the future' }],
    });
  });

  it('accepts the next second', () => {
    expect(resolveExpiry({ expiresAt: new Date((now + 1) * 1000).toISOString() }, defaultPolicy, now)).toBe(now + 1);
  });

  it('refuses a date past the maximum, saying the maximum', () => {
    const beyond = new Date((now + 365 * DAY_SECONDS + 1) * 1000).toISOString();

    expect(refusal(() => resolveExpiry({ expiresAt: beyond }, defaultPolicy, now))).toEqual({
      message: 'expiresAt must be at most 365 days from now',
      details: [{ field: 'expiresAt', message: 'at most 365 days from now' }],
    });
  });

  it('refuses a lifetime that is not offered, listing the offered ones', () => {
    expect(refusal(() => resolveExpiry({ expiresInDays: 30 }, defaultPolicy, now))).toEqual({
      message: 'expiresInDays must be one of 90, 180, 365',
      details: [{ field: 'expiresInDays', message: 'must be one of 90, 180, 365' }],
    });
  });

  it('accepts a date-time with an offset and with fractional seconds', () => {
    expect(resolveExpiry({ expiresAt: '2027-03-01T02:00:00.5+02:00' }, defaultPolicy, now)).toBe(Date.UTC(2027, 2, 1) / 1000);
  });
});

describe('successorExpiry', () => {
  it("keeps the predecessor's lifetime, counted from its issue, not from the epoch", () => {
    const issuedAt = now - 10 * DAY_SECONDS;

    expect(successorExpiry({ issuedAt, expiresAt: issuedAt + 90 * DAY_SECONDS }, defaultPolicy, now)).toBe(now + 90 * DAY_SECONDS);
  });

  it('caps the lifetime at the maximum', () => {
    const issuedAt = now - DAY_SECONDS;

    expect(
      successorExpiry(
        { issuedAt, expiresAt: issuedAt + 365 * DAY_SECONDS },
        withPolicy({ maxLifetimeDays: 180, lifetimesDays: [90] }),
        now,
      ),
    ).toBe(now + 180 * DAY_SECONDS);
  });

  it('gives a successor at least one second', () => {
    expect(successorExpiry({ issuedAt: now, expiresAt: now }, defaultPolicy, now)).toBe(now + 1);
  });

  it('gives a successor of a token without expiry the maximum lifetime where the policy no longer allows none', () => {
    expect(successorExpiry({ issuedAt: now - DAY_SECONDS, expiresAt: null }, defaultPolicy, now)).toBe(now + 365 * DAY_SECONDS);
  });

  it('keeps no expiry where the policy allows it', () => {
    expect(successorExpiry({ issuedAt: now - DAY_SECONDS, expiresAt: null }, withPolicy({ allowNoExpiry: true }), now)).toBeNull();
  });
});

describe('policyProblems: credential life', () => {
  it('accepts no bound, or a bound of a whole day or more', () => {
    expect(policyProblems({ ...defaultPolicy, maxCredentialAgeDays: null, idleExpiryDays: null })).toEqual([]);
    expect(policyProblems({ ...defaultPolicy, maxCredentialAgeDays: 1, idleExpiryDays: 1 })).toEqual([]);
  });

  it('refuses a bound under a day, or not a whole number of days, naming each field', () => {
    expect(policyProblems({ ...defaultPolicy, maxCredentialAgeDays: 0, idleExpiryDays: 1.5 })).toEqual([
      'maxCredentialAgeDays must be a positive integer or null (got 0)',
      'idleExpiryDays must be a positive integer or null (got 1.5)',
    ]);
    expect(policyProblems({ ...defaultPolicy, maxCredentialAgeDays: 2.5, idleExpiryDays: -1 })).toEqual([
      'maxCredentialAgeDays must be a positive integer or null (got 2.5)',
      'idleExpiryDays must be a positive integer or null (got -1)',
    ]);
  });
});

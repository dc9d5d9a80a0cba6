import { describe, expect, it } from 'vitest';
import {
  credentialLifeEnd,
  credentialLifeOver,
  familyStartOf,
  isIdle,
  lastUseOf,
  refreshableUntilOf,
} from '../../functions/domain/credential-life';

/** The credential-life bounds as pure functions: each boundary on both sides, each bound alone. */
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const none = { maxCredentialAgeDays: null, idleExpiryDays: null };

describe('familyStartOf and lastUseOf', () => {
  it('starts the credential at the family’s first token when the record carries it, else at the record', () => {
    expect(familyStartOf({ createdAt: T0 + 5 * DAY, familyCreatedAt: T0 })).toBe(T0);
    expect(familyStartOf({ createdAt: T0 + 5 * DAY })).toBe(T0 + 5 * DAY);
  });

  it('takes the later of creation and last use', () => {
    expect(lastUseOf({ createdAt: T0, lastUsedAt: T0 + DAY })).toBe(T0 + DAY);
    expect(lastUseOf({ createdAt: T0 + DAY, lastUsedAt: T0 })).toBe(T0 + DAY);
    expect(lastUseOf({ createdAt: T0 })).toBe(T0);
  });
});

describe('credentialLifeEnd', () => {
  const record = { createdAt: T0 + 10 * DAY, familyCreatedAt: T0, lastUsedAt: T0 + 20 * DAY };

  it('is unbounded without either bound', () => {
    expect(credentialLifeEnd(record, none)).toBe(Number.POSITIVE_INFINITY);
  });

  it('ends at the family start plus the maximum age', () => {
    expect(credentialLifeEnd(record, { maxCredentialAgeDays: 100, idleExpiryDays: null })).toBe(T0 + 100 * DAY);
  });

  it('ends at the last use plus the idle expiry', () => {
    expect(credentialLifeEnd(record, { maxCredentialAgeDays: null, idleExpiryDays: 30 })).toBe(T0 + 50 * DAY);
  });

  it('ends at the earlier of the two', () => {
    expect(credentialLifeEnd(record, { maxCredentialAgeDays: 40, idleExpiryDays: 30 })).toBe(T0 + 40 * DAY);
    expect(credentialLifeEnd(record, { maxCredentialAgeDays: 60, idleExpiryDays: 30 })).toBe(T0 + 50 * DAY);
  });
});

describe('credentialLifeOver', () => {
  const record = { createdAt: T0 };
  const policy = { maxCredentialAgeDays: 10, idleExpiryDays: null };

  it('holds until the last millisecond and is over at the end', () => {
    expect(credentialLifeOver(record, policy, T0 + 10 * DAY - 1)).toBe(false);
    expect(credentialLifeOver(record, policy, T0 + 10 * DAY)).toBe(true);
    expect(credentialLifeOver(record, policy, T0 + 10 * DAY + 1)).toBe(true);
  });

  it('is never over without a bound', () => {
    expect(credentialLifeOver(record, none, T0 + 10_000 * DAY)).toBe(false);
  });
});

describe('isIdle', () => {
  const record = { createdAt: T0, lastUsedAt: T0 + DAY };

  it('counts from the last use, the boundary on both sides', () => {
    expect(isIdle(record, 30, T0 + 31 * DAY - 1)).toBe(false);
    expect(isIdle(record, 30, T0 + 31 * DAY)).toBe(true);
  });

  it('is never idle without an idle expiry', () => {
    expect(isIdle(record, null, T0 + 10_000 * DAY)).toBe(false);
    expect(isIdle(record, null, T0 + DAY)).toBe(false);
  });
});

describe('refreshableUntilOf', () => {
  const active = { state: 'active' as const, createdAt: T0, expiresAt: T0 + 30 * DAY };
  const window = { refreshWindowDays: 7 };

  it('is the expiry plus the refresh window, until its last millisecond', () => {
    expect(refreshableUntilOf(active, window, T0)).toBe(T0 + 37 * DAY);
    expect(refreshableUntilOf(active, window, T0 + 37 * DAY - 1)).toBe(T0 + 37 * DAY);
    expect(refreshableUntilOf(active, window, T0 + 37 * DAY)).toBeNull();
  });

  it('is unbounded for a token without expiry and without credential bounds', () => {
    expect(refreshableUntilOf({ ...active, expiresAt: null }, window, T0 + 1000 * DAY)).toBe(Number.POSITIVE_INFINITY);
  });

  it('is bounded by the credential’s maximum age and its idle expiry', () => {
    expect(refreshableUntilOf(active, { ...window, maxCredentialAgeDays: 20 }, T0)).toBe(T0 + 20 * DAY);
    expect(refreshableUntilOf({ ...active, lastUsedAt: T0 + DAY }, { ...window, idleExpiryDays: 5 }, T0)).toBe(T0 + 6 * DAY);
    expect(refreshableUntilOf({ ...active, expiresAt: null }, { ...window, idleExpiryDays: 5, maxCredentialAgeDays: null }, T0)).toBe(
      T0 + 5 * DAY,
    );
  });

  it('is null for a rotated, revoked or pending token', () => {
    expect(refreshableUntilOf({ ...active, rotatedAt: T0 + DAY }, window, T0 + DAY)).toBeNull();
    expect(refreshableUntilOf({ ...active, rotatedAt: 0 }, window, T0)).toBeNull();
    expect(refreshableUntilOf({ ...active, state: 'revoked' }, window, T0)).toBeNull();
    expect(refreshableUntilOf({ ...active, state: 'pending' }, window, T0)).toBeNull();
  });
});

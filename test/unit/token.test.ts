import { describe, expect, it } from 'vitest';
import {
  authorizesAccess,
  formatRefreshKey,
  hashSecret,
  PENDING_APPROVAL_MS,
  parseRefreshKey,
  secretMatches,
  statusOf,
  validUntil,
} from '../../functions/domain/token';

const id = '0123456789abcdef0123456789abcdef';
const secret = 'A'.repeat(42) + '_';

describe('token status', () => {
  it('is expired from expiresAt, whatever the stored state says', () => {
    expect(statusOf({ state: 'active', expiresAt: 1000 }, 1000)).toBe('expired');
    expect(statusOf({ state: 'active', expiresAt: 1000 }, 999)).toBe('active');
    expect(statusOf({ state: 'revoked', expiresAt: 1000 }, 2000)).toBe('revoked');
    expect(statusOf({ state: 'active', expiresAt: null }, Number.MAX_SAFE_INTEGER)).toBe('active');
  });

  it('lets a rotated token in until its grace deadline, and not a millisecond after', () => {
    const rotated = { state: 'revoked' as const, expiresAt: 10_000, revokeReason: 'rotated' as const, graceUntil: 5_000 };
    expect(authorizesAccess(rotated, 4_999)).toBe(true);
    expect(authorizesAccess(rotated, 5_000)).toBe(false);
  });

  it('never lets a token revoked for another reason in', () => {
    expect(authorizesAccess({ state: 'revoked', expiresAt: 10_000, revokeReason: 'revoked', graceUntil: 5_000 }, 1)).toBe(false);
  });

  it('caps a cached decision at the grace deadline or exp', () => {
    expect(validUntil({ state: 'revoked', expiresAt: 10_000, graceUntil: 5_000 })).toBe(5_000);
    expect(validUntil({ state: 'active', expiresAt: 10_000 })).toBe(10_000);
  });
});

describe('refresh keys', () => {
  it('round-trips the token id and secret', () => {
    expect(parseRefreshKey(formatRefreshKey(id, secret))).toEqual({ tokenId: id, secret });
  });

  it.each([
    '',
    'patr_',
    `patr_${id}`,
    `patr_${id}_short`,
    `pat_${id}_${secret}`,
    `patr_${id.toUpperCase()}_${secret}`,
    `patr_${id}_${secret}x`,
  ])('rejects %j', (key) => {
    expect(parseRefreshKey(key)).toBeUndefined();
  });

  it('matches a secret against its stored hash only', () => {
    expect(secretMatches(secret, hashSecret(secret))).toBe(true);
    expect(secretMatches(secret.replace('A', 'B'), hashSecret(secret))).toBe(false);
    expect(secretMatches(secret, 'not-a-hash')).toBe(false);
  });
});

describe('pending tokens', () => {
  it('are pending for seven days, then expired unapproved', () => {
    const createdAt = Date.UTC(2026, 10, 1);
    const pending = { state: 'pending' as const, expiresAt: createdAt + 90 * 86_400_000, createdAt };
    expect(statusOf(pending, createdAt + PENDING_APPROVAL_MS - 1)).toBe('pending');
    expect(statusOf(pending, createdAt + PENDING_APPROVAL_MS)).toBe('expired');
  });

  it('never authorize access, approved or not yet', () => {
    expect(authorizesAccess({ state: 'pending', expiresAt: null, revokeReason: undefined, graceUntil: undefined }, 0)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import {
  authorizesAccess,
  claimsOf,
  countsUntil,
  familyStartedBy,
  isTokenId,
  metadataOf,
  PENDING_APPROVAL_MS,
  reachOf,
  refreshKeyChecksum,
  statusOf,
  type TokenFamily,
  type TokenRecord,
  validUntil,
  withFamilyState,
} from '../../functions/domain/token';

// The rules of functions/domain/token.ts that test/unit/token.test.ts does not reach: a member's
// status under its family, what a family revocation reaches, and what metadata and claims show.
const createdAt = Date.UTC(2026, 10, 1, 8, 0, 0, 250);
const record = (change: Partial<TokenRecord> = {}): TokenRecord => ({
  id: '0123456789abcdef0123456789abcdef',
  tenant: 'acme',
  owner: 'alice',
  createdBy: 'alice',
  description: 'CI deploys',
  scopes: ['jobs:read', 'candidates:write'],
  allowedIps: ['10.0.0.0/8'],
  createdAt,
  expiresAt: Date.UTC(2027, 1, 1),
  state: 'active',
  familyId: 'fedcba9876543210fedcba9876543210',
  generation: 1,
  refreshKeyHash: 'ab'.repeat(32),
  ...change,
});

const revokedFamily: TokenFamily = {
  id: 'fedcba9876543210fedcba9876543210',
  tenant: 'acme',
  owner: 'alice',
  state: 'revoked',
  headId: '0123456789abcdef0123456789abcdef',
  generation: 2,
  revokedAt: createdAt + 5000,
  revokedBy: 'security',
  revokeReason: 'reuse_detected',
};

describe('familyStartedBy', () => {
  it('starts a live family headed by the created token', () => {
    expect(familyStartedBy(record())).toEqual({
      id: 'fedcba9876543210fedcba9876543210',
      tenant: 'acme',
      owner: 'alice',
      state: 'live',
      headId: '0123456789abcdef0123456789abcdef',
      generation: 1,
    });
  });
});

describe('withFamilyState: the status of a revoked family member', () => {
  it('revokes an active member of a revoked family with the family’s reason, time and actor', () => {
    expect(withFamilyState(record(), revokedFamily)).toMatchObject({
      state: 'revoked',
      revokeReason: 'reuse_detected',
      revokedAt: createdAt + 5000,
      revokedBy: 'security',
    });
  });

  it('revokes a rotated member still in its grace, so that the grace no longer lets it in', () => {
    const rotated = record({ state: 'revoked', revokeReason: 'rotated', revokedAt: createdAt + 1000, graceUntil: createdAt + 61_000 });

    const member = withFamilyState(rotated, revokedFamily);

    expect(member.revokeReason).toBe('reuse_detected');
    expect(authorizesAccess(member, createdAt + 2000)).toBe(false);
  });

  it('keeps a member revoked for its own reason as it was', () => {
    const own = record({ state: 'revoked', revokeReason: 'leaked', revokedAt: createdAt + 1000, revokedBy: 'alice' });

    expect(withFamilyState(own, revokedFamily)).toBe(own);
  });

  it('revokes a pending member of a revoked family', () => {
    expect(withFamilyState(record({ state: 'pending' }), revokedFamily).state).toBe('revoked');
  });

  it('leaves members of a live family, or of no family read, as they are', () => {
    const active = record();

    expect(withFamilyState(active, { ...revokedFamily, state: 'live' })).toBe(active);
    expect(withFamilyState(active, undefined)).toBe(active);
  });
});

describe('reachOf: what a family revocation revokes', () => {
  it.each(['revoked', 'outside_policy'] as const)("reaches only live members for a person's %s", (reason) => {
    expect(reachOf(reason)).toBe('live');
  });

  it.each(['reuse_detected', 'leaked', 'rejected', 'rotated'] as const)('reaches every member for %s', (reason) => {
    expect(reachOf(reason)).toBe('all');
  });
});

describe('statusOf and authorizesAccess', () => {
  it('keeps a pending record without a creation time pending', () => {
    expect(statusOf({ state: 'pending', expiresAt: null }, Number.MAX_SAFE_INTEGER)).toBe('pending');
  });

  it('is active just before expiry and refuses access from the expiry millisecond on', () => {
    const active = { state: 'active' as const, expiresAt: 10_000, revokeReason: undefined, graceUntil: undefined };

    expect(authorizesAccess(active, 9_999)).toBe(true);
    expect(authorizesAccess(active, 10_000)).toBe(false);
  });

  it('lets an active token without expiry in at any time', () => {
    expect(
      authorizesAccess({ state: 'active', expiresAt: null, revokeReason: undefined, graceUntil: undefined }, Number.MAX_SAFE_INTEGER),
    ).toBe(true);
  });

  it('refuses a rotated token in its grace once the token itself has expired', () => {
    const rotated = { state: 'revoked' as const, expiresAt: 3_000, revokeReason: 'rotated' as const, graceUntil: 5_000 };

    expect(authorizesAccess(rotated, 2_999)).toBe(true);
    expect(authorizesAccess(rotated, 3_000)).toBe(false);
  });

  it('lets a rotated token without expiry in during its grace', () => {
    expect(authorizesAccess({ state: 'revoked', expiresAt: null, revokeReason: 'rotated', graceUntil: 5_000 }, 4_000)).toBe(true);
  });
});

describe('validUntil', () => {
  it('never ends for an active token without expiry', () => {
    expect(validUntil({ state: 'active', expiresAt: null })).toBe(Number.POSITIVE_INFINITY);
  });

  it('ends at once for a revoked token without grace', () => {
    expect(validUntil({ state: 'revoked', expiresAt: 10_000 })).toBe(0);
  });

  it('ends at expiry for a rotated token whose grace outlasts it', () => {
    expect(validUntil({ state: 'revoked', expiresAt: 4_000, graceUntil: 5_000 })).toBe(4_000);
  });
});

describe('metadataOf', () => {
  it('shows an active token with ISO times and no revocation or grace fields', () => {
    const metadata = metadataOf(record({ lastUsedAt: createdAt + 60_000, lastUsedIps: ['10.1.2.3'] }), createdAt + 120_000);

    // Strict: a revocation or grace field present with an undefined value is a defect too.
    expect(metadata).toStrictEqual({
      id: '0123456789abcdef0123456789abcdef',
      owner: 'alice',
      tenant: 'acme',
      createdBy: 'alice',
      description: 'CI deploys',
      scopes: ['jobs:read', 'candidates:write'],
      allowedIps: ['10.0.0.0/8'],
      createdAt: '2026-11-01T08:00:00.250Z',
      expiresAt: '2027-02-01T00:00:00.000Z',
      status: 'active',
      familyId: 'fedcba9876543210fedcba9876543210',
      generation: 1,
      lastUsedAt: '2026-11-01T08:01:00.250Z',
      lastUsedIps: ['10.1.2.3'],
      credentialLastUsedAt: '2026-11-01T08:01:00.250Z',
      revision: 0,
    });
  });

  it('shows a never-used token without expiry as null, null and an empty list', () => {
    const metadata = metadataOf(record({ expiresAt: null }), createdAt);

    expect(metadata.expiresAt).toBeNull();
    expect(metadata.lastUsedAt).toBeNull();
    expect(metadata.lastUsedIps).toEqual([]);
  });

  it('shows who revoked a revoked token, when and why', () => {
    const metadata = metadataOf(
      record({ state: 'revoked', revokedAt: createdAt + 1000, revokedBy: 'bob', revokeReason: 'leaked' }),
      createdAt,
    );

    expect(metadata).toMatchObject({ status: 'revoked', revokedAt: '2026-11-01T08:00:01.250Z', revokedBy: 'bob', revokeReason: 'leaked' });
    expect(metadata).not.toHaveProperty('graceUntil');
  });

  it('shows the grace of a rotated token, and no grace for a token revoked otherwise', () => {
    const rotated = record({ state: 'revoked', revokedAt: createdAt, revokeReason: 'rotated', graceUntil: createdAt + 60_000 });

    expect(metadataOf(rotated, createdAt).graceUntil).toBe('2026-11-01T08:01:00.250Z');
    expect(metadataOf({ ...rotated, revokeReason: 'reuse_detected' }, createdAt)).not.toHaveProperty('graceUntil');
  });

  it('never shows the refresh key hash', () => {
    expect(JSON.stringify(metadataOf(record(), createdAt))).not.toContain('ab'.repeat(32));
  });
});

describe('claimsOf', () => {
  it('carries the scopes space-separated and whole-second times', () => {
    expect(claimsOf(record(), 'https://pat.test')).toEqual({
      iss: 'https://pat.test',
      sub: 'alice',
      tid: 'acme',
      jti: '0123456789abcdef0123456789abcdef',
      fid: 'fedcba9876543210fedcba9876543210',
      scope: 'jobs:read candidates:write',
      iat: Math.floor(createdAt / 1000),
      exp: Date.UTC(2027, 1, 1) / 1000,
    });
  });

  it('has no exp for a token without expiry', () => {
    expect(claimsOf(record({ expiresAt: null }), 'https://pat.test')).not.toHaveProperty('exp');
  });
});

describe('isTokenId', () => {
  it('accepts 32 lowercase hex digits only', () => {
    expect(isTokenId('0123456789abcdef0123456789abcdef')).toBe(true);
    expect(isTokenId('0123456789ABCDEF0123456789ABCDEF')).toBe(false);
    expect(isTokenId('0123456789abcdef0123456789abcde')).toBe(false);
    expect(isTokenId('x0123456789abcdef0123456789abcdef')).toBe(false);
  });
});

describe('countsUntil', () => {
  it('counts an active token until it expires, and one without expiry for ever', () => {
    expect(countsUntil(record())).toBe(Date.UTC(2027, 1, 1));
    expect(countsUntil(record({ expiresAt: null }))).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('counts a pending token until the end of its wait, or its expiry if that is sooner', () => {
    expect(countsUntil(record({ state: 'pending' }))).toBe(createdAt + PENDING_APPROVAL_MS);
    expect(countsUntil(record({ state: 'pending', expiresAt: null }))).toBe(createdAt + PENDING_APPROVAL_MS);
    expect(countsUntil(record({ state: 'pending', expiresAt: createdAt + 60_000 }))).toBe(createdAt + 60_000);
  });
});

describe('metadataOf: approval', () => {
  it('shows the justification and the reason of a rejection when the record has them, and only then', () => {
    expect(metadataOf(record({ justification: 'nightly export', rejectReason: 'use the shared one' }), createdAt)).toMatchObject({
      justification: 'nightly export',
      rejectReason: 'use the shared one',
    });
    const plain = metadataOf(record(), createdAt);
    expect(plain).not.toHaveProperty('justification');
    expect(plain).not.toHaveProperty('rejectReason');
  });
});

describe('refreshKeyChecksum', () => {
  it('is the CRC32 of the body in 6 base62 digits, most significant first, zero-padded', () => {
    // zlib.crc32 of this body is 4236496981 = 4·62⁵ + 38·62⁴ + 43·62³ + 56·62² + 24·62 + 29: "4chuOT".
    expect(refreshKeyChecksum(`patr_0123456789abcdef0123456789abcdef_${'A'.repeat(42)}Q`)).toBe('4chuOT');
    expect(refreshKeyChecksum('')).toBe('000000');
  });
});

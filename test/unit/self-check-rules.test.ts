import { describe, expect, it } from 'vitest';
import { DomainError } from '../../functions/domain/errors';
import type { TenantPolicyOverrides } from '../../functions/domain/tenant-policy';
import type { TokenFamily, TokenRecord } from '../../functions/domain/token';
import { defaultPolicy } from '../../functions/domain/token-policy';
import type { AccessTokenVerifier, VerifiedClaims } from '../../functions/service/authorize';
import { type SelfCheckDeps, selfCheck } from '../../functions/service/self-check';

/** `GET /tokens/self` over fakes: which header is read, which refusal is given, and every field of the view. */
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const iso = (millis: number) => new Date(millis).toISOString();
const ID = '0123456789abcdef0123456789abcdef';
const FAMILY = 'f'.repeat(32);
const claims: VerifiedClaims = { jti: ID, fid: FAMILY, sub: 'ann', tid: 'acme', scope: 'jobs:read' };
const active: TokenRecord = {
  id: ID,
  tenant: 'acme',
  owner: 'ann',
  createdBy: 'ann',
  description: 'vendor sync',
  scopes: ['jobs:read'],
  allowedIps: ['203.0.113.0/24'],
  createdAt: T0,
  expiresAt: T0 + 90 * DAY,
  state: 'active',
  familyId: FAMILY,
  generation: 2,
  refreshKeyHash: 'ab',
};

interface World {
  record?: TokenRecord | undefined;
  family?: TokenFamily;
  overrides?: TenantPolicyOverrides;
  verified?: Awaited<ReturnType<AccessTokenVerifier['verify']>>;
  now?: number;
}

function setup(world: World = {}) {
  const { family, overrides, verified = { ok: true, claims }, now = T0 + DAY } = world;
  // `record: undefined` is a record that is gone, not the default one.
  const record = 'record' in world ? world.record : active;
  const reads: unknown[][] = [];
  const verifies: string[] = [];
  const deps: SelfCheckDeps = {
    verifier: {
      verify: async (token) => {
        verifies.push(token);
        return verified;
      },
    },
    status: {
      getWithFamily: async (...args) => {
        reads.push(['getWithFamily', ...args]);
        return { record, family };
      },
    },
    tenantPolicies: {
      getTenantPolicy: async (tenant) => {
        reads.push(['getTenantPolicy', tenant]);
        return overrides;
      },
    },
    clock: { now: () => now },
    policy: defaultPolicy,
  };
  return { deps, reads, verifies };
}

async function refusal(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof DomainError)) throw new Error(`expected a DomainError, got ${String(error)}`);
  return { code: error.code, message: error.message, challenge: error.challenge };
}

const noCredential = {
  code: 'unauthorized',
  message: 'Send the access token as Authorization: Bearer <token>',
  challenge: {},
};
const notValid = {
  code: 'unauthorized',
  message: 'The access token is not valid',
  challenge: { error: 'invalid_token', description: 'The access token is not valid' },
};

describe('selfCheck: the Authorization header', () => {
  it.each([undefined, '', 'Basic dXNlcg==', 'Bearer ', 'Bearer a b', 'xBearer tok', 'Bearer tok!', 'Bearer\ttok'])(
    'refuses %j as no credential, asking for a bearer token',
    async (header) => {
      const { deps, verifies } = setup();

      expect(await refusal(selfCheck(deps, header))).toEqual(noCredential);
      expect(verifies).toEqual([]);
    },
  );

  it('reads the token of a Bearer header in any case, white space around it trimmed', async () => {
    const { deps, verifies } = setup();

    await selfCheck(deps, '  bearer abc.DEF-_~+/=.x9  ');

    expect(verifies).toEqual(['abc.DEF-_~+/=.x9']);
  });
});

describe('selfCheck: refusals', () => {
  it('says why a verified-but-refused token is refused, and nothing about a forgery', async () => {
    expect(await refusal(selfCheck(setup({ verified: { ok: false, reason: 'expired' } }).deps, 'Bearer t'))).toEqual({
      code: 'unauthorized',
      message: 'The access token expired: refresh it with its refresh key',
      challenge: { error: 'invalid_token', description: 'The access token expired: refresh it with its refresh key' },
    });
    expect(await refusal(selfCheck(setup({ verified: { ok: false, reason: 'bad_signature' } }).deps, 'Bearer t'))).toEqual(notValid);
  });

  it('reads the record and family the claims name', async () => {
    const { deps, reads } = setup();

    await selfCheck(deps, 'Bearer t');

    expect(reads).toEqual([
      ['getWithFamily', ID, FAMILY],
      ['getTenantPolicy', 'acme'],
    ]);
  });

  it('refuses a token whose record is gone, or belongs to another tenant, owner or family', async () => {
    for (const world of [
      { record: undefined },
      { record: { ...active, tenant: 'globex' } },
      { record: { ...active, owner: 'bob' } },
      { record: { ...active, familyId: 'e'.repeat(32) } },
    ]) {
      const { deps, reads } = setup(world);
      expect(await refusal(selfCheck(deps, 'Bearer t'))).toEqual(notValid);
      expect(reads).toHaveLength(1);
    }
  });

  it('answers a token without a family claim, whatever its record’s family', async () => {
    const { deps } = setup({
      verified: { ok: true, claims: { ...claims, fid: undefined } },
      record: { ...active, familyId: 'e'.repeat(32) },
    });

    expect((await selfCheck(deps, 'Bearer t')).familyId).toBe('e'.repeat(32));
  });
});

describe('selfCheck: the view', () => {
  it('tells an active token its terms and until when it can be refreshed', async () => {
    expect(await selfCheck(setup().deps, 'Bearer t')).toStrictEqual({
      id: ID,
      status: 'active',
      expiresAt: iso(T0 + 90 * DAY),
      scopes: ['jobs:read'],
      allowedIps: ['203.0.113.0/24'],
      graceUntil: null,
      refreshableUntil: iso(T0 + 120 * DAY),
      refreshable: true,
      generation: 2,
      familyId: FAMILY,
      outsidePolicy: false,
    });
  });

  it('tells an expired token it is expired and still refreshable within the window', async () => {
    const view = await selfCheck(setup({ now: T0 + 100 * DAY }).deps, 'Bearer t');

    expect(view).toMatchObject({ status: 'expired', refreshableUntil: iso(T0 + 120 * DAY), refreshable: true, outsidePolicy: false });
  });

  it('gives a token without expiry no dates, and says it is refreshable', async () => {
    const view = await selfCheck(setup({ record: { ...active, expiresAt: null }, overrides: { allowNoExpiry: true } }).deps, 'Bearer t');

    expect(view).toMatchObject({ expiresAt: null, refreshableUntil: null, refreshable: true });
  });

  it('gives a rotated token its grace and reason, and no refresh', async () => {
    const rotated: TokenRecord = {
      ...active,
      state: 'revoked',
      revokeReason: 'rotated',
      rotatedAt: T0 + DAY,
      graceUntil: T0 + DAY + 60_000,
    };

    expect(await selfCheck(setup({ record: rotated }).deps, 'Bearer t')).toMatchObject({
      status: 'revoked',
      graceUntil: iso(T0 + DAY + 60_000),
      refreshableUntil: null,
      refreshable: false,
      revokeReason: 'rotated',
      outsidePolicy: false,
    });
  });

  it('gives no grace to a token revoked otherwise, nor to a rotated one without a grace time', async () => {
    const revoked: TokenRecord = { ...active, state: 'revoked', revokeReason: 'revoked', graceUntil: T0 + 2 * DAY };
    const noGrace: TokenRecord = { ...active, state: 'revoked', revokeReason: 'rotated', rotatedAt: T0 + DAY };

    expect((await selfCheck(setup({ record: revoked }).deps, 'Bearer t')).graceUntil).toBeNull();
    expect((await selfCheck(setup({ record: noGrace }).deps, 'Bearer t')).graceUntil).toBeNull();
  });

  it('names no reason for a token that is not revoked, even if its record holds one', async () => {
    const view = await selfCheck(setup({ record: { ...active, revokeReason: 'revoked' } }).deps, 'Bearer t');

    expect(view).not.toHaveProperty('revokeReason');
  });

  it('names no reason for a revoked token whose record has none', async () => {
    const view = await selfCheck(setup({ record: { ...active, state: 'revoked' } }).deps, 'Bearer t');

    expect(view.status).toBe('revoked');
    expect(view).not.toHaveProperty('revokeReason');
  });

  it('takes the revocation of the token’s family as its own', async () => {
    const family: TokenFamily = {
      id: FAMILY,
      tenant: 'acme',
      owner: 'ann',
      state: 'revoked',
      headId: ID,
      generation: 2,
      revokeReason: 'leaked',
      revokedAt: T0,
    };

    expect(await selfCheck(setup({ family }).deps, 'Bearer t')).toMatchObject({
      status: 'revoked',
      revokeReason: 'leaked',
      refreshable: false,
    });
  });

  it('says a live token is outside the tenant’s current policy, and that it cannot be refreshed', async () => {
    const overrides = { allowedAreas: ['candidates'] };

    expect(await selfCheck(setup({ overrides }).deps, 'Bearer t')).toMatchObject({
      status: 'active',
      outsidePolicy: true,
      refreshableUntil: null,
      refreshable: false,
    });
    expect(await selfCheck(setup({ overrides, record: { ...active, state: 'pending' } }).deps, 'Bearer t')).toMatchObject({
      status: 'pending',
      outsidePolicy: true,
    });
  });

  it('does not call an expired or revoked token outside the policy', async () => {
    const overrides = { allowedAreas: ['candidates'] };

    expect((await selfCheck(setup({ overrides, now: T0 + 91 * DAY }).deps, 'Bearer t')).outsidePolicy).toBe(false);
    const revoked: TokenRecord = { ...active, state: 'revoked', revokeReason: 'revoked' };
    expect((await selfCheck(setup({ overrides, record: revoked }).deps, 'Bearer t')).outsidePolicy).toBe(false);
  });

  it('says a token longer-lived than the policy now allows is outside it, but still refreshable', async () => {
    const view = await selfCheck(
      setup({ overrides: { maxLifetimeDays: 30, defaultLifetimeDays: 30, lifetimesDays: [30] } }).deps,
      'Bearer t',
    );

    expect(view).toMatchObject({ outsidePolicy: true, refreshable: true });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPolicyView, startTestService, type TestService } from '../support/local-service';

/**
 * Tenant governance over HTTP (SPEC "Tenant governance"): each tenant's admins tighten the
 * deployment's policy for their tenant, never widen it; approval, regenerate and edit. Each test
 * uses its own tenant: a policy is per tenant.
 */
let service: TestService;
let tenantCount = 0;

beforeAll(async () => {
  // No authorizer result cache: the refusal of a token shows the stored truth at once.
  service = await startTestService({ authorizerCacheSeconds: 0, settings: { statusCacheSeconds: 0, feedStatusCacheSeconds: 0 } });
});
afterAll(async () => {
  await service?.stop();
});

async function tenant() {
  const name = `gov${++tenantCount}-${Math.random().toString(16).slice(2, 8)}`;
  return { name, admin: await service.session('ada', name, true), user: await service.session('uma', name) };
}

const put = (token: string, body: unknown) => service.call('PUT', '/tenant/policy', { token, body });

describe('GET /policy and PUT /tenant/policy', () => {
  it('answers the deployment policy to a new tenant, with every governance key', async () => {
    const { user } = await tenant();
    const policy = await service.call('GET', '/policy', { token: user });
    expect(policy.status).toBe(200);
    expect(policy.body).toEqual(defaultPolicyView);
  });

  it.each([
    ['maxLifetimeDays', { maxLifetimeDays: 180 }, { maxLifetimeDays: 180, lifetimesDays: [90, 180] }],
    ['lifetimesDays', { lifetimesDays: [90], defaultLifetimeDays: 90 }, { lifetimesDays: [90], defaultLifetimeDays: 90 }],
    ['allowNoExpiry', { allowNoExpiry: false }, { allowNoExpiry: false }],
    ['creators', { creators: 'admins' }, { creators: 'admins' }],
    ['requireIpRestriction', { requireIpRestriction: true }, { requireIpRestriction: true }],
    ['allowedAreas', { allowedAreas: ['jobs'] }, { allowedAreas: ['jobs'] }],
    ['maxActiveTokensPerOwner', { maxActiveTokensPerOwner: 3 }, { maxActiveTokensPerOwner: 3 }],
    ['requireApproval', { requireApproval: true }, { requireApproval: true }],
  ])('accepts a tightening of %s and answers the new effective policy', async (_field, change, expected) => {
    const { admin, user } = await tenant();
    const answer = await put(admin, change);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject(expected);
    expect((await service.call('GET', '/policy', { token: user })).body).toMatchObject(expected);
  });

  it.each([
    ['maxLifetimeDays', { maxLifetimeDays: 400 }],
    ['lifetimesDays', { lifetimesDays: [90, 500] }],
    ['allowNoExpiry', { allowNoExpiry: true }],
    ['maxActiveTokensPerOwner', { maxActiveTokensPerOwner: 101 }],
    ['allowedAreas', { allowedAreas: ['payroll'] }],
    ['creators', { creators: 'nobody' }],
    ['defaultLifetimeDays', { defaultLifetimeDays: 30 }],
    ['surprise', { surprise: true }],
  ])(
    'refuses a change of %s wider than the deployment (or unknown) with a 400 naming the field, and changes nothing',
    async (field, change) => {
      const { admin, user } = await tenant();
      const before = (await service.call('GET', '/policy', { token: user })).body;
      const answer = await put(admin, change);
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('invalid_request');
      expect(answer.body.error.details.map((detail: { field: string }) => detail.field)).toContain(field);
      expect((await service.call('GET', '/policy', { token: user })).body).toEqual(before);
    },
  );

  it("answers 403 to a non-admin, and an admin of another tenant changes only their own tenant's policy", async () => {
    const acme = await tenant();
    const globex = await tenant();
    expect((await put(acme.user, { creators: 'admins' })).status).toBe(403);
    expect((await put(globex.admin, { creators: 'admins' })).status).toBe(200);
    expect((await service.call('GET', '/policy', { token: acme.user })).body.creators).toBe('everyone');
  });

  it('records every change in the audit trail', async () => {
    const { admin } = await tenant();
    await put(admin, { maxActiveTokensPerOwner: 5 });
    const trail = await service.call('GET', '/audit', { token: admin });
    expect(trail.body.items.map((event: { action: string }) => event.action)).toContain('tenant.policy_changed');
  });
});

describe('the policy at work', () => {
  it("answers 403 to a user's create when only admins create tokens, and lets an admin create one", async () => {
    const { admin, user } = await tenant();
    await put(admin, { creators: 'admins' });
    const refused = await service.call('POST', '/tokens', { token: user, body: { description: 'mine', scopes: ['jobs:read'] } });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('forbidden');
    expect(
      (await service.call('POST', '/tokens', { token: admin, body: { description: 'for uma', scopes: ['jobs:read'], owner: 'uma' } }))
        .status,
    ).toBe(201);
  });

  it('refuses scopes outside the allowed areas and tokens without IP entries when they are required', async () => {
    const { admin, user } = await tenant();
    await put(admin, { allowedAreas: ['candidates'], requireIpRestriction: true });
    const outside = await service.call('POST', '/tokens', {
      token: user,
      body: { description: 'a', scopes: ['jobs:read'], allowedIps: ['203.0.113.1'] },
    });
    expect(outside.status).toBe(400);
    expect(outside.body.error.details.map((d: { field: string }) => d.field)).toEqual(['scopes']);
    const noIps = await service.call('POST', '/tokens', { token: user, body: { description: 'b', scopes: ['candidates/documents:read'] } });
    expect(noIps.body.error.details.map((d: { field: string }) => d.field)).toEqual(['allowedIps']);
    const fine = await service.call('POST', '/tokens', {
      token: user,
      body: { description: 'c', scopes: ['candidates/documents:read'], allowedIps: ['127.0.0.1'] },
    });
    expect(fine.status).toBe(201);
  });

  it('caps lifetimes and active tokens at the tenant values', async () => {
    const { admin, user } = await tenant();
    await put(admin, { maxLifetimeDays: 90, maxActiveTokensPerOwner: 1 });
    const long = await service.call('POST', '/tokens', {
      token: user,
      body: { description: 'long', scopes: ['jobs:read'], expiresInDays: 180 },
    });
    expect(long.status).toBe(400);
    await service.createToken(user, { description: 'one', scopes: ['jobs:read'] });
    expect((await service.call('POST', '/tokens', { token: user, body: { description: 'two', scopes: ['jobs:read'] } })).status).toBe(409);
  });

  it('flags tokens a tightened policy no longer allows, keeps them working, and revokes them all in one call', async () => {
    const { admin, user } = await tenant();
    const wide = await service.createToken(user, { description: 'wide', scopes: ['jobs:read'] });
    const narrow = await service.createToken(user, { description: 'narrow', scopes: ['candidates:read'] });
    await put(admin, { allowedAreas: ['candidates'] });

    const listed = await service.call('GET', '/tokens', { token: admin });
    const flags = Object.fromEntries(
      listed.body.items.map((item: { id: string; outsidePolicy: boolean }) => [item.id, item.outsidePolicy]),
    );
    expect(flags).toEqual({ [wide.id]: true, [narrow.id]: false });
    expect((await service.call('GET', '/api/jobs', { token: wide.accessToken })).status).toBe(200);
    expect((await service.call('POST', '/tokens/refresh', { body: { refreshKey: wide.refreshKey } })).status).toBe(401);

    const revoked = await service.call('POST', '/tenant/revoke-outside-policy', { token: admin });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedTokenIds).toEqual([wide.id]);
    expect((await service.call('GET', '/api/jobs', { token: wide.accessToken })).status).toBe(401);
    expect((await service.call('GET', '/api/candidates', { token: narrow.accessToken })).status).toBe(200);
  });

  it('gives a refreshed successor no more than the tenant maximum after it was lowered', async () => {
    const { admin, user } = await tenant();
    const token = await service.createToken(user, { description: 'long-lived', scopes: ['jobs:read'], expiresInDays: 365 });
    await put(admin, { maxLifetimeDays: 90 });
    const refreshed = await service.call('POST', '/tokens/refresh', { body: { refreshKey: token.refreshKey } });
    expect(refreshed.status).toBe(200);
    const lifetimeDays = (Date.parse(refreshed.body.expiresAt) - Date.parse(refreshed.body.createdAt)) / 86_400_000;
    expect(lifetimeDays).toBeLessThanOrEqual(90);
    expect(lifetimeDays).toBeGreaterThan(89.99);
  });
});

describe('approval', () => {
  it('holds a user token pending, refused by the authorizer, until an admin approves it; then it works', async () => {
    const { admin, user } = await tenant();
    await put(admin, { requireApproval: true });
    const pending = await service.createToken(user, { description: 'needs approval', scopes: ['jobs:read'] });
    expect(pending.status).toBe('pending');
    expect((await service.call('GET', '/api/jobs', { token: pending.accessToken })).status).toBe(401);
    expect((await service.call('GET', '/tokens?status=pending', { token: user })).body.items.map((t: { id: string }) => t.id)).toEqual([
      pending.id,
    ]);
    expect((await service.call('POST', `/tokens/${pending.id}/approve`, { token: user, body: { revision: 0 } })).status).toBe(403);
    // The admin names the revision shown: without one the decision is refused, and nothing is approved.
    expect((await service.call('POST', `/tokens/${pending.id}/approve`, { token: admin })).status).toBe(400);

    const approved = await service.call('POST', `/tokens/${pending.id}/approve`, { token: admin, body: { revision: 0 } });
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe('active');
    expect((await service.call('GET', '/api/jobs', { token: pending.accessToken })).status).toBe(200);
    expect((await service.call('POST', `/tokens/${pending.id}/approve`, { token: admin, body: { revision: 0 } })).status).toBe(409);
  });

  it('does not approve a token edited after the admin looked at it (409), so nothing wider than shown is approved', async () => {
    const { admin, user } = await tenant();
    await put(admin, { requireApproval: true });
    const pending = await service.createToken(user, {
      description: 'looked at',
      scopes: ['jobs:read', 'candidates:read'],
      allowedIps: ['203.0.113.0/24'],
    });
    const shown = await service.call('GET', `/tokens/${pending.id}`, { token: admin });
    expect(shown.body.revision).toBe(0);
    const edited = await service.call('PATCH', `/tokens/${pending.id}`, { token: user, body: { scopes: ['jobs:read'] } });
    expect(edited.body.revision).toBe(1);

    const stale = await service.call('POST', `/tokens/${pending.id}/approve`, { token: admin, body: { revision: shown.body.revision } });

    expect(stale.status).toBe(409);
    expect((await service.call('GET', `/tokens/${pending.id}`, { token: admin })).body.status).toBe('pending');
    const current = await service.call('POST', `/tokens/${pending.id}/approve`, { token: admin, body: { revision: 1 } });
    expect(current.body).toMatchObject({ status: 'active', scopes: ['jobs:read'] });
  });

  it("lets an owner only narrow a token's IP entries; an admin may widen them", async () => {
    const { admin, user } = await tenant();
    const token = await service.createToken(user, { description: 'ip narrowing', scopes: ['jobs:read'], allowedIps: ['203.0.113.7'] });

    const widened = await service.call('PATCH', `/tokens/${token.id}`, { token: user, body: { allowedIps: ['0.0.0.0/0'] } });
    const emptied = await service.call('PATCH', `/tokens/${token.id}`, { token: user, body: { allowedIps: [] } });
    const narrowed = await service.call('PATCH', `/tokens/${token.id}`, { token: user, body: { allowedIps: ['203.0.113.7/32'] } });
    const byAdmin = await service.call('PATCH', `/tokens/${token.id}`, { token: admin, body: { allowedIps: ['203.0.113.0/24'] } });

    expect(widened.status).toBe(400);
    expect(widened.body.error.details).toEqual([{ field: 'allowedIps', message: 'widens the current IP restriction' }]);
    expect(emptied.status).toBe(400);
    expect(narrowed.status).toBe(200);
    expect(byAdmin.body.allowedIps).toEqual(['203.0.113.0/24']);
  });

  it('refuses entries that allow every address where the tenant requires IP restriction, and entries outside its allowed ranges', async () => {
    const { admin, user } = await tenant();
    await put(admin, { requireIpRestriction: true, allowedIpRanges: ['203.0.113.0/24', '2001:db8::/32'] });

    const everything = await service.call('POST', '/tokens', {
      token: user,
      body: { description: 'any', scopes: ['jobs:read'], allowedIps: ['0.0.0.0/0'] },
    });
    const v6Everything = await service.call('POST', '/tokens', {
      token: user,
      body: { description: 'any6', scopes: ['jobs:read'], allowedIps: ['::/0'] },
    });
    const outside = await service.call('POST', '/tokens', {
      token: user,
      body: { description: 'outside', scopes: ['jobs:read'], allowedIps: ['198.51.100.1'] },
    });
    const inside = await service.call('POST', '/tokens', {
      token: user,
      body: { description: 'inside', scopes: ['jobs:read'], allowedIps: ['203.0.113.9', '2001:db8::1'] },
    });

    expect([everything.status, v6Everything.status, outside.status, inside.status]).toEqual([400, 400, 400, 201]);
    expect(everything.body.error.details[0]).toMatchObject({ field: 'allowedIps' });
    expect((await service.call('GET', '/policy', { token: user })).body.allowedIpRanges).toEqual(['203.0.113.0/24', '2001:db8::/32']);
  });

  it('rejects a pending token: revoked with reason rejected; an admin creates active tokens directly', async () => {
    const { admin, user } = await tenant();
    await put(admin, { requireApproval: true });
    const pending = await service.createToken(user, { description: 'to reject', scopes: ['jobs:read'] });
    const rejected = await service.call('POST', `/tokens/${pending.id}/reject`, {
      token: admin,
      body: { revision: 0, reason: 'use a read-only token' },
    });
    expect(rejected.body).toMatchObject({ status: 'revoked', revokeReason: 'rejected', rejectReason: 'use a read-only token' });
    expect((await service.call('GET', `/tokens/${pending.id}`, { token: user })).body.rejectReason).toBe('use a read-only token');
    expect((await service.call('POST', '/tokens/refresh', { body: { refreshKey: pending.refreshKey } })).status).toBe(401);
    const byAdmin = await service.createToken(admin, { description: 'admin', scopes: ['jobs:read'] });
    expect(byAdmin.status).toBe('active');
  });

  it("does not let an admin of another tenant approve this tenant's tokens", async () => {
    const acme = await tenant();
    const globex = await tenant();
    await put(acme.admin, { requireApproval: true });
    const pending = await service.createToken(acme.user, { description: 'acme pending', scopes: ['jobs:read'] });
    expect((await service.call('POST', `/tokens/${pending.id}/approve`, { token: globex.admin, body: { revision: 0 } })).status).toBe(404);
    expect((await service.call('GET', `/tokens/${pending.id}`, { token: acme.user })).body.status).toBe('pending');
  });
});

describe('regenerate and edit', () => {
  it('regenerates: new secrets once, same family, next generation, the old token valid for the grace period', async () => {
    const { user } = await tenant();
    const token = await service.createToken(user, { description: 'renew me', scopes: ['jobs:read'] });
    const renewed = await service.call('POST', `/tokens/${token.id}/regenerate`, { token: user });
    expect(renewed.status).toBe(200);
    expect(renewed.body).toMatchObject({
      familyId: token.id,
      generation: 2,
      description: 'renew me',
      accessToken: expect.any(String),
      refreshKey: expect.any(String),
    });
    expect((await service.call('GET', '/api/jobs', { token: token.accessToken })).status).toBe(200);
    expect((await service.call('GET', '/api/jobs', { token: renewed.body.accessToken })).status).toBe(200);
    expect((await service.call('POST', '/tokens/refresh', { body: { refreshKey: token.refreshKey } })).status).not.toBe(200);
    const trail = await service.call('GET', `/tokens/${token.id}/audit`, { token: user });
    expect(trail.body.items.map((event: { action: string }) => event.action)).toContain('token.regenerated');
  });

  it('edits description and IP entries, narrows scopes, refuses a wider grant, and the authorizer follows', async () => {
    const { user } = await tenant();
    const token = await service.createToken(user, { description: 'editable', scopes: ['candidates:read', 'jobs:read'] });
    const edited = await service.call('PATCH', `/tokens/${token.id}`, {
      token: user,
      body: { description: 'edited', scopes: ['jobs:read'] },
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ description: 'edited', scopes: ['jobs:read'] });
    expect((await service.call('GET', '/api/candidates', { token: token.accessToken })).status).toBe(403);
    expect((await service.call('GET', '/api/jobs', { token: token.accessToken })).status).toBe(200);

    const wider = await service.call('PATCH', `/tokens/${token.id}`, { token: user, body: { scopes: ['jobs:read', 'jobs:write'] } });
    expect(wider.status).toBe(400);
    expect(wider.body.error.details[0].field).toBe('scopes');
    const ips = await service.call('PATCH', `/tokens/${token.id}`, { token: user, body: { allowedIps: ['198.51.100.0/24'] } });
    expect(ips.body.allowedIps).toEqual(['198.51.100.0/24']);
    expect((await service.call('GET', '/api/jobs', { token: token.accessToken })).status).toBe(403);
    expect((await service.call('PATCH', `/tokens/${token.id}`, { token: user, body: {} })).status).toBe(400);
    const trail = await service.call('GET', `/tokens/${token.id}/audit`, { token: user });
    expect(trail.body.items.filter((event: { action: string }) => event.action === 'token.edited')).toHaveLength(2);
  });

  it('keeps the family consistent when an edit races a refresh: the successor carries the edit or the edit lands on the successor', async () => {
    const { user } = await tenant();
    for (let round = 0; round < 5; round++) {
      const token = await service.createToken(user, { description: `race ${round}`, scopes: ['candidates:read', 'jobs:read'] });
      const [edit, refresh] = await Promise.all([
        service.call('PATCH', `/tokens/${token.id}`, { token: user, body: { scopes: ['jobs:read'] } }),
        service.call('POST', '/tokens/refresh', { body: { refreshKey: token.refreshKey } }),
      ]);
      expect(refresh.status).toBe(200);
      const head = await service.call('GET', `/tokens/${refresh.body.id}`, { token: user });
      // Either the edit committed first and the successor copied it, or the refresh won and the
      // edit of the rotated token was refused (409): never an edit silently lost.
      if (edit.status === 200) expect(head.body.scopes).toEqual(['jobs:read']);
      else expect(edit.status).toBe(409);
      const active = (await service.call('GET', '/tokens?status=active', { token: user })).body.items.filter(
        (t: { familyId: string }) => t.familyId === token.id,
      );
      expect(active).toHaveLength(1);
    }
  });

  it('keeps one live member when a regenerate races a refresh of the same token: one wins, the other refuses', async () => {
    const { user } = await tenant();
    for (let round = 0; round < 5; round++) {
      const token = await service.createToken(user, { description: `regen race ${round}`, scopes: ['jobs:read'] });
      const [regenerated, refreshed] = await Promise.all([
        service.call('POST', `/tokens/${token.id}/regenerate`, { token: user }),
        service.call('POST', '/tokens/refresh', { body: { refreshKey: token.refreshKey } }),
      ]);
      expect([regenerated.status, refreshed.status].filter((status) => status === 200)).toHaveLength(1);
      const members = (await service.call('GET', '/tokens?status=all', { token: user })).body.items.filter(
        (t: { familyId: string }) => t.familyId === token.id,
      );
      expect(members.filter((member: { status: string }) => member.status === 'active')).toHaveLength(1);
      expect(members).toHaveLength(2);
    }
  });
});

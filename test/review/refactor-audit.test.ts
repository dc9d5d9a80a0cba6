import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { Es256JwtVerifier } from '../../functions/adapters/jwt-verifier';
import type { AuditEvent } from '../../functions/domain/audit';
import { formatRefreshKey, parseRefreshKey } from '../../functions/domain/token';
import { revokeLeaked } from '../../functions/service/leak-revocation';
import { freshTable } from '../support/dynamo';
import { ISSUER, ManualClock, tokenService, user } from '../support/fixtures';

/**
 * Review of the TokenService split (issue 24): every change still writes the event the old
 * `TokenService` wrote (action, actor, token, owner, details), the actor of an admin's act on
 * another user's token is the admin (`actorOf`), the holder's acts name the token, and no event
 * carries a secret. Leak revocation revokes the reported secret's credential and nothing else.
 */
let table: Awaited<ReturnType<typeof freshTable>>;

beforeAll(async () => {
  table = await freshTable('review-audit');
});

const IP = '198.51.100.7';
const admin = (tenant: string) => ({ ...user('ada', tenant, true), sourceIp: IP });
const bob = (tenant: string) => ({ ...user('bob', tenant), sourceIp: IP });

async function eventsOf(tenant: string, tokenId: string): Promise<AuditEvent[]> {
  return (await table.store.listAudit({ tenant, tokenId, limit: 100 })).items;
}

async function onlyEvent(tenant: string, tokenId: string, action: AuditEvent['action']) {
  const events = (await eventsOf(tenant, tokenId)).filter((event) => event.action === action);
  expect(events).toHaveLength(1);
  const { id, at, ...rest } = events[0]!;
  expect(id).toMatch(/^[A-Za-z0-9_-]{16}$/);
  return { at, ...rest };
}

describe('review: the audit events of the management use cases, with the admin as actor', () => {
  it('create, edit, regenerate and revoke by an admin on behalf of bob', async () => {
    const tenant = `audit-${randomBytes(3).toString('hex')}`;
    const clock = new ManualClock();
    const { service } = tokenService(table.store, clock);
    const created = await service.create(admin(tenant), { owner: 'bob', description: 'for bob', scopes: ['jobs:read', 'jobs:write'] });
    expect(await onlyEvent(tenant, created.id, 'token.created')).toEqual({
      at: clock.now(),
      action: 'token.created',
      tenant,
      tokenId: created.id,
      owner: 'bob',
      actor: { type: 'user', id: 'ada' },
      sourceIp: IP,
    });

    clock.advance(1000);
    await service.edit(admin(tenant), created.id, { scopes: ['jobs:read'], description: 'for bob, narrowed' });
    expect(await onlyEvent(tenant, created.id, 'token.edited')).toEqual({
      at: clock.now(),
      action: 'token.edited',
      tenant,
      tokenId: created.id,
      owner: 'bob',
      actor: { type: 'user', id: 'ada' },
      sourceIp: IP,
      details: { changed: ['description', 'scopes'] },
    });

    clock.advance(1000);
    const successor = await service.regenerate(admin(tenant), created.id);
    expect(await onlyEvent(tenant, created.id, 'token.regenerated')).toEqual({
      at: clock.now(),
      action: 'token.regenerated',
      tenant,
      tokenId: created.id,
      owner: 'bob',
      actor: { type: 'user', id: 'ada' },
      sourceIp: IP,
      details: { successorId: successor.id },
    });

    clock.advance(1000);
    await service.revoke(admin(tenant), successor.id);
    expect(await onlyEvent(tenant, successor.id, 'token.revoked')).toEqual({
      at: clock.now(),
      action: 'token.revoked',
      tenant,
      tokenId: successor.id,
      owner: 'bob',
      actor: { type: 'user', id: 'ada' },
      sourceIp: IP,
      details: { familyId: created.familyId, revokedCount: 2, revokedIds: [successor.id, created.id] },
    });

    const all = JSON.stringify(await table.store.listAudit({ tenant, limit: 100 }));
    for (const secret of [created.accessToken, created.refreshKey, successor.accessToken, successor.refreshKey]) {
      expect(all).not.toContain(secret);
    }
    for (const key of [created.refreshKey, successor.refreshKey]) expect(all).not.toContain(parseRefreshKey(key)!.secret);
  });

  it('approve and reject at a revision, by the admin', async () => {
    const tenant = `audit-${randomBytes(3).toString('hex')}`;
    const clock = new ManualClock();
    const { service } = tokenService(table.store, clock);
    await service.setPolicy(admin(tenant), { requireApproval: true });
    const first = await service.create(bob(tenant), { description: 'first', scopes: ['jobs:read'] });
    const second = await service.create(bob(tenant), { description: 'second', scopes: ['jobs:read'] });
    expect(first.status).toBe('pending');
    clock.advance(1000);
    await service.decide(admin(tenant), first.id, true, { revision: 0 });
    expect(await onlyEvent(tenant, first.id, 'token.approved')).toEqual({
      at: clock.now(),
      action: 'token.approved',
      tenant,
      tokenId: first.id,
      owner: 'bob',
      actor: { type: 'user', id: 'ada' },
      sourceIp: IP,
      details: { revision: 0 },
    });
    await service.decide(admin(tenant), second.id, false, { revision: 0, reason: 'not needed' });
    expect(await onlyEvent(tenant, second.id, 'token.rejected')).toEqual({
      at: clock.now(),
      action: 'token.rejected',
      tenant,
      tokenId: second.id,
      owner: 'bob',
      actor: { type: 'user', id: 'ada' },
      sourceIp: IP,
      details: { revision: 0, reason: 'not needed' },
    });
  });

  it('a policy change names the tenant policy; revoking what it no longer allows names each token and the reason', async () => {
    const tenant = `audit-${randomBytes(3).toString('hex')}`;
    const clock = new ManualClock();
    const { service } = tokenService(table.store, clock);
    const open = await service.create(bob(tenant), { description: 'open', scopes: ['jobs:read'] });
    await service.setPolicy(admin(tenant), { requireIpRestriction: true });
    const [policyEvent] = (await eventsOf(tenant, 'tenant-policy')).filter((event) => event.action === 'tenant.policy_changed');
    expect(policyEvent).toMatchObject({
      tenant,
      tokenId: 'tenant-policy',
      owner: 'ada',
      actor: { type: 'user', id: 'ada' },
      sourceIp: IP,
      details: { changed: ['requireIpRestriction'] },
    });
    expect(JSON.parse(String(policyEvent!.details!.policy))).toMatchObject({ requireIpRestriction: true });

    clock.advance(1000);
    const { revokedTokenIds } = await service.revokeOutsidePolicy(admin(tenant));
    expect(revokedTokenIds).toEqual([open.id]);
    expect(await onlyEvent(tenant, open.id, 'token.revoked')).toEqual({
      at: clock.now(),
      action: 'token.revoked',
      tenant,
      tokenId: open.id,
      owner: 'bob',
      actor: { type: 'user', id: 'ada' },
      sourceIp: IP,
      details: { familyId: open.familyId, reason: 'outside_policy', revokedCount: 1, revokedIds: [open.id] },
    });
  });
});

describe('review: the holder’s events (refresh, replay, reuse) and leak reports', () => {
  it('refresh, its replay and a later reuse: the predecessor token is the actor; reuse revokes the family', async () => {
    const tenant = `audit-${randomBytes(3).toString('hex')}`;
    const clock = new ManualClock();
    const { service } = tokenService(table.store, clock);
    const token = await service.create(bob(tenant), { description: 'holder', scopes: ['jobs:read'] });
    const origin = { sourceIp: '203.0.113.9' };
    const rotated = await service.refresh(token.refreshKey, origin);
    if (rotated.kind !== 'rotated') throw new Error(rotated.kind);
    const replayed = await service.refresh(token.refreshKey, origin);
    expect(replayed.kind).toBe('replayed');
    const refreshed = (await eventsOf(tenant, token.id)).filter((event) => event.action === 'token.refreshed');
    expect(
      refreshed.map(({ id, at, ...rest }) => rest).sort((a, b) => String(a.details!.mode).localeCompare(String(b.details!.mode))),
    ).toEqual(
      (['replayed', 'rotated'] as const).map((mode) => ({
        action: 'token.refreshed',
        tenant,
        tokenId: token.id,
        owner: 'bob',
        actor: { type: 'token', id: token.id },
        sourceIp: '203.0.113.9',
        details: { successorId: rotated.token.id, mode },
      })),
    );

    clock.advance(31_000); // past the reuse leeway
    const reuse = await service.refresh(token.refreshKey, origin);
    expect(reuse).toEqual({ kind: 'reuse_detected', familyId: token.familyId, revokedIds: [rotated.token.id, token.id] });
    expect(await onlyEvent(tenant, token.id, 'token.reuse_detected')).toEqual({
      at: clock.now(),
      action: 'token.reuse_detected',
      tenant,
      tokenId: token.id,
      owner: 'bob',
      actor: { type: 'token', id: token.id },
      sourceIp: '203.0.113.9',
      details: { familyId: token.familyId, revokedCount: 2, revokedIds: [rotated.token.id, token.id] },
    });
    expect((await table.store.getFamily(token.familyId))?.state).toBe('revoked');
  });

  it('a leak report revokes only the reported secret’s credential; a forged key revokes nothing', async () => {
    const tenant = `audit-${randomBytes(3).toString('hex')}`;
    const clock = new ManualClock();
    const { service, keys } = tokenService(table.store, clock);
    const leakedByKey = await service.create(bob(tenant), { description: 'leaked key', scopes: ['jobs:read'] });
    const leakedByJwt = await service.create(bob(tenant), { description: 'leaked jwt', scopes: ['jobs:read'] });
    const kept = await service.create(bob(tenant), { description: 'kept', scopes: ['jobs:read'] });
    const deps = {
      records: table.store,
      families: table.store,
      verifier: new Es256JwtVerifier(keys, { issuer: ISSUER, clock, allowNoExpiry: false }),
      clock,
    };
    // The kept token's id with another token's secret: not the holder of the kept token.
    const forged = formatRefreshKey(kept.id, parseRefreshKey(leakedByKey.refreshKey)!.secret);
    expect(await revokeLeaked(deps, [forged], { sourceIp: IP })).toBe(0);
    const revoked = await revokeLeaked(deps, [leakedByKey.refreshKey, leakedByJwt.accessToken], { sourceIp: IP });
    expect(revoked).toBe(2);
    expect((await service.get(bob(tenant), kept.id)).status).toBe('active');
    expect((await service.get(bob(tenant), leakedByKey.id)).status).toBe('revoked');
    expect((await service.get(bob(tenant), leakedByJwt.id)).status).toBe('revoked');
    expect(await onlyEvent(tenant, leakedByKey.id, 'token.leak_revoked')).toEqual({
      at: clock.now(),
      action: 'token.leak_revoked',
      tenant,
      tokenId: leakedByKey.id,
      owner: 'bob',
      actor: { type: 'anonymous' },
      sourceIp: IP,
      details: { via: 'refresh_key', familyId: leakedByKey.familyId, revokedCount: 1, revokedIds: [leakedByKey.id] },
    });
    expect((await onlyEvent(tenant, leakedByJwt.id, 'token.leak_revoked')).details).toEqual({
      via: 'access_token',
      familyId: leakedByJwt.familyId,
      revokedCount: 1,
      revokedIds: [leakedByJwt.id],
    });
    expect(await eventsOf(tenant, kept.id)).toHaveLength(1); // its creation only
  });
});

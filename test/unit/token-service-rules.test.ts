import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FastJwtVerifier } from '../../functions/adapters/jwt-verifier';
import { LocalSecretDeriver } from '../../functions/adapters/local-secret-deriver';
import type { AuditEvent } from '../../functions/domain/audit';
import { DomainError } from '../../functions/domain/errors';
import { DAY_SECONDS, defaultPolicy, type TokenPolicy } from '../../functions/domain/token-policy';
import { exampleCatalogue } from '../../functions/domain/routes';
import type { Caller } from '../../functions/service/caller';
import { auditEvent, TokenService } from '../../functions/service/token-service';
import { DAY, ISSUER, ManualClock, newKeyRing, user } from '../support/fixtures';
import { MemoryTokenStore } from '../support/memory-token-store';

// The token service's rules one use case at a time (functions/service/token-service.ts), over the
// in-memory store: who may do what, the exact refusal each rule answers, and the audit event each
// change writes. test/unit/token-service.test.ts holds the lifecycle scenarios.
const admin = (id = 'root'): Caller => ({ ...user(id, 'acme', true), sourceIp: '198.51.100.7' });
const ann: Caller = { ...user('ann'), sourceIp: '203.0.113.9' };

function setup(policy: Partial<TokenPolicy> = {}, keys = newKeyRing()) {
  const store = new MemoryTokenStore();
  const clock = new ManualClock();
  const service = new TokenService({
    store,
    signer: keys,
    secrets: new LocalSecretDeriver(randomBytes(32)),
    verifier: new FastJwtVerifier(keys, { issuer: ISSUER, clock, allowNoExpiry: true }),
    clock,
    policy: { ...defaultPolicy, ...policy },
    catalogue: exampleCatalogue,
    issuer: ISSUER,
  });
  const events = async (tenant = 'acme'): Promise<AuditEvent[]> => (await store.listAudit({ tenant, limit: 1_000 })).items;
  /** The newest event of an action (events of one instant have no order between them). */
  const lastEvent = async (action: AuditEvent['action']) => (await events()).find((event) => event.action === action)!;
  return { store, clock, service, events, lastEvent, keys };
}

async function failure(action: Promise<unknown>): Promise<{ code: string; message: string; details?: unknown }> {
  try {
    await action;
  } catch (error) {
    if (error instanceof DomainError)
      return { code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) };
    throw error;
  }
  throw new Error('expected a refusal');
}

const jobs = { description: 'Jobs', scopes: ['jobs:read'] };
const candidates = { description: 'Candidates', scopes: ['candidates:read'] };

describe('create', () => {
  it('in a tenant where only admins create tokens, refuses a user and serves an admin', async () => {
    const { service } = setup();
    await service.setPolicy(admin(), { creators: 'admins' });

    expect(await failure(service.create(ann, jobs))).toEqual({ code: 'forbidden', message: 'In this tenant only admins create tokens' });
    expect((await service.create(admin(), jobs)).status).toBe('active');
  });

  it('lets an admin create a token for another user, and refuses a user doing so', async () => {
    const { service } = setup();

    expect(await service.create(admin(), { ...jobs, owner: 'bob' })).toMatchObject({ owner: 'bob', createdBy: 'root' });
    expect(await failure(service.create(ann, { ...jobs, owner: 'bob' }))).toEqual({
      code: 'forbidden',
      message: 'Only a tenant admin can create a token for another user',
    });
    expect((await service.create(ann, { ...jobs, owner: 'ann' })).owner).toBe('ann');
  });

  it('refuses an owner that is no valid user id', async () => {
    const { service } = setup();

    expect(await failure(service.create(admin(), { ...jobs, owner: 'bob#1' }))).toEqual({
      code: 'invalid_request',
      message: 'owner is not a valid user id',
      details: [{ field: 'owner', message: 'not a valid user id' }],
    });
  });

  it("applies the tenant's own rules: allowed areas and a required IP restriction, both named", async () => {
    const { service } = setup();
    await service.setPolicy(admin(), { allowedAreas: ['jobs', 'assessments'], requireIpRestriction: true });

    expect(await failure(service.create(ann, { description: 'Both', scopes: ['candidates:read', 'candidates/documents:read'] }))).toEqual({
      code: 'invalid_request',
      message:
        'scopes not allowed in this tenant: candidates:read, candidates/documents:read (allowed areas: jobs, assessments); allowedIps this tenant requires at least one IP entry',
      details: [
        {
          field: 'scopes',
          message: 'not allowed in this tenant: candidates:read, candidates/documents:read (allowed areas: jobs, assessments)',
        },
        { field: 'allowedIps', message: 'this tenant requires at least one IP entry' },
      ],
    });
    expect((await service.create(ann, { ...jobs, allowedIps: ['10.0.0.0/8'] })).status).toBe('active');
  });

  it('names the owner and the cap when the owner has as many active tokens as allowed', async () => {
    const { service } = setup({ maxActiveTokensPerOwner: 1 });
    await service.create(ann, jobs);

    expect(await failure(service.create(ann, candidates))).toEqual({
      code: 'conflict',
      message: "ann already has 1 active tokens (this tenant's maximum); revoke one first",
    });
  });

  it('holds a user token pending where approval is required, but not an admin one', async () => {
    const { service } = setup();
    await service.setPolicy(admin(), { requireApproval: true });

    expect((await service.create(ann, jobs)).status).toBe('pending');
    expect((await service.create(admin(), jobs)).status).toBe('active');
  });

  it('audits the creation with its actor and address', async () => {
    const { service, lastEvent, clock } = setup();

    const token = await service.create(ann, jobs);

    expect(await lastEvent('token.created')).toMatchObject({
      action: 'token.created',
      at: clock.now(),
      tokenId: token.id,
      tenant: 'acme',
      owner: 'ann',
      actor: { type: 'user', id: 'ann' },
      sourceIp: '203.0.113.9',
    });
  });
});

describe('list and get', () => {
  it("refuses a user listing another user's tokens, and lists their own", async () => {
    const { service } = setup();
    await service.create(ann, jobs);
    await service.create(admin(), { ...jobs, owner: 'bob' });

    expect(await failure(service.list(ann, { owner: 'bob', limit: 10, status: 'all' }))).toEqual({
      code: 'forbidden',
      message: "Only a tenant admin can list another user's tokens",
    });
    expect((await service.list(ann, { owner: 'ann', limit: 10, status: 'all' })).items.map((token) => token.owner)).toEqual(['ann']);
    expect((await service.list(ann, { limit: 10, status: 'all' })).items.map((token) => token.owner)).toEqual(['ann']);
  });

  it("lets an admin list one user's tokens, or everyone's, a page at a time", async () => {
    const { service, clock } = setup();
    await service.create(ann, jobs);
    clock.advance(1);
    await service.create(admin(), { ...jobs, owner: 'bob' });

    expect((await service.list(admin(), { owner: 'bob', limit: 10, status: 'all' })).items.map((token) => token.owner)).toEqual(['bob']);
    const first = await service.list(admin(), { limit: 1, status: 'all' });
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await service.list(admin(), { limit: 1, status: 'all', cursor: first.nextCursor! });
    expect(second.items[0]?.id).not.toBe(first.items[0]?.id);
  });

  it('flags usable tokens the tenant policy no longer allows, in lists and reads, and never a revoked one', async () => {
    const { service } = setup();
    const outside = await service.create(ann, candidates);
    const revoked = await service.create(ann, { ...candidates, description: 'Old' });
    await service.revoke(ann, revoked.id);
    const inside = await service.create(ann, jobs);
    await service.setPolicy(admin(), { allowedAreas: ['jobs'] });

    const flags = Object.fromEntries(
      (await service.list(ann, { limit: 10, status: 'all' })).items.map((t) => [t.id, (t as { outsidePolicy?: boolean }).outsidePolicy]),
    );
    expect(flags).toEqual({ [outside.id]: true, [revoked.id]: false, [inside.id]: false });
    expect((await service.get(ann, outside.id)).outsidePolicy).toBe(true);
  });

  it('flags a pending token outside the policy', async () => {
    const { service } = setup();
    await service.setPolicy(admin(), { requireApproval: true });
    const pending = await service.create(ann, candidates);
    await service.setPolicy(admin(), { allowedAreas: ['jobs'] });

    expect((await service.get(ann, pending.id)).outsidePolicy).toBe(true);
  });

  it('shows the effective policy', async () => {
    const { service } = setup();
    await service.setPolicy(admin(), { maxLifetimeDays: 180 });

    expect(await service.policy(ann)).toMatchObject({ maxLifetimeDays: 180, lifetimesDays: [90, 180] });
  });
});

describe('setPolicy', () => {
  it('refuses a user who is not an admin', async () => {
    const { service } = setup();

    expect(await failure(service.setPolicy(ann, { maxLifetimeDays: 90 }))).toEqual({
      code: 'forbidden',
      message: "Only a tenant admin can change the tenant's policy",
    });
  });

  it('refuses a widening, naming each field in the message and the details', async () => {
    const { service } = setup();

    expect(await failure(service.setPolicy(admin(), { maxLifetimeDays: 400, maxActiveTokensPerOwner: 1_000 }))).toEqual({
      code: 'invalid_request',
      message: "maxLifetimeDays must be at most the deployment's 365; maxActiveTokensPerOwner must be at most the deployment's 100",
      details: [
        { field: 'maxLifetimeDays', message: "must be at most the deployment's 365" },
        { field: 'maxActiveTokensPerOwner', message: "must be at most the deployment's 100" },
      ],
    });
  });

  it('keeps earlier changes and audits each change with the fields it changed, sorted, and the policy it made', async () => {
    const { service, lastEvent, clock } = setup();
    await service.setPolicy(admin(), { requireApproval: true });

    clock.advance(1);
    const view = await service.setPolicy(admin('rita'), { maxLifetimeDays: 180, creators: 'admins' });

    expect(view).toMatchObject({ requireApproval: true, creators: 'admins', maxLifetimeDays: 180 });
    expect(await lastEvent('tenant.policy_changed')).toMatchObject({
      action: 'tenant.policy_changed',
      at: clock.now(),
      tenant: 'acme',
      tokenId: 'tenant-policy',
      owner: 'rita',
      actor: { type: 'user', id: 'rita' },
      sourceIp: '198.51.100.7',
      details: { changed: ['creators', 'maxLifetimeDays'], policy: JSON.stringify(view) },
    });
  });
});

describe('decide', () => {
  async function pendingToken() {
    const context = setup();
    await context.service.setPolicy(admin(), { requireApproval: true });
    const token = await context.service.create(ann, jobs);
    return { ...context, token };
  }

  it('refuses a user who is not an admin', async () => {
    const { service, token } = await pendingToken();

    expect(await failure(service.decide(ann, token.id, true, { revision: 0 }))).toEqual({
      code: 'forbidden',
      message: 'Only a tenant admin can approve or reject tokens',
    });
  });

  it('approves a pending token, audited as approved by the admin', async () => {
    const { service, token, lastEvent } = await pendingToken();

    expect((await service.decide(admin(), token.id, true, { revision: 0 })).status).toBe('active');
    expect(await lastEvent('token.approved')).toMatchObject({
      action: 'token.approved',
      tokenId: token.id,
      actor: { type: 'user', id: 'root' },
    });
  });

  it('rejects a pending token, audited as rejected', async () => {
    const { service, token, lastEvent } = await pendingToken();

    expect((await service.decide(admin(), token.id, false, { revision: 0 })).status).toBe('revoked');
    expect(await lastEvent('token.rejected')).toMatchObject({
      action: 'token.rejected',
      actor: { type: 'user', id: 'root' },
      sourceIp: '198.51.100.7',
    });
  });

  it('refuses to decide a token that is not waiting, saying what it is', async () => {
    const { service, token } = await pendingToken();
    await service.decide(admin(), token.id, true, { revision: 0 });

    expect(await failure(service.decide(admin(), token.id, false, { revision: 0 }))).toEqual({
      code: 'conflict',
      message: 'The token is active, not waiting for approval',
    });
  });

  it('answers a conflict when another admin decided meanwhile', async () => {
    const { service, token, store } = await pendingToken();
    store.decide = async () => undefined;

    expect(await failure(service.decide(admin(), token.id, true, { revision: 0 }))).toEqual({
      code: 'conflict',
      message: 'The token was decided or changed meanwhile (or its wait ended): reload it and decide on what it is now',
    });
  });
});

describe('edit', () => {
  it('narrows scopes, audited with the fields changed, sorted', async () => {
    const { service, lastEvent } = setup();
    const token = await service.create(ann, { description: 'Both', scopes: ['jobs:read', 'candidates:read'] });

    const edited = await service.edit(ann, token.id, { scopes: ['jobs:read'], description: 'Jobs only' });

    expect(edited).toMatchObject({ scopes: ['jobs:read'], description: 'Jobs only', allowedIps: [] });
    expect(await lastEvent('token.edited')).toMatchObject({
      action: 'token.edited',
      actor: { type: 'user', id: 'ann' },
      sourceIp: '203.0.113.9',
      details: { changed: ['description', 'scopes'] },
    });
  });

  it('changes only the fields given', async () => {
    const { service, lastEvent } = setup();
    const token = await service.create(ann, { description: 'Both', scopes: ['jobs:read', 'candidates:read'], allowedIps: ['10.0.0.0/24'] });

    const edited = await service.edit(ann, token.id, { allowedIps: ['10.0.0.2'] });

    expect(edited).toMatchObject({ description: 'Both', scopes: ['jobs:read', 'candidates:read'], allowedIps: ['10.0.0.2'] });
    expect((await lastEvent('token.edited')).details).toEqual({ changed: ['allowedIps'] });
  });

  it('records the fields an edit changed, in alphabetical order', async () => {
    const { service, lastEvent, clock } = setup();
    const token = await service.create(ann, { ...jobs, allowedIps: ['10.0.0.0/24'] });

    await service.edit(ann, token.id, { description: 'Renamed' });
    expect((await lastEvent('token.edited')).details).toEqual({ changed: ['description'] });

    clock.advance(1);
    await service.edit(ann, token.id, { description: 'Again', allowedIps: ['10.0.0.2'] });
    expect((await lastEvent('token.edited')).details).toEqual({ changed: ['allowedIps', 'description'] });
  });

  it('refuses to widen scopes, naming what is not granted today', async () => {
    const { service } = setup();
    const token = await service.create(ann, jobs);

    expect(await failure(service.edit(ann, token.id, { scopes: ['jobs:read', 'candidates:read', 'jobs:write'] }))).toEqual({
      code: 'invalid_request',
      message: 'scopes can only be narrowed: candidates:read, jobs:write is not granted today; create a new token for a wider grant',
      details: [{ field: 'scopes', message: 'not a subset of the current scopes: candidates:read, jobs:write' }],
    });
  });

  it('refuses to remove the last IP entry where the tenant requires one, and lets other fields change', async () => {
    const { service } = setup();
    const token = await service.create(ann, { ...jobs, allowedIps: ['10.0.0.1'] });
    await service.setPolicy(admin(), { requireIpRestriction: true });

    // An admin may widen, but not to no entry at all where the tenant requires one.
    expect(await failure(service.edit(admin(), token.id, { allowedIps: [] }))).toEqual({
      code: 'invalid_request',
      message: 'allowedIps this tenant requires at least one IP entry',
      details: [{ field: 'allowedIps', message: 'this tenant requires at least one IP entry' }],
    });
    expect((await service.edit(admin(), token.id, { allowedIps: ['10.0.0.2'] })).allowedIps).toEqual(['10.0.0.2']);
  });

  it('lets a token made before the tenant required IP entries change its description', async () => {
    const { service } = setup();
    const token = await service.create(ann, jobs);
    await service.setPolicy(admin(), { requireIpRestriction: true });

    expect((await service.edit(ann, token.id, { description: 'Renamed' })).description).toBe('Renamed');
  });

  it('lets an admin drop a token’s IP entries where the tenant does not require any, and not its owner (a widening)', async () => {
    const { service } = setup();
    const token = await service.create(ann, { ...jobs, allowedIps: ['10.0.0.1'] });

    expect((await failure(service.edit(ann, token.id, { allowedIps: [] }))).code).toBe('invalid_request');
    expect((await service.edit(admin(), token.id, { allowedIps: [] })).allowedIps).toEqual([]);
  });

  it('edits a pending token, and refuses a revoked one, saying what it is', async () => {
    const { service } = setup();
    await service.setPolicy(admin(), { requireApproval: true });
    const pending = await service.create(ann, jobs);

    expect((await service.edit(ann, pending.id, { description: 'Renamed' })).description).toBe('Renamed');
    // The edit moved it to revision 1: that is what the admin is shown and decides on.
    await service.decide(admin(), pending.id, false, { revision: 1 });
    expect(await failure(service.edit(ann, pending.id, { description: 'Again' }))).toEqual({
      code: 'conflict',
      message: 'The token is revoked: only a usable token can be edited',
    });
  });

  it('refuses a description another active token of the owner holds, quoting it', async () => {
    const { service } = setup();
    await service.create(ann, { ...jobs, description: 'Taken' });
    const token = await service.create(ann, jobs);

    expect(await failure(service.edit(ann, token.id, { description: ' Taken ' }))).toEqual({
      code: 'conflict',
      message: 'ann already has an active token described "Taken"',
    });
  });

  it('retries over a changed record, three attempts in all, then asks the caller to retry', async () => {
    const { service, store } = setup();
    const token = await service.create(ann, jobs);
    let calls = 0;
    const edit = store.edit.bind(store);
    store.edit = async (...args) => (++calls <= 2 ? { ok: false, refusal: 'changed' } : edit(...args));

    expect((await service.edit(ann, token.id, { description: 'Third time' })).description).toBe('Third time');
    expect(calls).toBe(3);

    calls = 0;
    store.edit = async () => {
      calls++;
      return { ok: false, refusal: 'changed' };
    };
    expect(await failure(service.edit(ann, token.id, { description: 'Never' }))).toEqual({
      code: 'conflict',
      message: 'The token changed while it was being edited; retry',
    });
    expect(calls).toBe(3);
  });
});

describe('revokeOutsidePolicy', () => {
  it('refuses a user who is not an admin', async () => {
    const { service } = setup();

    expect(await failure(service.revokeOutsidePolicy(ann))).toEqual({
      code: 'forbidden',
      message: 'Only a tenant admin can revoke the tokens outside the policy',
    });
  });

  it('revokes every usable token outside the policy, on every page, and nothing else', async () => {
    const { service, store, events } = setup();
    const outside: string[] = [];
    for (let n = 0; n < 101; n++) {
      outside.push((await service.create(admin(), { ...candidates, description: `c${n}`, owner: `user${n % 3}` })).id);
    }
    const inside = await service.create(ann, jobs);
    const alreadyRevoked = await service.create(ann, candidates);
    await service.revoke(ann, alreadyRevoked.id);
    await service.setPolicy(admin(), { requireApproval: true });
    const pending = await service.create(ann, { ...candidates, description: 'Pending' });
    await service.setPolicy(admin(), { allowedAreas: ['jobs'] });

    const { revokedTokenIds } = await service.revokeOutsidePolicy(admin('rita'));

    expect(revokedTokenIds.sort()).toEqual([...outside, pending.id].sort());
    expect((await service.get(ann, inside.id)).status).toBe('active');
    expect(await store.get(pending.id)).toMatchObject({ state: 'revoked', revokeReason: 'outside_policy', revokedBy: 'rita' });
    const revocations = (await events()).filter((event) => event.action === 'token.revoked' && event.details?.reason === 'outside_policy');
    expect(revocations).toHaveLength(102);
    expect(revocations[0]).toMatchObject({ actor: { type: 'user', id: 'rita' }, sourceIp: '198.51.100.7' });
    expect(revocations.find((event) => event.tokenId === pending.id)?.details).toMatchObject({ familyId: pending.familyId });
  });

  it('revokes nothing when every token is inside the policy', async () => {
    const { service } = setup();
    await service.create(ann, jobs);

    expect(await service.revokeOutsidePolicy(admin())).toEqual({ revokedTokenIds: [] });
  });
});

describe('revoke', () => {
  it("revokes the credential, audited as the person's revoke, and answers the token as it is now", async () => {
    const { service, lastEvent, store, clock } = setup();
    const token = await service.create(ann, jobs);

    const revoked = await service.revoke(ann, token.id);

    expect(revoked).toMatchObject({
      id: token.id,
      status: 'revoked',
      revokedBy: 'ann',
      revokeReason: 'revoked',
      revokedTokenIds: [token.id],
    });
    expect(await store.get(token.id)).toMatchObject({ revokedAt: clock.now() });
    expect(await lastEvent('token.revoked')).toMatchObject({
      action: 'token.revoked',
      actor: { type: 'user', id: 'ann' },
      sourceIp: '203.0.113.9',
      details: { familyId: token.familyId },
    });
  });

  it('answers an already revoked credential with nothing newly revoked', async () => {
    const { service } = setup();
    const token = await service.create(ann, jobs);
    await service.revoke(ann, token.id);

    expect(await service.revoke(ann, token.id)).toMatchObject({ status: 'revoked', revokedTokenIds: [] });
  });

  it.each([
    ['another user', user('mallory')],
    ['an admin of another tenant', user('root', 'globex', true)],
  ])('answers not found to %s', async (_name, caller) => {
    const { service } = setup();
    const token = await service.create(ann, jobs);

    expect((await failure(service.revoke(caller, token.id))).code).toBe('not_found');
  });
});

describe('refresh', () => {
  it('gives the successor the next generation, the same family and lifetime, and the predecessor its grace', async () => {
    const { service, store, clock, lastEvent } = setup({ rotationGraceSeconds: 90 });
    const token = await service.create(ann, { ...jobs, expiresInDays: 180 });
    clock.advance(10 * DAY);

    const outcome = await service.refresh(token.refreshKey, { sourceIp: '192.0.2.1' });
    if (outcome.kind !== 'rotated') throw new Error(outcome.kind);

    const nowSeconds = Math.floor(clock.now() / 1000);
    expect(outcome.token).toMatchObject({
      generation: 2,
      familyId: token.familyId,
      expiresAt: new Date((nowSeconds + 180 * DAY_SECONDS) * 1000).toISOString(),
    });
    expect(await store.get(outcome.token.id)).toMatchObject({
      predecessorId: token.id,
      refreshKeyHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(await store.get(token.id)).toMatchObject({ rotatedAt: clock.now(), graceUntil: clock.now() + 90_000 });
    expect(await lastEvent('token.refreshed')).toMatchObject({
      action: 'token.refreshed',
      tokenId: token.id,
      actor: { type: 'token', id: token.id },
      sourceIp: '192.0.2.1',
      details: { successorId: outcome.token.id, mode: 'rotated' },
    });
  });

  it('gives the successor of a token without expiry no expiry', async () => {
    const { service } = setup({ allowNoExpiry: true });
    const token = await service.create(ann, { ...jobs, expiresAt: null });

    expect(await service.refresh(token.refreshKey)).toMatchObject({ kind: 'rotated', token: { expiresAt: null } });
  });

  it('refreshes an expired token within the refresh window, and not from its end on', async () => {
    const { service, clock } = setup({ refreshWindowDays: 30 });
    const first = await service.create(ann, { ...jobs, description: 'A' });
    const second = await service.create(ann, { ...jobs, description: 'B' });
    const windowEnd = Date.parse(first.expiresAt!) + 30 * DAY;

    clock.current = windowEnd - 1;
    expect((await service.refresh(first.refreshKey)).kind).toBe('rotated');
    clock.current = windowEnd;
    expect((await failure(service.refresh(second.refreshKey))).code).toBe('invalid_grant');
  });

  it('refuses the key of a pending token', async () => {
    const { service } = setup();
    await service.setPolicy(admin(), { requireApproval: true });
    const token = await service.create(ann, jobs);

    expect((await failure(service.refresh(token.refreshKey))).code).toBe('invalid_grant');
  });

  it('ends the chain where the tenant policy no longer allows the terms', async () => {
    const { service } = setup();
    const token = await service.create(ann, candidates);
    await service.setPolicy(admin(), { allowedAreas: ['jobs'] });

    expect((await failure(service.refresh(token.refreshKey))).code).toBe('invalid_grant');
  });

  it('answers a retry at exactly the leeway with the same successor, audited as replayed, and a retry a millisecond later as reuse', async () => {
    const { service, clock, lastEvent } = setup({ reuseLeewaySeconds: 30 });
    const first = await service.create(ann, { ...jobs, description: 'A' });
    const second = await service.create(ann, { ...jobs, description: 'B' });
    const rotatedFirst = await service.refresh(first.refreshKey);
    const rotatedSecond = await service.refresh(second.refreshKey);

    clock.advance(30_000);
    const replay = await service.refresh(first.refreshKey, { sourceIp: '192.0.2.1' });
    expect(replay).toMatchObject({ kind: 'replayed', predecessorId: first.id });
    if (replay.kind !== 'replayed' || rotatedFirst.kind !== 'rotated') throw new Error('expected a replay');
    expect(replay.token.id).toBe(rotatedFirst.token.id);
    expect(replay.token.refreshKey).toBe(rotatedFirst.token.refreshKey);
    expect(await lastEvent('token.refreshed')).toMatchObject({
      action: 'token.refreshed',
      actor: { type: 'token', id: first.id },
      sourceIp: '192.0.2.1',
      details: { successorId: rotatedFirst.token.id, mode: 'replayed' },
    });

    clock.advance(1);
    expect(await service.refresh(second.refreshKey)).toMatchObject({ kind: 'reuse_detected', familyId: second.familyId });
    if (rotatedSecond.kind !== 'rotated') throw new Error('expected a rotation');
    expect((await service.get(ann, rotatedSecond.token.id)).status).toBe('revoked');
  });

  it('treats a retry within the leeway as reuse once the successor was itself rotated', async () => {
    const { service, lastEvent, store, clock } = setup();
    const token = await service.create(ann, jobs);
    const rotated = await service.refresh(token.refreshKey);
    if (rotated.kind !== 'rotated') throw new Error(rotated.kind);
    clock.advance(1_000);
    await service.refresh(rotated.token.refreshKey);
    clock.advance(1_000);

    expect(await service.refresh(token.refreshKey, { sourceIp: '192.0.2.1' })).toMatchObject({ kind: 'reuse_detected' });
    expect(await lastEvent('token.reuse_detected')).toMatchObject({
      action: 'token.reuse_detected',
      actor: { type: 'token', id: token.id },
      sourceIp: '192.0.2.1',
      details: { familyId: token.familyId },
    });
    expect(await store.getFamily(token.familyId)).toMatchObject({ state: 'revoked' });
  });

  it('treats a retry within the leeway as reuse once the family is revoked, before the sweep reaches the successor', async () => {
    const { service, store } = setup();
    const token = await service.create(ann, jobs);
    await service.refresh(token.refreshKey);
    const families = (store as unknown as { families: Map<string, object> }).families;
    families.set(token.familyId, { ...families.get(token.familyId), state: 'revoked', revokeReason: 'leaked' });

    expect((await service.refresh(token.refreshKey)).kind).toBe('reuse_detected');
  });

  it('cannot answer a retry again for a successor whose key was not derived from the presented one', async () => {
    const { service, store } = setup();
    const token = await service.create(ann, jobs);
    const rotated = await service.refresh(token.refreshKey);
    if (rotated.kind !== 'rotated') throw new Error(rotated.kind);
    const tokens = (store as unknown as { tokens: Map<string, { refreshKeyHash: string }> }).tokens;
    tokens.set(rotated.token.id, { ...tokens.get(rotated.token.id)!, refreshKeyHash: 'ff'.repeat(32) });

    expect(await failure(service.refresh(token.refreshKey))).toEqual({
      code: 'conflict',
      message: 'This refresh key was just used; use the token and key that refresh returned',
    });
  });

  it('revokes the family with the reuse detector as the actor of record', async () => {
    const { service, clock, store } = setup();
    const token = await service.create(ann, jobs);
    await service.refresh(token.refreshKey);
    clock.advance(31_000);

    const outcome = await service.refresh(token.refreshKey);

    expect(outcome).toMatchObject({ kind: 'reuse_detected', revokedIds: expect.any(Array) });
    expect(await store.getFamily(token.familyId)).toMatchObject({ revokedBy: 'reuse-detection', revokeReason: 'reuse_detected' });
  });

  it('answers invalid_grant when the family was revoked while the refresh was rotating', async () => {
    const { service, store } = setup();
    const token = await service.create(ann, jobs);
    store.rotate = async () => ({ ok: false, refusal: 'family_revoked' });

    expect((await failure(service.refresh(token.refreshKey))).code).toBe('invalid_grant');
  });

  it('tries three times against concurrent refreshes, then asks the caller to retry', async () => {
    const { service, store } = setup();
    const token = await service.create(ann, jobs);
    let calls = 0;
    store.rotate = async () => {
      calls++;
      return { ok: false, refusal: 'predecessor_changed' };
    };

    expect(await failure(service.refresh(token.refreshKey))).toEqual({
      code: 'conflict',
      message: 'This refresh key is being used by concurrent requests; retry',
    });
    expect(calls).toBe(3);
  });

  it('answers a conflict when another token of the owner took the description meanwhile', async () => {
    const { service, store } = setup();
    const token = await service.create(ann, jobs);
    store.rotate = async () => ({ ok: false, refusal: 'description_taken' });

    expect(await failure(service.refresh(token.refreshKey))).toEqual({
      code: 'conflict',
      message: 'Another active token of ann now has this description',
    });
  });
});

describe('regenerate', () => {
  it('issues a successor with new secrets in the same family, audited as regenerated by the person', async () => {
    const { service, lastEvent, store, clock } = setup();
    const token = await service.create(ann, jobs);

    const successor = await service.regenerate(ann, token.id);

    expect(successor).toMatchObject({ generation: 2, familyId: token.familyId, status: 'active' });
    expect(successor.refreshKey).not.toBe(token.refreshKey);
    expect(successor.accessToken.split('.')).toHaveLength(3);
    expect(await store.get(token.id)).toMatchObject({ rotatedAt: clock.now(), successorId: successor.id });
    expect(await lastEvent('token.regenerated')).toMatchObject({
      action: 'token.regenerated',
      actor: { type: 'user', id: 'ann' },
      sourceIp: '203.0.113.9',
      details: { successorId: successor.id },
    });
  });

  it.each([
    ['revoked', 'The token is revoked: only an active token can be regenerated'],
    ['pending', 'The token is pending: only an active token can be regenerated'],
  ])('refuses a %s token', async (state, message) => {
    const { service } = setup();
    if (state === 'pending') await service.setPolicy(admin(), { requireApproval: true });
    const token = await service.create(ann, jobs);
    if (state === 'revoked') await service.revoke(ann, token.id);

    expect(await failure(service.regenerate(ann, token.id))).toEqual({ code: 'conflict', message });
  });

  it("refuses a token whose terms the tenant's policy no longer allows", async () => {
    const { service } = setup();
    const token = await service.create(ann, candidates);
    await service.setPolicy(admin(), { allowedAreas: ['jobs'] });

    expect(await failure(service.regenerate(ann, token.id))).toEqual({
      code: 'conflict',
      message: "The tenant's policy no longer allows this token's terms: create a new token",
    });
  });

  it('answers a conflict when the family was revoked meanwhile', async () => {
    const { service, store } = setup();
    const token = await service.create(ann, jobs);
    store.rotate = async () => ({ ok: false, refusal: 'family_revoked' });

    expect(await failure(service.regenerate(ann, token.id))).toEqual({ code: 'conflict', message: 'The token was revoked meanwhile' });
  });

  it('tries three times over a changing token, then asks the caller to retry', async () => {
    const { service, store } = setup();
    const token = await service.create(ann, jobs);
    let calls = 0;
    store.rotate = async () => {
      calls++;
      return { ok: false, refusal: 'predecessor_changed' };
    };

    expect(await failure(service.regenerate(ann, token.id))).toEqual({
      code: 'conflict',
      message: 'The token changed while it was being regenerated; retry',
    });
    expect(calls).toBe(3);
  });
});

describe('revokeLeaked', () => {
  it('revokes the credential of a leaked refresh key, audited as an anonymous leak report', async () => {
    const { service, lastEvent, store } = setup();
    const token = await service.create(ann, jobs);

    expect(await service.revokeLeaked([token.refreshKey], { sourceIp: '192.0.2.1' })).toBe(1);
    expect(await store.getFamily(token.familyId)).toMatchObject({ state: 'revoked', revokeReason: 'leaked', revokedBy: 'leak-report' });
    expect(await lastEvent('token.leak_revoked')).toMatchObject({
      action: 'token.leak_revoked',
      actor: { type: 'anonymous' },
      sourceIp: '192.0.2.1',
      details: { via: 'refresh_key', familyId: token.familyId },
    });
  });

  it('revokes the credential of a leaked access token', async () => {
    const { service, lastEvent } = setup();
    const token = await service.create(ann, jobs);

    expect(await service.revokeLeaked([token.accessToken])).toBe(1);
    expect((await lastEvent('token.leak_revoked')).details).toMatchObject({ via: 'access_token', familyId: token.familyId });
  });

  it('counts a family once however many of its secrets are reported, and every family reported', async () => {
    const { service } = setup();
    const first = await service.create(ann, { ...jobs, description: 'A' });
    const second = await service.create(ann, { ...jobs, description: 'B' });
    const rotated = await service.refresh(second.refreshKey);
    if (rotated.kind !== 'rotated') throw new Error(rotated.kind);

    expect(await service.revokeLeaked([first.refreshKey, first.accessToken, rotated.token.refreshKey])).toBe(1 + 2);
  });

  it('revokes nothing for a forged key, a wrong secret or a token it did not sign', async () => {
    const { service } = setup();
    const token = await service.create(ann, jobs);
    const wrongSecret = `${token.refreshKey.slice(0, -2)}${token.refreshKey.endsWith('AA') ? 'BB' : 'AA'}`;
    const other = await setup().service.create(ann, jobs);

    expect(await service.revokeLeaked(['not a secret', wrongSecret, other.accessToken, other.refreshKey])).toBe(0);
    expect((await service.get(ann, token.id)).status).toBe('active');
  });

  it('revokes nothing for a genuine access token whose record is gone', async () => {
    const issuing = setup();
    const token = await issuing.service.create(ann, jobs);
    const { service } = setup({}, issuing.keys);

    expect(await service.revokeLeaked([token.accessToken])).toBe(0);
  });

  it('needs a verifier only for access tokens', async () => {
    const store = new MemoryTokenStore();
    const clock = new ManualClock();
    const keys = newKeyRing();
    const deps = { store, clock, policy: defaultPolicy, catalogue: exampleCatalogue, issuer: ISSUER };
    const issuing = new TokenService({ ...deps, signer: keys });
    const token = await issuing.create(ann, jobs);
    const withoutVerifier = new TokenService(deps);

    await expect(withoutVerifier.revokeLeaked([token.accessToken])).rejects.toThrow('This function was built without a verifier');
    expect(await withoutVerifier.revokeLeaked([token.refreshKey])).toBe(1);
  });
});

describe('a service built without some ports', () => {
  it('refuses to issue without a signer, and to refresh without a secret deriver', async () => {
    const store = new MemoryTokenStore();
    const deps = { store, clock: new ManualClock(), policy: defaultPolicy, catalogue: exampleCatalogue, issuer: ISSUER };

    await expect(new TokenService(deps).create(ann, jobs)).rejects.toThrow('This function was built without a signer');
    const token = await new TokenService({ ...deps, signer: newKeyRing() }).create(ann, jobs);
    await expect(new TokenService({ ...deps, signer: newKeyRing() }).refresh(token.refreshKey)).rejects.toThrow(
      'This function was built without a secret deriver',
    );
  });
});

describe('visibility', () => {
  it('shows a member of a revoked family as revoked before its own record is swept', async () => {
    const { service, store } = setup();
    const token = await service.create(ann, jobs);
    const family = (await store.getFamily(token.familyId))!;
    // The family item is marked first; the members' sweep may not have reached this one yet.
    (store as unknown as { families: Map<string, unknown> }).families.set(token.familyId, {
      ...family,
      state: 'revoked',
      revokeReason: 'leaked',
    });

    expect(await service.get(ann, token.id)).toMatchObject({ status: 'revoked', revokeReason: 'leaked' });
  });

  it('answers not found for something that is no token id', async () => {
    const { service } = setup();

    expect((await failure(service.get(ann, '../etc/passwd'))).code).toBe('not_found');
  });
});

describe('auditEvent', () => {
  it('leaves out an absent address and absent details', () => {
    const event = auditEvent('token.created', { id: 't', tenant: 'acme', owner: 'ann' }, 1, { type: 'anonymous' }, undefined);

    expect(event).not.toHaveProperty('sourceIp');
    expect(event).not.toHaveProperty('details');
    expect(event.id).toMatch(/^[A-Za-z0-9_-]{16}$/);
  });
});

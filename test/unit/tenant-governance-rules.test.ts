import { describe, expect, it } from 'vitest';
import { admin, ann, candidates, failure, jobs, setup } from '../support/service-rules';

// The rules of TenantGovernance (functions/service/tenant-governance.ts): the tenant's policy, approvals, edits, and revoking what the policy no longer allows,
// over the in-memory store (test/support/service-rules.ts): who may do what, the exact refusal each
// rule answers, and the audit event each change writes.

describe('policy', () => {
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

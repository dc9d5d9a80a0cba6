import { describe, expect, it } from 'vitest';
import { admin, ann, candidates, failure, jobs, setup } from '../support/service-rules';

// The rules of TenantGovernance (functions/service/tenant-governance.ts) the lifecycle rules do not
// reach: deciding at a revision the admin was not shown, approving terms the policy no longer
// allows, a rejection's reason, the exact refusals of an IP edit, and what revokeOutsidePolicy skips.

async function pendingToken(request = jobs) {
  const context = setup();
  await context.service.setPolicy(admin(), { requireApproval: true });
  const token = await context.service.create(ann, request);
  return { ...context, token };
}

describe('decide: what the admin was shown', () => {
  it('refuses a decision at another revision than the token is at, naming the current one', async () => {
    const { service, token } = await pendingToken();

    expect(await failure(service.decide(admin(), token.id, true, { revision: 1 }))).toEqual({
      code: 'conflict',
      message: 'The token changed since you were shown it (it is at revision 0): reload it and decide on what it is now',
    });
    await service.edit(ann, token.id, { description: 'Edited' });
    expect(await failure(service.decide(admin(), token.id, true, { revision: 0 }))).toEqual({
      code: 'conflict',
      message: 'The token changed since you were shown it (it is at revision 1): reload it and decide on what it is now',
    });
    expect((await service.decide(admin(), token.id, true, { revision: 1 })).status).toBe('active');
  });

  it("refuses to approve terms the tenant's policy no longer allows, and lets the admin reject them", async () => {
    const { service, token } = await pendingToken(candidates);
    await service.setPolicy(admin(), { allowedAreas: ['jobs'] });

    expect(await failure(service.decide(admin(), token.id, true, { revision: 0 }))).toEqual({
      code: 'conflict',
      message: "The tenant's policy no longer allows this token's terms (scopes or IP entries): reject it, or edit it first",
    });
    expect((await service.decide(admin(), token.id, false, { revision: 0 })).status).toBe('revoked');
  });
});

describe('decide: the reason', () => {
  it("keeps a rejection's reason on the token and in the event", async () => {
    const { service, token, lastEvent } = await pendingToken();

    expect(await service.decide(admin(), token.id, false, { revision: 0, reason: 'Too wide' })).toMatchObject({
      status: 'revoked',
      rejectReason: 'Too wide',
    });
    expect((await lastEvent('token.rejected')).details).toEqual({ revision: 0, reason: 'Too wide' });
  });

  it('records no reason for a rejection without one, nor for an approval given one', async () => {
    const rejected = await pendingToken();
    const view = await rejected.service.decide(admin(), rejected.token.id, false, { revision: 0 });
    expect(view).not.toHaveProperty('rejectReason');
    // No `reason` key at all (DynamoDB's marshalling refuses an undefined value).
    expect((await rejected.lastEvent('token.rejected')).details).toStrictEqual({ revision: 0 });

    const approved = await pendingToken();
    const active = await approved.service.decide(admin(), approved.token.id, true, { revision: 0, reason: 'Fine' });
    expect(active).not.toHaveProperty('rejectReason');
    expect((await approved.lastEvent('token.approved')).details).toStrictEqual({ revision: 0 });
    expect(await approved.store.get(approved.token.id)).not.toHaveProperty('rejectReason');
  });
});

describe('edit: IP entries', () => {
  it('refuses the owner a wider entry, saying an admin widens them', async () => {
    const { service } = setup();
    const token = await service.create(ann, { ...jobs, allowedIps: ['10.0.0.1'] });

    expect(await failure(service.edit(ann, token.id, { allowedIps: ['10.0.0.0/8'] }))).toEqual({
      code: 'invalid_request',
      message: 'allowedIps can only be narrowed (every new entry within a current one); ask a tenant admin to widen them',
      details: [{ field: 'allowedIps', message: 'widens the current IP restriction' }],
    });
    expect((await service.edit(ann, token.id, { allowedIps: ['10.0.0.1/32'] })).allowedIps).toEqual(['10.0.0.1/32']);
  });

  it('names every problem of the tenant’s IP rules, joined by "; "', async () => {
    const { service } = setup();
    const token = await service.create(ann, { ...jobs, allowedIps: ['10.0.0.1'] });
    await service.setPolicy(admin(), { requireIpRestriction: true, allowedIpRanges: ['10.0.0.0/8'] });

    const refusal = await failure(service.edit(admin(), token.id, { allowedIps: ['0.0.0.0/1', '128.0.0.0/1'] }));
    const messages = (refusal.details as { field: string; message: string }[]).map((detail) => detail.message);
    expect(refusal.code).toBe('invalid_request');
    expect(messages).toHaveLength(2);
    expect(refusal.message).toBe(`allowedIps ${messages[0]}; ${messages[1]}`);
  });
});

describe('revokeOutsidePolicy: what it skips', () => {
  it('leaves an expired token outside the policy alone', async () => {
    const { service, store, clock } = setup();
    const expired = await service.create(ann, { ...candidates, expiresAt: new Date(clock.now() + 86_400_000).toISOString() });
    clock.advance(2 * 86_400_000);
    await service.setPolicy(admin(), { allowedAreas: ['jobs'] });

    expect(await service.revokeOutsidePolicy(admin())).toEqual({ revokedTokenIds: [] });
    expect(await store.getFamily(expired.familyId)).not.toMatchObject({ state: 'revoked' });
  });
});

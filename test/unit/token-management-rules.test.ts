import { describe, expect, it } from 'vitest';
import { user } from '../support/fixtures';
import { admin, ann, candidates, failure, jobs, setup } from '../support/service-rules';

// The rules of TokenManagement (functions/service/token-management.ts): list, get and revoke, and what a caller may see,
// over the in-memory store (test/support/service-rules.ts): who may do what, the exact refusal each
// rule answers, and the audit event each change writes.

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

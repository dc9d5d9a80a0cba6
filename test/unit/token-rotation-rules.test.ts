import { describe, expect, it } from 'vitest';
import { DAY_SECONDS } from '../../functions/domain/token-policy';
import { DAY } from '../support/fixtures';
import { admin, ann, candidates, failure, jobs, setup, rotationsLosing } from '../support/service-rules';

// The rules of TokenRotation (functions/service/token-rotation.ts): refresh, its replay within the leeway and reuse detection,
// over the in-memory store (test/support/service-rules.ts): who may do what, the exact refusal each
// rule answers, and the audit event each change writes.

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
    const tries = rotationsLosing(store);

    expect(await failure(service.refresh(token.refreshKey))).toEqual({
      code: 'conflict',
      message: 'This refresh key is being used by concurrent requests; retry',
    });
    expect(tries.calls).toBe(3);
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

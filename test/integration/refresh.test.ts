import { beforeAll, describe, expect, it } from 'vitest';
import type { DomainError } from '../../functions/domain/errors';
import { freshTable } from '../support/dynamo';
import { decodeJwt } from 'jose';
import type { NewTokenRequest } from '../../functions/domain/new-token';
import { DAY, tokenService, user } from '../support/fixtures';
import { codeOf, rotate, withFirstToken } from '../support/refresh-fixtures';

let table: Awaited<ReturnType<typeof freshTable>>;

beforeAll(async () => {
  table = await freshTable('refresh');
});

/** The first token of each test: IP-restricted, as a vendor's sync job would be. */
const setup = (request: Partial<NewTokenRequest> = {}) =>
  withFirstToken(table.store, { description: 'Vendor sync', allowedIps: ['203.0.113.0/24'], ...request });

const claimsOf = (accessToken: string) => decodeJwt(accessToken);

describe('refresh', () => {
  it('rotates a chain of 5: each successor keeps the terms, each predecessor is rotated with a grace deadline', async () => {
    const { clock, service, who, first } = await setup();
    const chain = [first];
    for (let i = 0; i < 5; i++) {
      clock.advance(DAY);
      chain.push(await rotate(service, chain[chain.length - 1]!.refreshKey));
    }

    const ids = new Set(chain.map((token) => token.id));
    expect(ids.size).toBe(6);
    for (let i = 1; i < chain.length; i++) {
      const [previous, next] = [chain[i - 1]!, chain[i]!];
      expect(next).toMatchObject({
        owner: who,
        tenant: 'acme',
        description: 'Vendor sync',
        scopes: ['candidates:read'],
        allowedIps: ['203.0.113.0/24'],
        status: 'active',
      });
      expect(Date.parse(next.expiresAt!) - Math.floor(Date.parse(next.createdAt!) / 1000) * 1000).toBe(180 * DAY);
      expect(next.refreshKey).not.toBe(previous.refreshKey);
      const before = await service.get(user(who), previous.id);
      expect(before).toMatchObject({ status: 'revoked', revokeReason: 'rotated' });
      expect(Date.parse(before.graceUntil!) - Date.parse(before.revokedAt!)).toBe(60_000);
    }
    const active = await service.list(user(who), { status: 'active', limit: 50 });
    expect(active.items.map((token) => token.id)).toEqual([chain[5]!.id]);
  });

  it('keeps the old access token valid within the grace period and refuses it after', async () => {
    const { clock, service, first, authorize } = await setup();
    const second = await rotate(service, first.refreshKey);

    expect(await authorize(first.accessToken)).toBe('allow');
    expect(await authorize(second.accessToken)).toBe('allow');
    clock.advance(59_999);
    expect(await authorize(first.accessToken)).toBe('allow');
    clock.advance(1);
    expect(await authorize(first.accessToken)).toBe('unauthorized');
    expect(await authorize(second.accessToken)).toBe('allow');
  });

  it('revokes the whole family when a rotated key is reused after the leeway, and no other token', async () => {
    const { clock, service, who, first, authorize } = await setup();
    const bystander = await service.create(user(who), { description: 'Unrelated', scopes: ['jobs:read'] });
    const second = await rotate(service, first.refreshKey);
    clock.advance(5_000);
    const third = await rotate(service, second.refreshKey);

    clock.advance(30_001);
    const outcome = await service.refresh(first.refreshKey);

    expect(outcome.kind).toBe('reuse_detected');
    for (const member of [first, second, third]) {
      const record = await service.get(user(who), member.id);
      expect(record.status).toBe('revoked');
      expect(record.graceUntil).toBeUndefined();
      expect(await authorize(member.accessToken)).toBe('unauthorized');
    }
    expect((await service.get(user(who), third.id)).revokeReason).toBe('reuse_detected');
    expect((await service.get(user(who), bystander.id)).status).toBe('active');
    expect(await codeOf(service.refresh(third.refreshKey))).toBe('invalid_grant');
  });

  it('answers a retry within the leeway with the same successor: same id, refresh key and claims, nothing new written', async () => {
    const { clock, service, who, first } = await setup();
    const second = await rotate(service, first.refreshKey);
    const recordsBefore = (await service.list(user(who), { status: 'all', limit: 100 })).items.length;
    clock.advance(30_000);

    const again = await service.refresh(first.refreshKey);

    expect(again.kind).toBe('replayed');
    if (again.kind !== 'replayed') return;
    expect(again.token.id).toBe(second.id);
    expect(again.token.refreshKey).toBe(second.refreshKey);
    expect(claimsOf(again.token.accessToken)).toEqual(claimsOf(second.accessToken));
    expect((await service.list(user(who), { status: 'all', limit: 100 })).items.length).toBe(recordsBefore);
    expect((await service.get(user(who), second.id)).status).toBe('active');
    expect((await service.get(user(who), first.id)).revokeReason).toBe('rotated');
  });

  it('treats the same key one millisecond after the leeway as reuse', async () => {
    const { clock, service, who, first } = await setup();
    const second = await rotate(service, first.refreshKey);
    clock.advance(30_001);

    expect((await service.refresh(first.refreshKey)).kind).toBe('reuse_detected');
    expect((await service.get(user(who), second.id)).status).toBe('revoked');
  });

  it('treats the same key within the leeway as reuse once its successor was itself rotated', async () => {
    const { clock, service, who, first } = await setup();
    const second = await rotate(service, first.refreshKey);
    clock.advance(1_000);
    const third = await rotate(service, second.refreshKey);

    expect((await service.refresh(first.refreshKey)).kind).toBe('reuse_detected');
    expect((await service.get(user(who), third.id)).revokeReason).toBe('reuse_detected');
  });

  it('detects reuse even after the rotated token was revoked by its owner', async () => {
    const { clock, service, who, first } = await setup();
    const second = await rotate(service, first.refreshKey);
    await service.revoke(user(who), first.id);
    clock.advance(31_000);

    const outcome = await service.refresh(first.refreshKey);
    expect(outcome.kind).toBe('reuse_detected');
    expect((await service.get(user(who), second.id)).status).toBe('revoked');
  });

  it('answers 20 concurrent refreshes with one key with one successor: every 200 identical, one record written', async () => {
    const { service, who, first } = await setup();

    const results = await Promise.allSettled(Array.from({ length: 20 }, () => service.refresh(first.refreshKey)));

    const answers = results.flatMap((result) =>
      result.status === 'fulfilled' && result.value.kind !== 'reuse_detected' ? [result.value.token] : [],
    );
    const losers = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    expect(answers.length + losers.length).toBe(20);
    expect(answers.length).toBeGreaterThan(0);
    expect(new Set(answers.map((token) => `${token.id} ${token.refreshKey}`)).size).toBe(1);
    expect(new Set(answers.map((token) => JSON.stringify(claimsOf(token.accessToken)))).size).toBe(1);
    expect(losers.map((result) => (result.reason as DomainError).code)).toEqual(Array(losers.length).fill('conflict'));
    const all = await service.list(user(who), { status: 'all', limit: 100 });
    expect(all.items.map((token) => token.status).sort()).toEqual(['active', 'revoked']);
  });

  it.each([
    ['an unknown token id', () => `patr_${'0'.repeat(32)}_${'A'.repeat(43)}`],
    ['a malformed key', () => 'not-a-refresh-key'],
    ['an empty key', () => ''],
  ])('answers invalid_grant to %s', async (_name, key) => {
    const { service } = await setup();
    expect(await codeOf(service.refresh(key()))).toBe('invalid_grant');
  });

  it('answers invalid_grant to the right token id with a wrong secret, and changes nothing', async () => {
    const { service, who, first } = await setup();
    const wrong = first.refreshKey.slice(0, -4) + (first.refreshKey.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(await codeOf(service.refresh(wrong))).toBe('invalid_grant');
    expect((await service.get(user(who), first.id)).status).toBe('active');
  });

  it('answers invalid_grant to the key of a revoked token', async () => {
    const { service, who, first } = await setup();
    await service.revoke(user(who), first.id);
    expect(await codeOf(service.refresh(first.refreshKey))).toBe('invalid_grant');
  });

  it('refreshes an expired token within the 30-day window and not after', async () => {
    const inside = await setup({ expiresInDays: 90 });
    inside.clock.advance(90 * DAY + 30 * DAY - 1);
    await expect(rotate(inside.service, inside.first.refreshKey)).resolves.toMatchObject({ status: 'active' });

    const outside = await setup({ expiresInDays: 90 });
    outside.clock.advance(90 * DAY + 30 * DAY);
    expect(await codeOf(outside.service.refresh(outside.first.refreshKey))).toBe('invalid_grant');
  });

  it('caps the successor lifetime at the maximum when the policy has shrunk', async () => {
    const { service, first, clock } = await setup({ expiresInDays: 365 });
    const { service: stricter } = tokenService(table.store, clock, {
      policy: { maxLifetimeDays: 90, lifetimesDays: [30, 90], defaultLifetimeDays: 30 },
    });
    void service;
    const next = await rotate(stricter, first.refreshKey);
    expect(Date.parse(next.expiresAt!) - Math.floor(clock.now() / 1000) * 1000).toBe(90 * DAY);
  });

  it('revokes the credential when a rotated id is revoked: the live successor and the one in grace, not the dead', async () => {
    const { clock, service, who, first, authorize } = await setup();
    const second = await rotate(service, first.refreshKey);
    clock.advance(61_000);
    const third = await rotate(service, second.refreshKey);

    const answer = await service.revoke(user(who), first.id);

    expect(answer.revokedTokenIds).toEqual([third.id, second.id]);
    expect(answer).toMatchObject({ id: first.id, status: 'revoked', revokeReason: 'rotated' });
    expect(await service.get(user(who), third.id)).toMatchObject({ status: 'revoked', revokeReason: 'revoked', revokedBy: who });
    expect((await service.get(user(who), second.id)).graceUntil).toBeUndefined();
    expect(await authorize(third.accessToken)).toBe('unauthorized');
    expect(await authorize(second.accessToken)).toBe('unauthorized');
    expect(await codeOf(service.refresh(third.refreshKey))).toBe('invalid_grant');
    expect((await service.revoke(user(who), third.id)).revokedTokenIds).toEqual([]);
  });

  it('frees the description: a rotated token no longer counts, the successor holds it', async () => {
    const { service, who, first } = await setup();
    await rotate(service, first.refreshKey);
    expect(await codeOf(service.create(user(who), { description: 'Vendor sync', scopes: ['jobs:read'] }))).toBe('conflict');
  });
});

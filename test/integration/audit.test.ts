import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../functions/domain/audit';
import { freshTable, allItems } from '../support/dynamo';
import { authorizerFor, DAY, ManualClock, tokenService, user } from '../support/fixtures';

let table: Awaited<ReturnType<typeof freshTable>>;

beforeAll(async () => {
  table = await freshTable('audit');
});

const tenantOf = () => `t${Math.random().toString(16).slice(2, 10)}`;

async function trail(tenant: string, query: { tokenId?: string; owner?: string } = {}): Promise<AuditEvent[]> {
  return (await table.store.listAudit({ tenant, limit: 100, ...query })).items;
}

async function auditItemCount(): Promise<number> {
  return (await allItems(table.client, table.tableName)).filter((item) => (item.pk as { S: string }).S.startsWith('AUDIT#')).length;
}

describe('audit trail', () => {
  it('records a creation: who, what, when, from where, which token', async () => {
    const tenant = tenantOf();
    const clock = new ManualClock();
    const { service } = tokenService(table.store, clock);
    const token = await service.create(
      { ...user('ada', tenant, true), sourceIp: '198.51.100.4' },
      { description: 'for bob', scopes: ['jobs:read'], owner: 'bob' },
    );

    expect(await trail(tenant)).toEqual([
      {
        id: expect.any(String),
        at: clock.now(),
        action: 'token.created',
        tenant,
        tokenId: token.id,
        owner: 'bob',
        actor: { type: 'user', id: 'ada' },
        sourceIp: '198.51.100.4',
      },
    ]);
  });

  it('records one event per revocation, and none for a revocation that changes nothing', async () => {
    const tenant = tenantOf();
    const clock = new ManualClock();
    const { service } = tokenService(table.store, clock);
    const token = await service.create(user('cy', tenant), { description: 'x', scopes: ['jobs:read'] });
    clock.advance(1000);
    await service.revoke(user('cy', tenant), token.id);
    await service.revoke(user('cy', tenant), token.id);

    const events = await trail(tenant, { tokenId: token.id });
    expect(events.map((event) => event.action)).toEqual(['token.revoked', 'token.created']);
    expect(events[0]).toMatchObject({ actor: { type: 'user', id: 'cy' }, at: clock.now() });
  });

  it('records a refresh with the vendor token as actor, and a reuse with the family it revoked', async () => {
    const tenant = tenantOf();
    const clock = new ManualClock();
    const { service } = tokenService(table.store, clock);
    const first = await service.create(user('dee', tenant), { description: 'vendor', scopes: ['jobs:read'] });
    clock.advance(1000);
    const outcome = await service.refresh(first.refreshKey, { sourceIp: '203.0.113.50' });
    if (outcome.kind !== 'rotated') throw new Error('expected a rotation');
    clock.advance(60_000);
    await service.refresh(first.refreshKey, { sourceIp: '192.0.2.66' });

    const events = await trail(tenant, { tokenId: first.id });
    expect(events.map((event) => event.action)).toEqual(['token.reuse_detected', 'token.refreshed', 'token.created']);
    expect(events[1]).toMatchObject({
      actor: { type: 'token', id: first.id },
      sourceIp: '203.0.113.50',
      details: { successorId: outcome.token.id },
    });
    expect(events[0]).toMatchObject({ actor: { type: 'token', id: first.id }, sourceIp: '192.0.2.66' });
    expect(events[0]!.details!.revokedIds).toEqual(expect.arrayContaining([first.id, outcome.token.id]));
  });

  it('writes neither change nor event when the transaction fails', async () => {
    const tenant = tenantOf();
    const clock = new ManualClock();
    const { service } = tokenService(table.store, clock);
    const first = await service.create(user('eli', tenant), { description: 'same', scopes: ['jobs:read'] });
    const before = await auditItemCount();

    await expect(service.create(user('eli', tenant), { description: 'same', scopes: ['jobs:read'] })).rejects.toMatchObject({
      code: 'conflict',
    });
    const results = await Promise.allSettled([
      service.refresh(first.refreshKey),
      service.refresh(first.refreshKey),
      service.refresh(first.refreshKey),
    ]);

    // One rotation wrote its change and event; the concurrent ones lost their transaction, wrote
    // nothing of it, and answered the winner's successor again, each with a replay event.
    const replays = results.filter((r) => r.status === 'fulfilled' && r.value.kind === 'replayed').length;
    expect(results.filter((r) => r.status === 'fulfilled' && r.value.kind === 'rotated')).toHaveLength(1);
    expect(await auditItemCount()).toBe(before + 1 + replays);
  });

  it('counts denied authorizations per token per hour instead of storing each', async () => {
    const tenant = tenantOf();
    const clock = new ManualClock(Date.UTC(2026, 10, 23, 12, 0, 0));
    const { service, keys } = tokenService(table.store, clock);
    const token = await service.create(user('fay', tenant), { description: 'narrow', scopes: ['jobs:read'], allowedIps: ['10.0.0.0/8'] });
    const authorizer = authorizerFor(table.store, clock, keys, { denialFlushMs: 0 });
    const ask = (sourceIp: string, resource: string) =>
      authorizer.authorize({ authorization: `Bearer ${token.accessToken}`, sourceIp, method: 'GET', resource });

    for (let i = 0; i < 3; i++) await ask('10.1.1.1', '/api/candidates');
    await ask('192.0.2.1', '/api/jobs');
    clock.advance(3_600_000);
    await ask('10.1.1.1', '/api/candidates');

    const denials = (await trail(tenant, { tokenId: token.id })).filter((event) => event.action === 'authorization.denied');
    expect(denials.map((event) => [new Date(event.at).toISOString(), event.details])).toEqual([
      ['2026-11-23T13:00:00.000Z', { count: 1, reasons: ['scope'] }],
      ['2026-11-23T12:00:00.000Z', { count: 4, reasons: ['ip', 'scope'] }],
    ]);
  });

  it('pages through the trail newest first', async () => {
    const tenant = tenantOf();
    const clock = new ManualClock();
    const { service } = tokenService(table.store, clock);
    for (let i = 0; i < 5; i++) {
      clock.advance(1000);
      await service.create(user('gus', tenant), { description: `t${i}`, scopes: ['jobs:read'] });
    }
    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await table.store.listAudit({ tenant, limit: 2, cursor });
      seen.push(...page.items.map((event) => event.at));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(5);
    expect([...seen].sort((a, b) => b - a)).toEqual(seen);
  });

  it('keeps tenants apart: another tenant sees nothing, even with a token id', async () => {
    const tenant = tenantOf();
    const clock = new ManualClock();
    const { service } = tokenService(table.store, clock);
    const token = await service.create(user('hal', tenant), { description: 'x', scopes: ['jobs:read'] });
    expect(await trail('someone-else')).toEqual([]);
    expect(await trail('someone-else', { tokenId: token.id })).toEqual([]);
    expect(await trail(tenant, { owner: 'hal' })).toHaveLength(1);
  });

  it('gives audit events a TTL of 400 days', async () => {
    const tenant = tenantOf();
    const clock = new ManualClock();
    const { service } = tokenService(table.store, clock);
    await service.create(user('ivy', tenant), { description: 'ttl', scopes: ['jobs:read'], expiresInDays: 90 });
    const [event] = await trail(tenant);
    const item = (await allItems(table.client, table.tableName)).find((i) => (i.pk as { S: string }).S === `AUDIT#${event!.id}`)!;
    expect(Number((item.ttl as { N: string }).N)).toBe(Math.floor(clock.now() / 1000) + (400 * DAY) / 1000);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import type { DynamoTokenStore } from '../support/dynamo-token-store';
import { DomainError } from '../../functions/domain/errors';
import { auditEvent } from '../../functions/service/audit-events';
import { freshTable, allItems } from '../support/dynamo';
import { DAY, ManualClock, tokenService, user } from '../support/fixtures';

let store: DynamoTokenStore;
let table: Awaited<ReturnType<typeof freshTable>>;

beforeAll(async () => {
  table = await freshTable('store');
  store = table.store;
});

describe('DynamoDB token store', () => {
  it('never overwrites an existing token id', async () => {
    const clock = new ManualClock();
    const { service } = tokenService(store, clock);
    const issued = await service.create(user('olga'), { description: 'original', scopes: ['jobs:read'] });
    const record = (await store.get(issued.id))!;

    await expect(
      store.create(
        { ...record, description: 'impostor' },
        clock.now(),
        auditEvent({ action: 'token.created', token: record, at: clock.now(), actor: { type: 'user', id: 'olga' } }),
        100,
      ),
    ).rejects.toThrow();
    expect((await store.get(issued.id))!.description).toBe('original');
  });

  it('frees the description of an expired token for a new one', async () => {
    const clock = new ManualClock();
    const { service } = tokenService(store, clock);
    await service.create(user('pia'), {
      description: 'Nightly export',
      scopes: ['jobs:read'],
      expiresAt: new Date(clock.now() + DAY).toISOString(),
    });
    await expect(service.create(user('pia'), { description: 'Nightly export', scopes: ['jobs:read'] })).rejects.toMatchObject({
      code: 'conflict',
    });

    clock.advance(DAY);
    await expect(service.create(user('pia'), { description: 'Nightly export', scopes: ['jobs:read'] })).resolves.toMatchObject({
      status: 'active',
    });
  });

  it('lists an expired token under expired and not under active, from expiresAt alone', async () => {
    const clock = new ManualClock();
    const { service } = tokenService(store, clock);
    const token = await service.create(user('quinn'), {
      description: 'short',
      scopes: ['jobs:read'],
      expiresAt: new Date(clock.now() + 60_000).toISOString(),
    });
    clock.advance(59_999);
    expect((await service.list(user('quinn'), { status: 'active', limit: 10 })).items.map((t) => t.id)).toEqual([token.id]);
    clock.advance(1);
    expect((await service.list(user('quinn'), { status: 'active', limit: 10 })).items).toEqual([]);
    expect((await service.list(user('quinn'), { status: 'expired', limit: 10 })).items.map((t) => [t.id, t.status])).toEqual([
      [token.id, 'expired'],
    ]);
  });

  it('caps active tokens per owner, counting neither revoked nor expired ones', async () => {
    const clock = new ManualClock();
    const { service } = tokenService(store, clock, { policy: { maxActiveTokensPerOwner: 3 } });
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await service.create(user('rex'), { description: `t${i}`, scopes: ['jobs:read'] })).id);
    const before = (await allItems(table.client, table.tableName)).length;

    const refused = await service.create(user('rex'), { description: 'one too many', scopes: ['jobs:read'] }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DomainError);
    expect((refused as DomainError).code).toBe('conflict');
    expect(await allItems(table.client, table.tableName)).toHaveLength(before);

    await service.revoke(user('rex'), ids[0]!);
    await expect(service.create(user('rex'), { description: 'after revoke', scopes: ['jobs:read'] })).resolves.toBeDefined();
  });

  it('stores a TTL of expiresAt plus 30 days of retention, and no TTL for a token without expiry', async () => {
    const clock = new ManualClock();
    const { service } = tokenService(store, clock, { policy: { allowNoExpiry: true } });
    const expiring = await service.create(user('sam'), { description: 'ttl', scopes: ['jobs:read'], expiresInDays: 90 });
    const forever = await service.create(user('sam'), { description: 'forever', scopes: ['jobs:read'], expiresAt: null });
    const items = await allItems(table.client, table.tableName);
    const ttlOf = (id: string) =>
      (items.find((item) => (item.pk as { S: string }).S === `TOKEN#${id}`)!.ttl as { N: string } | undefined)?.N;

    expect(Number(ttlOf(expiring.id))).toBe(Date.parse(expiring.expiresAt!) / 1000 + 30 * 86_400);
    expect(ttlOf(forever.id)).toBeUndefined();
    expect(forever.expiresAt).toBeNull();
  });
});

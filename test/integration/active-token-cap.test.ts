import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoTokenStore } from '../support/dynamo-token-store';
import { DomainError } from '../../functions/domain/errors';
import { defaultPolicy } from '../../functions/domain/token-policy';
import { freshTable } from '../support/dynamo';
import { DAY, ManualClock, tokenService, user } from '../support/fixtures';

let table: Awaited<ReturnType<typeof freshTable>>;

beforeAll(async () => {
  table = await freshTable('cap');
});

const codeOf = (reason: unknown) => (reason instanceof DomainError ? reason.code : String(reason));

describe('the active-token cap, enforced in the write (DynamoDB Local)', () => {
  it('lets exactly 5 of 50 concurrent creates under a cap of 5 through, and answers the other 45 with 409', async () => {
    const clock = new ManualClock();
    // A patient client: fifty transactions at once keep DynamoDB Local (one JVM on a shared 2-core
    // machine) busy for longer than the functions' 1 s request timeout; what is tested is the cap.
    const patient = new DynamoDBClient({
      endpoint: table.endpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      requestHandler: { requestTimeout: 30_000 },
    });
    const store = new DynamoTokenStore(patient, { tableName: table.tableName, retentionDays: defaultPolicy.retentionDays });
    const { service } = tokenService(store, clock, { policy: { maxActiveTokensPerOwner: 5 } });

    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => service.create(user('crowd'), { description: `Vendor ${i}`, scopes: ['jobs:read'] })),
    );

    const created = results.filter((result) => result.status === 'fulfilled');
    const refused = results.filter((result) => result.status === 'rejected').map((result) => codeOf(result.reason));
    expect(created).toHaveLength(5);
    expect(refused).toEqual(Array.from({ length: 45 }, () => 'conflict'));
    const active = await service.list(user('crowd'), { status: 'active', limit: 100 });
    expect(active.items).toHaveLength(5);
    patient.destroy();
  }, 120_000);

  it('counts a place free again once its credential is revoked, and once its token expired', async () => {
    const clock = new ManualClock();
    const { service } = tokenService(table.store, clock, { policy: { maxActiveTokensPerOwner: 2, lifetimesDays: [1, 90] } });
    const first = await service.create(user('turner'), { description: 'one', scopes: ['jobs:read'], expiresInDays: 1 });
    const second = await service.create(user('turner'), { description: 'two', scopes: ['jobs:read'] });
    expect(codeOf(await service.create(user('turner'), { description: 'three', scopes: ['jobs:read'] }).catch((e) => e))).toBe('conflict');

    await service.revoke(user('turner'), second.id);
    await expect(service.create(user('turner'), { description: 'three', scopes: ['jobs:read'] })).resolves.toMatchObject({
      status: 'active',
    });
    expect(codeOf(await service.create(user('turner'), { description: 'four', scopes: ['jobs:read'] }).catch((e) => e))).toBe('conflict');

    clock.advance(DAY + 1_000);
    expect((await service.get(user('turner'), first.id)).status).toBe('expired');
    await expect(service.create(user('turner'), { description: 'four', scopes: ['jobs:read'] })).resolves.toMatchObject({
      status: 'active',
    });
  });

  it('refuses to refresh an expired token back to life when its place has been taken (409), and regenerates only active tokens', async () => {
    const clock = new ManualClock();
    const { service } = tokenService(table.store, clock, { policy: { maxActiveTokensPerOwner: 1, lifetimesDays: [1, 90] } });
    const expiring = await service.create(user('quill'), { description: 'short', scopes: ['jobs:read'], expiresInDays: 1 });
    clock.advance(DAY + 1_000);
    await service.create(user('quill'), { description: 'replacement', scopes: ['jobs:read'] });

    expect(codeOf(await service.refresh(expiring.refreshKey).catch((e) => e))).toBe('conflict');
    expect(codeOf(await service.regenerate(user('quill'), expiring.id).catch((e) => e))).toBe('conflict');
    expect((await service.get(user('quill'), expiring.id)).status).toBe('expired');
  });
});

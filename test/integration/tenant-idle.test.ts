import { beforeAll, describe, expect, it } from 'vitest';
import type { AuthorizeRequest } from '../../functions/service/authorize';
import { freshTable } from '../support/dynamo';
import { authorizerFor, DAY, ManualClock, tokenService, user } from '../support/fixtures';

let table: Awaited<ReturnType<typeof freshTable>>;

beforeAll(async () => {
  table = await freshTable('tenant-idle');
});

const request = (token: string): AuthorizeRequest => ({
  authorization: `Bearer ${token}`,
  sourceIp: '203.0.113.10',
  method: 'GET',
  resource: '/api/candidates',
});

describe("a tenant's idle expiry, enforced by the authorizer (DynamoDB Local)", () => {
  it('refuses a token unused longer than its tenant allows, read with its record in one BatchGetItem', async () => {
    const clock = new ManualClock();
    const { service, keys } = tokenService(table.store, clock);
    await service.setPolicy(user('root', 'idlers', true), { idleExpiryDays: 1 });
    const issued = await service.create(user('ida', 'idlers'), { description: 'Rarely used', scopes: ['candidates:read'] });
    const other = await service.create(user('ola', 'busy'), { description: 'Same age', scopes: ['candidates:read'] });
    const authorizer = authorizerFor(table.store, clock, keys, { statusCacheMs: 0 });

    clock.advance(DAY - 1_000);
    expect((await authorizer.authorize(request(issued.accessToken))).effect).toBe('allow');

    // Its last use was just now (written at once, the first use): a day of silence from here ends it.
    clock.advance(DAY + 1_000);
    const refused = await authorizer.authorize(request(issued.accessToken));
    const elsewhere = await authorizer.authorize(request(other.accessToken));

    expect(refused).toMatchObject({ effect: 'unauthorized', reason: 'idle' });
    // A tenant without the override keeps the deployment's (none here).
    expect(elsewhere.effect).toBe('allow');
  });
});

import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../functions/adapters/dynamodb/table-layout';
import { DomainError } from '../../functions/domain/errors';
import { freshTable } from '../support/dynamo';
import { DAY, ManualClock, tokenService, user } from '../support/fixtures';

/**
 * Review of issue 20, target 1, the owners whose tokens predate the owner item (every owner on the
 * day this deploys). Only `take` (create) seeds the `live` map from the byOwner index; rotation and
 * decide call `ensure`, which creates the item EMPTY and unseeded, and rotation's `keep` then checks
 * `size(live) < cap` on that empty map: a refresh of an expired token takes a place that the
 * owner's older active tokens already fill.
 */
let table: Awaited<ReturnType<typeof freshTable>>;

beforeAll(async () => {
  table = await freshTable('review-legacy');
});

const codeOf = (reason: unknown) => (reason instanceof DomainError ? reason.code : String(reason));

describe('review: the cap for an owner whose tokens predate the owner item', () => {
  it('does not let a refresh of an expired token pass the cap', async () => {
    const clock = new ManualClock();
    const { service } = tokenService(table.store, clock, { policy: { maxActiveTokensPerOwner: 2, lifetimesDays: [1, 90] } });
    const short = await service.create(user('lee'), { description: 'short', scopes: ['jobs:read'], expiresInDays: 1 });
    await service.create(user('lee'), { description: 'two', scopes: ['jobs:read'], expiresInDays: 90 });
    clock.advance(DAY + 1_000); // `short` expired (refreshable for 30 days)
    await service.create(user('lee'), { description: 'three', scopes: ['jobs:read'], expiresInDays: 90 });
    // lee holds 2 active tokens under a cap of 2. The same tokens, as before this round's deploy:
    // no owner item (the tokens were written before it existed).
    await table.client.send(new DeleteItemCommand({ TableName: table.tableName, Key: marshall(keys.ownerPlaces('acme', 'lee')) }));

    const refreshed = await service.refresh(short.refreshKey).then(
      (outcome) => outcome.kind,
      (error) => codeOf(error),
    );
    const active = (await service.list(user('lee'), { status: 'active', limit: 100 })).items.length;
    expect({ refreshed, active }).toEqual({ refreshed: 'conflict', active: 2 });
  });
});

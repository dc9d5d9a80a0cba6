import { beforeAll, describe, expect, it } from 'vitest';
import { ExpiryNotifier, horizonOf, type ExpiryNotice } from '../../functions/service/expiry-notifications';
import { freshTable } from '../support/dynamo';
import { DAY, ManualClock, tokenService, user } from '../support/fixtures';

let table: Awaited<ReturnType<typeof freshTable>>;

beforeAll(async () => {
  table = await freshTable('expiry');
});

describe('expiry horizons', () => {
  it.each([
    [40 * DAY, undefined],
    [30 * DAY, 30],
    [29 * DAY, 30],
    [7 * DAY, 7],
    [6 * DAY, 7],
    [DAY, 1],
    [20 * 3_600_000, 1],
    [0, undefined],
    [-DAY, undefined],
  ])('a token expiring in %i ms is in horizon %s', (left, horizon) => {
    expect(horizonOf(1_000_000_000_000 + left, 1_000_000_000_000, [30, 7, 1])).toBe(horizon);
  });
});

describe('expiry notifications', () => {
  it('notifies the tokens entering a horizon, once, and nothing on a second run', async () => {
    const clock = new ManualClock();
    const { service } = tokenService(table.store, clock);
    const create = (description: string, expiresIn: number) =>
      service.create(user('nora', 'notify-tenant'), { description, scopes: ['jobs:read'], expiresAt: new Date(clock.now() + expiresIn).toISOString() });
    await create('expired', DAY);
    clock.advance(2 * DAY); // `expired` expired a day ago
    const in40d = await create('in 40 days', 40 * DAY);
    const in29d = await create('in 29 days', 29 * DAY);
    await create('in 6 days', 6 * DAY);
    await create('in 20 hours', 20 * 3_600_000);
    const revoked = await create('revoked', 5 * DAY);
    await service.revoke(user('nora', 'notify-tenant'), revoked.id);

    const sent: ExpiryNotice[][] = [];
    const notifier = new ExpiryNotifier({ store: table.store, clock, horizonsDays: [30, 7, 1], publisher: { publish: async (notices) => void sent.push(notices) } });
    const first = await notifier.run();
    const second = await notifier.run();

    expect(first.map((notice) => `${notice.description} → ${notice.horizonDays}`).sort()).toEqual(['in 20 hours → 1', 'in 29 days → 30', 'in 6 days → 7']);
    expect(first.every((notice) => notice.tenant === 'notify-tenant' && notice.owner === 'nora')).toBe(true);
    expect(second).toEqual([]);
    expect(sent).toHaveLength(1);

    clock.advance(23 * DAY); // 6 and 17 days left: a 7-day notice and a first 30-day notice are new
    const third = await notifier.run();
    expect(third.map((notice) => `${notice.tokenId} → ${notice.horizonDays}`).sort()).toEqual([`${in29d.id} → 7`, `${in40d.id} → 30`].sort());
  });

  it('releases the claim when publishing fails, so that the next run retries', async () => {
    const clock = new ManualClock();
    const { service } = tokenService(table.store, clock);
    const token = await service.create(user('otto', 'retry-tenant'), { description: 'soon', scopes: ['jobs:read'], expiresAt: new Date(clock.now() + 3 * DAY).toISOString() });
    let fail = true;
    const notifier = new ExpiryNotifier({
      store: table.store,
      clock,
      horizonsDays: [30, 7, 1],
      publisher: {
        publish: async () => {
          if (fail) throw new Error('EventBridge down');
        },
      },
    });

    await expect(notifier.run()).rejects.toThrow('EventBridge down');
    fail = false;
    const retried = await notifier.run();
    expect(retried.filter((notice) => notice.tokenId === token.id).map((notice) => notice.horizonDays)).toEqual([7]);
  });
});

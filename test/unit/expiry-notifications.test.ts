import { describe, expect, it } from 'vitest';
import type { TokenRecord } from '../../functions/domain/token';
import { ExpiryNotifier, type ExpiryNotice, horizonOf } from '../../functions/service/expiry-notifications';
import { ManualClock } from '../support/fixtures';

// The daily expiry notification (functions/service/expiry-notifications.ts) over an in-memory expiry
// index: which horizon a token has entered, and that each notice is claimed before it is sent, sent
// once, and released when sending fails.
const DAY = 86_400_000;
const horizons = [30, 7, 1];

describe('horizonOf', () => {
  const now = Date.UTC(2026, 10, 23);

  it('is the tightest horizon the token has entered, whatever the order of the horizons', () => {
    expect(horizonOf(now + 6 * DAY, now, [1, 30, 7])).toBe(7);
    expect(horizonOf(now + 20 * DAY, now, horizons)).toBe(30);
  });

  it('counts a token exactly at a horizon as inside it, and a millisecond more as outside', () => {
    expect(horizonOf(now + 7 * DAY, now, horizons)).toBe(7);
    expect(horizonOf(now + 7 * DAY + 1, now, horizons)).toBe(30);
    expect(horizonOf(now + 1 * DAY, now, horizons)).toBe(1);
  });

  it('is none for a token beyond the widest horizon', () => {
    expect(horizonOf(now + 30 * DAY + 1, now, horizons)).toBeUndefined();
  });

  it('is none for a token that has expired, from its expiry millisecond on', () => {
    expect(horizonOf(now, now, horizons)).toBeUndefined();
    expect(horizonOf(now + 1, now, horizons)).toBe(1);
  });

  it('leaves the caller list of horizons in its order', () => {
    const list = [30, 1, 7];
    horizonOf(Date.UTC(2026, 10, 24), Date.UTC(2026, 10, 23), list);
    expect(list).toEqual([30, 1, 7]);
  });
});

class MemoryExpiryIndex {
  readonly tokens: TokenRecord[] = [];
  readonly claimed = new Set<string>();
  readonly queries: [number, number][] = [];
  failRelease = false;
  async expiringBetween(from: number, to: number) {
    this.queries.push([from, to]);
    return this.tokens.filter((token) => token.expiresAt !== null && token.expiresAt >= from && token.expiresAt < to);
  }
  async markNotified(id: string, horizonDays: number) {
    const key = `${id}:${horizonDays}`;
    if (this.claimed.has(key)) return false;
    this.claimed.add(key);
    return true;
  }
  async unmarkNotified(id: string, horizonDays: number) {
    if (this.failRelease) throw new Error('throttled');
    this.claimed.delete(`${id}:${horizonDays}`);
  }
}

function setup() {
  const clock = new ManualClock(Date.UTC(2026, 10, 23, 6, 0, 0));
  const store = new MemoryExpiryIndex();
  const published: ExpiryNotice[] = [];
  const failing = new Set<string>();
  const publisher = {
    publish: async (notice: ExpiryNotice) => {
      if (failing.has(notice.tokenId)) throw new Error('SNS throttled');
      published.push(notice);
    },
  };
  const notifier = new ExpiryNotifier({ store, publisher, clock, horizonsDays: horizons });
  const token = (id: string, expiresAt: number | null, change: Partial<TokenRecord> = {}): TokenRecord => {
    const record: TokenRecord = {
      id,
      tenant: 'acme',
      owner: 'alice',
      createdBy: 'alice',
      description: `token ${id}`,
      scopes: ['jobs:read'],
      allowedIps: [],
      createdAt: clock.now() - 80 * DAY,
      expiresAt,
      state: 'active',
      familyId: id,
      generation: 1,
      refreshKeyHash: '00'.repeat(32),
      ...change,
    };
    store.tokens.push(record);
    return record;
  };
  return { clock, store, published, failing, notifier, token };
}

describe('ExpiryNotifier.run', () => {
  it('asks the index for tokens expiring after now and within the widest horizon', async () => {
    const { notifier, store, clock } = setup();

    await notifier.run();

    expect(store.queries).toEqual([[clock.now() + 1, clock.now() + 30 * DAY + 1]]);
  });

  it('sends one notice per token with what an owner needs to act, and no secret', async () => {
    const { notifier, token, clock } = setup();
    const expiresAt = clock.now() + 6 * DAY + 3_600_000;
    token('a', expiresAt);

    const { sent, failed } = await notifier.run();

    expect(sent).toStrictEqual([
      {
        tokenId: 'a',
        tenant: 'acme',
        owner: 'alice',
        description: 'token a',
        expiresAt: new Date(expiresAt).toISOString(),
        horizonDays: 7,
        daysLeft: 6,
      },
    ]);
    expect(failed).toEqual([]);
  });

  it('sends each horizon once, and the next horizon when the token enters it', async () => {
    const { notifier, token, clock, published } = setup();
    token('a', clock.now() + 8 * DAY);

    await notifier.run();
    await notifier.run();
    clock.advance(DAY);
    await notifier.run();

    expect(published.map((notice) => notice.horizonDays)).toEqual([30, 7]);
  });

  it('skips a horizon the record says was already sent, without claiming it', async () => {
    const { notifier, token, clock, store } = setup();
    token('a', clock.now() + 5 * DAY, { notifiedHorizons: [7] });

    expect((await notifier.run()).sent).toEqual([]);
    expect(store.claimed.size).toBe(0);
  });

  it('skips a notice another run claimed first', async () => {
    const { notifier, token, clock, store } = setup();
    token('a', clock.now() + 5 * DAY);
    store.claimed.add('a:7');

    expect((await notifier.run()).sent).toEqual([]);
  });

  it.each([
    ['revoked', { state: 'revoked' as const }],
    ['pending', { state: 'pending' as const }],
  ])('sends nothing for a %s token', async (_name, change) => {
    const { notifier, token, clock } = setup();
    token('a', clock.now() + 5 * DAY, change);

    expect((await notifier.run()).sent).toEqual([]);
  });

  it('sends nothing for a token without expiry, even if an index returns it', async () => {
    const { notifier, token, store } = setup();
    token('a', null);
    store.expiringBetween = async () => store.tokens;

    expect((await notifier.run()).sent).toEqual([]);
  });

  it('sends nothing for a token outside every horizon, even if an index returns it', async () => {
    const { notifier, token, store, clock } = setup();
    token('a', clock.now() + 40 * DAY);
    store.expiringBetween = async () => store.tokens;

    expect((await notifier.run()).sent).toEqual([]);
  });

  it('reports a notice that failed, releases its claim so the next run retries it, and goes on with the others', async () => {
    const { notifier, token, clock, failing, store, published } = setup();
    token('a', clock.now() + 5 * DAY);
    token('b', clock.now() + 5 * DAY);
    failing.add('a');

    const first = await notifier.run();

    expect(first.sent.map((notice) => notice.tokenId)).toEqual(['b']);
    expect(first.failed.map(({ notice, error }) => [notice.tokenId, (error as Error).message])).toEqual([['a', 'SNS throttled']]);
    expect(store.claimed.has('a:7')).toBe(false);

    failing.clear();
    const second = await notifier.run();

    expect(second.sent.map((notice) => notice.tokenId)).toEqual(['a']);
    expect(published.map((notice) => notice.tokenId)).toEqual(['b', 'a']);
  });

  it('reports the notice even when its release fails too, and keeps it claimed (at most once)', async () => {
    const { notifier, token, clock, failing, store } = setup();
    token('a', clock.now() + 5 * DAY);
    failing.add('a');
    store.failRelease = true;

    const { failed } = await notifier.run();

    expect(failed).toHaveLength(1);
    expect(store.claimed.has('a:7')).toBe(true);
  });
});

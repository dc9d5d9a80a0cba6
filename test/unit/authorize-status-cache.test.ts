import { describe, expect, it, vi } from 'vitest';
import type { FeedEntry } from '../../functions/domain/revocation-feed';
import { DependencyUnavailable } from '../../functions/domain/errors';
import { FeedWatcher } from '../../functions/service/revocation-watch';
import { crowd, many, setup, tokenId, tokenRecord, withFeed, familyId } from './authorize-fixtures';

// The authorizer's status cache (functions/service/status-cache.ts): trusted for the short cache
// alone, for the long one while the revocation feed is followed, and dropped by what the feed names.

describe('the status cache without a feed', () => {
  it('trusts a record read for statusCacheMs, then reads it again', async () => {
    const { request, store, clock } = setup();

    await request();
    store.records.set(tokenId, tokenRecord({ state: 'revoked', revokeReason: 'revoked' }));
    clock.advance(9_999);
    expect((await request()).effect).toBe('allow');
    expect(store.reads).toBe(1);

    clock.advance(1);
    expect(await request()).toMatchObject({ reason: 'revoked' });
    expect(store.reads).toBe(2);
  });

  it('returns a decision at once, however long the read took', async () => {
    const { request, store, clock } = setup();
    store.duringRead = () => clock.advance(60_000);

    expect((await request()).effect).toBe('allow');
  });
});

describe('the status cache with the revocation feed', () => {
  it('trusts a status for the long cache while the feed is read', async () => {
    const { request, store, clock } = withFeed();

    await request();
    for (let i = 0; i < 5; i++) {
      clock.advance(5_000);
      await request();
    }

    expect(store.reads).toBe(1);
  });

  it('drops the status of a token the feed names, and reads it again', async () => {
    const { request, store, clock, entries } = withFeed();
    await request();
    clock.advance(2_000);
    await request();

    store.records.set(tokenId, tokenRecord({ state: 'revoked', revokeReason: 'revoked' }));
    entries.push({ id: 'e1', at: clock.now(), kind: 'revoked', tokenId });
    clock.advance(1_000);

    expect(await request()).toMatchObject({ reason: 'revoked' });
    expect(store.reads).toBe(2);
  });

  it('drops the status of every member of a family the feed names', async () => {
    const { request, store, clock, entries } = withFeed();
    await request();
    clock.advance(2_000);
    await request();

    store.families.set(familyId, { ...store.families.get(familyId)!, state: 'revoked', revokeReason: 'leaked' });
    entries.push({ id: 'e1', at: clock.now(), kind: 'revoked', familyId });
    clock.advance(1_000);

    expect(await request()).toMatchObject({ reason: 'revoked' });
  });

  it('keeps the status of a token the feed does not name', async () => {
    const { request, store, clock, entries } = withFeed();
    await request();
    clock.advance(2_000);
    await request();

    entries.push({ id: 'e1', at: clock.now(), kind: 'revoked', tokenId: 'ffffffffffffffffffffffffffffffff', familyId: 'other' });
    clock.advance(1_000);
    await request();

    expect(store.reads).toBe(1);
  });

  it('drops every status after a gap in its view of the feed', async () => {
    const { request, store, clock } = withFeed();
    await request();

    clock.advance(20_000);
    await request();

    expect(store.reads).toBe(2);
  });

  it('reads the record for every decision while the feed cannot be read', async () => {
    const { request, store, clock, feedReads, failReads } = withFeed();
    await request();
    failReads(true);

    clock.advance(1_000);
    await request();
    clock.advance(1_000);
    await request();

    expect(store.reads).toBe(3);
    expect(feedReads.count).toBe(3);
  });

  it('reads the feed at most once per poll interval', async () => {
    const { request, clock, feedReads } = withFeed();

    await request();
    clock.advance(999);
    await request();
    expect(feedReads.count).toBe(1);
    clock.advance(1);
    await request();
    expect(feedReads.count).toBe(2);
  });

  it('decides again on a fresh view when the decision outlived the poll interval, and fails closed after three rounds', async () => {
    const { request, clock, feedReads } = withFeed();
    await request();
    clock.advance(2_000);
    feedReads.during = () => clock.advance(1_000);

    await expect(request()).rejects.toThrow(new DependencyUnavailable('DynamoDB (decision outlived its revocation feed view)'));
    expect(feedReads.count).toBe(1 + 3);
  });

  it('answers a decision whose view is just younger than the poll interval', async () => {
    const { request, clock, feedReads } = withFeed();
    await request();
    clock.advance(2_000);
    feedReads.during = () => clock.advance(999);

    expect((await request()).effect).toBe('allow');
    expect(feedReads.count).toBe(1 + 1);
  });

  it('decides again when the status read took the poll interval, and then answers', async () => {
    const { request, store, clock, feedReads } = withFeed();
    let slow = true;
    store.duringRead = () => {
      if (slow) clock.advance(1_000);
      slow = false;
    };

    expect((await request()).effect).toBe('allow');
    expect(feedReads.count).toBe(2);
    expect(store.reads).toBe(1);
  });

  it('answers a refusal at once, however long its read took', async () => {
    const { request, store, clock, feedReads } = withFeed({ state: 'revoked', revokeReason: 'revoked' });
    store.duringRead = () => clock.advance(5_000);

    expect(await request()).toMatchObject({ reason: 'revoked' });
    expect(feedReads.count).toBe(1);
  });
});

describe('bounded memory: the status cache keeps at most 10 000 tokens', () => {
  it('forgets the oldest cached status', async () => {
    const { request, store } = crowd();
    for (let n = 0; n < many; n++) await request({ authorization: `Bearer t${n}` });
    expect(store.reads).toBe(many);

    await request({ authorization: 'Bearer t1' });
    expect(store.reads).toBe(many);
    await request({ authorization: 'Bearer t0' });
    expect(store.reads).toBe(many + 1);
  });
});

describe('a status read overlapping a feed read of another request', () => {
  // The overlapped read is older than the poll when its decision is made, and the view another
  // request read meanwhile is one this decision never saw: it decides again. If that view dropped
  // statuses, the overlapped read was not cached and the second round reads afresh (3 reads: the
  // overlapped one, the other token's, the retry); if it dropped nothing, the overlapped read was
  // cached and the newer view vouches for it (2 reads). Either way the next request reads nothing.
  it.each([
    ['that dropped statuses, is decided again on a fresh read, which is cached', true, 3],
    ['that dropped nothing, is cached, and the newer view vouches for it', false, 2],
  ])('%s', async (_name, otherChange, readsInDecision) => {
    const { request, store, clock, entries, verifier } = (() => {
      const entries: FeedEntry[] = [];
      const feed = {
        read: async (from: number, to: number) => entries.filter((e) => e.at >= from && e.at <= to),
        readDue: async () => [],
        append: vi.fn(),
      };
      const context = setup({ feed: { watcher: new FeedWatcher(feed, 1_000), log: feed, statusCacheMs: 300_000, resultCacheMs: 1 } });
      return { ...context, entries };
    })();
    await request();
    clock.advance(2_000);
    await request();
    expect(store.reads).toBe(1);

    // A second token's request reads the feed (which names the first token) while the first token's read is out.
    entries.push({ id: 'e1', at: clock.now(), kind: 'changed', tokenId });
    clock.advance(1_000);
    verifier.accept('other', { jti: 'ffffffffffffffffffffffffffffffff' });
    store.duringRead = async () => {
      store.duringRead = () => {};
      clock.advance(1);
      if (otherChange) entries.push({ id: 'e2', at: clock.now(), kind: 'changed', tokenId: 'ffffffffffffffffffffffffffffffff' });
      clock.advance(1_000);
      await request({ authorization: 'Bearer other' });
    };
    const readsBefore = store.reads;
    expect((await request()).effect).toBe('allow');
    expect(store.reads).toBe(readsBefore + readsInDecision);
    clock.advance(1);
    await request();

    expect(store.reads).toBe(readsBefore + readsInDecision);
  });
});

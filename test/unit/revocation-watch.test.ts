import { describe, expect, it } from 'vitest';
import { FEED_LOOKBACK_MS, type FeedEntry } from '../../functions/domain/revocation-feed';
import { FeedWatcher } from '../../functions/service/revocation-watch';

// A container's view of the revocation feed (functions/service/revocation-watch.ts), over an
// in-memory feed that records the windows it was asked for.
function setup(pollMs = 1_000) {
  const entries: FeedEntry[] = [];
  const windows: [number, number][] = [];
  const errors: unknown[] = [];
  let failing = false;
  const feed = {
    read: async (from: number, to: number) => {
      windows.push([from, to]);
      if (failing) throw new Error('ProvisionedThroughputExceededException');
      return entries.filter((entry) => entry.at >= from && entry.at <= to);
    },
    readDue: async () => [],
    append: async () => {},
  };
  const watcher = new FeedWatcher(feed, pollMs, (error) => errors.push(error));
  return { watcher, entries, windows, errors, fail: (value: boolean) => (failing = value) };
}

const now = 1_800_000_000_000;

describe('FeedWatcher', () => {
  it('is not current before its first read, and reports a gap on it', async () => {
    const { watcher } = setup();

    expect(watcher.current(now)).toBe(false);
    expect(watcher.viewStartedAt()).toBeUndefined();
    expect(await watcher.refresh(now)).toEqual({ entries: [], gap: true });
  });

  it('reads from the look-back before now to a second ahead (a writer whose clock runs ahead)', async () => {
    const { watcher, windows } = setup();

    await watcher.refresh(now);

    expect(windows).toEqual([[now - FEED_LOOKBACK_MS, now + 1_000]]);
  });

  it('is current for less than one poll interval after a read started', async () => {
    const { watcher } = setup();
    await watcher.refresh(now);

    expect(watcher.viewStartedAt()).toBe(now);
    expect(watcher.current(now + 999)).toBe(true);
    expect(watcher.current(now + 1_000)).toBe(false);
  });

  it('reads nothing while current', async () => {
    const { watcher, windows } = setup();
    await watcher.refresh(now);

    expect(await watcher.refresh(now + 999)).toEqual({ entries: [], gap: false });
    expect(windows).toHaveLength(1);
  });

  it('returns each new entry once, and leaves due entries to the flusher', async () => {
    const { watcher, entries } = setup();
    await watcher.refresh(now);
    const revoked: FeedEntry = { id: 'e1', at: now + 500, kind: 'revoked', tokenId: 'a' };
    entries.push(revoked, { id: 'd1', at: now + 600, kind: 'due', tokenId: 'b' });

    expect(await watcher.refresh(now + 1_000)).toEqual({ entries: [revoked], gap: false });
    expect(await watcher.refresh(now + 2_000)).toEqual({ entries: [], gap: false });
  });

  it('sees no gap after ten seconds without a read, and a gap after a moment more', async () => {
    const ten = FEED_LOOKBACK_MS - 5_000;
    const first = setup();
    await first.watcher.refresh(now);
    expect((await first.watcher.refresh(now + ten)).gap).toBe(false);

    const second = setup();
    await second.watcher.refresh(now);
    expect((await second.watcher.refresh(now + ten + 1)).gap).toBe(true);
  });

  it('shares one read between concurrent refreshes', async () => {
    const { watcher, windows } = setup();

    const [a, b] = await Promise.all([watcher.refresh(now), watcher.refresh(now)]);

    expect(windows).toHaveLength(1);
    expect(a).toBe(b);
  });

  it('reports a failed read as a gap with no entries, stays not current, and reads again on the next refresh', async () => {
    const { watcher, windows, errors, fail } = setup();
    await watcher.refresh(now);
    fail(true);

    expect(await watcher.refresh(now + 1_000)).toStrictEqual({ entries: [], gap: true });
    expect(errors).toHaveLength(1);
    expect(watcher.current(now + 1_001)).toBe(false);
    expect(watcher.viewStartedAt()).toBe(now);

    fail(false);
    await watcher.refresh(now + 1_001);
    expect(windows).toHaveLength(3);
  });

  it('survives a failed read without an error callback', async () => {
    const watcher = new FeedWatcher(
      { read: async () => Promise.reject(new Error('down')), readDue: async () => [], append: async () => {} },
      1_000,
    );

    expect(await watcher.refresh(now)).toEqual({ entries: [], gap: true });
  });
});

import { describe, expect, it } from 'vitest';
import { FEED_LOOKBACK_MS } from '../../functions/domain/revocation-feed';
import { StageFlusher, type StageRef } from '../../functions/service/stage-flusher';
import { prod, settled, setup } from '../support/stage-flusher-world';

// The stage flusher's rules one at a time (functions/service/stage-flusher.ts), over an in-memory
// feed, registry and cache that record what they were asked; test/unit/stage-flusher.test.ts holds
// the end-to-end bound. Timing: settle 1 200 ms, at most one flush per stage every 2 000 ms.
const test: StageRef = { restApiId: 'abc123', stage: 'test' };

describe('StageFlusher', () => {
  it('flushes a stage it sees for the first time once that has settled, then leaves it', async () => {
    const { flusher, flushed, advance, now } = setup();

    expect(await flusher.tick()).toEqual([]);
    expect(flusher.pending()).toEqual([prod]);
    advance(1_199);
    await flusher.tick();
    expect(flushed).toEqual([]);
    advance(1);
    const outcomes = await flusher.tick();

    expect(flushed).toEqual([`prod@${now()}`]);
    expect(outcomes).toEqual([expect.objectContaining({ stage: prod, ok: true, pendingSince: now() - 1_200, late: false })]);
    expect(flusher.pending()).toEqual([]);
  });

  it('reads the feed from the look-back up to now, not ahead', async () => {
    const { flusher, windows, now } = setup();

    await flusher.tick();

    expect(windows).toEqual([[now() - FEED_LOOKBACK_MS, now()]]);
  });

  it('marks every stage pending on a new entry, and flushes it after the settle time', async () => {
    const { flusher, entries, flushed, advance, now, outcomes } = await settled();
    entries.push({ id: 'e1', at: now(), kind: 'revoked', tokenId: 't' });

    await flusher.tick();
    const seen = now();
    advance(1_199);
    await flusher.tick();
    expect(flushed).toEqual([]);
    advance(1);
    await flusher.tick();

    expect(flushed).toEqual([`prod@${now()}`]);
    expect(outcomes).toEqual([expect.objectContaining({ stage: prod, ok: true, pendingSince: seen, late: false })]);
  });

  it('does not flush for an entry it has already seen', async () => {
    const { flusher, entries, flushed, advance, now } = await settled();
    entries.push({ id: 'e1', at: now(), kind: 'revoked', tokenId: 't' });
    await flusher.tick();
    advance(1_200);
    await flusher.tick();
    flushed.length = 0;

    advance(2_000);
    await flusher.tick();

    expect(flushed).toEqual([]);
  });

  it('flushes again when an entry arrived after the flush was sent but before it settled', async () => {
    const { flusher, entries, flushed, advance, now } = await settled();
    entries.push({ id: 'e1', at: now(), kind: 'revoked', tokenId: 't' });
    await flusher.tick();
    advance(600);
    entries.push({ id: 'e2', at: now(), kind: 'revoked', tokenId: 'u' });
    await flusher.tick();
    advance(600);
    await flusher.tick();
    expect(flushed).toHaveLength(1);
    expect(flusher.pending()).toEqual([prod]);

    advance(2_000);
    await flusher.tick();

    expect(flushed).toHaveLength(2);
    expect(flusher.pending()).toEqual([]);
  });

  it('flushes every stage after a gap in its view of the feed (ten seconds without a read, and a moment more)', async () => {
    const first = await settled();
    first.advance(FEED_LOOKBACK_MS - 5_000);
    await first.flusher.tick();
    expect(first.flusher.pending()).toEqual([]);

    const second = await settled();
    second.advance(FEED_LOOKBACK_MS - 5_000 + 1);
    await second.flusher.tick();
    expect(second.flusher.pending()).toEqual([prod]);
  });

  it('reports a failed feed read and keeps the stages as they were', async () => {
    const { flusher, failing, errors, advance } = await settled();
    failing.feed = true;

    advance(1_000);
    await flusher.tick();

    expect(errors).toEqual(['feed read']);
    expect(flusher.pending()).toEqual([]);
  });

  it('retries a failed flush at most once per interval, and reports each failure', async () => {
    const { flusher, entries, failing, outcomes, advance, now } = await settled();
    entries.push({ id: 'e1', at: now(), kind: 'revoked', tokenId: 't' });
    await flusher.tick();
    failing.flush = true;
    advance(1_200);
    await flusher.tick();
    advance(1_999);
    await flusher.tick();
    expect(outcomes.map((outcome) => outcome.ok)).toEqual([false]);
    expect(outcomes[0]?.error).toBeInstanceOf(Error);

    advance(1);
    await flusher.tick();
    expect(outcomes.map((outcome) => outcome.ok)).toEqual([false, false]);
    expect(flusher.pending()).toEqual([prod]);
  });

  it('re-reads the registry every minute by default, and at once when a new entry arrives', async () => {
    const { flusher, registryReads, advance, entries, now } = setup();
    await flusher.tick();
    advance(59_999);
    await flusher.tick();
    expect(registryReads()).toBe(1);
    advance(1);
    await flusher.tick();
    expect(registryReads()).toBe(2);

    advance(2_000);
    entries.push({ id: 'e1', at: now(), kind: 'revoked', tokenId: 't' });
    await flusher.tick();
    expect(registryReads()).toBe(3);
  });

  it('follows a configured registry refresh interval', async () => {
    const { flusher, registryReads, advance } = setup({ registryRefreshMs: 5_000 });
    await flusher.tick();
    advance(5_000);
    await flusher.tick();

    expect(registryReads()).toBe(2);
  });

  it('learns of a new stage and forgets a removed one', async () => {
    const { flusher, stages, advance, flushed, now, entries } = await settled({ registryRefreshMs: 1_000 });
    stages.splice(0, 1, test);

    advance(1_000);
    await flusher.tick();
    expect(flusher.pending()).toEqual([test]);
    advance(1_200);
    await flusher.tick();
    expect(flushed).toEqual([`test@${now()}`]);

    advance(2_000);
    entries.push({ id: 'e1', at: now(), kind: 'revoked', tokenId: 't' });
    await flusher.tick();
    advance(1_200);
    await flusher.tick();
    expect(flushed).toEqual([`test@${now() - 3_200}`, `test@${now()}`]);
  });

  it('keeps flushing the known stages when the registry cannot be read, and reads it again next tick', async () => {
    const { flusher, failing, errors, registryReads, advance, entries, now, flushed } = await settled({ registryRefreshMs: 1_000 });
    failing.registry = true;
    advance(1_000);
    entries.push({ id: 'e1', at: now(), kind: 'revoked', tokenId: 't' });
    await flusher.tick();
    const reads = registryReads();
    advance(1_200);
    await flusher.tick();

    expect(errors).toContain('registry read');
    expect(registryReads()).toBeGreaterThan(reads);
    expect(flushed).toEqual([`prod@${now()}`]);
  });

  it('runs ticks while asked, sleeping what is left of each poll interval', async () => {
    const { flusher } = setup();
    const sleeps: number[] = [];
    let rounds = 0;

    await flusher.run(
      () => rounds++ < 3,
      1_000,
      async (ms) => void sleeps.push(ms),
    );

    expect(sleeps).toEqual([1_000, 1_000, 1_000]);
  });

  it('does not sleep when a tick took longer than the poll interval', async () => {
    const context = setup();
    const sleeps: number[] = [];
    let rounds = 0;
    const slowFlusher = new StageFlusher({
      feed: {
        readDue: async () => [],
        read: async () => {
          context.advance(1_500);
          return [];
        },
      },
      registry: { list: async () => [] },
      cache: { flush: async () => {} },
      clock: { now: context.now },
    });

    await slowFlusher.run(
      () => rounds++ < 2,
      1_000,
      async (ms) => void sleeps.push(ms),
    );

    expect(sleeps).toEqual([0, 0]);
  });

  it('sleeps the rest of the interval after a quick tick', async () => {
    const context = setup();
    const sleeps: number[] = [];
    let rounds = 0;
    const flusher = new StageFlusher({
      feed: {
        readDue: async () => [],
        read: async () => {
          context.advance(300);
          return [];
        },
      },
      registry: { list: async () => [] },
      cache: { flush: async () => {} },
      clock: { now: context.now },
    });

    await flusher.run(
      () => rounds++ < 1,
      1_000,
      async (ms) => void sleeps.push(ms),
    );

    expect(sleeps).toEqual([700]);
  });

  it('works without callbacks when a flush succeeds', async () => {
    let now = 0;
    const flusher = new StageFlusher({
      feed: { read: async () => [], readDue: async () => [] },
      registry: { list: async () => [prod] },
      cache: { flush: async () => {} },
      clock: { now: () => now },
    });
    await flusher.tick();
    now += 1_200;

    expect(await flusher.tick()).toEqual([expect.objectContaining({ stage: prod, ok: true, pendingSince: 0 })]);
  });

  it('works without callbacks when the registry cannot be read', async () => {
    const flusher = new StageFlusher({
      feed: { read: async () => [], readDue: async () => [] },
      registry: { list: async () => Promise.reject(new Error('registry down')) },
      cache: { flush: async () => {} },
      clock: { now: () => 0 },
    });

    expect(await flusher.tick()).toEqual([]);
  });

  it('works without callbacks when the feed, the registry and a flush fail', async () => {
    let now = 0;
    const flusher = new StageFlusher({
      feed: { read: async () => Promise.reject(new Error('feed down')), readDue: async () => [] },
      registry: { list: async () => [prod] },
      cache: { flush: async () => Promise.reject(new Error('throttled')) },
      clock: { now: () => now },
    });
    await flusher.tick();
    now += 1_200;

    expect(await flusher.tick()).toMatchObject([{ stage: prod, ok: false }]);
  });
});

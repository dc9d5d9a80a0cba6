import { describe, expect, it } from 'vitest';
import { FEED_LOOKBACK_MS } from '../../functions/domain/revocation-feed';
import type { StageRef } from '../../functions/service/stage-flusher';
import { prod, settled, setup } from '../support/stage-flusher-world';

// What a StageFlusher reports of each flush (functions/service/stage-flusher.ts): the oldest entry
// it ends, and whether it landed later than the bound after it (the alarm). Settle 1 200 ms.
const canary: StageRef = { restApiId: 'def456', stage: 'canary' };

describe('StageFlusher: the oldest entry a flush ends', () => {
  it('is the entry’s own instant when it is older than the read that returned it (a late commit)', async () => {
    const world = await settled({ flushTakesMs: 100 });
    const entryAt = world.now() - 3_000;
    world.entries.push({ id: 'late', at: entryAt, kind: 'revoked', tokenId: 't' });

    await world.flusher.tick();
    const seen = world.now();
    world.advance(1_200);
    await world.flusher.tick();

    expect(world.outcomes).toEqual([
      expect.objectContaining({ ok: true, pendingSince: seen, oldestEntryAt: entryAt, flushedAt: seen + 1_300 }),
    ]);
  });

  it('stays the oldest of the entries seen before the flush', async () => {
    const world = await settled();
    const firstAt = world.now() - 2_000;
    world.entries.push({ id: 'e1', at: firstAt, kind: 'revoked', tokenId: 't1' });
    await world.flusher.tick();
    world.advance(600);
    world.entries.push({ id: 'e2', at: world.now() - 100, kind: 'revoked', tokenId: 't2' });
    await world.flusher.tick();

    world.advance(600);
    await world.flusher.tick();

    expect(world.outcomes[0]).toMatchObject({ oldestEntryAt: firstAt });
  });

  it('restarts at the newest entry when a flush went out before that one settled', async () => {
    const world = await settled();
    world.entries.push({ id: 'e1', at: world.now(), kind: 'revoked', tokenId: 't1' });
    await world.flusher.tick();
    const first = world.now();
    world.advance(600);
    world.entries.push({ id: 'e2', at: world.now(), kind: 'revoked', tokenId: 't2' });
    await world.flusher.tick();
    const second = world.now();
    world.advance(600);
    await world.flusher.tick();
    world.advance(2_000);

    await world.flusher.tick();

    expect(world.outcomes).toEqual([
      expect.objectContaining({ pendingSince: first, oldestEntryAt: first }),
      expect.objectContaining({ pendingSince: second, oldestEntryAt: second }),
    ]);
    expect(world.flusher.pending()).toEqual([]);
  });

  /**
   * An entry is seen, a tick `sinceEntryMs` later reads the feed again, then a new stage appears in
   * the registry (read before the next tick's feed read, so against what that tick kept): the
   * oldest entry the new stage's first flush ends.
   */
  async function stageFoundAfter(sinceEntryMs: number) {
    const world = await settled({ registryRefreshMs: 0 });
    const entryAt = world.now();
    world.entries.push({ id: 'e1', at: entryAt, kind: 'revoked', tokenId: 't' });
    await world.flusher.tick();
    world.advance(sinceEntryMs);
    await world.flusher.tick();
    world.stages.push(canary);
    world.advance(1);
    await world.flusher.tick();
    const foundAt = world.now();
    world.outcomes.length = 0;

    world.advance(1_200);
    await world.flusher.tick();

    expect(world.outcomes).toHaveLength(1);
    expect(world.outcomes[0]!.stage).toEqual(canary);
    return { oldestEntryAt: world.outcomes[0]!.oldestEntryAt, entryAt, foundAt };
  }

  it('is, for a stage found after an entry, that entry while it is within the look-back', async () => {
    const found = await stageFoundAfter(2_000);

    expect(found.oldestEntryAt).toBe(found.entryAt);
  });

  it('keeps an entry exactly at the look-back’s edge, and not one past it', async () => {
    const atEdge = await stageFoundAfter(FEED_LOOKBACK_MS);
    const past = await stageFoundAfter(FEED_LOOKBACK_MS + 1);

    expect(atEdge.oldestEntryAt).toBe(atEdge.entryAt);
    expect(past.oldestEntryAt).toBe(past.foundAt);
  });
});

describe('StageFlusher: late', () => {
  async function flushAfter(boundMs: number, failing: boolean) {
    const world = await settled({ boundMs, flushTakesMs: 100 });
    world.failing.flush = failing;
    world.entries.push({ id: 'e1', at: world.now() - 3_000, kind: 'revoked', tokenId: 't' });
    await world.flusher.tick();
    world.advance(1_200);
    await world.flusher.tick();
    return world.outcomes[0]!;
  }

  it('is a flush landing exactly at the bound after its entry: not late; a millisecond past: late', async () => {
    expect(await flushAfter(4_300, false)).toMatchObject({ ok: true, late: false });
    expect(await flushAfter(4_299, false)).toMatchObject({ ok: true, late: true });
  });

  it('is a failed flush by the same measure', async () => {
    expect(await flushAfter(4_300, true)).toMatchObject({ ok: false, late: false });
    expect(await flushAfter(4_299, true)).toMatchObject({ ok: false, late: true });
  });
});

describe('StageFlusher: quiet ticks and the first registry read', () => {
  it('flushes nothing while nothing is pending', async () => {
    const world = await settled();
    world.advance(10_000);

    expect(await world.flusher.tick()).toEqual([]);
    expect(world.flushed).toEqual([]);
  });

  it('waits on its first tick for the registry, however slow, and marks every stage pending', async () => {
    const world = setup({ slowRegistry: true });

    await world.flusher.tick();

    expect(world.flusher.pending()).toEqual([prod]);
  });
});

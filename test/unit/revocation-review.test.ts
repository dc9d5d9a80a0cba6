import { describe, expect, it } from 'vitest';
import { defaultFlushTiming, type FeedEntry } from '../../functions/domain/revocation-feed';
import { StageFlusher, type FlushOutcome, type StageRef } from '../../functions/service/stage-flusher';

/**
 * Attacks on the stage flusher's side of the 5 s revocation bound (issue 14). The feed is an
 * in-memory list read by `at` like the DynamoDB one; API Gateway's cache is one map per stage.
 */
const BOUND_MS = 5_000;

function setup(initialStages: StageRef[]) {
  let now = 1_000_000;
  const entries: FeedEntry[] = [];
  const stages = [...initialStages];
  let feedFails = false;
  const flushed = new Map<string, number>();
  const outcomes: FlushOutcome[] = [];
  const flusher = new StageFlusher({
    feed: {
      read: async (from, to) => {
        if (feedFails) throw new Error('ProvisionedThroughputExceededException');
        return entries.filter((entry) => entry.at >= from && entry.at <= to);
      },
      readDue: async () => [],
    },
    registry: { list: async () => [...stages] },
    cache: { flush: async (stage) => void flushed.set(`${stage.restApiId}/${stage.stage}`, now) },
    clock: { now: () => now },
    onFlush: (outcome) => outcomes.push(outcome),
  });
  return {
    flusher,
    entries,
    stages,
    flushed,
    outcomes,
    now: () => now,
    setFeedFails: (fails: boolean) => (feedFails = fails),
    /** Ticks every 500 ms (the deployed poll) for `ms`. */
    async run(ms: number) {
      for (let elapsed = 0; elapsed < ms; elapsed += 500) {
        now += 500;
        await flusher.tick();
      }
    },
    advance: (ms: number) => (now += ms),
  };
}

const prod: StageRef = { restApiId: 'abc123', stage: 'prod' };
const later: StageRef = { restApiId: 'def456', stage: 'v2' };

describe('revocation review: the stage flusher', () => {
  it('flushes every stage once the feed can be read again after an outage longer than its look-back', async () => {
    const t = setup([prod]);
    await t.run(10_000); // registered, first flush done, nothing pending
    expect(t.flusher.pending()).toEqual([]);
    t.setFeedFails(true);
    await t.run(1_000);
    const revokedAt = t.now();
    t.entries.push({ id: 'evt-outage', at: revokedAt, kind: 'revoked', tokenId: 'tok' });
    await t.run(20_000); // DynamoDB throttled for 20 s: every read fails
    t.setFeedFails(false);
    const recoveredAt = t.now();
    await t.run(BOUND_MS);
    // The entry is older than the look-back now: only a flush on recovery ends API Gateway's cached allow.
    expect(t.flushed.get('abc123/prod')).toBeGreaterThan(recoveredAt);
    expect(t.flushed.get('abc123/prod')! - recoveredAt).toBeLessThanOrEqual(BOUND_MS);
  });

  it('flushes after a change that happened while the flusher did not tick for longer than its look-back (a late scheduled run)', async () => {
    const t = setup([prod]);
    await t.run(10_000);
    const lastTick = t.now();
    t.advance(1_000);
    t.entries.push({ id: 'evt-idle', at: t.now(), kind: 'revoked', tokenId: 'tok' });
    t.advance(19_000); // the next run of this warm container starts 20 s after its last tick
    await t.run(BOUND_MS);
    expect(t.flushed.get('abc123/prod')).toBeGreaterThan(lastTick);
  });

  it('flushes a stage registered after the flusher last read the registry, within the bound of the next change', async () => {
    const t = setup([prod]);
    await t.run(10_000);
    t.stages.push(later); // a TokenAuthorizer deployed on a new stage; its decisions are being cached
    await t.run(5_000);
    const revokedAt = t.now();
    t.entries.push({ id: 'evt-new-stage', at: revokedAt, kind: 'revoked', tokenId: 'tok' });
    await t.run(BOUND_MS);
    const flushedAt = t.flushed.get('def456/v2');
    expect(flushedAt).toBeDefined();
    expect(flushedAt!).toBeGreaterThanOrEqual(revokedAt + defaultFlushTiming.settleMs);
    expect(flushedAt! - revokedAt).toBeLessThanOrEqual(BOUND_MS);
  });
});

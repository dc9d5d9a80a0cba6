import { describe, expect, it } from 'vitest';
import { defaultFlushTiming, type FeedEntry } from '../../functions/domain/revocation-feed';
import { StageFlusher, type FlushOutcome, type StageRef } from '../../functions/service/stage-flusher';

const stage: StageRef = { restApiId: 'abc123', stage: 'prod' };

/** API Gateway's result cache for one stage: a decision lives its TTL unless the stage is flushed. */
function gateway(ttlMs: number, failFlushes: () => boolean) {
  const cached = new Map<string, { allow: boolean; until: number }>();
  return {
    cache: {
      flush: async () => {
        if (failFlushes()) throw new Error('TooManyRequestsException');
        cached.clear();
      },
    },
    /** A request: a cached decision if any, else the authorizer's current answer, cached. */
    request(token: string, now: number, authorizerAllows: boolean): boolean {
      const hit = cached.get(token);
      if (hit && hit.until > now) return hit.allow;
      cached.set(token, { allow: authorizerAllows, until: now + ttlMs });
      return authorizerAllows;
    },
  };
}

function setup(options: { failFlushes: () => boolean; ttlMs?: number }) {
  let now = 1_000_000;
  const entries: FeedEntry[] = [];
  const outcomes: FlushOutcome[] = [];
  const api = gateway(options.ttlMs ?? 300_000, options.failFlushes);
  const flusher = new StageFlusher({
    feed: { read: async (from, to) => entries.filter((entry) => entry.at >= from && entry.at <= to), readDue: async () => [] },
    registry: { list: async () => [stage] },
    cache: api.cache,
    clock: { now: () => now },
    onFlush: (outcome) => outcomes.push(outcome),
  });
  return { flusher, entries, outcomes, api, advance: (ms: number) => (now += ms), now: () => now };
}

/** Drives the flusher every 500 ms while a client calls every 100 ms; returns when the revoked token was last let in. */
async function revokeUnderLoad(t: ReturnType<typeof setup>, runMs: number) {
  t.api.request('tok', t.now(), true);
  await t.flusher.tick(); // the stage is registered and flushed once
  t.advance(defaultFlushTiming.minIntervalMs + defaultFlushTiming.settleMs);
  await t.flusher.tick();
  t.api.request('tok', t.now(), true);
  const revokedAt = t.now();
  t.entries.push({ id: 'evt-1', at: revokedAt, kind: 'revoked', tokenId: 'tok' });
  let lastAllowed = revokedAt;
  for (let elapsed = 0; elapsed < runMs; elapsed += 100) {
    t.advance(100);
    if (elapsed % 500 === 0) await t.flusher.tick();
    // The authorizer itself refuses from one poll (1 s) after the revocation.
    if (t.api.request('tok', t.now(), t.now() < revokedAt + 1_000)) lastAllowed = t.now();
  }
  return lastAllowed - revokedAt;
}

describe('stage flusher', () => {
  it('ends a cached decision within the 5 s bound after a revocation', async () => {
    const t = setup({ failFlushes: () => false });

    const lastAllowedAfter = await revokeUnderLoad(t, 20_000);

    expect(lastAllowedAfter).toBeLessThanOrEqual(5_000);
    expect(t.outcomes.every((outcome) => outcome.ok)).toBe(true);
  });

  it('when every flush fails: lets nobody in after the result TTL, reports each failure, and keeps retrying at most once per interval', async () => {
    const t = setup({ failFlushes: () => true, ttlMs: 20_000 });

    const lastAllowedAfter = await revokeUnderLoad(t, 40_000);

    expect(lastAllowedAfter).toBeGreaterThan(5_000);
    expect(lastAllowedAfter).toBeLessThanOrEqual(20_000 + 1_000);
    const failures = t.outcomes.filter((outcome) => !outcome.ok);
    expect(failures.length).toBeGreaterThan(10);
    expect(String((failures[0]!.error as Error).message)).toContain('TooManyRequests');
    expect(t.flusher.pending()).toEqual([stage]);
  });

  it('recovers when the flush succeeds again: the stage stops being pending', async () => {
    let failing = true;
    const t = setup({ failFlushes: () => failing });
    t.entries.push({ id: 'evt-1', at: t.now(), kind: 'revoked', tokenId: 'tok' });
    await t.flusher.tick();
    t.advance(3_000);
    await t.flusher.tick();
    expect(t.outcomes.at(-1)?.ok).toBe(false);

    failing = false;
    t.advance(3_000);
    await t.flusher.tick();

    expect(t.outcomes.at(-1)?.ok).toBe(true);
    expect(t.flusher.pending()).toEqual([]);
  });

  it('coalesces a storm to at most one flush per stage per interval', async () => {
    const t = setup({ failFlushes: () => false });
    await t.flusher.tick();
    for (let second = 0; second < 60; second++) {
      t.entries.push({ id: `evt-${second}`, at: t.now(), kind: 'revoked', tokenId: `tok-${second}` });
      for (let half = 0; half < 2; half++) {
        t.advance(500);
        await t.flusher.tick();
      }
    }

    const times = t.outcomes.map((outcome) => outcome.pendingSince);
    expect(t.outcomes.length).toBeLessThanOrEqual(31);
    expect(times.length).toBeGreaterThan(20);
  });
});

describe('the stage flusher under slow reads and late commits', () => {
  /**
   * The third review's attack: the feed read stalls 1.3 s, and a revocation whose transaction was
   * stamped before the tick commits during that read. A container whose feed view was read before
   * the commit may still let the token in, and its answer reaches API Gateway up to one poll
   * interval (1 s) after the commit. A flush timed from the tick's start lands before that answer,
   * which API Gateway then caches for its whole TTL.
   */
  function slowFeed() {
    let now = 1_000_000;
    const committed: FeedEntry[] = [];
    const cached = new Map<string, number>();
    const flushes: number[] = [];
    let lateCommit: FeedEntry | undefined;
    const outcomes: FlushOutcome[] = [];
    const flusher = new StageFlusher({
      feed: {
        read: async (from, to) => {
          // The read is slow; the late transaction commits while it runs, before its snapshot.
          now += 1_200;
          if (lateCommit) committed.push(lateCommit);
          lateCommit = undefined;
          now += 100;
          return committed.filter((entry) => entry.at >= from && entry.at <= to);
        },
        readDue: async () => [],
      },
      registry: { list: async () => [stage] },
      cache: {
        flush: async () => {
          flushes.push(now);
          cached.clear();
        },
      },
      clock: { now: () => now },
      onFlush: (outcome) => outcomes.push(outcome),
    });
    return {
      flusher,
      cached,
      flushes,
      outcomes,
      now: () => now,
      advance: (ms: number) => (now += ms),
      commitDuringNextRead: (entry: FeedEntry) => (lateCommit = entry),
    };
  }

  it('counts the settle from when the read returned the entry, so a stale decision answered after the commit is flushed', async () => {
    const t = slowFeed();
    // The stage is registered and flushed once; nothing is pending when the attack starts.
    while (t.flushes.length === 0 || t.flusher.pending().length > 0) {
      await t.flusher.tick();
      t.advance(500);
    }
    const tickStart = t.now();
    t.commitDuringNextRead({ id: 'revocation', at: tickStart - 500, kind: 'revoked', tokenId: 'tok' });
    const commitAt = tickStart + 1_200;

    await t.flusher.tick();
    // A container that read the feed 0.7 s before the commit answers "allow" 0.25 s after it; API
    // Gateway caches that answer from when it arrives.
    t.cached.set('tok', commitAt + 250);
    const flushesBefore = t.flushes.length;
    for (let elapsed = 0; t.now() < commitAt + 5_000; elapsed++) {
      t.advance(500);
      await t.flusher.tick();
    }

    const flushesAfterTheAttack = t.flushes.slice(flushesBefore);
    expect(flushesAfterTheAttack.length).toBeGreaterThan(0);
    expect(flushesAfterTheAttack[0]).toBeGreaterThanOrEqual(commitAt + 100 + defaultFlushTiming.settleMs);
    expect(t.cached.has('tok')).toBe(false);
    expect(t.outcomes.at(-1)).toMatchObject({ ok: true, late: false });
  });

  it('reports a flush that lands later than the bound after its entry as late (the alarm)', async () => {
    let now = 2_000_000;
    let failing = true;
    const outcomes: FlushOutcome[] = [];
    const entries: FeedEntry[] = [];
    const flusher = new StageFlusher({
      feed: { read: async (from, to) => entries.filter((entry) => entry.at >= from && entry.at <= to), readDue: async () => [] },
      registry: { list: async () => [stage] },
      cache: {
        flush: async () => {
          if (failing) throw new Error('TooManyRequestsException');
        },
      },
      clock: { now: () => now },
      onFlush: (outcome) => outcomes.push(outcome),
    });
    entries.push({ id: 'revocation', at: now, kind: 'revoked', tokenId: 'tok' });
    for (let i = 0; i < 12; i++) {
      if (i === 11) failing = false;
      await flusher.tick();
      now += 500;
    }

    expect(outcomes.filter((outcome) => !outcome.ok).length).toBeGreaterThan(0);
    expect(outcomes.at(-1)).toMatchObject({ ok: true, late: true });
  });
});

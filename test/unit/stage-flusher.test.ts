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
    feed: { read: async (from, to) => entries.filter((entry) => entry.at >= from && entry.at <= to) },
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

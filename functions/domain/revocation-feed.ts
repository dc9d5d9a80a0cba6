/**
 * The revocation feed and the stage flush schedule: pure rules, no I/O.
 *
 * Every change to what the authorizer would decide for a token (revocation of a token or family,
 * rejection, rotation, an edit) appends an entry to a time-bucketed feed, in the same transaction as
 * the change. Two readers follow it:
 * - authorizer containers, at most once a second, to drop the cached status of exactly the tokens
 *   and families named (so that a token's status can be cached for minutes);
 * - the stage flusher, which flushes API Gateway's authorizer result cache of every registered stage
 *   once the containers have had time to see the entry (coalesced per stage).
 * A decision that API Gateway would cache past the token's own end (`exp` or `graceUntil`) adds a
 * `due` entry timed at that end, so the flusher ends the cached decision there as well.
 */

export type FeedEntryKind = 'revoked' | 'changed' | 'due';

export interface FeedEntry {
  /** Unique per entry (the audit event id of a change; token id and instant for a due entry). */
  id: string;
  /** When the entry takes effect: the change's instant, or the end of a cached decision. */
  at: number;
  kind: FeedEntryKind;
  tokenId?: string;
  familyId?: string;
}

/** Entries are partitioned by 10-second buckets of `at`: one read covers at most two partitions. */
export const FEED_BUCKET_MS = 10_000;
/**
 * Every read looks back this far and ignores entries it has already seen: an entry written with an
 * `at` slightly older than the reader's last read (clocks, slow transactions) is still found.
 */
export const FEED_LOOKBACK_MS = 15_000;
/** Feed entries are kept a day (TTL): long enough for any reader to catch up, short enough to stay small. */
export const FEED_RETENTION_MS = 86_400_000;

export const feedBucketOf = (at: number): number => Math.floor(at / FEED_BUCKET_MS) * FEED_BUCKET_MS;

/** The buckets whose entries may fall in `[from, to]`, oldest first. */
export function feedBucketsBetween(from: number, to: number): number[] {
  const buckets: number[] = [];
  for (let bucket = feedBucketOf(from); bucket <= to; bucket += FEED_BUCKET_MS) buckets.push(bucket);
  return buckets;
}

/**
 * The new entries of a read, remembering those already seen (within the look-back) so that
 * overlapping reads return each entry once.
 */
export class FeedCursor {
  private readonly seen = new Map<string, number>();

  accept(entries: readonly FeedEntry[], now: number): FeedEntry[] {
    for (const [id, at] of this.seen) if (at < now - 2 * FEED_LOOKBACK_MS) this.seen.delete(id);
    const fresh: FeedEntry[] = [];
    for (const entry of entries) {
      if (this.seen.has(entry.id)) continue;
      this.seen.set(entry.id, entry.at);
      fresh.push(entry);
    }
    return fresh;
  }
}

export interface FlushTiming {
  /**
   * How long after the flusher first sees an entry it waits before flushing: every authorizer
   * container reads the feed before deciding if its last read is older than `feedPollMs`, so after
   * this wait no container can still hold the old status (a flush before that would let API Gateway
   * cache the stale decision again, for the whole result TTL). Must exceed the containers' poll interval.
   * @default 1 200
   */
  settleMs: number;
  /** At most one flush per stage this often (API Gateway's control plane is rate limited). @default 2 000 */
  minIntervalMs: number;
}

export const defaultFlushTiming: FlushTiming = { settleMs: 1_200, minIntervalMs: 2_000 };

/**
 * When a stage should be flushed: after the oldest change it has not been flushed for has settled,
 * and not sooner than `minIntervalMs` after its last flush attempt. `undefined`: nothing pending.
 */
export function flushDueAt(pendingSince: number | undefined, lastAttemptAt: number | undefined, timing: FlushTiming): number | undefined {
  if (pendingSince === undefined) return undefined;
  return Math.max(
    pendingSince + timing.settleMs,
    lastAttemptAt === undefined ? Number.NEGATIVE_INFINITY : lastAttemptAt + timing.minIntervalMs,
  );
}

export interface RevocationBoundInputs {
  /** The containers' feed poll interval. */
  feedPollMs: number;
  /** The flusher's own feed poll interval. */
  flusherPollMs: number;
  timing: FlushTiming;
  /** Time of one FlushStageAuthorizersCache call, p99. */
  flushCallMs: number;
  /** API Gateway's authorizer result TTL. */
  resultCacheMs: number;
  /** The container's status cache when the feed cannot be read. */
  fallbackStatusCacheMs: number;
}

/**
 * The revocation bound with every part working: the flusher sees the entry within one poll, waits
 * for it to settle, may wait for the stage's coalescing interval, then calls the flush. And the
 * bound when flushes fail: API Gateway's TTL plus the container's fallback status cache.
 */
export function revocationBoundOf(inputs: RevocationBoundInputs): { normalMs: number; flushFailingMs: number } {
  // Worst case: the entry is seen just too late to have settled at the stage's last flush, so it
  // waits for that flush's interval to pass after settling.
  return {
    normalMs: inputs.flusherPollMs + inputs.timing.settleMs + inputs.timing.minIntervalMs + inputs.flushCallMs,
    flushFailingMs: inputs.resultCacheMs + inputs.fallbackStatusCacheMs,
  };
}

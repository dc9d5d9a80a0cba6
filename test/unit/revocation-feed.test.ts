import { describe, expect, it } from 'vitest';
import {
  defaultFlushTiming,
  FEED_BUCKET_MS,
  FEED_LOOKBACK_MS,
  FeedCursor,
  feedBucketOf,
  feedBucketsBetween,
  flushDueAt,
  revocationBoundOf,
} from '../../functions/domain/revocation-feed';

// The revocation feed's pure rules (functions/domain/revocation-feed.ts): buckets, the cursor's
// memory, the flush schedule and the revocation bound the docs promise.
describe('feed buckets', () => {
  it('puts an instant in the 10-second bucket that starts at or before it', () => {
    expect(feedBucketOf(1_800_000_009_999)).toBe(1_800_000_000_000);
    expect(feedBucketOf(1_800_000_010_000)).toBe(1_800_000_010_000);
  });

  it('lists the buckets a read window touches, oldest first, both ends included', () => {
    const from = 1_800_000_005_000;

    expect(feedBucketsBetween(from, from + FEED_LOOKBACK_MS)).toEqual([1_800_000_000_000, 1_800_000_010_000, 1_800_000_020_000]);
    expect(feedBucketsBetween(1_800_000_000_000, 1_800_000_010_000)).toEqual([1_800_000_000_000, 1_800_000_010_000]);
    expect(feedBucketsBetween(1_800_000_000_000, 1_800_000_009_999)).toEqual([1_800_000_000_000]);
    expect(FEED_BUCKET_MS).toBe(10_000);
  });
});

describe('FeedCursor', () => {
  it('returns each entry once', () => {
    const cursor = new FeedCursor();
    const entry = { id: 'e1', at: 1_000_000, kind: 'revoked' as const, tokenId: 't' };

    expect(cursor.accept([entry], 1_000_000)).toEqual([entry]);
    expect(cursor.accept([entry], 1_001_000)).toEqual([]);
  });

  it('remembers an entry for twice the look-back, and forgets it after', () => {
    const entry = { id: 'e1', at: 1_000_000, kind: 'revoked' as const };
    const remembering = new FeedCursor();
    remembering.accept([entry], 1_000_000);
    expect(remembering.accept([entry], 1_000_000 + 2 * FEED_LOOKBACK_MS)).toEqual([]);

    const forgetting = new FeedCursor();
    forgetting.accept([entry], 1_000_000);
    forgetting.accept([], 1_000_000 + 2 * FEED_LOOKBACK_MS + 1);
    expect(forgetting.accept([entry], 1_000_000 + 2 * FEED_LOOKBACK_MS + 1)).toEqual([entry]);
  });
});

describe('flushDueAt', () => {
  it('is nothing when nothing is pending', () => {
    expect(flushDueAt(undefined, 5_000, defaultFlushTiming)).toBeUndefined();
  });

  it('is when the oldest pending entry has settled, or one interval after the last attempt, whichever is later', () => {
    expect(flushDueAt(10_000, undefined, defaultFlushTiming)).toBe(11_200);
    expect(flushDueAt(10_000, 9_000, defaultFlushTiming)).toBe(11_200);
    expect(flushDueAt(10_000, 10_000, defaultFlushTiming)).toBe(12_000);
  });
});

describe('revocationBoundOf', () => {
  it('adds up the poll, the settle time, one coalescing interval and the flush call; and the TTL plus the fallback cache when flushes fail', () => {
    expect(
      revocationBoundOf({
        feedPollMs: 1_000,
        flusherPollMs: 500,
        timing: { settleMs: 1_200, minIntervalMs: 2_000 },
        flushCallMs: 300,
        resultCacheMs: 300_000,
        fallbackStatusCacheMs: 10_000,
      }),
    ).toEqual({ normalMs: 500 + 1_200 + 2_000 + 300, flushFailingMs: 310_000 });
  });
});

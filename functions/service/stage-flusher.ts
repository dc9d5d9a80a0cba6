import { defaultFlushTiming, FEED_LOOKBACK_MS, FeedCursor, flushDueAt, type FeedEntry, type FlushTiming } from '../domain/revocation-feed';
import type { Clock } from './ports';
import type { RevocationFeed } from './revocation-watch';

/** An API Gateway stage whose methods a TokenAuthorizer protects. */
export interface StageRef {
  restApiId: string;
  stage: string;
}

/** Where each TokenAuthorizer registered its stage at deploy time. */
export interface StageRegistry {
  list(): Promise<StageRef[]>;
}

/** API Gateway's `FlushStageAuthorizersCache` (or the local front's emulation of it). */
export interface StageCache {
  flush(stage: StageRef): Promise<void>;
}

export interface FlushOutcome {
  stage: StageRef;
  ok: boolean;
  /** Oldest feed entry this flush ends, as the time it was first seen: for the lag metric. */
  pendingSince: number;
  error?: unknown;
}

export interface StageFlusherOptions {
  feed: Pick<RevocationFeed, 'read'>;
  registry: StageRegistry;
  cache: StageCache;
  clock: Clock;
  timing?: FlushTiming;
  /** The registry is re-read this often (a newly deployed authorizer is flushed from then on). @default 60 000 */
  registryRefreshMs?: number;
  /** Every flush attempt, for logs and metrics (FlushesFailed drives the alarm). */
  onFlush?: (outcome: FlushOutcome) => void;
  onError?: (error: unknown, what: string) => void;
}

interface StageState {
  stage: StageRef;
  /** When the flusher first saw the oldest entry this stage has not been flushed for. */
  pendingSince: number | undefined;
  /** When it saw the newest such entry: a flush before that has settled leaves the stage pending. */
  newestSeen: number | undefined;
  lastAttemptAt: number | undefined;
}

/** A read this much inside the look-back of the previous one is still contiguous with it. */
const FEED_GAP_MARGIN_MS = 5_000;

const keyOf = (stage: StageRef) => `${stage.restApiId}/${stage.stage}`;

/**
 * Ends API Gateway's cached authorizer decisions after a change: each `tick` reads the feed, marks
 * every registered stage pending from the instant it saw a new entry (revocation, change, or a due
 * token end), and flushes each stage whose pending entries have settled, at most once per
 * `minIntervalMs`. A failed flush leaves the stage pending: the next tick past the interval retries
 * it, for as long as it fails (each failure reported), so a transient fault delays the bound and a
 * lasting one is alarmed on, never silently dropped.
 */
export class StageFlusher {
  private readonly cursor = new FeedCursor();
  private readonly stages = new Map<string, StageState>();
  private registryReadAt: number | undefined;
  /** When the last successful feed read started. */
  private lastReadAt: number | undefined;
  private readonly timing: FlushTiming;

  constructor(private readonly options: StageFlusherOptions) {
    this.timing = options.timing ?? defaultFlushTiming;
  }

  /** One round: read the feed, flush what is due. Returns the outcomes of this round's flushes. */
  async tick(): Promise<FlushOutcome[]> {
    const now = this.options.clock.now();
    await this.refreshRegistry(now);
    let fresh: FeedEntry[] = [];
    let gap = false;
    try {
      const entries = await this.options.feed.read(now - FEED_LOOKBACK_MS, now);
      // Reads that failed, or a warm container whose next run started late, leave a stretch the
      // look-back no longer covers: a change in it would never be flushed, so flush every stage.
      gap = this.lastReadAt !== undefined && now - this.lastReadAt > FEED_LOOKBACK_MS - FEED_GAP_MARGIN_MS;
      this.lastReadAt = now;
      // A `due` entry is read only once its instant has come (the read ends at now).
      fresh = this.cursor.accept(entries, now);
    } catch (error) {
      this.options.onError?.(error, 'feed read');
    }
    // A stage deployed since the last registry read caches decisions too: learn of it before
    // marking stages, not up to a minute later.
    if (fresh.length > 0) await this.refreshRegistry(now, this.timing.minIntervalMs);
    if (fresh.length > 0 || gap) {
      for (const state of this.stages.values()) {
        state.pendingSince ??= now;
        state.newestSeen = now;
      }
    }

    const due = [...this.stages.values()].filter((state) => {
      const at = flushDueAt(state.pendingSince, state.lastAttemptAt, this.timing);
      return at !== undefined && at <= now;
    });
    return Promise.all(due.map((state) => this.flush(state, now)));
  }

  /** Ticks every `pollMs` while `keepGoing()` (the Lambda's run, the local service's life), never overlapping itself. */
  async run(keepGoing: () => boolean, pollMs: number, sleep: (ms: number) => Promise<void>): Promise<void> {
    while (keepGoing()) {
      const started = this.options.clock.now();
      await this.tick();
      await sleep(Math.max(0, pollMs - (this.options.clock.now() - started)));
    }
  }

  /** Stages pending a flush (for tests and the local front's status). */
  pending(): StageRef[] {
    return [...this.stages.values()].filter((state) => state.pendingSince !== undefined).map((state) => state.stage);
  }

  private async flush(state: StageState, now: number): Promise<FlushOutcome> {
    const pendingSince = state.pendingSince!;
    state.lastAttemptAt = now;
    try {
      await this.options.cache.flush(state.stage);
      // Entries that had not settled when the flush was sent need another one (a container may
      // have decided on its old view after this flush, and API Gateway cached that).
      const newest = state.newestSeen ?? pendingSince;
      state.pendingSince = newest + this.timing.settleMs <= now ? undefined : newest;
      const outcome = { stage: state.stage, ok: true, pendingSince };
      this.options.onFlush?.(outcome);
      return outcome;
    } catch (error) {
      const outcome = { stage: state.stage, ok: false, pendingSince, error };
      this.options.onFlush?.(outcome);
      return outcome;
    }
  }

  private async refreshRegistry(now: number, maxAgeMs = this.options.registryRefreshMs ?? 60_000): Promise<void> {
    if (this.registryReadAt !== undefined && now - this.registryReadAt < maxAgeMs) return;
    try {
      const listed = await this.options.registry.list();
      this.registryReadAt = now;
      const keys = new Set(listed.map(keyOf));
      for (const key of this.stages.keys()) if (!keys.has(key)) this.stages.delete(key);
      // A stage seen for the first time may hold decisions cached before the flusher knew it.
      for (const stage of listed)
        if (!this.stages.has(keyOf(stage)))
          this.stages.set(keyOf(stage), { stage, pendingSince: now, newestSeen: now, lastAttemptAt: undefined });
    } catch (error) {
      // Keep flushing the stages known so far; the next tick reads the registry again.
      this.options.onError?.(error, 'registry read');
    }
  }
}

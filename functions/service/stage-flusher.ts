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
  /** When the flusher first saw the oldest entry this flush ends (its read returned it). */
  pendingSince: number;
  /** The oldest entry's own instant (the change's write, or the token's end): the lag metric's start. */
  oldestEntryAt: number;
  /** When the flush call returned. */
  flushedAt: number;
  /**
   * The flush landed later than the revocation bound after that entry (slow reads, a late commit,
   * a late run, failing flushes): decisions may have been let through past the bound. Alarmed on.
   */
  late: boolean;
  error?: unknown;
}

export interface StageFlusherOptions {
  feed: Pick<RevocationFeed, 'read' | 'readDue'>;
  registry: StageRegistry;
  cache: StageCache;
  clock: Clock;
  timing?: FlushTiming;
  /** The registry is re-read this often (a newly deployed authorizer is flushed from then on). @default 60 000 */
  registryRefreshMs?: number;
  /** The bound a flush must land within after the entry it ends, else it is reported late. @default 5 000 */
  boundMs?: number;
  /** Every flush attempt, for logs and metrics (failures and late flushes drive the alarms). */
  onFlush?: (outcome: FlushOutcome) => void;
  onError?: (error: unknown, what: string) => void;
}

interface StageState {
  stage: StageRef;
  /** When the flusher first saw (a read returned) the oldest entry this stage has not been flushed for. */
  pendingSince: number | undefined;
  /** When it saw the newest such entry: a flush before that has settled leaves the stage pending. */
  newestSeen: number | undefined;
  /** The oldest such entry's own instant, for the lag and the late alarm. */
  oldestEntryAt: number | undefined;
  lastAttemptAt: number | undefined;
}

/** A read this much inside the look-back of the previous one is still contiguous with it. */
const FEED_GAP_MARGIN_MS = 5_000;

const keyOf = (stage: StageRef) => `${stage.restApiId}/${stage.stage}`;

/**
 * Ends API Gateway's cached authorizer decisions after a change: each `tick` reads the feed, marks
 * every registered stage pending from the instant its read RETURNED a new entry (revocation,
 * change, or a due token end), and flushes each stage once its pending entries have settled, at
 * most once per `minIntervalMs`.
 *
 * Why from the read's return: a container decides on a feed view at most `feedPollMs` old, so every
 * decision that did not see an entry has returned by the entry's commit plus that; the commit is
 * before the read that returned it ended, however slow that read (or late the commit) was. Counting
 * the settle from the tick's start would let a 1.3 s read put the flush before a container's stale
 * decision, which API Gateway would then cache for its whole TTL.
 *
 * The registry is read in the background, never on that path. A failed flush leaves the stage
 * pending: the next tick past the interval retries it, for as long as it fails. A flush that lands
 * later than the bound after its oldest entry is reported `late` (the alarm), as is every failure.
 */
export class StageFlusher {
  private readonly cursor = new FeedCursor();
  private readonly stages = new Map<string, StageState>();
  private registryReadAt: number | undefined;
  private registryRead: Promise<void> | undefined;
  /** When the last successful feed read started. */
  private lastReadAt: number | undefined;
  /** The instants of the entries seen within the look-back: a stage found late is late for them too. */
  private recentEntryAts: number[] = [];
  private readonly timing: FlushTiming;

  constructor(private readonly options: StageFlusherOptions) {
    this.timing = options.timing ?? defaultFlushTiming;
  }

  /** One round: read the feed, flush what is due. Returns the outcomes of this round's flushes. */
  async tick(): Promise<FlushOutcome[]> {
    const { clock } = this.options;
    const started = clock.now();
    // The first run waits for the registry (there is nothing to flush without it); later ones refresh
    // it in the background, so that a slow SSM read never delays a flush.
    if (this.registryReadAt === undefined) await this.refreshRegistry(started);
    else this.refreshRegistryInBackground(started);
    let fresh: FeedEntry[] = [];
    let gap = false;
    try {
      // A new container knows no stage yet: the registry read marks each pending, so its first flush
      // ends whatever a crashed run before it missed (the crash itself is a Lambda error, alarmed).
      const from = started - FEED_LOOKBACK_MS;
      const [changes, due] = await Promise.all([
        this.options.feed.read(from, started),
        // A `due` entry is read only once its instant has come (the read ends at the tick's start).
        this.options.feed.readDue(from, started),
      ]);
      // Reads that failed, or a warm container whose next run started late, leave a stretch the
      // look-back no longer covers: a change in it would never be flushed, so flush every stage.
      gap = this.lastReadAt !== undefined && started - this.lastReadAt > FEED_LOOKBACK_MS - FEED_GAP_MARGIN_MS;
      this.lastReadAt = started;
      fresh = this.cursor.accept([...changes, ...due], started);
      this.recentEntryAts = [...this.recentEntryAts.filter((at) => at >= started - FEED_LOOKBACK_MS), ...fresh.map((entry) => entry.at)];
    } catch (error) {
      this.options.onError?.(error, 'feed read');
    }
    // What this read returned was committed before now: the settle counts from here.
    const seenAt = clock.now();
    // A stage deployed since the last registry read caches decisions too: look for one soon (it is
    // flushed once found), but in the background.
    if (fresh.length > 0) this.refreshRegistryInBackground(seenAt, this.timing.minIntervalMs);
    // A tick that ran late (a frozen container, a slow previous round) sees its entries late, and so
    // flushes late, never early: the late alarm tells. A gap in the reads flushes every stage.
    if (fresh.length > 0 || gap) {
      const oldest = Math.min(seenAt, ...fresh.map((entry) => entry.at));
      for (const state of this.stages.values()) {
        state.pendingSince ??= seenAt;
        state.newestSeen = seenAt;
        state.oldestEntryAt = Math.min(state.oldestEntryAt ?? oldest, oldest);
      }
    }

    const now = clock.now();
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
    await this.registryRead;
  }

  /** Stages pending a flush (for tests and the local front's status). */
  pending(): StageRef[] {
    return [...this.stages.values()].filter((state) => state.pendingSince !== undefined).map((state) => state.stage);
  }

  private async flush(state: StageState, now: number): Promise<FlushOutcome> {
    const pendingSince = state.pendingSince!;
    const oldestEntryAt = state.oldestEntryAt ?? pendingSince;
    state.lastAttemptAt = now;
    const boundMs = this.options.boundMs ?? 5_000;
    try {
      await this.options.cache.flush(state.stage);
      const flushedAt = this.options.clock.now();
      // Entries that had not settled when the flush was sent need another one (a container may
      // have decided on its old view after this flush, and API Gateway cached that).
      const newest = state.newestSeen ?? pendingSince;
      if (newest + this.timing.settleMs <= now) {
        state.pendingSince = undefined;
        state.oldestEntryAt = undefined;
      } else {
        state.pendingSince = newest;
        state.oldestEntryAt = newest;
      }
      const outcome = { stage: state.stage, ok: true, pendingSince, oldestEntryAt, flushedAt, late: flushedAt - oldestEntryAt > boundMs };
      this.options.onFlush?.(outcome);
      return outcome;
    } catch (error) {
      const flushedAt = this.options.clock.now();
      const outcome = {
        stage: state.stage,
        ok: false,
        pendingSince,
        oldestEntryAt,
        flushedAt,
        late: flushedAt - oldestEntryAt > boundMs,
        error,
      };
      this.options.onFlush?.(outcome);
      return outcome;
    }
  }

  private refreshRegistryInBackground(now: number, maxAgeMs = this.options.registryRefreshMs ?? 60_000): void {
    if (this.registryRead || (this.registryReadAt !== undefined && now - this.registryReadAt < maxAgeMs)) return;
    this.registryRead = this.refreshRegistry(now).finally(() => (this.registryRead = undefined));
  }

  private async refreshRegistry(now: number): Promise<void> {
    try {
      const listed = await this.options.registry.list();
      const readAt = this.options.clock.now();
      this.registryReadAt = now;
      const keys = new Set(listed.map(keyOf));
      for (const key of this.stages.keys()) if (!keys.has(key)) this.stages.delete(key);
      // A stage seen for the first time may hold decisions cached before the flusher knew it, from
      // before the changes seen lately: its flush is measured (and reported late) against them.
      const oldest = Math.min(readAt, ...this.recentEntryAts);
      for (const stage of listed)
        if (!this.stages.has(keyOf(stage)))
          this.stages.set(keyOf(stage), {
            stage,
            pendingSince: readAt,
            newestSeen: readAt,
            oldestEntryAt: oldest,
            lastAttemptAt: undefined,
          });
    } catch (error) {
      // Keep flushing the stages known so far; the next tick reads the registry again.
      this.options.onError?.(error, 'registry read');
    }
  }
}

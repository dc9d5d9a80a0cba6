import { FEED_LOOKBACK_MS, FeedCursor, type FeedEntry } from '../domain/revocation-feed';

export interface FeedUpdate {
  entries: FeedEntry[];
  gap: boolean;
}

/** The revocation feed (see domain/revocation-feed.ts). */
export interface RevocationFeed {
  /** Changes (revoked, changed) with `from <= at <= to`, as committed before the call. */
  read(from: number, to: number): Promise<FeedEntry[]>;
  /** `due` entries with `from <= at <= to`: the stage flusher's, kept apart from the changes. */
  readDue(from: number, to: number): Promise<FeedEntry[]>;
  /** Appends a `due` entry (changes append theirs in their own transaction). */
  append(entry: FeedEntry): Promise<void>;
}

/**
 * A container's view of the feed: read at most once per `pollMs`, and only when a request needs it
 * (an idle container reads nothing). `current()` answers whether the view is recent enough for a
 * long status cache; when reads fail it is not, and the container falls back to its short one.
 */
export class FeedWatcher {
  private readonly cursor = new FeedCursor();
  private lastReadStartedAt: number | undefined;
  private inFlight: Promise<FeedUpdate> | undefined;
  private readonly listeners: ((update: FeedUpdate) => void)[] = [];

  constructor(
    private readonly feed: RevocationFeed,
    readonly pollMs: number,
    private readonly onReadError?: (error: unknown) => void,
  ) {}

  /**
   * The entries that are new since the last read, reading the feed if the view is older than
   * `pollMs`. `gap`: the previous successful read is too old for the look-back to have covered
   * everything since (an idle or failing container), so anything cached may have missed a change.
   */
  async refresh(now: number): Promise<FeedUpdate> {
    if (this.current(now)) return { entries: [], gap: false };
    this.inFlight ??= this.read(now).finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /**
   * Calls `listener` with every update, synchronously, BEFORE the view counts as current: a cache
   * that drops what an update names has done so by the time any decision sees `current()` true (a
   * consumer that applied the update after awaiting `refresh` would leave a few microtask ticks in
   * which a concurrent decision trusts the new view and a status it names).
   */
  subscribe(listener: (update: FeedUpdate) => void): void {
    this.listeners.push(listener);
  }

  /** When the last successful read started: a status kept since then is current as of that instant. */
  viewStartedAt(): number | undefined {
    return this.lastReadStartedAt;
  }

  /** True when the last successful read started less than `pollMs` before `now`. */
  current(now: number): boolean {
    return this.lastReadStartedAt !== undefined && now - this.lastReadStartedAt < this.pollMs;
  }

  private async read(now: number): Promise<FeedUpdate> {
    const previous = this.lastReadStartedAt;
    try {
      // Up to a second ahead: a writer whose clock runs ahead of ours is still read at once.
      const entries = await this.feed.read(now - FEED_LOOKBACK_MS, now + 1_000);
      const gap = previous === undefined || now - previous > FEED_LOOKBACK_MS - 5_000;
      // `due` entries are for the flusher: a container checks `exp` and `graceUntil` on its own clock.
      const update = {
        entries: this.cursor.accept(
          entries.filter((entry) => entry.kind !== 'due'),
          now,
        ),
        gap,
      };
      for (const listener of this.listeners) listener(update);
      this.lastReadStartedAt = now;
      return update;
    } catch (error) {
      this.onReadError?.(error);
      const update = { entries: [], gap: true };
      for (const listener of this.listeners) listener(update);
      return update;
    }
  }
}

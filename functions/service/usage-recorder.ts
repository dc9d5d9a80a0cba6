import { LruCache } from './lru-cache';
import type { UsageLog } from './ports';

export interface UsageRecorderOptions {
  store: UsageLog;
  /** `lastUsedAt` is written at most this often per token (the first use at once). */
  lastUsedIntervalMs: number;
  /** Denials of one token are written to its hourly audit counter at most this often. @default 10 000 */
  denialFlushMs?: number;
  onUsageWriteError?: (error: unknown, tokenId: string) => void;
  /** Tokens whose last write (use, pending denials) a container remembers. @default 10 000 */
  capacity?: number;
}

interface PendingDenials {
  count: number;
  reasons: Set<string>;
  sourceIp: string;
  lastFlush: number | undefined;
}

/**
 * The authorizer's writes about a token, batched per container: its last use (throttled) and its
 * denials (counted in memory, written at most once per flush interval). A failed write is
 * reported and never turns into a failed decision.
 */
export class UsageRecorder {
  private readonly lastUsageWrite: LruCache<string, number>;
  private readonly denials: LruCache<string, PendingDenials>;

  constructor(private readonly options: UsageRecorderOptions) {
    this.lastUsageWrite = new LruCache(options.capacity ?? 10_000);
    this.denials = new LruCache(options.capacity ?? 10_000);
  }

  /** Throttled `lastUsedAt` write, with the last five distinct source addresses, newest first. */
  async noteUsage(tokenId: string, sourceIp: string, previousIps: readonly string[], now: number): Promise<void> {
    const last = this.lastUsageWrite.get(tokenId);
    if (last !== undefined && now - last < this.options.lastUsedIntervalMs) return;
    this.lastUsageWrite.set(tokenId, now);
    const lastUsedIps = [sourceIp, ...previousIps.filter((ip) => ip !== sourceIp)].slice(0, 5);
    try {
      await this.options.store.recordUse(tokenId, now, lastUsedIps);
    } catch (error) {
      this.options.onUsageWriteError?.(error, tokenId);
    }
  }

  /**
   * Counts a denial of a known token for the audit trail: folded in memory and written to the
   * token's hourly counter at most once per flush interval, so a client hammering with a revoked
   * token costs one write per interval, not one per request.
   */
  async noteDenial(
    tokenId: string,
    record: { tenant: string; owner: string },
    reason: string,
    sourceIp: string,
    now: number,
  ): Promise<void> {
    let pending = this.denials.get(tokenId);
    if (!pending) {
      pending = { count: 0, reasons: new Set(), sourceIp, lastFlush: undefined };
      this.denials.set(tokenId, pending);
    }
    pending.count++;
    pending.reasons.add(reason);
    pending.sourceIp = sourceIp;
    if (pending.lastFlush !== undefined && now - pending.lastFlush < (this.options.denialFlushMs ?? 10_000)) return;
    const { count, reasons } = pending;
    pending.count = 0;
    pending.reasons = new Set();
    pending.lastFlush = now;
    try {
      await this.options.store.recordDenial({
        tokenId,
        tenant: record.tenant,
        owner: record.owner,
        reasons: [...reasons],
        sourceIp,
        at: now,
        count,
      });
    } catch (error) {
      this.options.onUsageWriteError?.(error, tokenId);
    }
  }
}

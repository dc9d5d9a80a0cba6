import { compileIpEntries, isIpAllowed, type IpRange } from '../domain/ip-entries';
import type { ResolvedRoute } from '../domain/routes';
import { covers } from '../domain/scopes';
import { withFamilyState, type TokenRecord } from '../domain/token';
import { LruCache } from './lru-cache';
import type { Clock, TokenStatusReader } from './ports';
import type { FeedUpdate, FeedWatcher } from './revocation-watch';

/** What the authorizer keeps of a token's record: what a decision reads, nothing else. */
export type StatusRecord = Pick<
  TokenRecord,
  | 'state'
  | 'expiresAt'
  | 'revokeReason'
  | 'graceUntil'
  | 'tenant'
  | 'owner'
  | 'familyId'
  | 'scopes'
  | 'allowedIps'
  | 'lastUsedIps'
  | 'createdAt'
  | 'lastUsedAt'
>;

export interface CachedStatus {
  record: StatusRecord | undefined;
  ipRanges: IpRange[];
  /** The last few source addresses judged against `ipRanges`: a client's address is parsed once per read. */
  ipVerdicts: LruCache<string, boolean>;
  /** The routes the record's scopes allow: derived once per read, not per request. */
  allowedRoutes: ResolvedRoute[];
  /** The idle expiry this token is held to: the tighter of the deployment's and its tenant's. */
  idleExpiryDays: number | null;
  fetchedAt: number;
}

export interface StatusCacheOptions {
  store: TokenStatusReader;
  clock: Clock;
  routes: readonly ResolvedRoute[];
  /** How long a status is trusted without a current feed view. */
  statusCacheMs: number;
  idleExpiryDays: number | null;
  /** With the revocation feed: followed before every decision, and trusted for `statusCacheMs` while current. */
  feed?: { watcher: FeedWatcher; statusCacheMs: number };
  /** Tokens whose status a container keeps. @default 10 000 */
  capacity?: number;
}

/** Whether the status's IP entries allow this source address (every address, when it has none). */
export function allowsSourceIp(status: CachedStatus, record: StatusRecord, sourceIp: string): boolean {
  if (record.allowedIps.length === 0) return true;
  let verdict = status.ipVerdicts.get(sourceIp);
  if (verdict === undefined) {
    verdict = isIpAllowed(sourceIp, status.ipRanges, record.allowedIps.length);
    status.ipVerdicts.set(sourceIp, verdict);
  }
  return verdict;
}

/** The tighter of two idle expiries (null: none). A tenant may only tighten the deployment's. */
function tighterIdle(deployment: number | null, tenant: number | null): number | null {
  if (deployment === null) return tenant;
  return tenant === null ? deployment : Math.min(deployment, tenant);
}

/**
 * Token statuses read from DynamoDB, kept per container: trusted for the short `statusCacheMs`
 * alone, or for the feed's long one while the revocation feed is followed, which drops every status
 * the feed names (token or family) before the next decision.
 */
export class StatusCache {
  private readonly statuses: LruCache<string, CachedStatus>;
  /** Counts the feed reads that dropped cached statuses: a status read overlapping one is not cached. */
  private drops = 0;

  constructor(private readonly options: StatusCacheOptions) {
    this.statuses = new LruCache(options.capacity ?? 10_000);
    options.feed?.watcher.subscribe((update) => this.apply(update));
  }

  /**
   * Drops the cached status of every token and family the feed names since the last read (or
   * everything, when the view has a gap). The read happens before the decision, so a decision is
   * never based on a feed view older than the poll interval: the stage flusher counts on it.
   */
  async followFeed(now: number): Promise<void> {
    const watcher = this.options.feed?.watcher;
    // Within the poll interval there is nothing to read: no promise, no allocation on the warm path.
    if (!watcher || watcher.current(now)) return;
    // What the read names is dropped by the listener (constructor), before the view counts as current.
    await watcher.refresh(now);
  }

  /** Drops the cached status of every token and family an update names (everything, after a gap). */
  private apply({ entries, gap }: FeedUpdate): void {
    if (gap) {
      this.drops++;
      this.statuses.clear();
      return;
    }
    if (entries.length === 0) return;
    this.drops++;
    const tokens = new Set(entries.map((entry) => entry.tokenId).filter((id) => id !== undefined));
    const families = new Set(entries.map((entry) => entry.familyId).filter((id) => id !== undefined));
    for (const [tokenId, cached] of this.statuses) {
      if (tokens.has(tokenId) || (cached.record && families.has(cached.record.familyId))) this.statuses.delete(tokenId);
    }
  }

  /** The instant a cached status is known current at: the start of the feed view read before this decision. */
  viewStartedAt(): number {
    return this.options.feed?.watcher.viewStartedAt() ?? Number.NEGATIVE_INFINITY;
  }

  /** The token's status: cached while trusted, else one read (the token, its family, its tenant's idle expiry). */
  async status(tokenId: string, familyId: string | undefined, tenant: string, now: number): Promise<CachedStatus> {
    const cached = this.statuses.get(tokenId);
    if (cached && now - cached.fetchedAt < this.trustMs(now)) return cached;
    const drops = this.drops;
    // The read is current as of when it is sent (a slow feed read before it does not age it).
    const readAt = this.options.clock.now();
    const read = await this.options.store.getWithFamily(tokenId, familyId, tenant);
    // A revoked family revokes every member at once, before (and whatever) its members' records say.
    const record = read.record && withFamilyState(read.record, read.family);
    const fresh: CachedStatus = {
      record,
      ipRanges: record ? compileIpEntries(record.allowedIps) : [],
      ipVerdicts: new LruCache(8),
      allowedRoutes: record ? this.options.routes.filter((route) => covers(record.scopes, route.scope)) : [],
      idleExpiryDays: tighterIdle(this.options.idleExpiryDays, read.tenantIdleExpiryDays ?? null),
      fetchedAt: readAt,
    };
    // Another request read the feed while this read was out (concurrent requests, the local front):
    // the read may predate a change whose entry is now consumed, so it serves this decision only.
    if (drops !== this.drops) return fresh;
    this.statuses.set(tokenId, fresh);
    return fresh;
  }

  private trustMs(now: number): number {
    const feed = this.options.feed;
    return feed?.watcher.current(now) ? feed.statusCacheMs : this.options.statusCacheMs;
  }
}

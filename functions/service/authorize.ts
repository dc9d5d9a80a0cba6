import { compileIpEntries, isIpAllowed, type IpRange } from '../domain/ip-entries';
import type { ResolvedRoute } from '../domain/routes';
import { covers } from '../domain/scopes';
import { authorizesAccess, validUntil, withFamilyState, type TokenRecord } from '../domain/token';
import { MAX_TOKEN_LENGTH } from '../domain/jws-form';
import { DependencyUnavailable } from '../domain/errors';
import { isIdle } from '../domain/credential-life';
import type { Clock, TokenStatusReader, UsageLog } from './ports';
import type { FeedWatcher, RevocationFeed } from './revocation-watch';

/** Claims of an access token whose signature, `alg`, `kid`, `iss` and time claims checked out. */
export interface VerifiedClaims {
  jti: string;
  /** The token's family (absent in tokens issued before families were items). */
  fid?: string;
  sub: string;
  tid: string;
  scope: string;
  exp?: number;
}

/** Why the verifier refused a token: a closed list, logged and counted, never shown to the caller. */
export type VerificationFailure =
  /** Not a compact JWS the service could have issued: too long, not three segments of JSON, wrong `typ`. */
  | 'malformed_token'
  /** Decodes, but not in the one spelling the service issues (base64url padding bits, high-S signature). */
  | 'non_canonical'
  /** No `kid`, or one that names none of the published keys. */
  | 'unknown_kid'
  /** An `alg` other than ES256 (`none`, HS256 with the public key, RS256…). */
  | 'wrong_algorithm'
  | 'bad_signature'
  | 'wrong_issuer'
  /** `jti`, `sub`, `tid`, `scope`, `iat` (or `exp`, when tokens must expire) absent. */
  | 'missing_claims'
  /** A claim of the wrong type (`exp` as a string, `iss` as an array). */
  | 'malformed_claims'
  | 'expired'
  /** `nbf` or `iat` in the future, beyond the tolerated skew. */
  | 'not_yet_valid';

/** Why the authorizer answered 401: the verifier's reasons, then the token record's. */
export type DenialReason =
  | VerificationFailure
  /** No `Authorization` header, not `Bearer <token>`, or longer than any token the service issues. */
  | 'malformed_header'
  /** A valid signature over a `jti` with no record. */
  | 'unknown_token'
  /** The record's tenant, owner or family is not the one the claims name. */
  | 'claims_mismatch'
  /** The token, or its family, was revoked (a rotated token past its grace included). */
  | 'revoked'
  /** Still awaiting an admin's approval (or rejected). */
  | 'pending'
  /** Unused longer than the deployment's `idleExpiryDays` (bounded credential life). */
  | 'idle';

/** Verifies an access token offline. Expected failures are values; it never throws for a bad token. */
export interface AccessTokenVerifier {
  /** `detail` is the library's own message, for the log; the reason is what code branches on. */
  verify(token: string): Promise<{ ok: true; claims: VerifiedClaims } | { ok: false; reason: VerificationFailure; detail?: string }>;
}

export interface AuthorizeRequest {
  /** The raw `Authorization` header, if any. */
  authorization: string | undefined;
  sourceIp: string;
  method: string;
  resource: string;
}

export interface Principal {
  tokenId: string;
  owner: string;
  tenant: string;
  scopes: string[];
}

export type Decision =
  | { effect: 'unauthorized'; reason: DenialReason; detail?: string; tokenId?: string }
  | { effect: 'forbidden'; reason: 'scope' | 'ip'; principal: Principal; allowedRoutes: ResolvedRoute[]; validUntil: number }
  | { effect: 'allow'; principal: Principal; allowedRoutes: ResolvedRoute[]; validUntil: number };

export interface AuthorizerOptions {
  verifier: AccessTokenVerifier;
  store: TokenStatusReader & UsageLog;
  clock: Clock;
  routes: readonly ResolvedRoute[];
  /** How long a token record read from DynamoDB is trusted in this container. @default 10 000 */
  statusCacheMs: number;
  /** `lastUsedAt` is written at most this often per token (the first use at once). @default 60 000 */
  lastUsedIntervalMs: number;
  onUsageWriteError?: (error: unknown, tokenId: string) => void;
  /**
   * The deployment's idle expiry: a token whose last use (or creation) is older is refused. A
   * tenant's tighter one applies at refresh (its policy is not read on this hot path). @default null
   */
  idleExpiryDays?: number | null;
  /** Denials of one token are written to its hourly audit counter at most this often. @default 10 000 */
  denialFlushMs?: number;
  /**
   * The revocation feed. With it, a cached status is trusted for `statusCacheMs` of the feed
   * (minutes) while the feed is read; without it, or while reads fail, for `statusCacheMs` above.
   */
  feed?: {
    watcher: FeedWatcher;
    /** Appends the `due` entries that end API Gateway's cached decisions at a token's end. */
    log: Pick<RevocationFeed, 'append'>;
    /** How long a status is trusted while the feed is current. @default 300 000 */
    statusCacheMs: number;
    /** API Gateway's authorizer result TTL: a decision ending sooner than that gets a `due` entry. */
    resultCacheMs: number;
    onFeedError?: (error: unknown) => void;
  };
}

interface PendingDenials {
  count: number;
  reasons: Set<string>;
  sourceIp: string;
  lastFlush: number | undefined;
}

interface CachedStatus {
  record:
    | Pick<
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
      >
    | undefined;
  ipRanges: IpRange[];
  /** The routes the record's scopes allow: derived once per read, not per request. */
  allowedRoutes: ResolvedRoute[];
  /** The idle expiry this token is held to: the tighter of the deployment's and its tenant's. */
  idleExpiryDays: number | null;
  fetchedAt: number;
}

/** The tighter of two idle expiries (null: none). A tenant may only tighten the deployment's. */
function tighterIdle(deployment: number | null, tenant: number | null): number | null {
  if (deployment === null) return tenant;
  return tenant === null ? deployment : Math.min(deployment, tenant);
}

/** Decisions tried before a container too slow to decide within its feed view fails closed. */
const MAX_DECISION_ROUNDS = 3;

const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]+)$/i;

/** Why a record that exists does not authorize access (`authorizesAccess` said no). */
function refusalOf(record: Pick<TokenRecord, 'state' | 'expiresAt'>, now: number): 'expired' | 'revoked' | 'pending' {
  if (record.expiresAt !== null && record.expiresAt <= now) return 'expired';
  return record.state === 'pending' ? 'pending' : 'revoked';
}

/**
 * The authorizer's decision: verify the JWT offline, read the token's status (cached per container),
 * then check scope and source IP. Only an unreachable DynamoDB throws; every other outcome is a value.
 */
export class Authorizer {
  private readonly statusCache = new Map<string, CachedStatus>();
  private readonly lastUsageWrite = new Map<string, number>();
  private readonly denials = new Map<string, PendingDenials>();
  /** `due` entries this container already appended (the entry's id): one write per token end. */
  private readonly announcedEnds = new Set<string>();
  /** Counts the feed reads that dropped cached statuses: a status read overlapping one is not cached. */
  private drops = 0;

  constructor(private readonly options: AuthorizerOptions) {}

  async authorize(request: AuthorizeRequest): Promise<Decision> {
    const match =
      request.authorization && request.authorization.length <= MAX_TOKEN_LENGTH ? BEARER.exec(request.authorization.trim()) : null;
    if (!match) return { effect: 'unauthorized', reason: 'malformed_header' };

    const verified = await this.options.verifier.verify(match[1]!);
    if (!verified.ok)
      return { effect: 'unauthorized', reason: verified.reason, ...(verified.detail === undefined ? {} : { detail: verified.detail }) };
    const { claims } = verified;

    for (let round = 1; ; round++) {
      const { decision, basis } = await this.decide(request, claims);
      // A refusal may be cached as long as API Gateway likes; without the feed there is no flush to miss.
      const feed = this.options.feed;
      if (decision.effect === 'unauthorized' || !feed) return decision;
      // The stage flusher flushes once every container has had a poll interval to see a change;
      // a decision leaving later than that after the data it stands on (a slow usage or feed
      // write, a read retried) could be cached after the flush, for the whole result TTL. Decide
      // again on a fresh view; if DynamoDB stays that slow, let nobody in (API Gateway caches no error).
      if (this.options.clock.now() - basis < feed.watcher.pollMs) return decision;
      if (round >= MAX_DECISION_ROUNDS) throw new DependencyUnavailable('DynamoDB (decision outlived its revocation feed view)');
    }
  }

  /** One decision, and `basis`: the instant its token status is known to have been current at. */
  private async decide(request: AuthorizeRequest, claims: VerifiedClaims): Promise<{ decision: Decision; basis: number }> {
    const now = this.options.clock.now();
    await this.followFeed(now);
    const status = await this.status(claims.jti, claims.fid, claims.tid, now);
    // A cached status is vouched for by the feed view read before this decision; a fresh read by itself.
    const basis = Math.max(status.fetchedAt, this.options.feed?.watcher.viewStartedAt() ?? Number.NEGATIVE_INFINITY);
    return { decision: await this.decideOn(request, claims, status, now), basis };
  }

  private async decideOn(request: AuthorizeRequest, claims: VerifiedClaims, status: CachedStatus, now: number): Promise<Decision> {
    const record = status.record;
    if (!record) return { effect: 'unauthorized', reason: 'unknown_token', tokenId: claims.jti };
    if (record.tenant !== claims.tid || record.owner !== claims.sub || (claims.fid !== undefined && record.familyId !== claims.fid)) {
      return { effect: 'unauthorized', reason: 'claims_mismatch', tokenId: claims.jti };
    }
    if (!authorizesAccess(record, now)) {
      await this.noteDenial(claims.jti, record, 'revoked_or_expired', request.sourceIp, now);
      return { effect: 'unauthorized', reason: refusalOf(record, now), tokenId: claims.jti };
    }
    if (isIdle(record, status.idleExpiryDays, now)) {
      await this.noteDenial(claims.jti, record, 'idle', request.sourceIp, now);
      return { effect: 'unauthorized', reason: 'idle', tokenId: claims.jti };
    }

    // Scopes come from the record, which a signature cannot outlive; the claim is only a copy.
    const principal: Principal = { tokenId: claims.jti, owner: record.owner, tenant: record.tenant, scopes: record.scopes };
    const { allowedRoutes } = status;
    const until = Math.min(validUntil(record), claims.exp === undefined ? Number.POSITIVE_INFINITY : claims.exp * 1000);

    await this.announceEnd(claims.jti, until, now);

    if (!isIpAllowed(request.sourceIp, status.ipRanges, record.allowedIps.length)) {
      await this.noteDenial(claims.jti, record, 'ip', request.sourceIp, now);
      return { effect: 'forbidden', reason: 'ip', principal, allowedRoutes, validUntil: until };
    }
    await this.noteUsage(claims.jti, request.sourceIp, record.lastUsedIps ?? [], now);
    const method = request.method.toUpperCase();
    const permitted = allowedRoutes.some((route) => route.method === method && route.resource === request.resource);
    if (permitted) return { effect: 'allow', principal, allowedRoutes, validUntil: until };
    await this.noteDenial(claims.jti, record, 'scope', request.sourceIp, now);
    return { effect: 'forbidden', reason: 'scope', principal, allowedRoutes, validUntil: until };
  }

  /**
   * Counts a denial of a known token for the audit trail: folded in memory and written to the
   * token's hourly counter at most once per flush interval, so a client hammering with a revoked
   * token costs one write per interval, not one per request. Never turns into a failure.
   */
  private async noteDenial(
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
      if (this.denials.size > 10_000) this.denials.delete(this.denials.keys().next().value!);
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

  /**
   * Drops the cached status of every token and family the feed names since the last read (or
   * everything, when the view has a gap). The read happens before the decision, so a decision is
   * never based on a feed view older than the poll interval: the stage flusher counts on it.
   */
  private async followFeed(now: number): Promise<void> {
    const feed = this.options.feed;
    if (!feed) return;
    const { entries, gap } = await feed.watcher.refresh(now);
    if (gap) {
      this.drops++;
      this.statusCache.clear();
      return;
    }
    if (entries.length === 0) return;
    this.drops++;
    const tokens = new Set(entries.map((entry) => entry.tokenId).filter((id) => id !== undefined));
    const families = new Set(entries.map((entry) => entry.familyId).filter((id) => id !== undefined));
    for (const [tokenId, cached] of this.statusCache) {
      if (tokens.has(tokenId) || (cached.record && families.has(cached.record.familyId))) this.statusCache.delete(tokenId);
    }
  }

  /**
   * API Gateway caches this decision for its whole TTL and cannot be told to end it sooner; when
   * the token ends (exp, graceUntil) inside that TTL, a `due` entry timed at the end makes the
   * stage flusher end it there. Written once per token end and container; the id makes the item
   * the same for every container. A failed write fails the decision closed (API Gateway caches no
   * error): a decision nobody would end at the token's end is never handed out.
   */
  private async announceEnd(tokenId: string, until: number, now: number): Promise<void> {
    const feed = this.options.feed;
    if (!feed || !Number.isFinite(until) || until - now >= feed.resultCacheMs) return;
    const id = `end:${tokenId}:${until}`;
    if (this.announcedEnds.has(id)) return;
    try {
      await feed.log.append({ id, at: until, kind: 'due', tokenId });
      this.announcedEnds.add(id);
      if (this.announcedEnds.size > 10_000) this.announcedEnds.delete(this.announcedEnds.values().next().value!);
    } catch (error) {
      feed.onFeedError?.(error);
      throw new DependencyUnavailable('DynamoDB (announcing a token end to the stage flusher)', { cause: error });
    }
  }

  private statusTrustMs(now: number): number {
    const feed = this.options.feed;
    return feed?.watcher.current(now) ? feed.statusCacheMs : this.options.statusCacheMs;
  }

  private async status(tokenId: string, familyId: string | undefined, tenant: string, now: number): Promise<CachedStatus> {
    const cached = this.statusCache.get(tokenId);
    if (cached && now - cached.fetchedAt < this.statusTrustMs(now)) return cached;
    const drops = this.drops;
    // The read is current as of when it is sent (a slow feed read before it does not age it).
    const readAt = this.options.clock.now();
    const read = await this.options.store.getWithFamily(tokenId, familyId, tenant);
    // A revoked family revokes every member at once, before (and whatever) its members' records say.
    const record = read.record && withFamilyState(read.record, read.family);
    const fresh: CachedStatus = {
      record,
      ipRanges: record ? compileIpEntries(record.allowedIps) : [],
      allowedRoutes: record ? this.options.routes.filter((route) => covers(record.scopes, route.scope)) : [],
      idleExpiryDays: tighterIdle(this.options.idleExpiryDays ?? null, read.tenantIdleExpiryDays ?? null),
      fetchedAt: readAt,
    };
    // Another request read the feed while this read was out (concurrent requests, the local front):
    // the read may predate a change whose entry is now consumed, so it serves this decision only.
    if (drops !== this.drops) return fresh;
    this.statusCache.set(tokenId, fresh);
    if (this.statusCache.size > 10_000) this.statusCache.delete(this.statusCache.keys().next().value!);
    return fresh;
  }

  /** Throttled `lastUsedAt` write; a failure is reported, never turned into a denial. */
  private async noteUsage(tokenId: string, sourceIp: string, previousIps: string[], now: number): Promise<void> {
    const last = this.lastUsageWrite.get(tokenId);
    if (last !== undefined && now - last < this.options.lastUsedIntervalMs) return;
    this.lastUsageWrite.set(tokenId, now);
    if (this.lastUsageWrite.size > 10_000) this.lastUsageWrite.delete(this.lastUsageWrite.keys().next().value!);
    const lastUsedIps = [sourceIp, ...previousIps.filter((ip) => ip !== sourceIp)].slice(0, 5);
    try {
      await this.options.store.recordUse(tokenId, now, lastUsedIps);
    } catch (error) {
      this.options.onUsageWriteError?.(error, tokenId);
    }
  }
}

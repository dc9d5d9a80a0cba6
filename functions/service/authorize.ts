import type { ResolvedRoute } from '../domain/routes';
import { authorizesAccess, validUntil, type TokenRecord } from '../domain/token';
import { MAX_TOKEN_LENGTH } from '../domain/jws-form';
import { DependencyUnavailable } from '../domain/errors';
import { isIdle } from '../domain/credential-life';
import type { Clock, TokenStatusReader, UsageLog } from './ports';
import { LruCache } from './lru-cache';
import type { FeedWatcher, RevocationFeed } from './revocation-watch';
import { allowsSourceIp, StatusCache, type CachedStatus } from './status-cache';
import { UsageRecorder } from './usage-recorder';

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

export type Verification = { ok: true; claims: VerifiedClaims } | { ok: false; reason: VerificationFailure; detail?: string };

/** Verifies an access token offline. Expected failures are values; it never throws for a bad token. */
export interface AccessTokenVerifier {
  /**
   * `detail` is for the log; the reason is what code branches on. A verifier whose keys are loaded
   * may answer synchronously (the authorizer's warm path then awaits nothing for it).
   */
  verify(token: string): Verification | Promise<Verification>;
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
  private readonly statuses: StatusCache;
  private readonly usage: UsageRecorder;
  /** `due` entries this container already appended (the entry's id): one write per token end. */
  private readonly announcedEnds = new LruCache<string, true>(10_000);

  constructor(private readonly options: AuthorizerOptions) {
    const { store, clock, routes, feed } = options;
    this.statuses = new StatusCache({
      store,
      clock,
      routes,
      statusCacheMs: options.statusCacheMs,
      idleExpiryDays: options.idleExpiryDays ?? null,
      ...(feed ? { feed: { watcher: feed.watcher, statusCacheMs: feed.statusCacheMs } } : {}),
    });
    this.usage = new UsageRecorder({
      store,
      lastUsedIntervalMs: options.lastUsedIntervalMs,
      ...(options.denialFlushMs === undefined ? {} : { denialFlushMs: options.denialFlushMs }),
      ...(options.onUsageWriteError ? { onUsageWriteError: options.onUsageWriteError } : {}),
    });
  }

  async authorize(request: AuthorizeRequest): Promise<Decision> {
    const match =
      request.authorization && request.authorization.length <= MAX_TOKEN_LENGTH ? BEARER.exec(request.authorization.trim()) : null;
    if (!match) return { effect: 'unauthorized', reason: 'malformed_header' };

    const verification = this.options.verifier.verify(match[1]!);
    // A verifier with its keys loaded answers at once: no promise to wait for on the warm path.
    const verified = 'ok' in verification ? verification : await verification;
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
    await this.statuses.followFeed(now);
    // The view this decision read (or found current), taken BEFORE the status: a feed read that
    // another request makes while this one's status read is out is a view this decision never saw.
    const view = this.statuses.viewStartedAt();
    const status = await this.statuses.status(claims.jti, claims.fid, claims.tid, now);
    // A cached status is vouched for by the feed view read before this decision; a fresh read by itself.
    const basis = Math.max(status.fetchedAt, view);
    return { decision: await this.decideOn(request, claims, status, now), basis };
  }

  private async decideOn(request: AuthorizeRequest, claims: VerifiedClaims, status: CachedStatus, now: number): Promise<Decision> {
    const record = status.record;
    if (!record) return { effect: 'unauthorized', reason: 'unknown_token', tokenId: claims.jti };
    if (record.tenant !== claims.tid || record.owner !== claims.sub || (claims.fid !== undefined && record.familyId !== claims.fid)) {
      return { effect: 'unauthorized', reason: 'claims_mismatch', tokenId: claims.jti };
    }
    if (!authorizesAccess(record, now)) {
      await this.usage.noteDenial(claims.jti, record, 'revoked_or_expired', request.sourceIp, now);
      return { effect: 'unauthorized', reason: refusalOf(record, now), tokenId: claims.jti };
    }
    if (isIdle(record, status.idleExpiryDays, now)) {
      await this.usage.noteDenial(claims.jti, record, 'idle', request.sourceIp, now);
      return { effect: 'unauthorized', reason: 'idle', tokenId: claims.jti };
    }

    // Scopes come from the record, which a signature cannot outlive; the claim is only a copy.
    const principal: Principal = { tokenId: claims.jti, owner: record.owner, tenant: record.tenant, scopes: record.scopes };
    const { allowedRoutes } = status;
    const until = Math.min(validUntil(record), claims.exp === undefined ? Number.POSITIVE_INFINITY : claims.exp * 1000);

    await this.announceEnd(claims.jti, until, now);

    if (!allowsSourceIp(status, record, request.sourceIp)) {
      await this.usage.noteDenial(claims.jti, record, 'ip', request.sourceIp, now);
      return { effect: 'forbidden', reason: 'ip', principal, allowedRoutes, validUntil: until };
    }
    await this.usage.noteUsage(claims.jti, request.sourceIp, record.lastUsedIps ?? [], now);
    const method = request.method.toUpperCase();
    const permitted = allowedRoutes.some((route) => route.method === method && route.resource === request.resource);
    if (permitted) return { effect: 'allow', principal, allowedRoutes, validUntil: until };
    await this.usage.noteDenial(claims.jti, record, 'scope', request.sourceIp, now);
    return { effect: 'forbidden', reason: 'scope', principal, allowedRoutes, validUntil: until };
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
      this.announcedEnds.set(id, true);
    } catch (error) {
      feed.onFeedError?.(error);
      throw new DependencyUnavailable('DynamoDB (announcing a token end to the stage flusher)', { cause: error });
    }
  }
}

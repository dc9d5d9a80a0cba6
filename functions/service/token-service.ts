import { randomBytes } from 'node:crypto';
import { conflict, forbidden, invalidGrant, invalidRequest, notFound } from '../domain/errors';
import { isValidPrincipalId, newTokenTerms, type NewTokenRequest } from '../domain/new-token';
import { DAY_SECONDS, successorExpiry, type TokenPolicy } from '../domain/policy';
import type { ScopeCatalogue } from '../domain/scopes';
import {
  claimsOf,
  formatRefreshKey,
  hashSecret,
  isTokenId,
  metadataOf,
  parseRefreshKey,
  secretMatches,
  type TokenMetadata,
  type TokenRecord,
  type TokenStatus,
} from '../domain/token';
import type { Caller } from './caller';
import { signAccessToken } from './jws';
import type { Clock, Page, Signer, TokenStore } from './ports';

export interface TokenServiceDeps {
  store: TokenStore;
  /** Needed only by the use cases that issue tokens (create, refresh). */
  signer?: Signer;
  clock: Clock;
  policy: TokenPolicy;
  catalogue: ScopeCatalogue;
  issuer: string;
}

export interface IssuedToken extends TokenMetadata {
  accessToken: string;
  refreshKey: string;
}

export interface ListRequest {
  owner?: string;
  status: TokenStatus | 'all';
  limit: number;
  cursor?: string;
}

/** What happened to a refresh, for the audit trail and metrics of the caller. */
export type RefreshOutcome =
  | { kind: 'rotated'; token: IssuedToken; predecessorId: string }
  | { kind: 'reuse_detected'; familyId: string; revokedIds: string[] };

/** The token use cases. Authorization rules of the management routes live here, next to the use cases. */
export class TokenService {
  constructor(private readonly deps: TokenServiceDeps) {}

  async create(caller: Caller, request: NewTokenRequest): Promise<IssuedToken> {
    const { store, policy, catalogue, clock } = this.deps;
    const owner = request.owner ?? caller.userId;
    if (owner !== caller.userId && !caller.isAdmin) {
      throw forbidden('Only a tenant admin can create a token for another user');
    }
    if (!isValidPrincipalId(owner)) {
      throw invalidRequest('owner is not a valid user id', [{ field: 'owner', message: 'not a valid user id' }]);
    }
    const now = clock.now();
    const terms = newTokenTerms(request, policy, catalogue, now);

    if ((await store.countActive(caller.tenant, owner, now)) >= policy.maxActiveTokensPerOwner) {
      throw conflict(`${owner} already has ${policy.maxActiveTokensPerOwner} active tokens; revoke one first`);
    }

    const id = newTokenId();
    const secret = newSecret();
    const record: TokenRecord = {
      id,
      tenant: caller.tenant,
      owner,
      createdBy: caller.userId,
      ...terms,
      // Milliseconds, so that listings keep creation order; `iat` is its whole second.
      createdAt: now,
      state: 'active',
      familyId: id,
      refreshKeyHash: hashSecret(secret),
    };
    const accessToken = await this.sign(record);
    await store.create(record, now);
    return { ...metadataOf(record, now), accessToken, refreshKey: formatRefreshKey(id, secret) };
  }

  async list(caller: Caller, request: ListRequest): Promise<Page<TokenMetadata>> {
    if (request.owner !== undefined && request.owner !== caller.userId && !caller.isAdmin) {
      throw forbidden("Only a tenant admin can list another user's tokens");
    }
    const owner = caller.isAdmin ? request.owner : caller.userId;
    const now = this.deps.clock.now();
    const page = await this.deps.store.list({ tenant: caller.tenant, owner, status: request.status, limit: request.limit, cursor: request.cursor, now });
    return { items: page.items.map((record) => metadataOf(record, now)), nextCursor: page.nextCursor };
  }

  async get(caller: Caller, id: string): Promise<TokenMetadata> {
    return metadataOf(await this.visibleRecord(caller, id), this.deps.clock.now());
  }

  /** Idempotent: revoking a revoked token answers its metadata unchanged. */
  async revoke(caller: Caller, id: string): Promise<TokenMetadata> {
    await this.visibleRecord(caller, id);
    const now = this.deps.clock.now();
    const revoked = await this.deps.store.revoke(id, { at: now, by: caller.userId, reason: 'revoked' });
    if (!revoked) throw notFound();
    return metadataOf(revoked, now);
  }

  /**
   * Rotates a token with its refresh key. Any key that does not identify a refreshable token is
   * `invalid_grant`, with no hint of why; a key reused after its rotation revokes the whole family.
   */
  async refresh(refreshKey: string): Promise<RefreshOutcome> {
    const { store, policy, clock } = this.deps;
    const parsed = parseRefreshKey(refreshKey);
    if (!parsed) throw invalidGrant();
    const record = await store.get(parsed.tokenId);
    if (!record || !secretMatches(parsed.secret, record.refreshKeyHash)) throw invalidGrant();
    const now = clock.now();

    if (record.rotatedAt !== undefined) {
      if (now - record.rotatedAt <= policy.reuseLeewaySeconds * 1000) {
        throw conflict('This refresh key was just used; use the token and key that refresh returned');
      }
      const revokedIds = await store.revokeFamily(record.familyId, { at: now, by: 'reuse-detection', reason: 'reuse_detected' });
      return { kind: 'reuse_detected', familyId: record.familyId, revokedIds };
    }
    if (record.state === 'revoked') throw invalidGrant();
    if (record.expiresAt !== null && now >= record.expiresAt + policy.refreshWindowDays * DAY_SECONDS * 1000) {
      throw invalidGrant();
    }

    const nowSeconds = Math.floor(now / 1000);
    const expiresSeconds = successorExpiry(
      { issuedAt: Math.floor(record.createdAt / 1000), expiresAt: record.expiresAt === null ? null : record.expiresAt / 1000 },
      policy,
      nowSeconds,
    );
    const id = newTokenId();
    const secret = newSecret();
    const successor: TokenRecord = {
      id,
      tenant: record.tenant,
      owner: record.owner,
      createdBy: record.createdBy,
      description: record.description,
      scopes: record.scopes,
      allowedIps: record.allowedIps,
      createdAt: now,
      expiresAt: expiresSeconds === null ? null : expiresSeconds * 1000,
      state: 'active',
      familyId: record.familyId,
      refreshKeyHash: hashSecret(secret),
    };
    const accessToken = await this.sign(successor);
    await store.rotate({
      predecessor: record,
      successor,
      presentedHash: record.refreshKeyHash,
      rotatedAt: now,
      graceUntil: now + policy.rotationGraceSeconds * 1000,
    });
    return {
      kind: 'rotated',
      predecessorId: record.id,
      token: { ...metadataOf(successor, now), accessToken, refreshKey: formatRefreshKey(id, secret) },
    };
  }

  /** A token the caller may see: their own, or any of their tenant for an admin. Anything else is 404. */
  private async visibleRecord(caller: Caller, id: string): Promise<TokenRecord> {
    const record = isTokenId(id) ? await this.deps.store.get(id) : undefined;
    if (!record || record.tenant !== caller.tenant || (!caller.isAdmin && record.owner !== caller.userId)) {
      throw notFound();
    }
    return record;
  }

  private sign(record: TokenRecord): Promise<string> {
    if (!this.deps.signer) throw new Error('This function was built without a signer');
    return signAccessToken(claimsOf(record, this.deps.issuer), this.deps.signer);
  }
}

function newTokenId(): string {
  return randomBytes(16).toString('hex');
}

/** 256 bits of randomness, base64url (43 characters). */
function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

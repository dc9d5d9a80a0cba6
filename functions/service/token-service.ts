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
  statusOf,
  type TokenMetadata,
  type TokenRecord,
  type TokenStatus,
} from '../domain/token';
import type { AuditEvent } from '../domain/audit';
import type { AccessTokenVerifier } from './authorize';
import type { Caller, Origin } from './caller';
import { signAccessToken } from './jws';
import type { Clock, Page, SecretDeriver, Signer, TokenStore } from './ports';

export interface TokenServiceDeps {
  store: TokenStore;
  /** Needed only by the use cases that issue tokens (create, refresh). */
  signer?: Signer;
  clock: Clock;
  policy: TokenPolicy;
  catalogue: ScopeCatalogue;
  issuer: string;
  /** Needed only to recognise leaked access tokens. */
  verifier?: AccessTokenVerifier;
  /** Needed only by refresh: derives a successor's refresh secret from the presented one. */
  secrets?: SecretDeriver;
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
  /** The same key again within the leeway: the successor the first answer carried, nothing new written. */
  | { kind: 'replayed'; token: IssuedToken; predecessorId: string }
  | { kind: 'reuse_detected'; familyId: string; revokedIds: string[] };

/** A revoke's answer: the addressed token as it now is, and every member of its family this call revoked. */
export type RevokedCredential = TokenMetadata & { revokedTokenIds: string[] };

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
      generation: 1,
      refreshKeyHash: hashSecret(secret),
    };
    const accessToken = await this.sign(record);
    await store.create(record, now, auditEvent('token.created', record, now, { type: 'user', id: caller.userId }, caller.sourceIp));
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

  /**
   * Revokes the credential, not only the record: addressed by any member of a family (a rotated one
   * included), it revokes every member that still works. Idempotent: a family already revoked
   * answers the token's metadata with nothing newly revoked.
   */
  async revoke(caller: Caller, id: string): Promise<RevokedCredential> {
    const record = await this.visibleRecord(caller, id);
    const now = this.deps.clock.now();
    const { revokedIds } = await this.deps.store.revokeFamily(
      familyOf(record),
      { at: now, by: caller.userId, reason: 'revoked' },
      auditEvent('token.revoked', record, now, { type: 'user', id: caller.userId }, caller.sourceIp, { familyId: record.familyId }),
    );
    const after = await this.deps.store.get(id);
    return { ...metadataOf(after ?? record, now), revokedTokenIds: revokedIds };
  }

  /**
   * Rotates a token with its refresh key. Any key that does not identify a refreshable token is
   * `invalid_grant`, with no hint of why. A rotated key presented again within the leeway, while
   * its successor still works, answers that same successor (a retry whose first answer was lost);
   * later, or once the successor moved on, it is a theft and revokes the whole family.
   */
  async refresh(refreshKey: string, origin: Origin = {}): Promise<RefreshOutcome> {
    const { store, policy, clock } = this.deps;
    const parsed = parseRefreshKey(refreshKey);
    if (!parsed) throw invalidGrant();
    // A refresh that loses the race to a concurrent one with the same key decides again on what
    // the key's token has become: usually a replay of the winner's answer.
    for (let attempt = 0; ; attempt++) {
      const record = await store.get(parsed.tokenId);
      if (!record || !secretMatches(parsed.secret, record.refreshKeyHash)) throw invalidGrant();
      const now = clock.now();
      if (record.rotatedAt !== undefined) return this.presentedAgain(record, parsed.secret, now, origin);
      if (record.state === 'revoked') throw invalidGrant();
      if (record.expiresAt !== null && now >= record.expiresAt + policy.refreshWindowDays * DAY_SECONDS * 1000) throw invalidGrant();

      const successor = this.successorOf(record, now);
      const secret = await this.secrets().deriveSecret(parsed.secret, successor.id);
      successor.refreshKeyHash = hashSecret(secret);
      const accessToken = await this.sign(successor);
      const result = await store.rotate({
        predecessor: record,
        successor,
        presentedHash: record.refreshKeyHash,
        rotatedAt: now,
        graceUntil: now + policy.rotationGraceSeconds * 1000,
        event: auditEvent('token.refreshed', record, now, { type: 'token', id: record.id }, origin.sourceIp, { successorId: successor.id, mode: 'rotated' }),
      });
      if (result.ok) {
        return {
          kind: 'rotated',
          predecessorId: record.id,
          token: { ...metadataOf(successor, now), accessToken, refreshKey: formatRefreshKey(successor.id, secret) },
        };
      }
      if (result.refusal === 'family_revoked') throw invalidGrant();
      if (result.refusal === 'description_taken') throw conflict(`Another active token of ${record.owner} now has this description`);
      if (attempt >= 2) throw conflict('This refresh key is being used by concurrent requests; retry');
    }
  }

  /** A rotated key presented again: the same answer within the leeway, else reuse detection. */
  private async presentedAgain(record: TokenRecord, presentedSecret: string, now: number, origin: Origin): Promise<RefreshOutcome> {
    const { store, policy } = this.deps;
    const withinLeeway = now - record.rotatedAt! <= policy.reuseLeewaySeconds * 1000;
    if (withinLeeway && record.successorId !== undefined) {
      const [successor, family] = await Promise.all([store.get(record.successorId), store.getFamily(record.familyId)]);
      const successorWorks = successor !== undefined && statusOf(successor, now) === 'active' && family?.state !== 'revoked';
      if (successorWorks) {
        const secret = await this.secrets().deriveSecret(presentedSecret, successor.id);
        // A successor rotated before secrets were derived cannot be answered again: the old 409.
        if (!secretMatches(secret, successor.refreshKeyHash)) throw conflict('This refresh key was just used; use the token and key that refresh returned');
        await store.append(
          auditEvent('token.refreshed', record, now, { type: 'token', id: record.id }, origin.sourceIp, { successorId: successor.id, mode: 'replayed' }),
        );
        return {
          kind: 'replayed',
          predecessorId: record.id,
          token: { ...metadataOf(successor, now), accessToken: await this.sign(successor), refreshKey: formatRefreshKey(successor.id, secret) },
        };
      }
    }
    const { revokedIds } = await store.revokeFamily(
      familyOf(record),
      { at: now, by: 'reuse-detection', reason: 'reuse_detected' },
      auditEvent('token.reuse_detected', record, now, { type: 'token', id: record.id }, origin.sourceIp, { familyId: record.familyId }),
    );
    return { kind: 'reuse_detected', familyId: record.familyId, revokedIds };
  }

  /** The successor of a refresh: same owner, terms and family, the next generation, a lifetime capped by the policy. */
  private successorOf(record: TokenRecord, now: number): TokenRecord {
    const expiresSeconds = successorExpiry(
      { issuedAt: Math.floor(record.createdAt / 1000), expiresAt: record.expiresAt === null ? null : record.expiresAt / 1000 },
      this.deps.policy,
      Math.floor(now / 1000),
    );
    return {
      id: newTokenId(),
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
      generation: record.generation + 1,
      predecessorId: record.id,
      refreshKeyHash: '',
    };
  }

  /**
   * Revokes the credential each reported secret (access token or refresh key, a rotated one
   * included) belongs to: its whole family, with reason `leaked`. Possession is the proof: a forged
   * or unknown secret revokes nothing. Returns how many tokens were revoked, for logs and metrics
   * only: the HTTP answer must not tell.
   */
  async revokeLeaked(secrets: readonly string[], origin: Origin = {}): Promise<number> {
    const { store, clock } = this.deps;
    const leaked = new Map<string, { record: TokenRecord; via: 'refresh_key' | 'access_token' }>();
    for (const secret of secrets) {
      const refreshKey = parseRefreshKey(secret);
      if (refreshKey) {
        const record = await store.get(refreshKey.tokenId);
        if (record && secretMatches(refreshKey.secret, record.refreshKeyHash)) leaked.set(record.familyId, { record, via: 'refresh_key' });
        continue;
      }
      if (!this.deps.verifier) throw new Error('This function was built without a verifier');
      const verified = await this.deps.verifier.verify(secret);
      if (!verified.ok) continue;
      const record = await store.get(verified.claims.jti);
      if (record) leaked.set(record.familyId, { record, via: 'access_token' });
    }
    let revoked = 0;
    for (const { record, via } of leaked.values()) {
      const now = clock.now();
      const result = await store.revokeFamily(
        familyOf(record),
        { at: now, by: 'leak-report', reason: 'leaked' },
        auditEvent('token.leak_revoked', record, now, { type: 'anonymous' }, origin.sourceIp, { via, familyId: record.familyId }),
      );
      revoked += result.revokedIds.length;
    }
    return revoked;
  }

  /** A token the caller may see: their own, or any of their tenant for an admin. Anything else is 404. */
  private async visibleRecord(caller: Caller, id: string): Promise<TokenRecord> {
    const record = isTokenId(id) ? await this.deps.store.get(id) : undefined;
    if (!record || record.tenant !== caller.tenant || (!caller.isAdmin && record.owner !== caller.userId)) {
      throw notFound();
    }
    return record;
  }

  private secrets(): SecretDeriver {
    if (!this.deps.secrets) throw new Error('This function was built without a secret deriver');
    return this.deps.secrets;
  }

  private sign(record: TokenRecord): Promise<string> {
    if (!this.deps.signer) throw new Error('This function was built without a signer');
    return signAccessToken(claimsOf(record, this.deps.issuer), this.deps.signer);
  }
}

export function auditEvent(
  action: AuditEvent['action'],
  token: Pick<TokenRecord, 'id' | 'tenant' | 'owner'>,
  at: number,
  actor: AuditEvent['actor'],
  sourceIp: string | undefined,
  details?: AuditEvent['details'],
): AuditEvent {
  return {
    id: randomBytes(12).toString('base64url'),
    at,
    action,
    tenant: token.tenant,
    tokenId: token.id,
    owner: token.owner,
    actor,
    ...(sourceIp ? { sourceIp } : {}),
    ...(details ? { details } : {}),
  };
}

const familyOf = (record: TokenRecord) => ({ id: record.familyId, tenant: record.tenant, owner: record.owner });

function newTokenId(): string {
  return randomBytes(16).toString('hex');
}

/** 256 bits of randomness, base64url (43 characters). */
function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

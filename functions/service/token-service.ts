import { randomBytes } from 'node:crypto';
import { conflict, forbidden, invalidGrant, invalidRequest, notFound } from '../domain/errors';
import { covers } from '../domain/scopes';
import { activeTokenCapReached as capReached, isValidPrincipalId, newTokenTerms, type NewTokenRequest } from '../domain/new-token';
import { DAY_SECONDS, resolveExpiry, successorExpiry, type ExpiryRequest, type TokenPolicy } from '../domain/token-policy';
import {
  changedOverrides,
  effectivePolicy,
  effectivePolicyView,
  allowsTerms,
  isOutsidePolicy,
  ipProblems,
  narrowsIpEntries,
  scopesOutsideAreas,
  type EffectivePolicy,
  type TenantPolicyOverrides,
} from '../domain/tenant-policy';
import type { ScopeCatalogue } from '../domain/scopes';
import {
  claimsOf,
  formatRefreshKey,
  hashSecret,
  isTokenId,
  metadataOf,
  newestUse,
  parseRefreshKey,
  secretMatches,
  statusOf,
  withFamilyState,
  type TokenMetadata,
  type TokenRecord,
  type TokenStatus,
} from '../domain/token';
import type { AuditEvent } from '../domain/audit';
import { credentialLifeOver, familyStartOf } from '../domain/credential-life';
import type { AccessTokenVerifier } from './authorize';
import type { Caller, Origin } from './caller';
import { signAccessToken } from './jws';
import type { Clock, Page, SecretDeriver, Signer, TokenEdit, TokenStore } from './ports';

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

export interface IssuedToken extends TokenView {
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
export type RevokedCredential = TokenView & { revokedTokenIds: string[] };

/** Metadata as the management routes show it: with whether the tenant's current policy still allows the token. */
export type TokenView = TokenMetadata & { outsidePolicy: boolean };

/** The token use cases. Authorization rules of the management routes live here, next to the use cases. */
export class TokenService {
  constructor(private readonly deps: TokenServiceDeps) {}

  async create(caller: Caller, request: NewTokenRequest): Promise<IssuedToken> {
    const { store, catalogue, clock } = this.deps;
    const policy = await this.effectivePolicyOf(caller.tenant);
    if (policy.creators === 'admins' && !caller.isAdmin) throw forbidden('In this tenant only admins create tokens');
    const owner = request.owner ?? caller.userId;
    if (owner !== caller.userId && !caller.isAdmin) {
      throw forbidden('Only a tenant admin can create a token for another user');
    }
    if (!isValidPrincipalId(owner)) {
      throw invalidRequest('owner is not a valid user id', [{ field: 'owner', message: 'not a valid user id' }]);
    }
    const now = clock.now();
    const terms = newTokenTerms(request, policy, catalogue, now);
    assertTenantRules(terms, policy);

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
      // A tenant that requires approval holds a non-admin's token until an admin approves it.
      state: policy.requireApproval && !caller.isAdmin ? 'pending' : 'active',
      familyId: id,
      generation: 1,
      refreshKeyHash: hashSecret(secret),
      ...(request.justification === undefined ? {} : { justification: request.justification }),
    };
    const accessToken = await this.sign(record);
    // The cap is enforced in the write that creates the token, never by a count before it.
    await store.create(
      record,
      now,
      auditEvent('token.created', record, now, { type: 'user', id: caller.userId }, caller.sourceIp),
      policy.maxActiveTokensPerOwner,
    );
    return { ...this.view(record, now, policy), accessToken, refreshKey: formatRefreshKey(id, secret) };
  }

  async list(caller: Caller, request: ListRequest): Promise<Page<TokenMetadata>> {
    if (request.owner !== undefined && request.owner !== caller.userId && !caller.isAdmin) {
      throw forbidden("Only a tenant admin can list another user's tokens");
    }
    const owner = caller.isAdmin ? request.owner : caller.userId;
    const now = this.deps.clock.now();
    const [page, policy] = await Promise.all([
      this.deps.store.list({ tenant: caller.tenant, owner, status: request.status, limit: request.limit, cursor: request.cursor, now }),
      this.effectivePolicyOf(caller.tenant),
    ]);
    return { items: page.items.map((record) => this.view(record, now, policy)), nextCursor: page.nextCursor };
  }

  async get(caller: Caller, id: string): Promise<TokenView> {
    const [record, policy] = await Promise.all([this.visibleRecord(caller, id), this.effectivePolicyOf(caller.tenant)]);
    return this.view(record, this.deps.clock.now(), policy);
  }

  /** The caller's effective policy: the deployment's, tightened by the tenant's admins. */
  async policy(caller: Caller) {
    return effectivePolicyView(await this.effectivePolicyOf(caller.tenant));
  }

  /** A tenant admin tightens (never widens) the tenant's policy; the change is audited. */
  async setPolicy(caller: Caller, change: TenantPolicyOverrides) {
    if (!caller.isAdmin) throw forbidden("Only a tenant admin can change the tenant's policy");
    const { store, policy: deployment, catalogue, clock } = this.deps;
    const current = (await store.getTenantPolicy(caller.tenant)) ?? {};
    const result = changedOverrides(deployment, catalogue, current, change);
    if (!result.ok) throw invalidRequest(result.problems.map((p) => `${p.field} ${p.message}`).join('; '), result.problems);
    const now = clock.now();
    const changed = Object.keys(change).sort();
    await store.putTenantPolicy(
      caller.tenant,
      result.overrides,
      auditEvent(
        'tenant.policy_changed',
        { id: 'tenant-policy', tenant: caller.tenant, owner: caller.userId },
        now,
        { type: 'user', id: caller.userId },
        caller.sourceIp,
        {
          changed,
          policy: JSON.stringify(effectivePolicyView(result.policy)),
        },
      ),
    );
    return effectivePolicyView(result.policy);
  }

  /**
   * A tenant admin approves or rejects a token waiting for approval, at the revision the admin was
   * shown: a token edited since (by its owner, between the admin's look and the decision) is not
   * decided (409), so an approved token is never wider than what the admin saw.
   */
  async decide(caller: Caller, id: string, approve: boolean, seen: { revision: number; reason?: string }): Promise<TokenView> {
    if (!caller.isAdmin) throw forbidden('Only a tenant admin can approve or reject tokens');
    const record = await this.visibleRecord(caller, id);
    const now = this.deps.clock.now();
    if (statusOf(record, now) !== 'pending') throw conflict(`The token is ${statusOf(record, now)}, not waiting for approval`);
    if ((record.revision ?? 0) !== seen.revision) throw changedSinceShown(record);
    const policy = await this.effectivePolicyOf(caller.tenant);
    // An approval makes the token work as it stands: only if the tenant's policy allows it now.
    if (approve && !allowsTerms(policy, record)) {
      throw conflict("The tenant's policy no longer allows this token's terms (scopes or IP entries): reject it, or edit it first");
    }
    const decided = await this.deps.store.decide(
      id,
      {
        approve,
        at: now,
        by: caller.userId,
        revision: seen.revision,
        cap: policy.maxActiveTokensPerOwner,
        ...(approve || seen.reason === undefined ? {} : { reason: seen.reason }),
      },
      auditEvent(approve ? 'token.approved' : 'token.rejected', record, now, { type: 'user', id: caller.userId }, caller.sourceIp, {
        revision: seen.revision,
        ...(approve || seen.reason === undefined ? {} : { reason: seen.reason }),
      }),
    );
    if (!decided) throw conflict('The token was decided or changed meanwhile (or its wait ended): reload it and decide on what it is now');
    return this.view(decided, now, policy);
  }

  /**
   * Edits a token: description, IP entries, and scopes narrowed to a subset of the current ones.
   * A wider grant needs a new token. Effective at the authorizer within its status-cache window.
   */
  async edit(caller: Caller, id: string, changes: TokenEdit): Promise<TokenView> {
    const { store, catalogue, clock } = this.deps;
    const policy = await this.effectivePolicyOf(caller.tenant);
    for (let attempt = 0; ; attempt++) {
      const record = await this.visibleRecord(caller, id);
      const now = clock.now();
      const status = statusOf(record, now);
      if (status !== 'active' && status !== 'pending') throw conflict(`The token is ${status}: only a usable token can be edited`);
      // The create rules check each field; the expiry they would compute is not an edit's and is ignored.
      const terms = newTokenTerms(
        {
          description: changes.description ?? record.description,
          scopes: changes.scopes ?? record.scopes,
          allowedIps: changes.allowedIps ?? record.allowedIps,
        },
        policy,
        catalogue,
        now,
      );
      const wider = terms.scopes.filter((scope) => !covers(record.scopes, scope));
      if (changes.scopes !== undefined && wider.length > 0) {
        throw invalidRequest(
          `scopes can only be narrowed: ${wider.join(', ')} is not granted today; create a new token for a wider grant`,
          [{ field: 'scopes', message: `not a subset of the current scopes: ${wider.join(', ')}` }],
        );
      }
      if (changes.allowedIps !== undefined) {
        // Narrowing is the owner's to do; a wider entry (or none, which is any address) is an admin's act.
        if (!caller.isAdmin && !narrowsIpEntries(record.allowedIps, terms.allowedIps)) {
          throw invalidRequest('allowedIps can only be narrowed (every new entry within a current one); ask a tenant admin to widen them', [
            { field: 'allowedIps', message: 'widens the current IP restriction' },
          ]);
        }
        const problems = ipProblems(policy, terms.allowedIps);
        if (problems.length > 0) {
          throw invalidRequest(
            `allowedIps ${problems.join('; ')}`,
            problems.map((message) => ({ field: 'allowedIps', message })),
          );
        }
      }
      const edit: TokenEdit = {
        ...(changes.description !== undefined ? { description: terms.description } : {}),
        ...(changes.scopes !== undefined ? { scopes: terms.scopes } : {}),
        ...(changes.allowedIps !== undefined ? { allowedIps: terms.allowedIps } : {}),
      };
      const result = await store.edit(
        record,
        edit,
        auditEvent('token.edited', record, now, { type: 'user', id: caller.userId }, caller.sourceIp, {
          changed: Object.keys(edit).sort(),
        }),
        now,
      );
      if (result.ok) return this.view(result.record, now, policy);
      if (result.refusal === 'description_taken')
        throw conflict(`${record.owner} already has an active token described "${terms.description}"`);
      if (attempt >= 2) throw conflict('The token changed while it was being edited; retry');
    }
  }

  /** Revokes every usable token of the tenant that its current policy no longer allows. */
  async revokeOutsidePolicy(caller: Caller): Promise<{ revokedTokenIds: string[] }> {
    if (!caller.isAdmin) throw forbidden('Only a tenant admin can revoke the tokens outside the policy');
    const { store, clock } = this.deps;
    const policy = await this.effectivePolicyOf(caller.tenant);
    const revokedTokenIds: string[] = [];
    let cursor: string | undefined;
    do {
      const now = clock.now();
      const page = await store.list({ tenant: caller.tenant, status: 'all', limit: 100, cursor, now });
      for (const record of page.items) {
        const status = statusOf(record, now);
        if ((status !== 'active' && status !== 'pending') || !isOutsidePolicy(record, policy)) continue;
        const { revokedIds } = await store.revokeFamily(
          familyOf(record),
          { at: now, by: caller.userId, reason: 'outside_policy' },
          auditEvent('token.revoked', record, now, { type: 'user', id: caller.userId }, caller.sourceIp, {
            familyId: record.familyId,
            reason: 'outside_policy',
          }),
        );
        revokedTokenIds.push(...revokedIds);
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return { revokedTokenIds };
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
    return { ...this.view(after ?? record, now, await this.effectivePolicyOf(caller.tenant)), revokedTokenIds: revokedIds };
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
      if (record.state !== 'active') throw invalidGrant();
      if (record.expiresAt !== null && now >= record.expiresAt + policy.refreshWindowDays * DAY_SECONDS * 1000) throw invalidGrant();

      const tenantPolicy = await this.effectivePolicyOf(record.tenant);
      // A successor must be allowed by the tenant's policy as it is now: its lifetime is capped, and
      // a grant or a missing IP restriction the policy no longer allows ends the chain here.
      if (!allowsTerms(tenantPolicy, record)) throw invalidGrant();
      // Bounded credential life: past the family's maximum age, or idle too long, the chain ends here.
      if (credentialLifeOver(record, tenantPolicy, now)) throw invalidGrant();
      const { result, token } = await this.rotate(
        record,
        now,
        tenantPolicy,
        // Refreshable until the end of its window after expiry, as checked above, and in the write.
        policy.refreshWindowDays * DAY_SECONDS * 1000,
        undefined,
        (successorId) => this.secrets().deriveSecret(parsed.secret, successorId),
        (successorId) =>
          auditEvent('token.refreshed', record, now, { type: 'token', id: record.id }, origin.sourceIp, { successorId, mode: 'rotated' }),
      );
      if (result.ok) return { kind: 'rotated', predecessorId: record.id, token };
      if (result.refusal === 'family_revoked') throw invalidGrant();
      if (result.refusal === 'cap_reached') throw capReached(record.owner, tenantPolicy.maxActiveTokensPerOwner);
      if (attempt >= 2) throw conflict('This refresh key is being used by concurrent requests; retry');
    }
  }

  /**
   * A rotation started by a person (the console's "renew"): the owner or an admin gets a successor
   * with new secrets, shown once; the old token keeps working for the grace period, its refresh key
   * dies at once. Same family, next generation, within the tenant's current policy.
   */
  async regenerate(caller: Caller, id: string, lifetime: ExpiryRequest = {}): Promise<IssuedToken> {
    const { clock } = this.deps;
    for (let attempt = 0; ; attempt++) {
      const record = await this.visibleRecord(caller, id);
      const now = clock.now();
      // Only a token that works now: an expired one is refreshed by its holder within its window, or replaced.
      const status = statusOf(record, now);
      if (status !== 'active') throw conflict(`The token is ${status}: only an active token can be regenerated`);
      const policy = await this.effectivePolicyOf(record.tenant);
      if (!allowsTerms(policy, record)) throw conflict("The tenant's policy no longer allows this token's terms: create a new token");
      const expiresAt =
        lifetime.expiresInDays === undefined && lifetime.expiresAt === undefined
          ? undefined
          : ((seconds) => (seconds === null ? null : seconds * 1000))(resolveExpiry(lifetime, policy, Math.floor(now / 1000)));
      // A longer life than the token has is a wider grant: an admin's to give (an approved token's
      // lifetime is what the admin saw; its owner may keep or shorten it).
      const usual = this.successorOf(record, now, policy).expiresAt;
      if (!caller.isAdmin && expiresAt !== undefined && usual !== null && (expiresAt === null || expiresAt > usual)) {
        throw invalidRequest('Only a tenant admin can give a regenerated token a longer lifetime than it has', [
          { field: 'expiresInDays', message: 'longer than the token’s current lifetime' },
        ]);
      }
      const { result, token } = await this.rotate(
        record,
        now,
        policy,
        // Not expired at the instant of the write either.
        0,
        expiresAt,
        async () => newSecret(),
        (successorId) =>
          auditEvent('token.regenerated', record, now, { type: 'user', id: caller.userId }, caller.sourceIp, { successorId }),
      );
      if (result.ok) return token;
      if (result.refusal === 'family_revoked') throw conflict('The token was revoked meanwhile');
      if (result.refusal === 'cap_reached') throw capReached(record.owner, policy.maxActiveTokensPerOwner);
      if (attempt >= 2) throw conflict('The token changed while it was being regenerated; retry');
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
        if (!secretMatches(secret, successor.refreshKeyHash))
          throw conflict('This refresh key was just used; use the token and key that refresh returned');
        await store.append(
          auditEvent('token.refreshed', record, now, { type: 'token', id: record.id }, origin.sourceIp, {
            successorId: successor.id,
            mode: 'replayed',
          }),
        );
        return {
          kind: 'replayed',
          predecessorId: record.id,
          token: {
            ...this.view(successor, now, await this.effectivePolicyOf(successor.tenant)),
            accessToken: await this.sign(successor),
            refreshKey: formatRefreshKey(successor.id, secret),
          },
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

  /**
   * Rotates `record` to its successor (refresh and regenerate): the successor's secret, hash and
   * access token, then the store's conditional swap. The issued token is only valid when
   * `result.ok`; a description taken meanwhile is a conflict either way.
   */
  private async rotate(
    record: TokenRecord,
    now: number,
    policy: EffectivePolicy,
    expiredAtMostMs: number,
    expiresAt: number | null | undefined,
    secretOf: (successorId: string) => Promise<string>,
    eventOf: (successorId: string) => AuditEvent,
  ): Promise<{ result: Awaited<ReturnType<TokenStore['rotate']>>; token: IssuedToken }> {
    const successor = this.successorOf(record, now, policy);
    if (expiresAt !== undefined) successor.expiresAt = expiresAt;
    const secret = await secretOf(successor.id);
    successor.refreshKeyHash = hashSecret(secret);
    const accessToken = await this.sign(successor);
    const result = await this.deps.store.rotate({
      predecessor: record,
      successor,
      presentedHash: record.refreshKeyHash,
      rotatedAt: now,
      graceUntil: now + this.deps.policy.rotationGraceSeconds * 1000,
      event: eventOf(successor.id),
      expiredAtMostMs,
      cap: policy.maxActiveTokensPerOwner,
    });
    if (!result.ok && result.refusal === 'description_taken')
      throw conflict(`Another active token of ${record.owner} now has this description`);
    return { result, token: { ...this.view(successor, now, policy), accessToken, refreshKey: formatRefreshKey(successor.id, secret) } };
  }

  /** The successor of a refresh: same owner, terms and family, the next generation, a lifetime capped by the policy. */
  private successorOf(record: TokenRecord, now: number, policy: EffectivePolicy): TokenRecord {
    const expiresSeconds = successorExpiry(
      { issuedAt: Math.floor(record.createdAt / 1000), expiresAt: record.expiresAt === null ? null : record.expiresAt / 1000 },
      policy,
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
      familyCreatedAt: familyStartOf(record),
      refreshKeyHash: '',
      // "Last used" of the credential survives its rotations without reading the whole family.
      credentialLastUsedAt: newestUse(record),
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
    const read = isTokenId(id) ? await this.deps.store.getWithFamily(id) : undefined;
    // A member of a revoked family shows as revoked even before the family's sweep reaches it.
    const record = read?.record && withFamilyState(read.record, read.family);
    if (!record || record.tenant !== caller.tenant || (!caller.isAdmin && record.owner !== caller.userId)) {
      throw notFound();
    }
    return record;
  }

  private async effectivePolicyOf(tenant: string): Promise<EffectivePolicy> {
    return effectivePolicy(this.deps.policy, await this.deps.store.getTenantPolicy(tenant));
  }

  private view(record: TokenRecord, now: number, policy: EffectivePolicy): TokenView {
    const status = statusOf(record, now);
    return { ...metadataOf(record, now), outsidePolicy: (status === 'active' || status === 'pending') && isOutsidePolicy(record, policy) };
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

/**
 * Where token ids, secrets and audit event ids come from. A seam for the deterministic simulation
 * (test/simulation), which replaces it with a seeded source; nothing else may.
 */
export const entropy = { randomBytes: (size: number): Buffer => randomBytes(size) };

export function auditEvent(
  action: AuditEvent['action'],
  token: Pick<TokenRecord, 'id' | 'tenant' | 'owner'>,
  at: number,
  actor: AuditEvent['actor'],
  sourceIp: string | undefined,
  details?: AuditEvent['details'],
): AuditEvent {
  return {
    id: entropy.randomBytes(12).toString('base64url'),
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

/** The tenant's own rules on a new token's terms, beyond the deployment's. */
function assertTenantRules(terms: { scopes: string[]; allowedIps: string[] }, policy: EffectivePolicy): void {
  const problems = [];
  const outside = scopesOutsideAreas(terms.scopes, policy.allowedAreas);
  if (outside.length > 0)
    problems.push({
      field: 'scopes',
      message: `not allowed in this tenant: ${outside.join(', ')} (allowed areas: ${policy.allowedAreas!.join(', ')})`,
    });
  for (const message of ipProblems(policy, terms.allowedIps)) problems.push({ field: 'allowedIps', message });
  if (problems.length > 0) throw invalidRequest(problems.map((p) => `${p.field} ${p.message}`).join('; '), problems);
}

function changedSinceShown(record: TokenRecord) {
  return conflict(
    `The token changed since you were shown it (it is at revision ${record.revision ?? 0}): reload it and decide on what it is now`,
  );
}

const familyOf = (record: TokenRecord) => ({ id: record.familyId, tenant: record.tenant, owner: record.owner });

function newTokenId(): string {
  return entropy.randomBytes(16).toString('hex');
}

/** 256 bits of randomness, base64url (43 characters). */
function newSecret(): string {
  return entropy.randomBytes(32).toString('base64url');
}

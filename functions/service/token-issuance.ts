import { forbidden, conflict, invalidRequest } from '../domain/errors';
import { activeTokenCapReached as capReached, isValidPrincipalId, newTokenTerms, type NewTokenRequest } from '../domain/new-token';
import type { ScopeCatalogue } from '../domain/scopes';
import { allowsTerms, ipProblems, scopesOutsideAreas, type EffectivePolicy } from '../domain/tenant-policy';
import { formatRefreshKey, hashSecret, statusOf, type TokenRecord } from '../domain/token';
import { resolveExpiry, successorExpiresAt, type ExpiryRequest, type TokenPolicy } from '../domain/token-policy';
import { actorOf, auditEvent, newSecret, newTokenId } from './audit-events';
import type { Caller } from './caller';
import type { Clock, Signer, TenantPolicies, TokenRecords, TokenStatusReader } from './ports';
import { retryOnConflict } from './retry';
import { rotateToSuccessor, signedAccessToken } from './succession';
import { effectivePolicyOf, viewOf, visibleRecord, type IssuedToken } from './token-reads';

export interface TokenIssuanceDeps {
  records: Pick<TokenRecords, 'create' | 'rotate'> & TokenStatusReader;
  tenantPolicies: Pick<TenantPolicies, 'getTenantPolicy'>;
  signer: Signer;
  clock: Clock;
  policy: TokenPolicy;
  catalogue: ScopeCatalogue;
  issuer: string;
}

/** Issuing secrets to people: a new token (create), or new secrets for a working one (regenerate). */
export class TokenIssuance {
  constructor(private readonly deps: TokenIssuanceDeps) {}

  async create(caller: Caller, request: NewTokenRequest): Promise<IssuedToken> {
    const { records, catalogue, clock } = this.deps;
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
    const accessToken = await signedAccessToken(this.deps, record);
    // The cap is enforced in the write that creates the token, never by a count before it.
    await records.create(
      record,
      now,
      auditEvent({ action: 'token.created', token: record, at: now, actor: actorOf(caller), sourceIp: caller.sourceIp }),
      policy.maxActiveTokensPerOwner,
    );
    return { ...viewOf(record, now, policy), accessToken, refreshKey: formatRefreshKey(id, secret) };
  }

  /**
   * A rotation started by a person (the console's "renew"): the owner or an admin gets a successor
   * with new secrets, shown once; the old token keeps working for the grace period, its refresh key
   * dies at once. Same family, next generation, within the tenant's current policy.
   */
  regenerate(caller: Caller, id: string, lifetime: ExpiryRequest = {}): Promise<IssuedToken> {
    const { clock, records } = this.deps;
    return retryOnConflict(3, async () => {
      const record = await visibleRecord(records, caller, id);
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
      const usual = successorExpiresAt(record, policy, now);
      if (!caller.isAdmin && expiresAt !== undefined && usual !== null && (expiresAt === null || expiresAt > usual)) {
        throw invalidRequest('Only a tenant admin can give a regenerated token a longer lifetime than it has', [
          { field: 'expiresInDays', message: 'longer than the token’s current lifetime' },
        ]);
      }
      const { result, token } = await rotateToSuccessor(this.deps, {
        record,
        now,
        policy,
        // Not expired at the instant of the write either.
        expiredAtMostMs: 0,
        expiresAt,
        secretOf: async () => newSecret(),
        eventOf: (successorId) =>
          auditEvent({
            action: 'token.regenerated',
            token: record,
            at: now,
            actor: actorOf(caller),
            sourceIp: caller.sourceIp,
            details: { successorId },
          }),
      });
      if (result.ok) return { ok: true, value: token };
      if (result.refusal === 'family_revoked') throw conflict('The token was revoked meanwhile');
      if (result.refusal === 'cap_reached') throw capReached(record.owner, policy.maxActiveTokensPerOwner);
      return { ok: false, conflict: 'The token changed while it was being regenerated; retry' };
    });
  }

  private effectivePolicyOf(tenant: string): Promise<EffectivePolicy> {
    return effectivePolicyOf(this.deps.policy, this.deps.tenantPolicies, tenant);
  }
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

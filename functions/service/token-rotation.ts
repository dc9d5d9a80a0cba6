import { credentialLifeOver } from '../domain/credential-life';
import { conflict, invalidGrant } from '../domain/errors';
import { activeTokenCapReached as capReached } from '../domain/new-token';
import { allowsTerms, type EffectivePolicy } from '../domain/tenant-policy';
import { formatRefreshKey, parseRefreshKey, secretMatches, statusOf, type TokenRecord } from '../domain/token';
import { DAY_SECONDS, type TokenPolicy } from '../domain/token-policy';
import { auditEvent } from './audit-events';
import type { Origin } from './caller';
import type { AuditTrail, Clock, SecretDeriver, Signer, TenantPolicies, TokenFamilies, TokenRecords } from './ports';
import { retryOnConflict } from './retry';
import { rotateToSuccessor, signedAccessToken } from './succession';
import { revokeCredential } from './family-revocation';
import { effectivePolicyOf, viewOf, type IssuedToken } from './token-reads';

/** What happened to a refresh, for the audit trail and metrics of the caller. */
export type RefreshOutcome =
  | { kind: 'rotated'; token: IssuedToken; predecessorId: string }
  /** The same key again within the leeway: the successor the first answer carried, nothing new written. */
  | { kind: 'replayed'; token: IssuedToken; predecessorId: string }
  | { kind: 'reuse_detected'; familyId: string; revokedIds: string[] };

export interface TokenRotationDeps {
  records: Pick<TokenRecords, 'get' | 'rotate'>;
  families: TokenFamilies;
  /** A replayed refresh writes nothing but its audit event. */
  audit: Pick<AuditTrail, 'append'>;
  tenantPolicies: Pick<TenantPolicies, 'getTenantPolicy'>;
  signer: Signer;
  /** Derives a successor's refresh secret from the presented one. */
  secrets: SecretDeriver;
  clock: Clock;
  policy: TokenPolicy;
  issuer: string;
}

/** The holder's rotation: a refresh key for a successor, a replay within the leeway, reuse detection after it. */
export class TokenRotation {
  constructor(private readonly deps: TokenRotationDeps) {}

  /**
   * Rotates a token with its refresh key. Any key that does not identify a refreshable token is
   * `invalid_grant`, with no hint of why. A rotated key presented again within the leeway, while
   * its successor still works, answers that same successor (a retry whose first answer was lost);
   * later, or once the successor moved on, it is a theft and revokes the whole family.
   */
  async refresh(refreshKey: string, origin: Origin = {}): Promise<RefreshOutcome> {
    const { records, policy, clock, secrets } = this.deps;
    const parsed = parseRefreshKey(refreshKey);
    if (!parsed) throw invalidGrant();
    // A refresh that loses the race to a concurrent one with the same key decides again on what
    // the key's token has become: usually a replay of the winner's answer.
    return retryOnConflict<RefreshOutcome>(3, async () => {
      const record = await records.get(parsed.tokenId);
      if (!record || !secretMatches(parsed.secret, record.refreshKeyHash)) throw invalidGrant();
      const now = clock.now();
      if (record.rotatedAt !== undefined) return { ok: true, value: await this.presentedAgain(record, parsed.secret, now, origin) };
      if (record.state !== 'active') throw invalidGrant();
      if (record.expiresAt !== null && now >= record.expiresAt + policy.refreshWindowDays * DAY_SECONDS * 1000) throw invalidGrant();

      const tenantPolicy = await this.effectivePolicyOf(record.tenant);
      // A successor must be allowed by the tenant's policy as it is now: its lifetime is capped, and
      // a grant or a missing IP restriction the policy no longer allows ends the chain here.
      if (!allowsTerms(tenantPolicy, record)) throw invalidGrant();
      // Bounded credential life: past the family's maximum age, or idle too long, the chain ends here.
      if (credentialLifeOver(record, tenantPolicy, now)) throw invalidGrant();
      const { result, token } = await rotateToSuccessor(this.deps, {
        record,
        now,
        policy: tenantPolicy,
        // Refreshable until the end of its window after expiry, as checked above, and in the write.
        expiredAtMostMs: policy.refreshWindowDays * DAY_SECONDS * 1000,
        secretOf: (successorId) => secrets.deriveSecret(parsed.secret, successorId),
        eventOf: (successorId) => refreshedEvent(record, now, origin, { successorId, mode: 'rotated' }),
      });
      if (result.ok) return { ok: true, value: { kind: 'rotated', predecessorId: record.id, token } };
      if (result.refusal === 'family_revoked') throw invalidGrant();
      if (result.refusal === 'cap_reached') throw capReached(record.owner, tenantPolicy.maxActiveTokensPerOwner);
      return { ok: false, conflict: 'This refresh key is being used by concurrent requests; retry' };
    });
  }

  /** A rotated key presented again: the same answer within the leeway, else reuse detection. */
  private async presentedAgain(record: TokenRecord, presentedSecret: string, now: number, origin: Origin): Promise<RefreshOutcome> {
    const { records, families, audit, policy, secrets } = this.deps;
    const withinLeeway = now - record.rotatedAt! <= policy.reuseLeewaySeconds * 1000;
    if (withinLeeway && record.successorId !== undefined) {
      const [successor, family] = await Promise.all([records.get(record.successorId), families.getFamily(record.familyId)]);
      const successorWorks = successor !== undefined && statusOf(successor, now) === 'active' && family?.state !== 'revoked';
      if (successorWorks) {
        const secret = await secrets.deriveSecret(presentedSecret, successor.id);
        // A successor rotated before secrets were derived cannot be answered again: the old 409.
        if (!secretMatches(secret, successor.refreshKeyHash))
          throw conflict('This refresh key was just used; use the token and key that refresh returned');
        await audit.append(refreshedEvent(record, now, origin, { successorId: successor.id, mode: 'replayed' }));
        return {
          kind: 'replayed',
          predecessorId: record.id,
          token: {
            ...viewOf(successor, now, await this.effectivePolicyOf(successor.tenant)),
            accessToken: await signedAccessToken(this.deps, successor),
            refreshKey: formatRefreshKey(successor.id, secret),
          },
        };
      }
    }
    const { revokedIds } = await revokeCredential(
      families,
      record,
      { at: now, by: 'reuse-detection', reason: 'reuse_detected' },
      {
        action: 'token.reuse_detected',
        actor: { type: 'token', id: record.id },
        sourceIp: origin.sourceIp,
        details: { familyId: record.familyId },
      },
    );
    return { kind: 'reuse_detected', familyId: record.familyId, revokedIds };
  }

  private effectivePolicyOf(tenant: string): Promise<EffectivePolicy> {
    return effectivePolicyOf(this.deps.policy, this.deps.tenantPolicies, tenant);
  }
}

/** A refresh's audit event: the predecessor's token is the actor (its refresh key was presented). */
function refreshedEvent(record: TokenRecord, now: number, origin: Origin, details: { successorId: string; mode: 'rotated' | 'replayed' }) {
  return auditEvent({
    action: 'token.refreshed',
    token: record,
    at: now,
    actor: { type: 'token', id: record.id },
    sourceIp: origin.sourceIp,
    details,
  });
}

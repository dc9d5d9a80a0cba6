import { conflict, forbidden, invalidRequest } from '../domain/errors';
import { newTokenTerms } from '../domain/new-token';
import { covers, type ScopeCatalogue } from '../domain/scopes';
import {
  allowsTerms,
  changedOverrides,
  effectivePolicyView,
  ipProblems,
  isOutsidePolicy,
  narrowsIpEntries,
  type EffectivePolicy,
  type TenantPolicyOverrides,
} from '../domain/tenant-policy';
import { statusOf, type TokenRecord } from '../domain/token';
import type { TokenPolicy } from '../domain/token-policy';
import { actorOf, auditEvent } from './audit-events';
import type { Caller } from './caller';
import type { Clock, TenantPolicies, TokenEdit, TokenFamilies, TokenRecords, TokenStatusReader } from './ports';
import { retryOnConflict } from './retry';
import { revokeCredential } from './family-revocation';
import { effectivePolicyOf, viewOf, visibleRecord, type TokenView } from './token-reads';

export interface TenantGovernanceDeps {
  records: Pick<TokenRecords, 'list' | 'decide' | 'edit'> & TokenStatusReader;
  families: Pick<TokenFamilies, 'revokeFamily'>;
  tenantPolicies: TenantPolicies;
  clock: Clock;
  policy: TokenPolicy;
  catalogue: ScopeCatalogue;
}

/**
 * A token's terms under the tenant's rules: the tenant's policy, approvals, edits (narrowing is the
 * owner's, widening an admin's), and the tokens the policy no longer allows.
 */
export class TenantGovernance {
  constructor(private readonly deps: TenantGovernanceDeps) {}

  /** The caller's effective policy: the deployment's, tightened by the tenant's admins. */
  async policy(caller: Caller) {
    return effectivePolicyView(await this.effectivePolicyOf(caller.tenant));
  }

  /** A tenant admin tightens (never widens) the tenant's policy; the change is audited. */
  async setPolicy(caller: Caller, change: TenantPolicyOverrides) {
    if (!caller.isAdmin) throw forbidden("Only a tenant admin can change the tenant's policy");
    const { tenantPolicies, policy: deployment, catalogue, clock } = this.deps;
    const current = (await tenantPolicies.getTenantPolicy(caller.tenant)) ?? {};
    const result = changedOverrides(deployment, catalogue, current, change);
    if (!result.ok) throw invalidRequest(result.problems.map((p) => `${p.field} ${p.message}`).join('; '), result.problems);
    const now = clock.now();
    await tenantPolicies.putTenantPolicy(
      caller.tenant,
      result.overrides,
      auditEvent({
        action: 'tenant.policy_changed',
        token: { id: 'tenant-policy', tenant: caller.tenant, owner: caller.userId },
        at: now,
        actor: actorOf(caller),
        sourceIp: caller.sourceIp,
        details: { changed: Object.keys(change).sort(), policy: JSON.stringify(effectivePolicyView(result.policy)) },
      }),
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
    const record = await visibleRecord(this.deps.records, caller, id);
    const now = this.deps.clock.now();
    if (statusOf(record, now) !== 'pending') throw conflict(`The token is ${statusOf(record, now)}, not waiting for approval`);
    if ((record.revision ?? 0) !== seen.revision) throw changedSinceShown(record);
    const policy = await this.effectivePolicyOf(caller.tenant);
    // An approval makes the token work as it stands: only if the tenant's policy allows it now.
    if (approve && !allowsTerms(policy, record)) {
      throw conflict("The tenant's policy no longer allows this token's terms (scopes or IP entries): reject it, or edit it first");
    }
    const reason: { reason?: string } = approve || seen.reason === undefined ? {} : { reason: seen.reason };
    const decided = await this.deps.records.decide(
      id,
      { approve, at: now, by: caller.userId, revision: seen.revision, cap: policy.maxActiveTokensPerOwner, ...reason },
      auditEvent({
        action: approve ? 'token.approved' : 'token.rejected',
        token: record,
        at: now,
        actor: actorOf(caller),
        sourceIp: caller.sourceIp,
        details: { revision: seen.revision, ...reason },
      }),
    );
    if (!decided) throw conflict('The token was decided or changed meanwhile (or its wait ended): reload it and decide on what it is now');
    return viewOf(decided, now, policy);
  }

  /**
   * Edits a token: description, IP entries, and scopes narrowed to a subset of the current ones.
   * A wider grant needs a new token. Effective at the authorizer within its status-cache window.
   */
  async edit(caller: Caller, id: string, changes: TokenEdit): Promise<TokenView> {
    const { records, catalogue, clock } = this.deps;
    const policy = await this.effectivePolicyOf(caller.tenant);
    return retryOnConflict(3, async () => {
      const record = await visibleRecord(records, caller, id);
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
      const event = auditEvent({
        action: 'token.edited',
        token: record,
        at: now,
        actor: actorOf(caller),
        sourceIp: caller.sourceIp,
        details: { changed: Object.keys(edit).sort() },
      });
      const result = await records.edit(record, edit, event, now);
      if (result.ok) return { ok: true, value: viewOf(result.record, now, policy) };
      if (result.refusal === 'description_taken')
        throw conflict(`${record.owner} already has an active token described "${terms.description}"`);
      return { ok: false, conflict: 'The token changed while it was being edited; retry' };
    });
  }

  /** Revokes every usable token of the tenant that its current policy no longer allows. */
  async revokeOutsidePolicy(caller: Caller): Promise<{ revokedTokenIds: string[] }> {
    if (!caller.isAdmin) throw forbidden('Only a tenant admin can revoke the tokens outside the policy');
    const { records, families, clock } = this.deps;
    const policy = await this.effectivePolicyOf(caller.tenant);
    const revokedTokenIds: string[] = [];
    let cursor: string | undefined;
    do {
      const now = clock.now();
      const page = await records.list({ tenant: caller.tenant, status: 'all', limit: 100, cursor, now });
      for (const record of page.items) {
        const status = statusOf(record, now);
        if ((status !== 'active' && status !== 'pending') || !isOutsidePolicy(record, policy)) continue;
        const { revokedIds } = await revokeCredential(
          families,
          record,
          { at: now, by: caller.userId, reason: 'outside_policy' },
          {
            action: 'token.revoked',
            actor: actorOf(caller),
            sourceIp: caller.sourceIp,
            details: { familyId: record.familyId, reason: 'outside_policy' },
          },
        );
        revokedTokenIds.push(...revokedIds);
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return { revokedTokenIds };
  }

  private effectivePolicyOf(tenant: string): Promise<EffectivePolicy> {
    return effectivePolicyOf(this.deps.policy, this.deps.tenantPolicies, tenant);
  }
}

function changedSinceShown(record: TokenRecord) {
  return conflict(
    `The token changed since you were shown it (it is at revision ${record.revision ?? 0}): reload it and decide on what it is now`,
  );
}

import { forbidden } from '../domain/errors';
import type { EffectivePolicy } from '../domain/tenant-policy';
import type { TokenMetadata, TokenStatus } from '../domain/token';
import type { TokenPolicy } from '../domain/token-policy';
import { actorOf } from './audit-events';
import { revokeCredential } from './family-revocation';
import type { Caller } from './caller';
import type { Clock, Page, TenantPolicies, TokenFamilies, TokenRecords, TokenStatusReader } from './ports';
import { effectivePolicyOf, viewOf, visibleRecord, type TokenView } from './token-reads';

export interface ListRequest {
  owner?: string;
  status: TokenStatus | 'all';
  limit: number;
  cursor?: string;
}

/** A revoke's answer: the addressed token as it now is, and every member of its family this call revoked. */
export type RevokedCredential = TokenView & { revokedTokenIds: string[] };

export interface TokenManagementDeps {
  records: Pick<TokenRecords, 'get' | 'list'> & TokenStatusReader;
  families: Pick<TokenFamilies, 'revokeFamily'>;
  tenantPolicies: Pick<TenantPolicies, 'getTenantPolicy'>;
  clock: Clock;
  policy: TokenPolicy;
}

/** What owners and admins do with tokens that exist, without issuing secrets: list, read, revoke. */
export class TokenManagement {
  constructor(private readonly deps: TokenManagementDeps) {}

  async list(caller: Caller, request: ListRequest): Promise<Page<TokenMetadata>> {
    if (request.owner !== undefined && request.owner !== caller.userId && !caller.isAdmin) {
      throw forbidden("Only a tenant admin can list another user's tokens");
    }
    const owner = caller.isAdmin ? request.owner : caller.userId;
    const now = this.deps.clock.now();
    const [page, policy] = await Promise.all([
      this.deps.records.list({ tenant: caller.tenant, owner, status: request.status, limit: request.limit, cursor: request.cursor, now }),
      this.effectivePolicyOf(caller.tenant),
    ]);
    return { items: page.items.map((record) => viewOf(record, now, policy)), nextCursor: page.nextCursor };
  }

  async get(caller: Caller, id: string): Promise<TokenView> {
    const [record, policy] = await Promise.all([visibleRecord(this.deps.records, caller, id), this.effectivePolicyOf(caller.tenant)]);
    return viewOf(record, this.deps.clock.now(), policy);
  }

  /**
   * Revokes the credential, not only the record: addressed by any member of a family (a rotated one
   * included), it revokes every member that still works. Idempotent: a family already revoked
   * answers the token's metadata with nothing newly revoked.
   */
  async revoke(caller: Caller, id: string): Promise<RevokedCredential> {
    const { records, families, clock } = this.deps;
    const record = await visibleRecord(records, caller, id);
    const now = clock.now();
    const { revokedIds } = await revokeCredential(
      families,
      record,
      { at: now, by: caller.userId, reason: 'revoked' },
      { action: 'token.revoked', actor: actorOf(caller), sourceIp: caller.sourceIp, details: { familyId: record.familyId } },
    );
    const after = await records.get(id);
    return { ...viewOf(after ?? record, now, await this.effectivePolicyOf(caller.tenant)), revokedTokenIds: revokedIds };
  }

  private effectivePolicyOf(tenant: string): Promise<EffectivePolicy> {
    return effectivePolicyOf(this.deps.policy, this.deps.tenantPolicies, tenant);
  }
}

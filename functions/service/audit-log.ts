import { forbidden, notFound } from '../domain/errors';
import { auditView, type AuditView } from '../domain/audit';
import { isTokenId } from '../domain/token';
import type { Caller } from './caller';
import type { AuditTrail, Page, TokenRecords } from './ports';

export interface AuditListRequest {
  tokenId?: string;
  owner?: string;
  limit: number;
  cursor?: string;
}

/** Reading the audit trail, with the same visibility rules as the tokens it is about. */
export class AuditLog {
  constructor(private readonly deps: { records: Pick<TokenRecords, 'get'>; audit: Pick<AuditTrail, 'listAudit'> }) {}

  /** `GET /audit`: the tenant's trail, for its admins. */
  async forTenant(caller: Caller, request: AuditListRequest): Promise<Page<AuditView>> {
    if (!caller.isAdmin) throw forbidden("Only a tenant admin can read the tenant's audit trail");
    const page = await this.deps.audit.listAudit({ tenant: caller.tenant, ...request });
    return { items: page.items.map(auditView), nextCursor: page.nextCursor };
  }

  /** `GET /tokens/{id}/audit`: one token's trail, for its owner or an admin of its tenant. */
  async forToken(caller: Caller, tokenId: string, request: Omit<AuditListRequest, 'tokenId' | 'owner'>): Promise<Page<AuditView>> {
    const record = isTokenId(tokenId) ? await this.deps.records.get(tokenId) : undefined;
    if (!record || record.tenant !== caller.tenant || (!caller.isAdmin && record.owner !== caller.userId)) throw notFound();
    const page = await this.deps.audit.listAudit({ tenant: caller.tenant, tokenId, limit: request.limit, cursor: request.cursor });
    return { items: page.items.map(auditView), nextCursor: page.nextCursor };
  }
}

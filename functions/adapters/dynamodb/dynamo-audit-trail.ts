import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEvent } from '../../domain/audit';
import type { AuditQuery, AuditTrail, Page } from '../../service/ports';
import { auditPut, toAuditEvent } from './audit-items';
import type { DynamoTable } from './dynamo-table';
import { pageOf } from './paging';
import { partitions } from './table-layout';

/** The audit trail: by token, by owner or by tenant, newest first. */
export class DynamoAuditTrail implements AuditTrail {
  constructor(private readonly table: DynamoTable) {}

  async listAudit(query: AuditQuery): Promise<Page<AuditEvent>> {
    const [index, partition] =
      query.tokenId !== undefined
        ? (['byFamily', partitions.auditOfToken(query.tenant, query.tokenId)] as const)
        : query.owner !== undefined
          ? (['byOwner', partitions.auditOfOwner(query.tenant, query.owner)] as const)
          : (['byTenant', partitions.auditOfTenant(query.tenant)] as const);
    const page = await pageOf(this.table, {
      index,
      partition,
      itemKey: /^AUDIT#[A-Za-z0-9_-]{1,80}$/,
      itemSort: 'AUDIT',
      limit: query.limit,
      cursor: query.cursor,
      filter: undefined,
    });
    return { items: page.items.map(toAuditEvent), nextCursor: page.nextCursor };
  }

  async append(event: AuditEvent): Promise<void> {
    await this.table.call(() => this.table.documents.send(new PutCommand(auditPut(this.table.name, event).Put)));
  }
}

import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEvent } from '../../domain/audit';
import { tenantPolicyFields, type TenantPolicyOverrides } from '../../domain/tenant-policy';
import type { TenantPolicies } from '../../service/ports';
import { auditPut } from './audit-items';
import type { DynamoTable } from './dynamo-table';
import { keys } from './table-layout';

/** Each tenant's policy overrides: one item per tenant, written with its audit event. */
export class DynamoTenantPolicies implements TenantPolicies {
  constructor(private readonly table: DynamoTable) {}

  async getTenantPolicy(tenant: string): Promise<TenantPolicyOverrides | undefined> {
    const { Item } = await this.table.call(() =>
      this.table.documents.send(new GetCommand({ TableName: this.table.name, Key: keys.tenantPolicy(tenant), ConsistentRead: true })),
    );
    if (!Item) return undefined;
    const overrides: Record<string, unknown> = {};
    for (const field of tenantPolicyFields) if (Item[field] !== undefined) overrides[field] = Item[field];
    return overrides as TenantPolicyOverrides;
  }

  async putTenantPolicy(tenant: string, overrides: TenantPolicyOverrides, event: AuditEvent): Promise<void> {
    await this.table.transact({
      policy: { Put: { TableName: this.table.name, Item: { ...keys.tenantPolicy(tenant), tenant, ...overrides, updatedAt: event.at } } },
      event: auditPut(this.table.name, event),
    });
  }
}

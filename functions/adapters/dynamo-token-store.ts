import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { TokenStore } from '../service/ports';
import { DynamoAuditTrail } from './dynamodb/dynamo-audit-trail';
import { DynamoExpiryIndex } from './dynamodb/dynamo-expiry-index';
import { DynamoTenantPolicies } from './dynamodb/dynamo-tenant-policies';
import { DynamoTable, type DynamoTableOptions } from './dynamodb/dynamo-table';
import { DynamoTokenFamilies } from './dynamodb/dynamo-token-families';
import { DynamoTokenRecords } from './dynamodb/dynamo-token-records';
import { DynamoUsageLog } from './dynamodb/dynamo-usage-log';

export type DynamoTokenStoreOptions = DynamoTableOptions;

/**
 * Everything the token table holds, for composition roots that wire several use cases: each
 * aggregate lives in its own adapter (records, families, audit trail, usage, expiry index) over one
 * shared table; this only puts them behind the one `TokenStore` type.
 */
export class DynamoTokenStore implements TokenStore {
  readonly records: DynamoTokenRecords;
  readonly families: DynamoTokenFamilies;
  readonly audit: DynamoAuditTrail;
  readonly usage: DynamoUsageLog;
  readonly expiry: DynamoExpiryIndex;
  readonly tenantPolicies: DynamoTenantPolicies;

  constructor(client: DynamoDBClient, options: DynamoTokenStoreOptions) {
    const table = new DynamoTable(client, options);
    this.records = new DynamoTokenRecords(table);
    this.families = new DynamoTokenFamilies(table);
    this.audit = new DynamoAuditTrail(table);
    this.usage = new DynamoUsageLog(table);
    this.expiry = new DynamoExpiryIndex(table);
    this.tenantPolicies = new DynamoTenantPolicies(table);
  }

  create: TokenStore['create'] = (...args) => this.records.create(...args);
  get: TokenStore['get'] = (...args) => this.records.get(...args);
  getWithFamily: TokenStore['getWithFamily'] = (...args) => this.records.getWithFamily(...args);
  list: TokenStore['list'] = (...args) => this.records.list(...args);
  rotate: TokenStore['rotate'] = (...args) => this.records.rotate(...args);
  decide: TokenStore['decide'] = (...args) => this.records.decide(...args);
  edit: TokenStore['edit'] = (...args) => this.records.edit(...args);
  getTenantPolicy: TokenStore['getTenantPolicy'] = (...args) => this.tenantPolicies.getTenantPolicy(...args);
  putTenantPolicy: TokenStore['putTenantPolicy'] = (...args) => this.tenantPolicies.putTenantPolicy(...args);
  getFamily: TokenStore['getFamily'] = (...args) => this.families.getFamily(...args);
  revokeFamily: TokenStore['revokeFamily'] = (...args) => this.families.revokeFamily(...args);
  listAudit: TokenStore['listAudit'] = (...args) => this.audit.listAudit(...args);
  append: TokenStore['append'] = (...args) => this.audit.append(...args);
  recordUse: TokenStore['recordUse'] = (...args) => this.usage.recordUse(...args);
  recordDenial: TokenStore['recordDenial'] = (...args) => this.usage.recordDenial(...args);
  expiringBetween: TokenStore['expiringBetween'] = (...args) => this.expiry.expiringBetween(...args);
  markNotified: TokenStore['markNotified'] = (...args) => this.expiry.markNotified(...args);
  unmarkNotified: TokenStore['unmarkNotified'] = (...args) => this.expiry.unmarkNotified(...args);
}

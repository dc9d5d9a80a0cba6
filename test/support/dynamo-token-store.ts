import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoTable, type DynamoTableOptions } from '../../functions/adapters/dynamodb/dynamo-table';
import { tablePartsOf, type TableParts } from '../../functions/handlers/compose';
import type { TokenStore } from '../../functions/service/ports';

/**
 * The whole DynamoDB table behind the one `TokenStore` type, for the tests only: the store contract
 * (test/contract) and the tests that wire every use case over one store. The functions never need
 * the union: their composition roots hand each use case its own parts (`handlers/compose.ts`).
 */
export class DynamoTokenStore implements TokenStore, TableParts {
  readonly records: TableParts['records'];
  readonly families: TableParts['families'];
  readonly audit: TableParts['audit'];
  readonly usage: TableParts['usage'];
  readonly expiry: TableParts['expiry'];
  readonly tenantPolicies: TableParts['tenantPolicies'];

  constructor(client: DynamoDBClient, options: DynamoTableOptions) {
    const parts = tablePartsOf(new DynamoTable(client, options));
    this.records = parts.records;
    this.families = parts.families;
    this.audit = parts.audit;
    this.usage = parts.usage;
    this.expiry = parts.expiry;
    this.tenantPolicies = parts.tenantPolicies;
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

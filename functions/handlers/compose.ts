import type { APIGatewayProxyEvent } from 'aws-lambda';
import { dynamoClient } from '../adapters/aws-clients';
import { loadConfig, required, type ServiceConfig } from '../adapters/config';
import { DynamoAuditTrail } from '../adapters/dynamodb/dynamo-audit-trail';
import { DynamoExpiryIndex } from '../adapters/dynamodb/dynamo-expiry-index';
import { DynamoTable } from '../adapters/dynamodb/dynamo-table';
import { DynamoTenantPolicies } from '../adapters/dynamodb/dynamo-tenant-policies';
import { DynamoTokenFamilies } from '../adapters/dynamodb/dynamo-token-families';
import { DynamoTokenRecords } from '../adapters/dynamodb/dynamo-token-records';
import { DynamoUsageLog } from '../adapters/dynamodb/dynamo-usage-log';
import { idTokenVerifierOf } from '../adapters/id-token-verifier';
import { callerOf } from '../http/identity';
import type { AccessTokenVerifier } from '../service/authorize';
import type { Caller } from '../service/caller';
import type { LeakRevocationDeps } from '../service/leak-revocation';
import { systemClock, type SecretDeriver, type Signer } from '../service/ports';
import { TenantGovernance } from '../service/tenant-governance';
import { TokenIssuance } from '../service/token-issuance';
import { TokenManagement } from '../service/token-management';
import { TokenRotation } from '../service/token-rotation';

/** The token table's aggregates, each behind its own port, over one shared table and client. */
export interface TableParts {
  records: DynamoTokenRecords;
  families: DynamoTokenFamilies;
  audit: DynamoAuditTrail;
  usage: DynamoUsageLog;
  expiry: DynamoExpiryIndex;
  tenantPolicies: DynamoTenantPolicies;
}

export function tablePartsOf(table: DynamoTable): TableParts {
  return {
    records: new DynamoTokenRecords(table),
    families: new DynamoTokenFamilies(table),
    audit: new DynamoAuditTrail(table),
    usage: new DynamoUsageLog(table),
    expiry: new DynamoExpiryIndex(table),
    tenantPolicies: new DynamoTenantPolicies(table),
  };
}

/**
 * The parts every handler's composition root starts from, read from the environment when the
 * module loads: a bad configuration fails the cold start, never a request.
 */
export function baseParts(env: Record<string, string | undefined> = process.env): {
  config: ServiceConfig;
  table: TableParts;
  /** The signed-in caller of a management route, from the ID token this function verifies itself. */
  identify: (event: APIGatewayProxyEvent) => Promise<Caller>;
} {
  const config = loadConfig(env);
  const table = new DynamoTable(dynamoClient(config.dynamoEndpoint), {
    tableName: required(config.tableName, 'TABLE_NAME'),
    retentionDays: config.policy.retentionDays,
  });
  const { idTokens, appClientIds } = config.identity;
  // No issuer configured: nobody is signed in (fail closed), as with no app client.
  const verifier = idTokenVerifierOf(idTokens ?? { kind: 'cognito', userPoolId: 'none_none' }, idTokens ? appClientIds : []);
  return { config, table: tablePartsOf(table), identify: (event) => callerOf(event, config.identity, verifier) };
}

// Each use case gets the parts of the table it uses and the keys its function's IAM role grants,
// no more: a handler without a signer cannot build a use case that signs.

/** Create and regenerate: they sign. */
export function issuanceOf(config: ServiceConfig, table: TableParts, signer: Signer): TokenIssuance {
  const { records, tenantPolicies } = table;
  return new TokenIssuance({ records, tenantPolicies, signer, ...settingsOf(config) });
}

/** List, read, edit, revoke: no keys. */
export function managementOf(config: ServiceConfig, table: TableParts): TokenManagement {
  const { records, families, tenantPolicies } = table;
  return new TokenManagement({ records, families, tenantPolicies, ...settingsOf(config) });
}

/** Refresh: signs, and derives the successor's refresh secret. */
export function rotationOf(config: ServiceConfig, table: TableParts, signer: Signer, secrets: SecretDeriver): TokenRotation {
  const { records, families, audit, tenantPolicies } = table;
  return new TokenRotation({ records, families, audit, tenantPolicies, signer, secrets, ...settingsOf(config) });
}

/** Tenant policy, approvals, revoking what the policy no longer allows: no keys. */
export function governanceOf(config: ServiceConfig, table: TableParts): TenantGovernance {
  const { records, families, tenantPolicies } = table;
  return new TenantGovernance({ records, families, tenantPolicies, ...settingsOf(config) });
}

/** Leak reports: recognise a leaked access token (the verifier), revoke its family. */
export function leakRevocationOf(table: TableParts, verifier: AccessTokenVerifier): LeakRevocationDeps {
  return { records: table.records, families: table.families, verifier, clock: systemClock };
}

function settingsOf(config: ServiceConfig) {
  return { clock: systemClock, policy: config.policy, catalogue: config.catalogue, issuer: config.issuer };
}

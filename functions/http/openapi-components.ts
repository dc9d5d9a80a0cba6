// The components of the OpenAPI document: zod's JSON Schema of the schemas the handlers validate
// with (validation.ts) and answer with (api-schemas.ts), by the names the route table uses.
import * as z from 'zod/mini';
import type { QuerySchemaName, RequestSchemaName, ResponseSchemaName } from '../domain/service-routes';
import * as api from './api-schemas';
import {
  auditQuery,
  createTokenBody,
  decisionBody,
  editTokenBody,
  leakReportBody,
  listTokensQuery,
  refreshBody,
  secretScanningAlertBody,
  tenantPolicyBody,
  tokenAuditQuery,
} from './validation';

export type JsonSchema = Record<string, unknown>;

/** Response bodies, by component name (output shapes). */
export const responseSchemas = {
  Error: api.errorResponse,
  TokenView: api.tokenView,
  IssuedToken: api.issuedToken,
  RevokedToken: api.revokedToken,
  TokenPage: api.tokenPage,
  ScopeCatalogue: api.scopeCatalogue,
  EffectivePolicy: api.effectivePolicy,
  RevokedOutsidePolicy: api.revokedOutsidePolicy,
  LeakReportReceipt: api.leakReportReceipt,
  AuditEvent: api.auditEvent,
  AuditPage: api.auditPage,
  JsonWebKeySet: api.jsonWebKeySet,
  TokenSelf: api.tokenSelf,
  SecretScanningLabels: api.secretScanningLabels,
  OAuthTokenResponse: api.oauthTokenResponse,
  OAuthError: api.oauthError,
  OAuthServerMetadata: api.oauthServerMetadata,
} satisfies Record<ResponseSchemaName | 'Error' | 'AuditEvent' | 'OAuthError', z.ZodMiniType>;

/** Local mode's answers only: a deployed document lists no component nothing uses. */
export const localResponseSchemas = {
  LocalSession: api.localSession,
  ExampleApiAnswer: api.exampleApiAnswer,
} satisfies Record<string, z.ZodMiniType>;

/** Request bodies, by component name (input shapes: what a client may send). */
export const requestSchemas = {
  CreateTokenRequest: createTokenBody,
  RefreshRequest: refreshBody,
  LeakReport: leakReportBody,
  SecretScanningAlert: secretScanningAlertBody,
  TenantPolicyChange: tenantPolicyBody,
  TokenEdit: editTokenBody,
  Decision: decisionBody,
} satisfies Record<RequestSchemaName, z.ZodMiniType>;

/** Query strings, by the route table's name (listed as parameters, not components). */
export const querySchemas: Record<QuerySchemaName, z.ZodMiniObject> = {
  ListTokensQuery: listTokensQuery,
  TokenAuditQuery: tokenAuditQuery,
  AuditQuery: auditQuery,
};

export type ResponseName = keyof typeof responseSchemas | keyof typeof localResponseSchemas;
export type RequestName = keyof typeof requestSchemas | 'LocalSessionRequest';

/** zod's JSON Schema of each named schema, with references between them pointing into `components`. */
export function componentsOf(schemas: Record<string, z.ZodMiniType | z.core.$ZodType>, io: 'input' | 'output'): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema as z.core.$ZodType, { id });
  // Transforms (the `limit` query parameter's string → number) have no JSON Schema of their output; on
  // input they are their string form. `unrepresentable: 'any'` keeps a refinement from failing the build.
  const { schemas: built } = z.toJSONSchema(registry, {
    io,
    unrepresentable: 'any',
    target: 'draft-2020-12',
    uri: (id) => `#/components/schemas/${id}`,
  });
  return Object.fromEntries(Object.entries(built).map(([id, schema]) => [id, tidy(schema as JsonSchema)]));
}

/**
 * A component needs neither a dialect (the document's is 2020-12) nor an `$id` (its place names it);
 * zod spells `format: date-time` out again as a 600-character pattern, which says nothing more.
 */
export function tidy(schema: JsonSchema): JsonSchema {
  const { $schema: _dialect, $id: _id, ...rest } = schema;
  if (rest.format === 'date-time') delete rest.pattern;
  return Object.fromEntries(
    Object.entries(rest).map(([key, value]) => [
      key,
      Array.isArray(value) ? value.map((item) => (isSchema(item) ? tidy(item) : item)) : isSchema(value) ? tidy(value) : value,
    ]),
  );
}

const isSchema = (value: unknown): value is JsonSchema => typeof value === 'object' && value !== null && !Array.isArray(value);

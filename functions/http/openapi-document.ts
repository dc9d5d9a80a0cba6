// The OpenAPI 3.1 description of the HTTP API, built from the schemas the handlers validate with
// (validation.ts) and the response schemas (api-schemas.ts): no second copy to keep in step.
// Built when the module loads (a few milliseconds, once per container) rather than at build time,
// so a deployed document can never be older than the code that answers.
import * as z from 'zod/mini';
import { errorStatus, type ErrorCode } from '../domain/errors';
import type { ProtectedRoute } from '../domain/routes';
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

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type JsonSchema = Record<string, unknown>;

/** Response bodies, by component name (output shapes). */
const responseSchemas = {
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
} satisfies Record<string, z.ZodMiniType>;

/** Local mode's answers only: a deployed document lists no component nothing uses. */
const localResponseSchemas = {
  LocalSession: api.localSession,
  ExampleApiAnswer: api.exampleApiAnswer,
} satisfies Record<string, z.ZodMiniType>;

/** Request bodies, by component name (input shapes: what a client may send). */
const requestSchemas = {
  CreateTokenRequest: createTokenBody,
  RefreshRequest: refreshBody,
  LeakReport: leakReportBody,
  SecretScanningAlert: secretScanningAlertBody,
  TenantPolicyChange: tenantPolicyBody,
  TokenEdit: editTokenBody,
  Decision: decisionBody,
} satisfies Record<string, z.ZodMiniType>;

type ResponseName = keyof typeof responseSchemas | keyof typeof localResponseSchemas;
type RequestName = keyof typeof requestSchemas | 'LocalSessionRequest';

interface Operation {
  method: Method;
  path: string;
  operationId: string;
  summary: string;
  tag: 'tokens' | 'refresh' | 'governance' | 'audit' | 'catalogue' | 'keys' | 'local' | 'example-api' | 'oauth';
  /** `user`: a Cognito ID token (local mode: POST /local/session); `token`: a personal access token; `none`: open. */
  auth: 'user' | 'token' | 'none';
  body?: RequestName;
  query?: z.ZodMiniObject;
  ok: { status: 200 | 201 | 202; schema: ResponseName | 'OpenApiDocument' | 'Empty'; description: string };
  /** OAuth endpoints: a form body (RFC 6749 §3.2) of these parameters, and errors in OAuth's shape at these statuses. */
  oauth?: { form: Record<string, { required: boolean; description: string }>; errorStatuses: number[] };
  /** The refusals a caller can meet besides 429 (the stage-wide throttle), 500 and 503, which any route may answer. */
  errors: ErrorCode[];
}

const errorMeaning: Record<ErrorCode, string> = {
  invalid_request: 'The request is malformed; `details` names each offending field. Nothing was written.',
  unauthorized: 'No valid credential (a missing, expired or forged ID token or access token).',
  invalid_grant: 'The refresh key does not identify a refreshable token (or was reused: its family is now revoked).',
  forbidden: 'The caller may not do this (not an admin, a tenant policy, a scope or an IP restriction).',
  not_found: 'No such token visible to the caller (another tenant\u2019s or user\u2019s token is answered the same).',
  conflict: 'The request clashes with the current state (a duplicate description, a cap, a concurrent change); retry or change it.',
  too_many_requests: 'Throttled; retry later.',
  internal: 'An internal error; the body says nothing internal, the log has the request id.',
  unavailable: 'A dependency (DynamoDB, KMS) cannot be reached; retry later. Never cached.',
};

const parameterDescriptions: Record<string, string> = {
  status: 'Which tokens: `active` (default), `pending`, `revoked`, `expired` or `all`.',
  limit: 'Page size, a whole number from 1 to 100 (default 50); anything else is a 400.',
  cursor: 'The `nextCursor` of the previous page, opaque; a bad one is a 400.',
  owner: 'Only this user\u2019s (an admin\u2019s filter; a non-admin naming someone else gets 403).',
  tokenId: 'Only the events of this token.',
};

const managementOperations: Operation[] = [
  {
    method: 'GET',
    path: '/scopes',
    operationId: 'listScopes',
    summary: 'The scope catalogue: each area, its description and its scopes',
    tag: 'catalogue',
    auth: 'user',
    ok: { status: 200, schema: 'ScopeCatalogue', description: 'The catalogue' },
    errors: ['unauthorized'],
  },
  {
    method: 'GET',
    path: '/policy',
    operationId: 'getPolicy',
    summary: 'The caller\u2019s effective token policy (the deployment\u2019s, tightened by the tenant)',
    tag: 'catalogue',
    auth: 'user',
    ok: { status: 200, schema: 'EffectivePolicy', description: 'The effective policy' },
    errors: ['unauthorized'],
  },
  {
    method: 'POST',
    path: '/tokens',
    operationId: 'createToken',
    summary: 'Create a token (an admin may name any `owner` of the tenant); the secrets are shown once',
    tag: 'tokens',
    auth: 'user',
    body: 'CreateTokenRequest',
    ok: { status: 201, schema: 'IssuedToken', description: 'The token\u2019s metadata with its access token and refresh key' },
    errors: ['invalid_request', 'unauthorized', 'forbidden', 'conflict'],
  },
  {
    method: 'GET',
    path: '/tokens',
    operationId: 'listTokens',
    summary: 'The caller\u2019s tokens (an admin: the tenant\u2019s), newest first, paginated',
    tag: 'tokens',
    auth: 'user',
    query: listTokensQuery,
    ok: { status: 200, schema: 'TokenPage', description: 'A page of tokens' },
    errors: ['invalid_request', 'unauthorized', 'forbidden'],
  },
  {
    method: 'GET',
    path: '/tokens/{id}',
    operationId: 'getToken',
    summary: 'One token\u2019s metadata',
    tag: 'tokens',
    auth: 'user',
    ok: { status: 200, schema: 'TokenView', description: 'The token' },
    errors: ['unauthorized', 'not_found'],
  },
  {
    method: 'DELETE',
    path: '/tokens/{id}',
    operationId: 'revokeToken',
    summary: 'Revoke the credential: every live member of the token\u2019s family; idempotent',
    tag: 'tokens',
    auth: 'user',
    ok: { status: 200, schema: 'RevokedToken', description: 'The token as it now is, and the ids this call revoked' },
    errors: ['unauthorized', 'not_found', 'conflict'],
  },
  {
    method: 'PATCH',
    path: '/tokens/{id}',
    operationId: 'editToken',
    summary: 'Edit the description, the IP entries, or narrow the scopes',
    tag: 'governance',
    auth: 'user',
    body: 'TokenEdit',
    ok: { status: 200, schema: 'TokenView', description: 'The edited token' },
    errors: ['invalid_request', 'unauthorized', 'not_found', 'conflict'],
  },
  {
    method: 'POST',
    path: '/tokens/{id}/approve',
    operationId: 'approveToken',
    summary: 'Approve a pending token at the revision the admin was shown (tenant admins)',
    tag: 'governance',
    auth: 'user',
    body: 'Decision',
    ok: { status: 200, schema: 'TokenView', description: 'The token, now active' },
    errors: ['invalid_request', 'unauthorized', 'forbidden', 'not_found', 'conflict'],
  },
  {
    method: 'POST',
    path: '/tokens/{id}/reject',
    operationId: 'rejectToken',
    summary: 'Reject a pending token at the revision the admin was shown, with a reason for the requester (tenant admins)',
    tag: 'governance',
    auth: 'user',
    body: 'Decision',
    ok: { status: 200, schema: 'TokenView', description: 'The token, now revoked with reason `rejected`' },
    errors: ['invalid_request', 'unauthorized', 'forbidden', 'not_found', 'conflict'],
  },
  {
    method: 'POST',
    path: '/tokens/{id}/regenerate',
    operationId: 'regenerateToken',
    summary: 'A rotation started by a person: a successor in the same family, new secrets shown once',
    tag: 'tokens',
    auth: 'user',
    ok: { status: 200, schema: 'IssuedToken', description: 'The successor with its access token and refresh key' },
    errors: ['invalid_request', 'unauthorized', 'forbidden', 'not_found', 'conflict'],
  },
  {
    method: 'GET',
    path: '/tokens/{id}/audit',
    operationId: 'tokenAudit',
    summary: 'One token\u2019s audit trail (its owner or a tenant admin)',
    tag: 'audit',
    auth: 'user',
    query: tokenAuditQuery,
    ok: { status: 200, schema: 'AuditPage', description: 'A page of audit events, newest first' },
    errors: ['invalid_request', 'unauthorized', 'not_found'],
  },
  {
    method: 'GET',
    path: '/audit',
    operationId: 'tenantAudit',
    summary: 'The tenant\u2019s audit trail (tenant admins)',
    tag: 'audit',
    auth: 'user',
    query: auditQuery,
    ok: { status: 200, schema: 'AuditPage', description: 'A page of audit events, newest first' },
    errors: ['invalid_request', 'unauthorized', 'forbidden'],
  },
  {
    method: 'PUT',
    path: '/tenant/policy',
    operationId: 'setTenantPolicy',
    summary: 'Tighten the tenant\u2019s policy (tenant admins); any subset of the fields',
    tag: 'governance',
    auth: 'user',
    body: 'TenantPolicyChange',
    ok: { status: 200, schema: 'EffectivePolicy', description: 'The new effective policy' },
    errors: ['invalid_request', 'unauthorized', 'forbidden', 'conflict'],
  },
  {
    method: 'POST',
    path: '/tenant/revoke-outside-policy',
    operationId: 'revokeOutsidePolicy',
    summary: 'Revoke every usable token the tenant\u2019s policy no longer allows (tenant admins)',
    tag: 'governance',
    auth: 'user',
    ok: { status: 200, schema: 'RevokedOutsidePolicy', description: 'The ids revoked' },
    errors: ['unauthorized', 'forbidden'],
  },
  {
    method: 'POST',
    path: '/tokens/refresh',
    operationId: 'refreshToken',
    summary: 'Rotate a token with its refresh key (retry-safe within the leeway)',
    tag: 'refresh',
    auth: 'none',
    body: 'RefreshRequest',
    ok: { status: 200, schema: 'IssuedToken', description: 'The successor with its access token and refresh key' },
    errors: ['invalid_request', 'invalid_grant', 'conflict', 'too_many_requests'],
  },
  {
    method: 'POST',
    path: '/tokens/revoke-leaked',
    operationId: 'revokeLeaked',
    summary: 'Report leaked access tokens or refresh keys: their families are revoked',
    tag: 'refresh',
    auth: 'none',
    body: 'LeakReport',
    ok: { status: 202, schema: 'LeakReportReceipt', description: 'Received; the answer is the same whatever was valid' },
    errors: ['invalid_request', 'too_many_requests'],
  },
  {
    method: 'GET',
    path: '/.well-known/jwks.json',
    operationId: 'getJwks',
    summary: 'The public keys that verify access tokens offline (JWKS)',
    tag: 'keys',
    auth: 'none',
    ok: { status: 200, schema: 'JsonWebKeySet', description: 'The published keys' },
    errors: [],
  },
  {
    method: 'GET',
    path: '/tokens/self',
    operationId: 'getTokenSelf',
    summary: 'The access token\u2019s own state, authenticated by the token itself (answers for an expired, rotated or revoked one too)',
    tag: 'refresh',
    auth: 'token',
    ok: { status: 200, schema: 'TokenSelf', description: 'The token\u2019s state' },
    errors: ['unauthorized', 'too_many_requests'],
  },
  {
    method: 'POST',
    path: '/oauth2/token',
    operationId: 'oauthToken',
    summary: 'RFC 6749 \u00a76 refresh_token grant: the same rotation as POST /tokens/refresh, for OAuth clients',
    tag: 'oauth',
    auth: 'none',
    oauth: {
      form: {
        grant_type: { required: true, description: '`refresh_token`' },
        refresh_token: { required: true, description: 'The refresh key' },
        scope: { required: false, description: 'Not supported (a successor keeps its scopes): `invalid_scope`' },
      },
      errorStatuses: [400, 409],
    },
    ok: { status: 200, schema: 'OAuthTokenResponse', description: 'The successor\u2019s access token and refresh key' },
    errors: ['too_many_requests'],
  },
  {
    method: 'POST',
    path: '/oauth2/revoke',
    operationId: 'oauthRevoke',
    summary: 'RFC 7009 revocation of a refresh key or an access token: revokes its credential; 200 whatever it was',
    tag: 'oauth',
    auth: 'none',
    oauth: {
      form: {
        token: { required: true, description: 'A refresh key or an access token' },
        token_type_hint: { required: false, description: '`refresh_token` or `access_token`; not needed' },
      },
      errorStatuses: [400],
    },
    ok: { status: 200, schema: 'Empty', description: 'Done (or nothing to do): the body is empty' },
    errors: ['too_many_requests'],
  },
  {
    method: 'GET',
    path: '/.well-known/oauth-authorization-server',
    operationId: 'getOAuthMetadata',
    summary: 'RFC 8414 authorization server metadata: the OAuth endpoints, the JWKS, the grants',
    tag: 'oauth',
    auth: 'none',
    ok: { status: 200, schema: 'OAuthServerMetadata', description: 'The metadata' },
    errors: [],
  },
  {
    method: 'POST',
    path: '/secret-scanning/github',
    operationId: 'secretScanningAlert',
    summary:
      'GitHub secret scanning partner alert: signed (GITHUB-PUBLIC-KEY-IDENTIFIER, GITHUB-PUBLIC-KEY-SIGNATURE); every match of ours revokes its family (`leaked`)',
    tag: 'refresh',
    auth: 'none',
    body: 'SecretScanningAlert',
    ok: { status: 200, schema: 'SecretScanningLabels', description: 'Each match labelled true_positive or false_positive' },
    errors: ['invalid_request', 'unauthorized', 'too_many_requests'],
  },
  {
    method: 'GET',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This document',
    tag: 'keys',
    auth: 'none',
    ok: { status: 200, schema: 'OpenApiDocument', description: 'The OpenAPI 3.1 description of this API' },
    errors: [],
  },
];

const localSessionOperation: Operation = {
  method: 'POST',
  path: '/local/session',
  operationId: 'localSignIn',
  summary: 'Local mode only: a development sign-in standing in for Cognito',
  tag: 'local',
  auth: 'none',
  body: 'LocalSessionRequest',
  ok: { status: 200, schema: 'LocalSession', description: 'An ID token for the management routes' },
  errors: ['invalid_request'],
};

function exampleApiOperation(route: ProtectedRoute): Operation {
  const method = route.method.toUpperCase() as Method;
  const name = route.resource
    .split('/')
    .filter(Boolean)
    .map((part) => part.replace(/[{}]/g, ''))
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
  return {
    method,
    path: route.resource,
    operationId: `example${method[0]}${method.slice(1).toLowerCase()}${name}`,
    summary: `Example protected API${route.scope ? ` (needs \`${route.scope}\`)` : ''}`,
    tag: 'example-api',
    auth: 'token',
    ok: { status: 200, schema: 'ExampleApiAnswer', description: 'Let in by the token authorizer' },
    errors: ['unauthorized', 'forbidden'],
  };
}

/** zod's JSON Schema of each named schema, with references between them pointing into `components`. */
function componentsOf(schemas: Record<string, z.ZodMiniType | z.core.$ZodType>, io: 'input' | 'output'): Record<string, JsonSchema> {
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
function tidy(schema: JsonSchema): JsonSchema {
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

function queryParameters(query: z.ZodMiniObject) {
  const schema = tidy(z.toJSONSchema(query, { io: 'input', unrepresentable: 'any' }) as JsonSchema);
  const properties = schema.properties as Record<string, JsonSchema>;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: 'query',
    required: required.has(name),
    ...(parameterDescriptions[name] ? { description: parameterDescriptions[name] } : {}),
    schema: property,
  }));
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const jsonContent = (schema: JsonSchema) => ({ 'application/json': { schema } });

function operationObject(operation: Operation) {
  const pathParameters = [...operation.path.matchAll(/\{([^}]+)\}/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    description: operation.tag === 'example-api' ? 'The resource id' : 'A token id (32 hex digits); another id answers 404',
    schema: { type: 'string' },
  }));
  const failures = [
    ...operation.errors,
    ...(operation.auth === 'none' ? [] : (['unauthorized'] as const)),
    'too_many_requests',
    'internal',
    'unavailable',
  ] as ErrorCode[];
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(failures)) byStatus.set(errorStatus[code], [...(byStatus.get(errorStatus[code]) ?? []), code]);
  const responses: Record<string, unknown> = {
    [operation.ok.status]:
      operation.ok.schema === 'Empty'
        ? { description: operation.ok.description }
        : {
            description: operation.ok.description,
            content: jsonContent(
              operation.ok.schema === 'OpenApiDocument'
                ? { type: 'object', description: 'An OpenAPI 3.1 document' }
                : ref(operation.ok.schema),
            ),
          },
  };
  for (const status of operation.oauth?.errorStatuses ?? []) {
    responses[status] = { description: 'OAuth\u2019s error shape (RFC 6749 \u00a75.2)', content: jsonContent(ref('OAuthError')) };
    byStatus.delete(status);
  }
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[status] = {
      description: codes.map((code) => `\`${code}\`: ${errorMeaning[code]}`).join(' '),
      content: jsonContent({ allOf: [ref('Error')], properties: { error: { properties: { code: { enum: codes } } } } }),
    };
  }
  return {
    operationId: operation.operationId,
    summary: operation.summary,
    tags: [operation.tag],
    security: operation.auth === 'user' ? [{ idToken: [] }] : operation.auth === 'token' ? [{ accessToken: [] }] : [],
    ...(pathParameters.length > 0 || operation.query
      ? { parameters: [...pathParameters, ...(operation.query ? queryParameters(operation.query) : [])] }
      : {}),
    ...(operation.body ? { requestBody: { required: true, content: jsonContent(ref(operation.body)) } } : {}),
    ...(operation.oauth
      ? {
          requestBody: {
            required: true,
            content: {
              'application/x-www-form-urlencoded': {
                schema: {
                  type: 'object',
                  properties: Object.fromEntries(
                    Object.entries(operation.oauth.form).map(([name, { description }]) => [name, { type: 'string', description }]),
                  ),
                  required: Object.entries(operation.oauth.form)
                    .filter(([, { required }]) => required)
                    .map(([name]) => name),
                },
              },
            },
          },
        }
      : {}),
    responses,
  };
}

export interface OpenApiOptions {
  /**
   * Local mode's extras: its development sign-in (with the schema its request is validated with)
   * and the example protected API it serves. The deployed service API has neither.
   */
  local?: { sessionRequest: z.core.$ZodType; exampleApiRoutes: readonly ProtectedRoute[] };
}

/** The routes a document describes, as `METHOD /path`. */
export function documentedRoutes(options: OpenApiOptions = {}): string[] {
  return operationsOf(options).map((operation) => `${operation.method} ${operation.path}`);
}

function operationsOf(options: OpenApiOptions): Operation[] {
  return [
    ...managementOperations,
    ...(options.local ? [localSessionOperation, ...options.local.exampleApiRoutes.map(exampleApiOperation)] : []),
  ];
}

/** The OpenAPI 3.1 document of the service API (and, with `local`, of local mode's extras). */
export function openApiDocument(options: OpenApiOptions = {}) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of operationsOf(options)) {
    paths[operation.path] ??= {};
    paths[operation.path]![operation.method.toLowerCase()] = operationObject(operation);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Personal access tokens',
      version: '1',
      summary: 'Scoped, expiring, revocable ES256 personal access tokens, their refresh keys and their governance',
      description:
        'Every error has the shape `{"error": {"code", "message", "details"?}}`; `details` lists the offending fields of an `invalid_request`. ' +
        'Management routes need a user\u2019s ID token (Cognito; in local mode `POST /local/session`) as `Authorization: Bearer`. ' +
        'The access token and the refresh key are returned once, by create, refresh and regenerate, and never again.',
      license: { name: 'UNLICENSED', identifier: 'UNLICENSED' },
    },
    // Relative to where the document is served, so it holds under any API Gateway stage or custom domain.
    servers: [{ url: '.', description: 'This API, where this document was fetched from' }],
    tags: [
      { name: 'tokens', description: 'Create, list, read, revoke and regenerate tokens' },
      { name: 'refresh', description: 'Used by vendors with no user session: rotation and leak reports' },
      { name: 'governance', description: 'Tenant policy, approvals, edits' },
      { name: 'audit', description: 'Who did what to which token' },
      { name: 'catalogue', description: 'What a create form offers' },
      { name: 'keys', description: 'Public keys and this document' },
      { name: 'oauth', description: 'OAuth 2.0 (RFC 6749 refresh grant, RFC 7009 revocation, RFC 8414 metadata) beside the JSON routes' },
      ...(options.local
        ? [
            { name: 'local', description: 'Local mode only' },
            { name: 'example-api', description: 'Local mode\u2019s example API guarded by the token authorizer' },
          ]
        : []),
    ],
    paths,
    components: {
      schemas: {
        ...componentsOf({ ...responseSchemas, ...(options.local ? localResponseSchemas : {}) }, 'output'),
        ...componentsOf({ ...requestSchemas, ...(options.local ? { LocalSessionRequest: options.local.sessionRequest } : {}) }, 'input'),
      },
      securitySchemes: {
        idToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'A user\u2019s Cognito ID token (local mode: from `POST /local/session`)',
        },
        // GET /tokens/self takes the personal access token itself, deployed and local.
        accessToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A personal access token' },
      },
    },
  };
}

export type OpenApiDocument = ReturnType<typeof openApiDocument>;

// The service's own HTTP routes, written once. The CDK stack (infra/handlers.ts) wires each to its
// function and authorizer, the local front (functions/local/routing.ts) serves them, the OpenAPI
// document (functions/http/openapi-operations.ts) describes them, and a handler serving several
// dispatches on them (functions/http/route-dispatch.ts). test/unit/service-routes.test.ts checks that
// each of them serves exactly these routes.
import type { ErrorCode } from './errors';

/**
 * Who may call a route. `user` and `admin` need a signed-in person's ID token (Cognito; local mode's
 * session), checked at the gateway; whether the person is a tenant admin is the handler's check.
 * The rest are open at the gateway and carry their own credential, checked by the handler:
 * `vendor` a refresh key in the body, `access-token` the personal access token itself,
 * `oauth-client` an OAuth form (RFC 6749, 7009), `scanner` a signed secret scanning alert;
 * `public` none (public data, or a report whose secret is its own proof).
 */
export type RouteAccess = 'user' | 'admin' | 'vendor' | 'access-token' | 'oauth-client' | 'scanner' | 'public';

/** Does the gateway (Cognito authorizer; local mode's session check) require a signed-in person? */
export const needsSignedInUser = (access: RouteAccess): boolean => access === 'user' || access === 'admin';

/** The Lambda function serving a route: its file under `functions/handlers/`, without `.ts`. */
export type RouteHandler =
  | 'catalog'
  | 'create-token'
  | 'read-tokens'
  | 'revoke-token'
  | 'refresh-token'
  | 'revoke-leaked'
  | 'govern-tenant'
  | 'regenerate-token'
  | 'jwks'
  | 'openapi'
  | 'token-self'
  | 'oauth'
  | 'secret-scanning-alert';

/** An OpenAPI tag: the group a route is listed under. */
export type RouteTag = 'tokens' | 'refresh' | 'governance' | 'audit' | 'catalogue' | 'keys' | 'oauth';

/** One route: where it is, who serves it, who may call it, and what the OpenAPI document says of it. */
export interface ServiceRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The API Gateway resource path, `{name}` for a path parameter. */
  readonly path: string;
  readonly handler: RouteHandler;
  readonly access: RouteAccess;
  /** Open to anyone and doing work per call (a KMS signature, writes): held to the public throttle. */
  readonly publicThrottle?: boolean;
  readonly operationId: string;
  readonly summary: string;
  readonly tag: RouteTag;
  /** The request body's component (functions/http/openapi-components.ts names the schema of each). */
  readonly body?: string;
  /** The query string's schema, by name (likewise). */
  readonly query?: string;
  /** The success answer: its status and component (`OpenApiDocument` and `Empty` are none). */
  readonly ok: { readonly status: 200 | 201 | 202; readonly schema: string; readonly description: string };
  /** OAuth endpoints: a form body (RFC 6749 §3.2) of these parameters, and errors in OAuth's shape at these statuses. */
  readonly oauth?: {
    readonly form: Readonly<Record<string, { readonly required: boolean; readonly description: string }>>;
    readonly errorStatuses: readonly number[];
  };
  /** The refusals a caller can meet besides 429 (the stage-wide throttle), 500 and 503, which any route may answer. */
  readonly errors: readonly ErrorCode[];
}

/** `METHOD /path`, the key a route is known by (API Gateway's route key). */
export type RouteKey = `${ServiceRoute['method']} ${string}`;
export const routeKeyOf = (route: Pick<ServiceRoute, 'method' | 'path'>): RouteKey => `${route.method} ${route.path}`;

const everyRefusal = ['invalid_request', 'unauthorized', 'forbidden', 'not_found', 'conflict'] as const;

/**
 * Every route of the service API, in the order the OpenAPI document lists them. A new route is one
 * entry here (and its handler's dispatch entry, which the compiler then asks for).
 */
export const serviceRoutes = [
  {
    method: 'GET',
    path: '/scopes',
    handler: 'catalog',
    access: 'user',
    operationId: 'listScopes',
    summary: 'The scope catalogue: each area, its description and its scopes',
    tag: 'catalogue',
    ok: { status: 200, schema: 'ScopeCatalogue', description: 'The catalogue' },
    errors: ['unauthorized'],
  },
  {
    method: 'GET',
    path: '/policy',
    handler: 'catalog',
    access: 'user',
    operationId: 'getPolicy',
    summary: 'The caller\u2019s effective token policy (the deployment\u2019s, tightened by the tenant)',
    tag: 'catalogue',
    ok: { status: 200, schema: 'EffectivePolicy', description: 'The effective policy' },
    errors: ['unauthorized'],
  },
  {
    method: 'POST',
    path: '/tokens',
    handler: 'create-token',
    access: 'user',
    operationId: 'createToken',
    summary: 'Create a token (an admin may name any `owner` of the tenant); the secrets are shown once',
    tag: 'tokens',
    body: 'CreateTokenRequest',
    ok: { status: 201, schema: 'IssuedToken', description: 'The token\u2019s metadata with its access token and refresh key' },
    errors: ['invalid_request', 'unauthorized', 'forbidden', 'conflict'],
  },
  {
    method: 'GET',
    path: '/tokens',
    handler: 'read-tokens',
    access: 'user',
    operationId: 'listTokens',
    summary: 'The caller\u2019s tokens (an admin: the tenant\u2019s), newest first, paginated',
    tag: 'tokens',
    query: 'ListTokensQuery',
    ok: { status: 200, schema: 'TokenPage', description: 'A page of tokens' },
    errors: ['invalid_request', 'unauthorized', 'forbidden'],
  },
  {
    method: 'GET',
    path: '/tokens/{id}',
    handler: 'read-tokens',
    access: 'user',
    operationId: 'getToken',
    summary: 'One token\u2019s metadata',
    tag: 'tokens',
    ok: { status: 200, schema: 'TokenView', description: 'The token' },
    errors: ['unauthorized', 'not_found'],
  },
  {
    method: 'DELETE',
    path: '/tokens/{id}',
    handler: 'revoke-token',
    access: 'user',
    operationId: 'revokeToken',
    summary: 'Revoke the credential: every live member of the token\u2019s family; idempotent',
    tag: 'tokens',
    ok: { status: 200, schema: 'RevokedToken', description: 'The token as it now is, and the ids this call revoked' },
    errors: ['unauthorized', 'not_found', 'conflict'],
  },
  {
    method: 'PATCH',
    path: '/tokens/{id}',
    handler: 'govern-tenant',
    access: 'user',
    operationId: 'editToken',
    summary: 'Edit the description, the IP entries, or narrow the scopes',
    tag: 'governance',
    body: 'TokenEdit',
    ok: { status: 200, schema: 'TokenView', description: 'The edited token' },
    errors: ['invalid_request', 'unauthorized', 'not_found', 'conflict'],
  },
  {
    method: 'POST',
    path: '/tokens/{id}/approve',
    handler: 'govern-tenant',
    access: 'admin',
    operationId: 'approveToken',
    summary: 'Approve a pending token at the revision the admin was shown (tenant admins)',
    tag: 'governance',
    body: 'Decision',
    ok: { status: 200, schema: 'TokenView', description: 'The token, now active' },
    errors: everyRefusal,
  },
  {
    method: 'POST',
    path: '/tokens/{id}/reject',
    handler: 'govern-tenant',
    access: 'admin',
    operationId: 'rejectToken',
    summary: 'Reject a pending token at the revision the admin was shown, with a reason for the requester (tenant admins)',
    tag: 'governance',
    body: 'Decision',
    ok: { status: 200, schema: 'TokenView', description: 'The token, now revoked with reason `rejected`' },
    errors: everyRefusal,
  },
  {
    method: 'POST',
    path: '/tokens/{id}/regenerate',
    handler: 'regenerate-token',
    access: 'user',
    operationId: 'regenerateToken',
    summary: 'A rotation started by a person: a successor in the same family, new secrets shown once',
    tag: 'tokens',
    ok: { status: 200, schema: 'IssuedToken', description: 'The successor with its access token and refresh key' },
    errors: everyRefusal,
  },
  {
    method: 'GET',
    path: '/tokens/{id}/audit',
    handler: 'read-tokens',
    access: 'user',
    operationId: 'tokenAudit',
    summary: 'One token\u2019s audit trail (its owner or a tenant admin)',
    tag: 'audit',
    query: 'TokenAuditQuery',
    ok: { status: 200, schema: 'AuditPage', description: 'A page of audit events, newest first' },
    errors: ['invalid_request', 'unauthorized', 'not_found'],
  },
  {
    method: 'GET',
    path: '/audit',
    handler: 'read-tokens',
    access: 'admin',
    operationId: 'tenantAudit',
    summary: 'The tenant\u2019s audit trail (tenant admins)',
    tag: 'audit',
    query: 'AuditQuery',
    ok: { status: 200, schema: 'AuditPage', description: 'A page of audit events, newest first' },
    errors: ['invalid_request', 'unauthorized', 'forbidden'],
  },
  {
    method: 'PUT',
    path: '/tenant/policy',
    handler: 'govern-tenant',
    access: 'admin',
    operationId: 'setTenantPolicy',
    summary: 'Tighten the tenant\u2019s policy (tenant admins); any subset of the fields',
    tag: 'governance',
    body: 'TenantPolicyChange',
    ok: { status: 200, schema: 'EffectivePolicy', description: 'The new effective policy' },
    errors: ['invalid_request', 'unauthorized', 'forbidden', 'conflict'],
  },
  {
    method: 'POST',
    path: '/tenant/revoke-outside-policy',
    handler: 'govern-tenant',
    access: 'admin',
    operationId: 'revokeOutsidePolicy',
    summary: 'Revoke every usable token the tenant\u2019s policy no longer allows (tenant admins)',
    tag: 'governance',
    ok: { status: 200, schema: 'RevokedOutsidePolicy', description: 'The ids revoked' },
    errors: ['unauthorized', 'forbidden'],
  },
  {
    method: 'POST',
    path: '/tokens/refresh',
    handler: 'refresh-token',
    access: 'vendor',
    publicThrottle: true,
    operationId: 'refreshToken',
    summary: 'Rotate a token with its refresh key (retry-safe within the leeway)',
    tag: 'refresh',
    body: 'RefreshRequest',
    ok: { status: 200, schema: 'IssuedToken', description: 'The successor with its access token and refresh key' },
    errors: ['invalid_request', 'invalid_grant', 'conflict', 'too_many_requests'],
  },
  {
    method: 'POST',
    path: '/tokens/revoke-leaked',
    handler: 'revoke-leaked',
    access: 'public',
    publicThrottle: true,
    operationId: 'revokeLeaked',
    summary: 'Report leaked access tokens or refresh keys: their families are revoked',
    tag: 'refresh',
    body: 'LeakReport',
    ok: { status: 202, schema: 'LeakReportReceipt', description: 'Received; the answer is the same whatever was valid' },
    errors: ['invalid_request', 'too_many_requests'],
  },
  {
    method: 'GET',
    path: '/.well-known/jwks.json',
    handler: 'jwks',
    access: 'public',
    operationId: 'getJwks',
    summary: 'The public keys that verify access tokens offline (JWKS)',
    tag: 'keys',
    ok: { status: 200, schema: 'JsonWebKeySet', description: 'The published keys' },
    errors: [],
  },
  {
    method: 'GET',
    path: '/tokens/self',
    handler: 'token-self',
    access: 'access-token',
    publicThrottle: true,
    operationId: 'getTokenSelf',
    summary: 'The access token\u2019s own state, authenticated by the token itself (answers for an expired, rotated or revoked one too)',
    tag: 'refresh',
    ok: { status: 200, schema: 'TokenSelf', description: 'The token\u2019s state' },
    errors: ['unauthorized', 'too_many_requests'],
  },
  {
    method: 'POST',
    path: '/oauth2/token',
    handler: 'oauth',
    access: 'oauth-client',
    publicThrottle: true,
    operationId: 'oauthToken',
    summary: 'RFC 6749 \u00a76 refresh_token grant: the same rotation as POST /tokens/refresh, for OAuth clients',
    tag: 'oauth',
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
    handler: 'oauth',
    access: 'oauth-client',
    publicThrottle: true,
    operationId: 'oauthRevoke',
    summary: 'RFC 7009 revocation of a refresh key or an access token: revokes its credential; 200 whatever it was',
    tag: 'oauth',
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
    handler: 'oauth',
    access: 'public',
    operationId: 'getOAuthMetadata',
    summary: 'RFC 8414 authorization server metadata: the OAuth endpoints, the JWKS, the grants',
    tag: 'oauth',
    ok: { status: 200, schema: 'OAuthServerMetadata', description: 'The metadata' },
    errors: [],
  },
  {
    method: 'POST',
    path: '/secret-scanning/github',
    handler: 'secret-scanning-alert',
    access: 'scanner',
    publicThrottle: true,
    operationId: 'secretScanningAlert',
    summary:
      'GitHub secret scanning partner alert: signed (GITHUB-PUBLIC-KEY-IDENTIFIER, GITHUB-PUBLIC-KEY-SIGNATURE); every match of ours revokes its family (`leaked`)',
    tag: 'refresh',
    body: 'SecretScanningAlert',
    ok: { status: 200, schema: 'SecretScanningLabels', description: 'Each match labelled true_positive or false_positive' },
    errors: ['invalid_request', 'unauthorized', 'too_many_requests'],
  },
  {
    method: 'GET',
    path: '/openapi.json',
    handler: 'openapi',
    access: 'public',
    operationId: 'getOpenApiDocument',
    summary: 'This document',
    tag: 'keys',
    ok: { status: 200, schema: 'OpenApiDocument', description: 'The OpenAPI 3.1 description of this API' },
    errors: [],
  },
] as const satisfies readonly ServiceRoute[];

/** A route of the table, with its literal names. */
export type TableRoute = (typeof serviceRoutes)[number];
/** The schema names the table uses: the OpenAPI components must define each. */
export type RequestSchemaName = NonNullable<Extract<TableRoute, { body: string }>['body']>;
export type QuerySchemaName = NonNullable<Extract<TableRoute, { query: string }>['query']>;
export type ResponseSchemaName = Exclude<TableRoute['ok']['schema'], 'OpenApiDocument' | 'Empty'>;

/** The route keys one handler serves: its dispatch table must have exactly these. */
export type RouteKeysOf<H extends RouteHandler> =
  Extract<TableRoute, { handler: H }> extends infer R
    ? R extends { method: infer M extends string; path: infer P extends string }
      ? `${M} ${P}`
      : never
    : never;

/** The keys of the routes open to a caller without a signed-in user (a credential in the request, or none). */
export type OpenRouteKey =
  Exclude<TableRoute, { access: 'user' | 'admin' }> extends infer R
    ? R extends { method: infer M extends string; path: infer P extends string }
      ? `${M} ${P}`
      : never
    : never;

/** The routes one handler serves. */
export function routesServedBy(handler: RouteHandler): readonly ServiceRoute[] {
  return serviceRoutes.filter((route) => route.handler === handler);
}

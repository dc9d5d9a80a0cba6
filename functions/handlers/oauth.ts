import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { Es256JwtVerifier } from '../adapters/jwt-verifier';
import { keyRingOf, secretDeriverOf } from '../adapters/key-ring';
import { DomainError } from '../domain/errors';
import { httpHandler } from '../http/http-handler';
import { logger } from '../observability/logger';
import { count } from '../observability/metrics';
import { json } from '../http/responses';
import { dispatch } from '../http/route-dispatch';
import { revokeByHolder } from '../service/holder-revocation';
import { systemClock } from '../service/ports';
import { baseParts, rotationOf } from './compose';

const { config, table } = baseParts();
const tokens = rotationOf(config, table, keyRingOf(config), secretDeriverOf(config));
const verifier = new Es256JwtVerifier(keyRingOf(config), {
  issuer: config.issuer,
  clock: systemClock,
  allowNoExpiry: config.policy.allowNoExpiry,
  ignoreExpiry: true,
});

/** RFC 6749 §5.2 error codes this server answers. */
type OAuthErrorCode = 'invalid_request' | 'invalid_grant' | 'unsupported_grant_type' | 'invalid_scope';

// RFC 6749 §5.1: token responses and their errors are never cached.
const oauthHeaders = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', pragma: 'no-cache' };

function oauthError(status: 400 | 409, error: OAuthErrorCode, description: string): APIGatewayProxyResult {
  return { statusCode: status, headers: oauthHeaders, body: JSON.stringify({ error, error_description: description }) };
}

/**
 * The form parameters of an OAuth request (RFC 6749 §3.2, `application/x-www-form-urlencoded`),
 * or the `invalid_request` answer: another media type, or a parameter sent twice.
 */
function formOf(event: APIGatewayProxyEvent): Map<string, string> | APIGatewayProxyResult {
  const contentType = event.headers?.['content-type'] ?? '';
  if (!/^application\/x-www-form-urlencoded[ \t]*(;|$)/i.test(contentType))
    return oauthError(400, 'invalid_request', 'Send the parameters form-encoded (Content-Type: application/x-www-form-urlencoded)');
  const raw = event.isBase64Encoded && event.body ? Buffer.from(event.body, 'base64').toString('utf8') : (event.body ?? '');
  const form = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(raw)) {
    if (form.has(name)) return oauthError(400, 'invalid_request', `The parameter ${name} is given more than once`);
    form.set(name, value);
  }
  return form;
}

/** POST /oauth2/token: RFC 6749 §6, the refresh_token grant, with `/tokens/refresh`'s rotation rules (the same use case). */
async function tokenEndpoint(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const form = formOf(event);
  if (!(form instanceof Map)) return form;
  const grantType = form.get('grant_type');
  if (!grantType) return oauthError(400, 'invalid_request', 'grant_type is required');
  if (grantType !== 'refresh_token') return oauthError(400, 'unsupported_grant_type', 'Only grant_type=refresh_token is supported');
  const refreshToken = form.get('refresh_token');
  if (!refreshToken) return oauthError(400, 'invalid_request', 'refresh_token is required');
  // A successor has its predecessor's scopes: narrowing on refresh is not offered (PATCH /tokens/{id} narrows).
  if (form.has('scope')) return oauthError(400, 'invalid_scope', 'Omit scope: a refreshed token keeps the scopes it was granted');
  let outcome: Awaited<ReturnType<typeof tokens.refresh>>;
  try {
    outcome = await tokens.refresh(refreshToken, { sourceIp: event.requestContext?.identity?.sourceIp });
  } catch (error) {
    if (error instanceof DomainError && error.code === 'invalid_grant') return oauthError(400, 'invalid_grant', error.message);
    if (error instanceof DomainError && error.code === 'conflict') return oauthError(409, 'invalid_request', error.message);
    throw error;
  }
  if (outcome.kind === 'reuse_detected') {
    count('ReuseDetections');
    count('TokensRevoked', outcome.revokedIds.length);
    logger.warn('Refresh key reused after rotation: token family revoked', { familyId: outcome.familyId, revokedIds: outcome.revokedIds });
    return oauthError(400, 'invalid_grant', 'The refresh key is not valid');
  }
  logger.info(outcome.kind === 'replayed' ? 'Refresh answered again (retry within the leeway)' : 'Token refreshed', {
    tokenId: outcome.token.id,
    predecessorId: outcome.predecessorId,
    tenant: outcome.token.tenant,
    via: 'oauth2',
  });
  count(outcome.kind === 'replayed' ? 'RefreshesReplayed' : 'TokensRefreshed');
  const { token } = outcome;
  const expiresIn = token.expiresAt == null ? undefined : Math.max(0, Math.round((Date.parse(token.expiresAt) - systemClock.now()) / 1000));
  return {
    statusCode: 200,
    headers: oauthHeaders,
    body: JSON.stringify({
      access_token: token.accessToken,
      token_type: 'Bearer',
      ...(expiresIn === undefined ? {} : { expires_in: expiresIn }),
      refresh_token: token.refreshKey,
      scope: token.scopes.join(' '),
    }),
  };
}

/** POST /oauth2/revoke: RFC 7009. 200 whatever the token was (§2.2): only its holder learns nothing new. */
async function revocationEndpoint(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const form = formOf(event);
  if (!(form instanceof Map)) return form;
  const token = form.get('token');
  if (!token) return oauthError(400, 'invalid_request', 'token is required');
  const revokedIds = await revokeByHolder({ records: table.records, families: table.families, verifier, clock: systemClock }, token, {
    sourceIp: event.requestContext?.identity?.sourceIp,
  });
  logger.info('Revocation request processed', { revoked: revokedIds.length, hint: form.get('token_type_hint') });
  count('TokensRevoked', revokedIds.length);
  return { statusCode: 200, headers: { 'cache-control': 'no-store' }, body: '' };
}

/**
 * The service's base URL as the caller reached it: API Gateway's domain and stage (or base path),
 * or, in local mode (whose events carry no domain name), the loopback Host the front let through.
 */
function baseUrlOf(event: APIGatewayProxyEvent): string {
  const domain = event.requestContext?.domainName;
  if (!domain) return `http://${event.headers?.host ?? '127.0.0.1'}`;
  const fullPath = event.requestContext.path ?? event.path;
  const basePath = fullPath.endsWith(event.path) ? fullPath.slice(0, fullPath.length - event.path.length) : '';
  return `https://${domain}${basePath}`;
}

/** GET /.well-known/oauth-authorization-server: RFC 8414 metadata, so OAuth libraries find the endpoints. */
async function metadataEndpoint(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const issuer = baseUrlOf(event);
  return json(200, {
    issuer,
    token_endpoint: `${issuer}/oauth2/token`,
    revocation_endpoint: `${issuer}/oauth2/revoke`,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    // Tokens are created by people (POST /tokens); OAuth only rotates and revokes them.
    grant_types_supported: ['refresh_token'],
    response_types_supported: [],
    token_endpoint_auth_methods_supported: ['none'],
    revocation_endpoint_auth_methods_supported: ['none'],
    scopes_supported: config.catalogue.flatMap((area) => ['read', 'write', 'delete'].map((permission) => `${area.name}:${permission}`)),
    service_documentation: `${issuer}/openapi.json`,
  });
}

// No caller to identify: each endpoint's credential is in its form.
const route = dispatch<'oauth', undefined>('oauth', {
  'POST /oauth2/token': tokenEndpoint,
  'POST /oauth2/revoke': revocationEndpoint,
  'GET /.well-known/oauth-authorization-server': metadataEndpoint,
});

/** The OAuth 2.0 face of rotation and revocation, beside the JSON routes and with the same rules. */
export const handler = httpHandler((event) => route(event, undefined));

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalKeyRing } from '../../functions/adapters/local-signer';
import { ACCESS_TOKEN_PREFIX } from '../../functions/domain/token';
import { signAccessToken } from '../../functions/service/jws';
import { startTestService, type TestService } from '../support/local-service';

/**
 * Issue 21 over real sockets: what a vendor's standard tooling meets. RFC 6750 challenges for every
 * kind of refusal, `GET /tokens/self`, and OAuth 2.0 (a real client library, oauth4webapi) against
 * the local service.
 */
let service: TestService;
let dataDir: string;
let alice: string;
let admin: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pat-vendor-'));
  // No authorizer result cache: each refusal shows the stored truth at once.
  service = await startTestService({
    dataDir,
    authorizerCacheSeconds: 0,
    settings: { statusCacheSeconds: 0, feedStatusCacheSeconds: 0, policy: { reuseLeewaySeconds: 0 } },
  });
  [alice, admin] = await Promise.all([service.session('alice', 'acme'), service.session('ada', 'acme', true)]);
});
afterAll(async () => {
  await service?.stop();
});

/** A token signed with the service's own key, with claims no create would issue (times in the past or future). */
async function signed(claims: { jti: string; iat: number; exp: number }) {
  return signAccessToken(
    { iss: 'pat-local', sub: 'alice', tid: 'acme', scope: 'candidates:read', ...claims },
    LocalKeyRing.fromFile(join(dataDir, 'signing-key.jwk.json')),
  );
}

const challengeOf = (response: { headers: Headers }) => response.headers.get('www-authenticate');
const now = () => Math.floor(Date.now() / 1000);

describe('RFC 6750 answers of the authorizer (local front)', () => {
  let expiring: { id: string; accessToken: string };

  beforeAll(async () => {
    // Expires in 2 s: created first, so the suite's other requests pass the time.
    expiring = await service.createToken(alice, { expiresAt: new Date((now() + 2) * 1000).toISOString() });
  });

  const unauthorizedBody = { error: { code: 'unauthorized', message: expect.any(String) } };

  it('answers a request without a token 401 with a bare challenge (RFC 6750 §3.1: no error code)', async () => {
    const response = await service.call('GET', '/api/candidates');

    expect(response.status).toBe(401);
    expect(challengeOf(response)).toBe('Bearer realm="pat"');
    expect(response.body).toEqual(unauthorizedBody);
  });

  it('answers a malformed token 401 invalid_token "malformed"', async () => {
    const response = await service.call('GET', '/api/candidates', { token: 'not.a-token' });

    expect(response.status).toBe(401);
    expect(challengeOf(response)).toBe('Bearer realm="pat", error="invalid_token", error_description="The access token is malformed"');
    expect(response.body).toEqual(unauthorizedBody);
  });

  it('answers a forged token 401 invalid_token "not valid", saying no more', async () => {
    const { accessToken } = await service.createToken(alice);
    const [header, payload] = accessToken.split('.');
    const forged = `${header}.${payload}.${'A'.repeat(86)}`;

    const response = await service.call('GET', '/api/candidates', { token: forged });

    expect(response.status).toBe(401);
    expect(challengeOf(response)).toBe('Bearer realm="pat", error="invalid_token", error_description="The access token is not valid"');
  });

  it('tells a revoked token apart', async () => {
    const token = await service.createToken(alice);
    await service.call('DELETE', `/tokens/${token.id}`, { token: alice });

    const response = await service.call('GET', '/api/candidates', { token: token.accessToken });

    expect(response.status).toBe(401);
    expect(challengeOf(response)).toBe('Bearer realm="pat", error="invalid_token", error_description="The access token was revoked"');
    expect(response.body).toEqual(unauthorizedBody);
  });

  it('tells a pending token apart', async () => {
    const tenantAdmin = await service.session('ada', 'initech', true);
    const user = await service.session('uma', 'initech');
    expect((await service.call('PUT', '/tenant/policy', { token: tenantAdmin, body: { requireApproval: true } })).status).toBe(200);
    const pending = await service.createToken(user);

    const response = await service.call('GET', '/api/candidates', { token: pending.accessToken });

    expect(response.status).toBe(401);
    expect(challengeOf(response)).toBe(
      'Bearer realm="pat", error="invalid_token", error_description="The access token awaits an admin\'s approval"',
    );
  });

  it('tells a not-yet-valid token apart', async () => {
    const { id } = await service.createToken(alice);
    const early = await signed({ jti: id, iat: now() + 3600, exp: now() + 7200 });

    const response = await service.call('GET', '/api/candidates', { token: early });

    expect(response.status).toBe(401);
    expect(challengeOf(response)).toBe('Bearer realm="pat", error="invalid_token", error_description="The access token is not valid yet"');
  });

  it('answers a wrong client address 403 insufficient_scope without a scope', async () => {
    const { accessToken } = await service.createToken(alice, { allowedIps: ['10.1.2.3'] });

    const response = await service.call('GET', '/api/candidates', { token: accessToken });

    expect(response.status).toBe(403);
    expect(challengeOf(response)).toBe(
      'Bearer realm="pat", error="insufficient_scope", error_description="This token is not allowed from this client address"',
    );
    expect(response.body).toEqual({ error: { code: 'forbidden', message: expect.any(String) } });
  });

  it('answers a missing scope 403 insufficient_scope naming the scope the route needs', async () => {
    const { accessToken } = await service.createToken(alice, { scopes: ['candidates:read'] });

    const response = await service.call('POST', '/api/candidates', { token: accessToken });

    expect(response.status).toBe(403);
    expect(challengeOf(response)).toBe(
      'Bearer realm="pat", error="insufficient_scope", error_description="This token does not grant candidates:write", scope="candidates:write"',
    );
    expect(response.body).toEqual({ error: { code: 'forbidden', message: expect.any(String) } });
  });

  it('tells an expired token apart, and GET /tokens/self still answers its holder', async () => {
    await waitUntilPast(expiring);

    const response = await service.call('GET', '/api/candidates', { token: expiring.accessToken });
    const self = await service.call('GET', '/tokens/self', { token: expiring.accessToken });

    expect(response.status).toBe(401);
    expect(challengeOf(response)).toBe(
      'Bearer realm="pat", error="invalid_token", error_description="The access token expired: refresh it with its refresh key"',
    );
    expect(self.status).toBe(200);
    expect(self.body).toMatchObject({ id: expiring.id, status: 'expired', refreshable: true });
  });
});

async function waitUntilPast(token: { accessToken: string }) {
  const exp = JSON.parse(Buffer.from(token.accessToken.split('.')[1]!, 'base64url').toString()).exp as number;
  while (Date.now() < exp * 1000 + 50) await new Promise((resolve) => setTimeout(resolve, 100));
}

describe('RFC 6750 answers of the service', () => {
  it('challenges a 401 from a handler (a bad refresh key) and a 403 (a non-admin at an admin route)', async () => {
    const refresh = await service.call('POST', '/tokens/refresh', { body: { refreshKey: 'garbage' } });
    const audit = await service.call('GET', '/audit', { token: alice });

    expect(refresh.status).toBe(401);
    expect(challengeOf(refresh)).toMatch(/^Bearer realm="pat", error="invalid_token", error_description="[^"]+"$/);
    expect(audit.status).toBe(403);
    expect(challengeOf(audit)).toMatch(/^Bearer realm="pat", error="insufficient_scope", error_description="[^"]+"$/);
  });
});

describe('GET /tokens/self', () => {
  it('answers the token its own state, and no owner, tenant or description', async () => {
    const created = await service.createToken(alice, { scopes: ['jobs:read'], allowedIps: ['127.0.0.1'] });

    const response = await service.call('GET', '/tokens/self', { token: created.accessToken });

    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.body).toEqual({
      id: created.id,
      status: 'active',
      expiresAt: created.expiresAt,
      scopes: ['jobs:read'],
      allowedIps: ['127.0.0.1'],
      graceUntil: null,
      refreshableUntil: new Date(Date.parse(created.expiresAt as string) + 30 * 86_400_000).toISOString(),
      refreshable: true,
      generation: 1,
      familyId: created.id,
      outsidePolicy: false,
    });
  });

  it('answers a rotated token with its grace, and a revoked one with its reason', async () => {
    const created = await service.createToken(alice);
    const refreshed = await service.call('POST', '/tokens/refresh', { body: { refreshKey: created.refreshKey } });
    const rotated = await service.call('GET', '/tokens/self', { token: created.accessToken });
    await service.call('DELETE', `/tokens/${refreshed.body.id}`, { token: alice });
    const revoked = await service.call('GET', '/tokens/self', { token: refreshed.body.accessToken });

    expect(rotated.body).toMatchObject({ status: 'revoked', revokeReason: 'rotated', graceUntil: expect.any(String), refreshable: false });
    expect(revoked.body).toMatchObject({
      status: 'revoked',
      revokeReason: 'revoked',
      generation: 2,
      familyId: created.id,
      refreshable: false,
    });
  });

  it('never answers a forged token, nor a request without one', async () => {
    const { accessToken } = await service.createToken(alice);
    const tampered = accessToken.replace(/\.([^.]+)\./, (_m, payload: string) => {
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
      return `.${Buffer.from(JSON.stringify({ ...claims, scope: 'candidates:delete' })).toString('base64url')}.`;
    });

    const forged = await service.call('GET', '/tokens/self', { token: tampered });
    const none = await service.call('GET', '/tokens/self');

    expect(forged.status).toBe(401);
    expect(challengeOf(forged)).toBe('Bearer realm="pat", error="invalid_token", error_description="The access token is not valid"');
    expect(forged.body.error.code).toBe('unauthorized');
    expect(none.status).toBe(401);
    expect(challengeOf(none)).toBe('Bearer realm="pat"');
  });

  it('answers an ID token (a user session) 401: only access tokens are self', async () => {
    const response = await service.call('GET', '/tokens/self', { token: admin });

    expect(response.status).toBe(401);
  });
});

describe('OAuth 2.0 with a real client library (oauth4webapi)', () => {
  const client: oauth.Client = { client_id: 'vendor-tool' };
  const options = { [oauth.allowInsecureRequests]: true };

  async function discover() {
    const issuer = new URL(service.url);
    const response = await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...options });
    return oauth.processDiscoveryResponse(issuer, response);
  }

  it('discovers the endpoints, rotates a token through the refresh_token grant and revokes it', async () => {
    const created = await service.createToken(alice, { scopes: ['jobs:read'] });

    const as = await discover();
    const rotated = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, oauth.None(), created.refreshKey, options),
    );
    const successor = await service.call('GET', '/tokens/self', { token: rotated.access_token });
    await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, oauth.None(), rotated.refresh_token!, options));
    const afterRevoke = await service.call('GET', '/tokens/self', { token: rotated.access_token });

    expect(as).toMatchObject({
      token_endpoint: `${service.url}/oauth2/token`,
      revocation_endpoint: `${service.url}/oauth2/revoke`,
      jwks_uri: `${service.url}/.well-known/jwks.json`,
      grant_types_supported: ['refresh_token'],
    });
    expect(rotated).toMatchObject({ token_type: 'bearer', scope: 'jobs:read', expires_in: expect.any(Number) });
    expect(rotated.access_token.startsWith(ACCESS_TOKEN_PREFIX)).toBe(true);
    expect(successor.body).toMatchObject({ status: 'active', generation: 2, familyId: created.id });
    expect(afterRevoke.body).toMatchObject({ status: 'revoked', revokeReason: 'revoked' });
    expect((await service.call('GET', '/api/jobs', { token: rotated.access_token })).status).toBe(401);
  });

  it('revokes by access token too, and answers 200 to a token that is nothing', async () => {
    const created = await service.createToken(alice);
    const as = await discover();

    await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, oauth.None(), created.accessToken, options));
    const nothing = await oauth.revocationRequest(as, client, oauth.None(), 'not-a-token', options);

    expect((await service.call('GET', '/tokens/self', { token: created.accessToken })).body.status).toBe('revoked');
    expect(nothing.status).toBe(200);
  });

  it('answers a reused refresh key invalid_grant and revokes the family, as /tokens/refresh does', async () => {
    const created = await service.createToken(alice);
    const as = await discover();
    const first = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, oauth.None(), created.refreshKey, options),
    );
    await new Promise((resolve) => setTimeout(resolve, 5));

    const reuse = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), created.refreshKey, options);

    expect(reuse.status).toBe(400);
    expect(reuse.headers.get('cache-control')).toBe('no-store');
    expect(await reuse.json()).toMatchObject({ error: 'invalid_grant' });
    expect((await service.call('GET', '/tokens/self', { token: first.access_token })).body).toMatchObject({
      status: 'revoked',
      revokeReason: 'reuse_detected',
    });
  });

  const form = (body: string, contentType = 'application/x-www-form-urlencoded') =>
    service.call('POST', '/oauth2/token', { rawBody: body, headers: { 'content-type': contentType } });

  it.each([
    ['an unknown grant type', 'grant_type=password&username=a&password=b', 'unsupported_grant_type'],
    ['no grant type', 'refresh_token=x', 'invalid_request'],
    ['no refresh token', 'grant_type=refresh_token', 'invalid_request'],
    ['a parameter twice', 'grant_type=refresh_token&refresh_token=a&refresh_token=b', 'invalid_request'],
    ['a scope (narrowing is not offered)', 'grant_type=refresh_token&refresh_token=a&scope=jobs:read', 'invalid_scope'],
    ['a garbage refresh key', 'grant_type=refresh_token&refresh_token=garbage', 'invalid_grant'],
  ])('answers %s 400 in OAuth’s error shape, not cacheable', async (_name, body, error) => {
    const response = await form(body);

    expect(response.status).toBe(400);
    expect(response.body).toEqual({ error, error_description: expect.any(String) });
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('refuses a JSON body on the token endpoint (OAuth is form-encoded)', async () => {
    const response = await form(JSON.stringify({ grant_type: 'refresh_token' }), 'application/json');

    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_request');
  });

  it('still refuses a form body on the JSON routes', async () => {
    const response = await service.call('POST', '/tokens/refresh', {
      rawBody: 'refreshKey=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });

    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_request');
  });
});

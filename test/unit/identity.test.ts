import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { idTokenVerifierOf } from '../../functions/adapters/id-token-verifier';
import { callerOf, type IdentitySettings } from '../../functions/http/identity';

const settings: IdentitySettings = {
  adminGroup: 'pat-admins',
  tenantClaim: 'custom:tenant',
  userIdClaim: 'cognito:username',
  appClientIds: ['client-api', 'client-console'],
};
const ISSUER = 'https://issuer.test/pool';

// The issuer's key, in a file as local mode keeps it; the verifier under test is aws-jwt-verify's.
const issuerKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const keyFile = join(mkdtempSync(join(tmpdir(), 'pat-identity-')), 'session-key.jwk.json');
writeFileSync(keyFile, JSON.stringify(issuerKey.export({ format: 'jwk' })), { mode: 0o600 });
const verifier = idTokenVerifierOf({ kind: 'local', issuer: ISSUER, keyFile }, settings.appClientIds);

async function signed(claims: Record<string, unknown>, options: { key?: KeyObject; expiresIn?: string; issuer?: string } = {}) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: 'local-session' })
    .setIssuer(options.issuer ?? ISSUER)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '1h')
    .sign(options.key ?? issuerKey);
}

const idToken = (extra: Record<string, unknown> = {}) => ({
  sub: '5f1c2d9e-0000-4000-8000-000000000001',
  aud: 'client-console',
  token_use: 'id',
  'cognito:username': 'alice',
  'custom:tenant': 'acme',
  ...extra,
});

/**
 * An event as API Gateway's REST API hands it over: the Authorization header (and its values in
 * multiValueHeaders), and claims in the request context that the handler must NOT trust.
 */
function eventOf(authorization: string | string[] | null, contextClaims: Record<string, string> = {}): APIGatewayProxyEvent {
  const values = authorization === null ? [] : ([] as string[]).concat(authorization);
  return {
    headers: values.length === 0 ? {} : { Authorization: values.at(-1) },
    multiValueHeaders: values.length === 0 ? {} : { Authorization: values },
    requestContext: { authorizer: { claims: contextClaims }, identity: { sourceIp: '203.0.113.9' } },
  } as unknown as APIGatewayProxyEvent;
}

const caller = async (authorization: string | string[] | null, contextClaims?: Record<string, string>) =>
  callerOf(eventOf(authorization, contextClaims), settings, verifier);
const refusal = async (promise: Promise<unknown>) =>
  promise.then(
    () => 'signed in',
    (error: { code?: string }) => error.code,
  );

describe('the ID token the handler verifies itself (aws-jwt-verify)', () => {
  it('an ID token of a known app client signs the user in', async () => {
    expect(await caller(`Bearer ${await signed(idToken())}`)).toEqual({
      userId: 'alice',
      tenant: 'acme',
      isAdmin: false,
      sourceIp: '203.0.113.9',
    });
  });

  it('refuses a token signed by another key, an expired one, and one of another issuer', async () => {
    const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    expect(await refusal(caller(`Bearer ${await signed(idToken(), { key: otherKey })}`))).toBe('unauthorized');
    expect(await refusal(caller(`Bearer ${await signed(idToken(), { expiresIn: '-1m' })}`))).toBe('unauthorized');
    expect(await refusal(caller(`Bearer ${await signed(idToken(), { issuer: 'https://elsewhere.test' })}`))).toBe('unauthorized');
  });

  it('refuses an access token (token_use access), even with every other claim', async () => {
    expect(await refusal(caller(`Bearer ${await signed(idToken({ token_use: 'access' }))}`))).toBe('unauthorized');
  });

  it('refuses an ID token of another app client of the same pool, or with no aud', async () => {
    expect(await refusal(caller(`Bearer ${await signed(idToken({ aud: 'client-of-another-product' }))}`))).toBe('unauthorized');
    const { aud: _aud, ...withoutAud } = idToken();
    expect(await refusal(caller(`Bearer ${await signed(withoutAud)}`))).toBe('unauthorized');
  });

  it('with no app client configured, nobody counts (fails closed; the stack always names its clients)', async () => {
    const closed = idTokenVerifierOf({ kind: 'local', issuer: ISSUER, keyFile }, []);
    const event = eventOf(`Bearer ${await signed(idToken())}`);
    expect(await refusal(callerOf(event, { ...settings, appClientIds: [] }, closed))).toBe('unauthorized');
  });

  it('refuses a request with two Authorization values, whichever of them verifies', async () => {
    const admin = await signed(idToken({ 'cognito:groups': ['pat-admins'] }));
    const plain = await signed(idToken());
    expect(await refusal(caller([`Bearer ${plain}`, `Bearer ${admin}`]))).toBe('unauthorized');
    expect(await refusal(caller(null))).toBe('unauthorized');
    expect(await refusal(caller('Bearer not-a-jwt'))).toBe('unauthorized');
  });
});

describe('cognito:groups, exactly, from the verified token', () => {
  it('a member of the admin group is an admin, alone or among other groups', async () => {
    expect((await caller(await signed(idToken({ 'cognito:groups': ['pat-admins'] })))).isAdmin).toBe(true);
    expect((await caller(`Bearer ${await signed(idToken({ 'cognito:groups': ['ops', 'pat-admins'] }))}`)).isAdmin).toBe(true);
  });

  it('a single group named "ops,pat-admins" or "[pat-admins]" is not the admin group', async () => {
    expect((await caller(`Bearer ${await signed(idToken({ 'cognito:groups': ['ops,pat-admins'] }))}`)).isAdmin).toBe(false);
    expect((await caller(`Bearer ${await signed(idToken({ 'cognito:groups': ['[pat-admins]'] }))}`)).isAdmin).toBe(false);
  });

  it('the request context (what an API Gateway authorizer copied) never makes an admin', async () => {
    const token = await signed(idToken());
    expect((await caller(`Bearer ${token}`, { 'cognito:groups': 'pat-admins', 'custom:tenant': 'globex' })).isAdmin).toBe(false);
    expect((await caller(`Bearer ${token}`, { 'custom:tenant': 'globex' })).tenant).toBe('acme');
  });
});

describe('user ids', () => {
  it('are kept exactly as the identity provider spells them: alice and Alice are two owners', async () => {
    const lower = await caller(`Bearer ${await signed(idToken({ 'cognito:username': 'alice' }))}`);
    const upper = await caller(`Bearer ${await signed(idToken({ 'cognito:username': 'Alice' }))}`);
    expect([lower.userId, upper.userId]).toEqual(['alice', 'Alice']);
  });
});

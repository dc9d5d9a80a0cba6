import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { callerOf, type IdentitySettings } from '../../functions/http/identity';

const settings: IdentitySettings = {
  adminGroup: 'pat-admins',
  tenantClaim: 'custom:tenant',
  userIdClaim: 'cognito:username',
  appClientIds: ['client-api', 'client-console'],
};
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * An event as API Gateway's REST Cognito authorizer hands it over: the ID token in the
 * Authorization header, its claims flattened to strings in the request context (arrays joined
 * with commas).
 */
function eventOf(
  token: Record<string, unknown>,
  overrides: { claims?: Record<string, unknown>; authorization?: string | null } = {},
): APIGatewayProxyEvent {
  const claims = Object.fromEntries(
    Object.entries(token).map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : String(value)]),
  );
  const authorization =
    overrides.authorization === undefined ? `${b64({ alg: 'RS256', kid: 'k' })}.${b64(token)}.c2ln` : overrides.authorization;
  return {
    headers: authorization === null ? {} : { Authorization: authorization },
    requestContext: { authorizer: { claims: { ...claims, ...overrides.claims } }, identity: { sourceIp: '203.0.113.9' } },
  } as unknown as APIGatewayProxyEvent;
}

const idToken = (extra: Record<string, unknown> = {}) => ({
  sub: '5f1c2d9e-0000-4000-8000-000000000001',
  aud: 'client-console',
  token_use: 'id',
  'cognito:username': 'alice',
  'custom:tenant': 'acme',
  ...extra,
});

describe('which ID tokens count', () => {
  it('an ID token of a known app client signs the user in', () => {
    expect(callerOf(eventOf(idToken()), settings)).toEqual({ userId: 'alice', tenant: 'acme', isAdmin: false, sourceIp: '203.0.113.9' });
  });

  it('refuses an access token (token_use access), even with every other claim', () => {
    expect(() => callerOf(eventOf(idToken({ token_use: 'access' })), settings)).toThrowError(
      expect.objectContaining({ code: 'unauthorized' }),
    );
  });

  it('refuses an ID token of another app client of the same pool, or with no aud', () => {
    expect(() => callerOf(eventOf(idToken({ aud: 'client-of-another-product' })), settings)).toThrowError(
      expect.objectContaining({ code: 'unauthorized' }),
    );
    const { aud: _aud, ...withoutAud } = idToken();
    expect(() => callerOf(eventOf(withoutAud), settings)).toThrowError(expect.objectContaining({ code: 'unauthorized' }));
  });

  it('with no app client configured, nobody counts (fails closed; the stack always names its clients)', () => {
    expect(() => callerOf(eventOf(idToken({ aud: 'any-client' })), { ...settings, appClientIds: [] })).toThrowError(
      expect.objectContaining({ code: 'unauthorized' }),
    );
    expect(() => callerOf(eventOf(idToken()), { ...settings, appClientIds: [] })).toThrowError(
      expect.objectContaining({ code: 'unauthorized' }),
    );
  });
});

describe('cognito:groups, exactly', () => {
  it('a member of the admin group is an admin, alone or among other groups', () => {
    expect(callerOf(eventOf(idToken({ 'cognito:groups': ['pat-admins'] })), settings).isAdmin).toBe(true);
    expect(callerOf(eventOf(idToken({ 'cognito:groups': ['ops', 'pat-admins'] })), settings).isAdmin).toBe(true);
  });

  it('a single group named "ops,pat-admins" is not the admin group (its claim string reads like two groups)', () => {
    const event = eventOf(idToken({ 'cognito:groups': ['ops,pat-admins'] }));
    expect((event.requestContext.authorizer!.claims as Record<string, string>)['cognito:groups']).toBe('ops,pat-admins');
    expect(callerOf(event, settings).isAdmin).toBe(false);
  });

  it('a group named "[pat-admins]" (the HTTP API spelling of one group) is not the admin group', () => {
    expect(callerOf(eventOf(idToken({ 'cognito:groups': ['[pat-admins]'] })), settings).isAdmin).toBe(false);
    expect(callerOf(eventOf(idToken({ 'cognito:groups': ['[ops pat-admins]'] })), settings).isAdmin).toBe(false);
  });

  it('no groups when the Authorization header is not the token the claims came from', () => {
    const other = `${b64({ alg: 'RS256' })}.${b64(idToken({ sub: 'someone-else', 'cognito:groups': ['pat-admins'] }))}.c2ln`;
    expect(callerOf(eventOf(idToken({ 'cognito:groups': ['pat-admins'] }), { authorization: other }), settings).isAdmin).toBe(false);
    expect(callerOf(eventOf(idToken({ 'cognito:groups': ['pat-admins'] }), { authorization: null }), settings).isAdmin).toBe(false);
    expect(callerOf(eventOf(idToken({ 'cognito:groups': ['pat-admins'] }), { authorization: 'Bearer not-a-jwt' }), settings).isAdmin).toBe(
      false,
    );
  });

  it('the claim string alone never makes an admin', () => {
    const event = eventOf(idToken(), { claims: { 'cognito:groups': 'pat-admins' } });
    expect(callerOf(event, settings).isAdmin).toBe(false);
  });

  it('reads the token with or without the Bearer scheme', () => {
    const token = idToken({ 'cognito:groups': ['pat-admins'] });
    const raw = `${b64({ alg: 'RS256' })}.${b64(token)}.c2ln`;
    expect(callerOf(eventOf(token, { authorization: `Bearer ${raw}` }), settings).isAdmin).toBe(true);
    expect(callerOf(eventOf(token, { authorization: raw }), settings).isAdmin).toBe(true);
  });
});

describe('user ids', () => {
  it('are kept exactly as the identity provider spells them: alice and Alice are two owners', () => {
    const lower = callerOf(eventOf(idToken({ 'cognito:username': 'alice' })), settings);
    const upper = callerOf(eventOf(idToken({ 'cognito:username': 'Alice' })), settings);
    expect([lower.userId, upper.userId]).toEqual(['alice', 'Alice']);
  });
});

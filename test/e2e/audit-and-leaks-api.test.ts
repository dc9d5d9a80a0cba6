import { generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acmeAndGlobexSessions, startTestService, type TestService } from '../support/local-service';

let service: TestService;
let alice: string;
let bob: string;
let admin: string;
let foreignAdmin: string;

beforeAll(async () => {
  service = await startTestService({ authorizerCacheSeconds: 0, settings: { statusCacheSeconds: 0, feedStatusCacheSeconds: 0 } });
  ({ alice, bob, admin, foreignAdmin } = await acmeAndGlobexSessions(service));
});
afterAll(async () => {
  await service?.stop();
});

describe('GET /audit and GET /tokens/{id}/audit', () => {
  it("shows the owner their token's trail, newest first", async () => {
    const token = await service.createToken(alice, { description: 'audited' });
    await service.call('DELETE', `/tokens/${token.id}`, { token: alice });

    const trail = await service.call('GET', `/tokens/${token.id}/audit`, { token: alice });
    expect(trail.status).toBe(200);
    expect(trail.body.items.map((event: { action: string }) => event.action)).toEqual(['token.revoked', 'token.created']);
    expect(trail.body.items[0]).toMatchObject({
      tokenId: token.id,
      tenant: 'acme',
      owner: 'alice',
      actor: { type: 'user', id: 'alice' },
      sourceIp: '127.0.0.1',
      at: expect.any(String),
    });
    expect(trail.body.nextCursor).toBeNull();
  });

  it("answers 404 to another user's token trail and to another tenant's admin", async () => {
    const token = await service.createToken(alice);
    expect((await service.call('GET', `/tokens/${token.id}/audit`, { token: bob })).status).toBe(404);
    expect((await service.call('GET', `/tokens/${token.id}/audit`, { token: foreignAdmin })).status).toBe(404);
    expect((await service.call('GET', `/tokens/${token.id}/audit`, { token: admin })).status).toBe(200);
  });

  it('shows admins the tenant trail, filtered by token or owner, and nobody else', async () => {
    const token = await service.createToken(bob);
    const all = await service.call('GET', '/audit?limit=100', { token: admin });
    expect(all.status).toBe(200);
    expect(all.body.items.every((event: { tenant: string }) => event.tenant === 'acme')).toBe(true);
    expect((await service.call('GET', `/audit?tokenId=${token.id}`, { token: admin })).body.items).toHaveLength(1);
    expect(
      (await service.call('GET', '/audit?owner=bob', { token: admin })).body.items.every((e: { owner: string }) => e.owner === 'bob'),
    ).toBe(true);

    expect((await service.call('GET', '/audit', { token: bob })).status).toBe(403);
    expect((await service.call('GET', '/audit', { token: foreignAdmin })).body.items).toEqual([]);
    expect((await service.call('GET', '/audit')).status).toBe(401);
  });

  it.each(['limit=0', 'tokenId=xyz', 'cursor=abc'])('answers 400 to GET /audit?%s', async (query) => {
    const response = await service.call('GET', `/audit?${query}`, { token: admin });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_request');
  });
});

describe('POST /tokens/revoke-leaked', () => {
  it('revokes the tokens of valid leaked secrets, and answers the same whatever the mix', async () => {
    const leakedAccess = await service.createToken(alice, { scopes: ['jobs:read'] });
    const leakedRefresh = await service.createToken(alice, { scopes: ['jobs:read'] });
    const untouched = await service.createToken(alice, { scopes: ['jobs:read'] });
    const alreadyRevoked = await service.createToken(alice, { scopes: ['jobs:read'] });
    await service.call('DELETE', `/tokens/${alreadyRevoked.id}`, { token: alice });
    const [header, payload] = leakedAccess.accessToken.split('.') as [string, string];
    const forgedSignature = sign('sha256', Buffer.from(`${header}.${payload}`), {
      key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
      dsaEncoding: 'ieee-p1363',
    });
    const forged = `${header}.${payload}.${forgedSignature.toString('base64url')}`;
    const wrongSecret = `${untouched.refreshKey.slice(0, -3)}${untouched.refreshKey.endsWith('AAA') ? 'BBB' : 'AAA'}`;

    const onlyJunk = await service.call('POST', '/tokens/revoke-leaked', {
      body: { tokens: [forged, wrongSecret, 'garbage', alreadyRevoked.accessToken] },
    });
    expect((await service.call('GET', '/api/jobs', { token: untouched.accessToken })).status).toBe(200);
    expect((await service.call('GET', '/api/jobs', { token: leakedAccess.accessToken })).status).toBe(200);

    const withValid = await service.call('POST', '/tokens/revoke-leaked', {
      body: { tokens: [leakedAccess.accessToken, leakedRefresh.refreshKey, forged, wrongSecret] },
    });

    expect(onlyJunk.status).toBe(202);
    expect(withValid.status).toBe(202);
    expect(withValid.body).toEqual({ received: 4 });
    expect(onlyJunk.body).toEqual({ received: 4 });
    expect(withValid.headers.get('content-length')).toBe(onlyJunk.headers.get('content-length'));
    expect((await service.call('GET', '/api/jobs', { token: leakedAccess.accessToken })).status).toBe(401);
    expect((await service.call('GET', '/api/jobs', { token: leakedRefresh.accessToken })).status).toBe(401);
    expect((await service.call('GET', '/api/jobs', { token: untouched.accessToken })).status).toBe(200);
    expect((await service.call('POST', '/tokens/refresh', { body: { refreshKey: leakedRefresh.refreshKey } })).status).toBe(401);
    expect((await service.call('GET', `/tokens/${leakedAccess.id}`, { token: alice })).body).toMatchObject({
      status: 'revoked',
      revokeReason: 'leaked',
      revokedBy: 'leak-report',
    });
    const trail = await service.call('GET', `/tokens/${leakedRefresh.id}/audit`, { token: alice });
    expect(trail.body.items[0]).toMatchObject({
      action: 'token.leak_revoked',
      actor: { type: 'anonymous' },
      details: { via: 'refresh_key' },
    });
    expect((await service.call('GET', `/tokens/${alreadyRevoked.id}`, { token: alice })).body.revokeReason).toBe('revoked');
  });

  it.each([
    ['no tokens field', {}],
    ['an empty list', { tokens: [] }],
    ['101 secrets', { tokens: Array(101).fill('x') }],
    ['a non-string entry', { tokens: [42] }],
  ])('answers 400 to %s', async (_name, body) => {
    const response = await service.call('POST', '/tokens/revoke-leaked', { body });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_request');
  });
});

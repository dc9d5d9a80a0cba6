import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpApiAuthorizerEmulator } from '../support/http-api-emulator';
import { startTestService, type TestService } from '../support/local-service';

// The HTTP API authorizer handler against the local service's table and keys, behind an emulation of
// HTTP API's authorizer contract (cache keyed on token, source IP and route key; 4 s TTL, the
// construct's default). The local front is a REST front: the HTTP API's side is test/support's.
const TTL_MS = 4_000;
const BOUND_MS = 5_000;
const client = '203.0.113.10';

let service: TestService;
let api: HttpApiAuthorizerEmulator;
let alice: string;

beforeAll(async () => {
  service = await startTestService();
  // After the service set the environment the handlers read (table, keys, example routes).
  const { handler } = await import('../../functions/handlers/http-authorizer');
  api = new HttpApiAuthorizerEmulator(handler, TTL_MS);
  alice = await service.session('alice', 'acme');
});
afterAll(() => service?.stop());

const get = (route: string, path: string, token: string | undefined, sourceIp = client) =>
  api.call({ method: 'GET', route, path, sourceIp, authorization: token === undefined ? undefined : `Bearer ${token}` });

describe('HTTP API token authorizer (payload 2.0, emulated gateway)', () => {
  it('allows a token on a route its scope covers, passing the principal', async () => {
    const token = await service.createToken(alice, { scopes: ['candidates:read'] });

    const answer = await get('/api/candidates/{id}', '/api/candidates/7', token.accessToken);

    expect(answer).toEqual({
      status: 200,
      context: { tokenId: token.id, owner: 'alice', tenant: 'acme', scopes: 'candidates:read' },
    });
  });

  it('does not serve an allow cached for one route to another route (the route key is in the cache key)', async () => {
    const token = await service.createToken(alice, { scopes: ['candidates:read'] });
    expect((await get('/api/candidates', '/api/candidates', token.accessToken)).status).toBe(200);

    const write = await api.call({
      method: 'POST',
      route: '/api/candidates',
      path: '/api/candidates',
      sourceIp: client,
      authorization: `Bearer ${token.accessToken}`,
    });

    expect(write.status).toBe(403);
  });

  it('does not serve an answer cached for one client IP to another', async () => {
    const token = await service.createToken(alice, { scopes: ['jobs:read'], allowedIps: ['203.0.113.0/24'] });
    expect((await get('/api/jobs', '/api/jobs', token.accessToken)).status).toBe(200);

    expect((await get('/api/jobs', '/api/jobs', token.accessToken, '198.51.100.9')).status).toBe(403);
  });

  it('answers a missing token 401 without invoking the function, a forged one 403', async () => {
    const before = api.invocations;
    expect((await get('/api/jobs', '/api/jobs', undefined)).status).toBe(401);
    expect(api.invocations).toBe(before);

    expect((await get('/api/jobs', '/api/jobs', 'eyJhbGciOiJFUzI1NiJ9.e30.c2ln')).status).toBe(403);
  });

  it('caches an answer for the TTL: a second call on the same route and IP does not invoke the function', async () => {
    const token = await service.createToken(alice, { scopes: ['assessments:read'] });
    await get('/api/assessments', '/api/assessments', token.accessToken);
    const before = api.invocations;

    await get('/api/assessments', '/api/assessments', token.accessToken);

    expect(api.invocations).toBe(before);
  });

  it(`refuses a revoked token within the ${BOUND_MS / 1000} s bound, with the allow cached`, async () => {
    const token = await service.createToken(alice, { scopes: ['candidates:read'] });
    expect((await get('/api/candidates', '/api/candidates', token.accessToken)).status).toBe(200);

    const revoked = await service.call('DELETE', `/tokens/${token.id}`, { token: alice });
    expect(revoked.status).toBe(200);
    const start = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - start < BOUND_MS + 3_000) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = (await get('/api/candidates', '/api/candidates', token.accessToken)).status;
    }
    const elapsed = Date.now() - start;
    console.log(`HTTP API revocation bound observed: ${elapsed} ms (bound ${BOUND_MS} ms, TTL ${TTL_MS} ms)`);

    expect(status).toBe(403);
    expect(elapsed).toBeLessThanOrEqual(BOUND_MS);
  });
});

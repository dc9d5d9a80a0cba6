import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/local-service';

let service: TestService;
let alice: string;

beforeAll(async () => {
  service = await startTestService();
  alice = await service.session('alice', 'acme');
});
afterAll(async () => {
  await service?.stop();
});

/** Calls the example API from a chosen loopback address (127.0.0.x are distinct clients). */
async function callApi(method: string, path: string, token: string | undefined, localAddress = '127.0.0.1') {
  const { request } = await import('node:http');
  const url = new URL(`${service.url}${path}`);
  return new Promise<{ status: number; body: any }>((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method,
        localAddress,
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('example protected API behind the authorizer', () => {
  it('answers 200 with the principal for a token with the scope', async () => {
    const token = await service.createToken(alice, { scopes: ['candidates:read'] });
    const response = await callApi('GET', '/api/candidates/42/documents', token.accessToken);
    expect(response).toEqual({ status: 200, body: { ok: true, principal: { tokenId: token.id, owner: 'alice', tenant: 'acme' } } });
  });

  it('answers 401 in the spec error shape without a token or with a bad one', async () => {
    for (const token of [undefined, 'garbage']) {
      const response = await callApi('GET', '/api/jobs', token);
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    }
  });

  it('answers 403 to a route outside the scopes, also when the result is cached', async () => {
    const token = await service.createToken(alice, { scopes: ['jobs:read'] });
    expect((await callApi('GET', '/api/jobs', token.accessToken)).status).toBe(200);
    const denied = await callApi('DELETE', '/api/candidates/1', token.accessToken);
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('forbidden');
  });

  it('keys the result cache by client IP: an allowed IP does not open the door for another', async () => {
    const token = await service.createToken(alice, { scopes: ['jobs:read'], allowedIps: ['127.0.0.1'] });
    expect((await callApi('GET', '/api/jobs', token.accessToken, '127.0.0.1')).status).toBe(200);
    expect((await callApi('GET', '/api/jobs', token.accessToken, '127.0.0.2')).status).toBe(403);
    expect((await callApi('GET', '/api/jobs', token.accessToken, '127.0.0.1')).status).toBe(200);
  });

  it('records the last use and the client addresses in the metadata', async () => {
    const token = await service.createToken(alice, { scopes: ['jobs:read'] });
    await callApi('GET', '/api/jobs', token.accessToken, '127.0.0.3');
    const metadata = await service.call('GET', `/tokens/${token.id}`, { token: alice });
    expect(metadata.body.lastUsedAt).toEqual(expect.any(String));
    expect(metadata.body.lastUsedIps).toEqual(['127.0.0.3']);
  });

  it('answers 404 to a path that is no route', async () => {
    expect((await callApi('GET', '/api/payroll', 'x')).status).toBe(404);
  });
});

describe('unknown routes', () => {
  it.each(['/nope', '/foo/bar', '/tokens/x/y', '/scopes/', '/.well-known/other'])(
    'answers GET %s with a JSON 404 in the spec shape',
    async (path) => {
      const response = await fetch(`${service.url}${path}`, { headers: { accept: '*/*' } });
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
    },
  );
});

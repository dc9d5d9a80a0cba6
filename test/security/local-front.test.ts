import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forwardedClientOf, startLocalServer } from '../../functions/local/server';
import { startTestService, type TestService } from '../support/local-service';
import { identity, rawCall, sessionBody, sessionKeyFile, signIn } from './support/local-front';

/**
 * Local mode's HTTP front refuses what a web page in the user's own browser could send it (another
 * Host, a form post) and a client's own X-Forwarded-For entries. What the processes listen on is
 * local-mode.test.ts.
 */

describe('the local front', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService({ trustForwardedFor: true });
  });
  afterAll(async () => {
    await service?.stop();
  });

  describe('Host header (DNS rebinding)', () => {
    it.each([
      'evil.example',
      'evil.example:3000',
      '127.0.0.1.evil.example',
      'localhost.evil.example',
      '192.0.2.1',
      '[2001:db8::1]:80',
      'localhost:3000@evil.example',
    ])('refuses a sign-in addressed to %s with 403 forbidden', async (host) => {
      const response = await signIn(service.url, { host });

      expect(response.status).toBe(403);
      expect(response.body).toEqual({ error: { code: 'forbidden', message: expect.stringContaining('Host') } });
    });

    it('refuses any generated domain name, on every kind of route', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.domain(),
          fc.option(fc.integer({ min: 1, max: 65_535 }), { nil: undefined }),
          fc.constantFrom('/scopes', '/tokens', '/api/candidates', '/', '/.well-known/jwks.json'),
          async (domain, port, path) => {
            const response = await rawCall(service.url, { method: 'GET', path, host: port === undefined ? domain : `${domain}:${port}` });

            expect(response.status).toBe(403);
            expect(response.body.error.code).toBe('forbidden');
          },
        ),
        { numRuns: 60 },
      );
    });

    it.each(['127.0.0.1', '127.0.0.1:3000', 'localhost', 'LOCALHOST:3000', '[::1]:3000', '[::1]', '127.1.2.3:80'])(
      'answers a request addressed to %s',
      async (host) => {
        const response = await signIn(service.url, { host });

        expect(response.status).toBe(200);
        expect(typeof response.body.idToken).toBe('string');
      },
    );
  });

  describe('Content-Type', () => {
    it.each([
      ['text/plain', '/local/session'],
      ['application/x-www-form-urlencoded', '/local/session'],
      ['multipart/form-data; boundary=x', '/local/session'],
      [undefined, '/local/session'],
      ['application/jsonp', '/local/session'],
      ['text/plain;charset=UTF-8', '/tokens/refresh'],
      ['text/plain', '/tokens'],
    ])('refuses a body sent as %s to %s with 400 invalid_request', async (contentType, path) => {
      const response = await rawCall(service.url, {
        method: 'POST',
        path,
        headers: contentType === undefined ? {} : { 'content-type': contentType },
        body: path === '/tokens/refresh' ? '{"refreshKey":"patr_x_y"}' : sessionBody,
      });

      expect(response.status).toBe(400);
      expect(response.body).toEqual({
        error: {
          code: 'invalid_request',
          message: expect.stringContaining('application/json'),
          details: [{ field: 'content-type', message: 'must be application/json' }],
        },
      });
    });

    it('refuses a form-encoded PUT on the example API before the authorizer runs', async () => {
      const response = await rawCall(service.url, {
        method: 'PUT',
        path: '/api/candidates/1',
        headers: { 'content-type': 'text/plain' },
        body: '{}',
      });

      expect(response.status).toBe(400);
    });

    it.each(['application/json', 'application/json; charset=utf-8', 'Application/JSON;charset=UTF-8'])(
      'accepts %s',
      async (contentType) => {
        const response = await signIn(service.url, { contentType });

        expect(response.status).toBe(200);
      },
    );
  });

  describe('X-Forwarded-For (TRUST_FORWARDED_FOR=true, one proxy)', () => {
    let accessToken: string;

    beforeAll(async () => {
      const alice = await service.session('alice', 'acme');
      ({ accessToken } = await service.createToken(alice, { allowedIps: ['203.0.113.7'] }));
    });

    const callFrom = (forwardedFor: string, baseUrl = service.url) =>
      rawCall(baseUrl, {
        method: 'GET',
        path: '/api/candidates',
        headers: { authorization: `Bearer ${accessToken}`, 'x-forwarded-for': forwardedFor },
      });

    it('takes the address the proxy appended, not one the client wrote in front of it', async () => {
      const spoofed = await callFrom('203.0.113.7, 198.51.100.1');

      expect(spoofed.status).toBe(403);
      expect(spoofed.body.error.code).toBe('forbidden');
    });

    it('lets in the allowed client the proxy reports', async () => {
      const response = await callFrom('198.51.100.1, 203.0.113.7');

      expect(response.status).toBe(200);
    });

    it('with TRUSTED_PROXY_HOPS=2, takes the second address from the right', async () => {
      const twoHops = await startLocalServer({ port: 0, identity, sessionKeyFile, trustForwardedFor: true, trustedProxyHops: 2 });
      try {
        expect((await callFrom('198.51.100.1, 203.0.113.7, 10.0.0.1', twoHops.url)).status).toBe(200);
        expect((await callFrom('203.0.113.7, 198.51.100.1, 10.0.0.1', twoHops.url)).status).toBe(403);
      } finally {
        await twoHops.close();
      }
    });
  });
});

describe('forwardedClientOf', () => {
  const address = fc.oneof(fc.ipV4(), fc.ipV6());

  it('is the address the outermost trusted proxy appended, whatever the client wrote before it', () => {
    fc.assert(
      fc.property(
        fc.array(address, { maxLength: 5 }),
        address,
        fc.array(address, { maxLength: 4 }),
        (clientWritten, client, innerProxies) => {
          // The outermost proxy appends the client's address; each inner proxy appends the one before it.
          const header = [...clientWritten, client, ...innerProxies].join(', ');

          expect(forwardedClientOf(header, innerProxies.length + 1)).toBe(client);
        },
      ),
    );
  });
});

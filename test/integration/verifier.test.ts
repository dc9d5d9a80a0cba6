import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleApiRoutes, exampleCatalogue } from '../../functions/domain/routes';
import { createAlbHandler } from '../../packages/verifier/examples/alb-target';
import { createContainerServer } from '../../packages/verifier/examples/container';
import { createFunctionUrlHandler } from '../../packages/verifier/examples/function-url';
import { createTokenVerifier, type TokenVerifier } from '../../packages/verifier/src/index';
import { startTestService, type TestService } from '../support/local-service';

// The verifier package's three examples against `npm start`'s service (its table, its JWKS over
// HTTP, its revocation feed): allow, each refusal, and revocation within the 5 s bound.
const BOUND_MS = 5_000;

let service: TestService;
let verifier: TokenVerifier;
let container: Server;
let containerUrl: string;
let alice: string;

type Answer = { status: number; body: any; wwwAuthenticate?: string };
type Caller = (token: string | undefined, method: string, path: string, sourceIp: string) => Promise<Answer>;

const lambdaContext = () => ({ awsRequestId: 'req', getRemainingTimeInMillis: () => 10_000 }) as never;
const parse = (result: { statusCode: number; body: string; headers?: Record<string, string> }): Answer => ({
  status: result.statusCode,
  body: JSON.parse(result.body),
  wwwAuthenticate: result.headers?.['www-authenticate'],
});

const examples: Record<string, Caller> = {
  'Function URL': async (token, method, path, sourceIp) =>
    parse(
      await createFunctionUrlHandler(verifier)(
        {
          headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
          requestContext: { http: { method, path, sourceIp } },
        } as never,
        lambdaContext(),
      ),
    ),
  'ALB target': async (token, method, path, sourceIp) =>
    parse(
      (await createAlbHandler(verifier)(
        {
          httpMethod: method,
          path,
          headers: {
            ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
            'x-forwarded-for': `198.51.100.250, ${sourceIp}`,
          },
        },
        lambdaContext(),
      )) as never,
    ),
  // A real socket: the client address is loopback, so the IP cases use 127.0.0.x aliases.
  container: async (token, method, path, sourceIp) => {
    const { request } = await import('node:http');
    return new Promise<Answer>((resolve, reject) => {
      const call = request(
        `${containerUrl}${path}`,
        { method, localAddress: sourceIp, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } },
        (response) => {
          let text = '';
          response.on('data', (chunk) => (text += chunk));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              body: JSON.parse(text),
              wwwAuthenticate: response.headers['www-authenticate'] as string | undefined,
            }),
          );
        },
      );
      call.on('error', reject);
      call.end();
    });
  },
};
const clientIp = (example: string) => (example === 'container' ? '127.0.0.1' : '203.0.113.10');
const otherIp = (example: string) => (example === 'container' ? '127.0.0.2' : '198.51.100.9');
const allowedRange = (example: string) => (example === 'container' ? '127.0.0.1/32' : '203.0.113.0/24');

beforeAll(async () => {
  service = await startTestService();
  verifier = createTokenVerifier({
    issuer: 'pat-local',
    jwksUrl: `${service.url}/.well-known/jwks.json`,
    tableName: service.tableName,
    dynamoEndpoint: service.dynamoEndpoint,
    catalogue: exampleCatalogue,
    routes: exampleApiRoutes,
  });
  container = createContainerServer(verifier);
  await new Promise<void>((resolve) => container.listen(0, '127.0.0.1', resolve));
  containerUrl = `http://127.0.0.1:${(container.address() as AddressInfo).port}`;
  alice = await service.session('alice', 'acme');
});
afterAll(async () => {
  await new Promise((resolve) => container?.close(resolve));
  await service?.stop();
});

describe.each(Object.keys(examples))('verifier example: %s', (example) => {
  const call = (...args: Parameters<Caller>) => examples[example]!(...args);

  it('allows a token on a route its scope covers, with the principal', async () => {
    const token = await service.createToken(alice, { scopes: ['candidates:read'] });

    const answer = await call(token.accessToken, 'GET', '/api/candidates/42', clientIp(example));

    expect(answer).toMatchObject({ status: 200, body: { ok: true, principal: { tokenId: token.id, owner: 'alice', tenant: 'acme' } } });
  });

  it.each([
    ['no token', () => undefined],
    ['a malformed token', () => 'not-a-jwt'],
    [
      'a forged signature',
      async () => {
        const token = await service.createToken(alice, { scopes: ['candidates:read'] });
        const [header, payload] = token.accessToken.split('.');
        return `${header}.${payload}.${Buffer.alloc(64, 7).toString('base64url')}`;
      },
    ],
  ])('answers %s 401 with the challenge', async (_name, tokenOf) => {
    const answer = await call(await tokenOf(), 'GET', '/api/candidates', clientIp(example));

    expect(answer.status).toBe(401);
    expect(answer.body.error.code).toBe('unauthorized');
    expect(answer.wwwAuthenticate).toMatch(/^Bearer realm="pat", error="invalid_token"/);
  });

  it('answers a scope the token lacks 403, naming the scope', async () => {
    const token = await service.createToken(alice, { scopes: ['candidates:read'] });

    const answer = await call(token.accessToken, 'DELETE', '/api/candidates/42', clientIp(example));

    expect(answer.status).toBe(403);
    expect(answer.wwwAuthenticate).toContain('scope="candidates:delete"');
  });

  it('answers a client IP the token does not allow 403', async () => {
    const token = await service.createToken(alice, { scopes: ['jobs:read'], allowedIps: [allowedRange(example)] });
    expect((await call(token.accessToken, 'GET', '/api/jobs', clientIp(example))).status).toBe(200);

    expect((await call(token.accessToken, 'GET', '/api/jobs', otherIp(example))).status).toBe(403);
  });

  it(`refuses a revoked token within ${BOUND_MS / 1000} s`, async () => {
    const token = await service.createToken(alice, { scopes: ['candidates:read'] });
    expect((await call(token.accessToken, 'GET', '/api/candidates', clientIp(example))).status).toBe(200);

    expect((await service.call('DELETE', `/tokens/${token.id}`, { token: alice })).status).toBe(200);
    const start = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - start < BOUND_MS + 3_000) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      status = (await call(token.accessToken, 'GET', '/api/candidates', clientIp(example))).status;
    }
    const elapsed = Date.now() - start;
    console.log(`verifier (${example}) revocation observed: ${elapsed} ms (bound ${BOUND_MS} ms)`);

    expect(status).toBe(401);
    expect(elapsed).toBeLessThanOrEqual(BOUND_MS);
  });
});

describe('verifyToken by scope', () => {
  it('allows a token whose scopes cover the scope (a grant on an area covers its sub-areas), refuses one that does not', async () => {
    const token = await service.createToken(alice, { scopes: ['candidates:read'] });
    const header = `Bearer ${token.accessToken}`;

    expect((await verifier.verifyToken(header, { scope: 'candidates/documents:read' }, { sourceIp: '203.0.113.10' })).ok).toBe(true);
    expect(await verifier.verifyToken(header, { scope: 'candidates:write' }, { sourceIp: '203.0.113.10' })).toMatchObject({
      ok: false,
      status: 403,
    });
    expect(await verifier.verifyToken(header, { scope: 'payroll:read' }, { sourceIp: '203.0.113.10' })).toMatchObject({
      ok: false,
      status: 403,
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/local-service';

let service: TestService;
let alice: string;

beforeAll(async () => {
  service = await startTestService({ settings: { policy: { reuseLeewaySeconds: 0 } } });
  alice = await service.session('alice', 'acme');
});
afterAll(async () => {
  await service?.stop();
});

describe('POST /tokens/refresh', () => {
  it('answers 200 with the successor, a new access token and a new refresh key', async () => {
    const first = await service.createToken(alice, { description: 'rotating', scopes: ['jobs:read'] });
    const refreshed = await service.call('POST', '/tokens/refresh', { body: { refreshKey: first.refreshKey } });

    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toMatchObject({
      owner: 'alice',
      tenant: 'acme',
      description: 'rotating',
      scopes: ['jobs:read'],
      status: 'active',
    });
    expect(refreshed.body.id).not.toBe(first.id);
    expect(refreshed.body.accessToken).toEqual(expect.any(String));
    expect(refreshed.body.refreshKey).toMatch(new RegExp(`^patr_${refreshed.body.id}_`));
    expect((await service.call('GET', '/api/jobs', { token: refreshed.body.accessToken })).status).toBe(200);

    const old = await service.call('GET', `/tokens/${first.id}`, { token: alice });
    expect(old.body).toMatchObject({ status: 'revoked', revokeReason: 'rotated', graceUntil: expect.any(String) });
  });

  it('answers 401 invalid_grant to a reused key (after the leeway, here 0 s) and revokes the family', async () => {
    const first = await service.createToken(alice, { description: 'reused', scopes: ['jobs:read'] });
    const second = await service.call('POST', '/tokens/refresh', { body: { refreshKey: first.refreshKey } });
    await new Promise((resolve) => setTimeout(resolve, 5));

    const reuse = await service.call('POST', '/tokens/refresh', { body: { refreshKey: first.refreshKey } });
    expect(reuse.status).toBe(401);
    expect(reuse.body).toEqual({ error: { code: 'invalid_grant', message: expect.any(String) } });
    expect((await service.call('GET', `/tokens/${second.body.id}`, { token: alice })).body).toMatchObject({
      status: 'revoked',
      revokeReason: 'reuse_detected',
    });
  });

  it.each([
    ['garbage', { refreshKey: 'garbage' }],
    ['an empty key', { refreshKey: '' }],
    ['an unknown id', { refreshKey: `patr_${'f'.repeat(32)}_${'A'.repeat(43)}` }],
    ['a 5,000-character key', { refreshKey: 'patr_'.padEnd(5_000, 'x') }],
  ])('answers 401 invalid_grant to %s', async (_name, body) => {
    const response = await service.call('POST', '/tokens/refresh', { body });
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('invalid_grant');
  });

  it.each([
    ['a missing refreshKey', {}],
    ['a numeric refreshKey', { refreshKey: 42 }],
    ['a null refreshKey', { refreshKey: null }],
    ['an array body', ['x']],
  ])('answers 400 to %s', async (_name, body) => {
    const response = await service.call('POST', '/tokens/refresh', { body });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({
      code: 'invalid_request',
      details: [expect.objectContaining({ field: expect.any(String) })],
    });
  });

  it('does not accept an access token as a refresh key, nor a refresh key as a bearer token', async () => {
    const token = await service.createToken(alice, { description: 'crossed', scopes: ['jobs:read'] });
    expect((await service.call('POST', '/tokens/refresh', { body: { refreshKey: token.accessToken } })).status).toBe(401);
    expect((await service.call('GET', '/api/jobs', { token: token.refreshKey })).status).toBe(401);
  });
});

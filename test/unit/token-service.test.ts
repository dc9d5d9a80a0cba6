import { describe, expect, it } from 'vitest';
import type { TokenPolicy } from '../../functions/domain/token-policy';
import { authorizerFor, DAY, ManualClock, tokenService, user } from '../support/fixtures';
import { MemoryTokenStore } from '../support/memory-token-store';
import { codeOf, rotate } from '../support/refresh-fixtures';

/**
 * The token service's rules over the in-memory store (which passes the DynamoDB store's contract
 * tests): `npm run test:unit` covers them without DynamoDB Local. The same rules over DynamoDB
 * are in test/integration.
 */
function setup(policy: Partial<TokenPolicy> = {}) {
  const store = new MemoryTokenStore();
  const clock = new ManualClock();
  const { service, keys } = tokenService(store, clock, { policy });
  const authorizer = authorizerFor(store, clock, keys, { statusCacheMs: 0 });
  const authorize = async (accessToken: string) =>
    (
      await authorizer.authorize({
        authorization: `Bearer ${accessToken}`,
        sourceIp: '203.0.113.5',
        method: 'GET',
        resource: '/api/candidates',
      })
    ).effect;
  return { store, clock, service, authorize };
}

describe('create', () => {
  it('issues an active token with the scopes asked, usable at once', async () => {
    const { service, authorize } = setup();

    const token = await service.create(user('ann'), { description: 'CI', scopes: ['candidates:read'] });

    expect(token).toMatchObject({ status: 'active', scopes: ['candidates:read'] });
    expect(await authorize(token.accessToken)).toBe('allow');
  });

  it('refuses a scope outside the catalogue, and a lifetime the policy does not offer', async () => {
    const { service } = setup();

    expect(await codeOf(service.create(user('ann'), { description: 'x', scopes: ['payroll:read'] }))).toBe('invalid_request');
    expect(await codeOf(service.create(user('ann'), { description: 'y', scopes: ['jobs:read'], expiresInDays: 17 }))).toBe(
      'invalid_request',
    );
  });

  it("refuses a second active token with the owner's description", async () => {
    const { service } = setup();
    await service.create(user('ann'), { description: 'Nightly', scopes: ['jobs:read'] });

    expect(await codeOf(service.create(user('ann'), { description: 'Nightly', scopes: ['jobs:read'] }))).toBe('conflict');
    expect(await codeOf(service.create(user('bob'), { description: 'Nightly', scopes: ['jobs:read'] }))).toBe('ok');
  });

  it('caps active tokens per owner; a revoked one frees its place', async () => {
    const { service } = setup({ maxActiveTokensPerOwner: 2 });
    const first = await service.create(user('ann'), { description: 'a', scopes: ['jobs:read'] });
    await service.create(user('ann'), { description: 'b', scopes: ['jobs:read'] });

    expect(await codeOf(service.create(user('ann'), { description: 'c', scopes: ['jobs:read'] }))).toBe('conflict');
    await service.revoke(user('ann'), first.id);
    expect(await codeOf(service.create(user('ann'), { description: 'c', scopes: ['jobs:read'] }))).toBe('ok');
  });
});

describe('refresh', () => {
  it('rotates: the successor keeps the terms, the predecessor works until its grace ends', async () => {
    const { clock, service, authorize } = setup({ rotationGraceSeconds: 60 });
    const first = await service.create(user('ann'), { description: 'Vendor', scopes: ['candidates:read'] });

    const second = await rotate(service, first.refreshKey);

    expect(second).toMatchObject({ scopes: ['candidates:read'], description: 'Vendor' });
    expect(await authorize(first.accessToken)).toBe('allow');
    clock.advance(60_000);
    expect(await authorize(first.accessToken)).toBe('unauthorized');
    expect(await authorize(second.accessToken)).toBe('allow');
  });

  it('answers a retry within the leeway with the same successor', async () => {
    const { clock, service } = setup({ reuseLeewaySeconds: 30 });
    const first = await service.create(user('ann'), { description: 'Vendor', scopes: ['candidates:read'] });
    const second = await rotate(service, first.refreshKey);
    clock.advance(29_999);

    const retry = await service.refresh(first.refreshKey);

    expect(retry).toMatchObject({ kind: 'replayed', token: { id: second.id, refreshKey: second.refreshKey } });
  });

  it('revokes the whole family when a rotated key is reused after the leeway, and no other token', async () => {
    const { clock, service, authorize } = setup({ reuseLeewaySeconds: 30 });
    const first = await service.create(user('ann'), { description: 'Vendor', scopes: ['candidates:read'] });
    const bystander = await service.create(user('ann'), { description: 'Other', scopes: ['candidates:read'] });
    const second = await rotate(service, first.refreshKey);
    clock.advance(30_001);

    const outcome = await service.refresh(first.refreshKey);

    expect(outcome).toMatchObject({ kind: 'reuse_detected', revokedIds: expect.arrayContaining([second.id]) });
    expect(await authorize(second.accessToken)).toBe('unauthorized');
    expect(await codeOf(service.refresh(second.refreshKey))).toBe('invalid_grant');
    expect((await service.get(user('ann'), bystander.id)).status).toBe('active');
  });

  it('answers invalid_grant to a wrong secret and to garbage', async () => {
    const { service } = setup();
    const first = await service.create(user('ann'), { description: 'Vendor', scopes: ['candidates:read'] });

    expect(await codeOf(service.refresh(`${first.refreshKey.slice(0, -4)}AAAA`))).toBe('invalid_grant');
    expect(await codeOf(service.refresh('not a key'))).toBe('invalid_grant');
  });
});

describe('revoke', () => {
  it('revokes the credential: the live successor and the predecessor still in its grace', async () => {
    const { service, authorize } = setup({ rotationGraceSeconds: 60 });
    const first = await service.create(user('ann'), { description: 'Vendor', scopes: ['candidates:read'] });
    const second = await rotate(service, first.refreshKey);

    await service.revoke(user('ann'), first.id);

    expect(await authorize(first.accessToken)).toBe('unauthorized');
    expect(await authorize(second.accessToken)).toBe('unauthorized');
    expect(await codeOf(service.refresh(second.refreshKey))).toBe('invalid_grant');
  });

  it("does not let one user revoke another's token, nor another tenant's", async () => {
    const { service } = setup();
    const token = await service.create(user('ann'), { description: 'Vendor', scopes: ['candidates:read'] });

    expect(await codeOf(service.revoke(user('bob'), token.id))).toBe('not_found');
    expect(await codeOf(service.revoke(user('ann', 'globex'), token.id))).toBe('not_found');
  });
});

describe('tenant policy and approval', () => {
  it('holds new tokens pending when the tenant requires approval, until an admin approves', async () => {
    const { service, authorize } = setup();
    await service.setPolicy(user('root', 'acme', true), { requireApproval: true });

    const token = await service.create(user('ann'), { description: 'Vendor', scopes: ['candidates:read'] });

    expect(token.status).toBe('pending');
    expect(await authorize(token.accessToken)).toBe('unauthorized');
    expect(await codeOf(service.decide(user('ann'), token.id, true, { revision: 0 }))).toBe('forbidden');
    await service.decide(user('root', 'acme', true), token.id, true, { revision: 0 });
    expect(await authorize(token.accessToken)).toBe('allow');
  });

  it('lets an admin only tighten the policy, and applies it to new tokens', async () => {
    const { service } = setup();

    expect(await codeOf(service.setPolicy(user('ann'), { maxLifetimeDays: 90 }))).toBe('forbidden');
    expect(await codeOf(service.setPolicy(user('root', 'acme', true), { maxLifetimeDays: 100_000 }))).toBe('invalid_request');
    await service.setPolicy(user('root', 'acme', true), { lifetimesDays: [90], defaultLifetimeDays: 90, maxLifetimeDays: 90 });
    expect(await codeOf(service.create(user('ann'), { description: 'long', scopes: ['jobs:read'], expiresInDays: 365 }))).toBe(
      'invalid_request',
    );
  });
});

describe('edit', () => {
  it('narrows scopes and refuses to widen them', async () => {
    const { service } = setup();
    const token = await service.create(user('ann'), { description: 'Vendor', scopes: ['candidates:read', 'jobs:read'] });

    expect((await service.edit(user('ann'), token.id, { scopes: ['jobs:read'] })).scopes).toEqual(['jobs:read']);
    expect(await codeOf(service.edit(user('ann'), token.id, { scopes: ['jobs:read', 'candidates:read'] }))).toBe('invalid_request');
  });

  it('refuses to edit a revoked token', async () => {
    const { service } = setup();
    const token = await service.create(user('ann'), { description: 'Vendor', scopes: ['jobs:read'] });
    await service.revoke(user('ann'), token.id);

    expect(await codeOf(service.edit(user('ann'), token.id, { description: 'renamed' }))).toBe('conflict');
  });

  it('refuses a description another active token of the owner holds', async () => {
    const { clock, service } = setup();
    const token = await service.create(user('ann'), { description: 'one', scopes: ['jobs:read'] });
    await service.create(user('ann'), { description: 'two', scopes: ['jobs:read'], expiresAt: new Date(clock.now() + DAY).toISOString() });

    expect(await codeOf(service.edit(user('ann'), token.id, { description: 'two' }))).toBe('conflict');
    clock.advance(DAY);
    expect((await service.edit(user('ann'), token.id, { description: 'two' })).description).toBe('two');
  });
});

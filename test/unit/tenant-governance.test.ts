import { describe, expect, it } from 'vitest';
import { DAY, user } from '../support/fixtures';
import { codeOf } from '../support/refresh-fixtures';
import { setup } from '../support/service-scenarios';

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

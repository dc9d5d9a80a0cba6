import { describe, expect, it } from 'vitest';
import { user } from '../support/fixtures';
import { codeOf } from '../support/refresh-fixtures';
import { setup } from '../support/service-scenarios';

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

import { describe, expect, it } from 'vitest';
import { user } from '../support/fixtures';
import { codeOf, rotate } from '../support/refresh-fixtures';
import { setup } from '../support/service-scenarios';

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

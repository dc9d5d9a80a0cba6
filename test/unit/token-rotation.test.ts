import { describe, expect, it } from 'vitest';
import { user } from '../support/fixtures';
import { codeOf, rotate } from '../support/refresh-fixtures';
import { setup } from '../support/service-scenarios';

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

import { describe, expect, it } from 'vitest';
import { newestUse } from '../../functions/domain/token';
import { DAY, ManualClock, tokenService, user } from '../support/fixtures';
import { MemoryTokenStore } from '../support/memory-token-store';

/** "Last used" of a credential is the newest use of any of its generations, not only the newest token's. */
describe('credentialLastUsedAt', () => {
  it('is the newer of the token’s own use and the use carried over from earlier generations', () => {
    expect(newestUse({})).toBeUndefined();
    expect(newestUse({ lastUsedAt: 5 })).toBe(5);
    expect(newestUse({ credentialLastUsedAt: 7 })).toBe(7);
    expect(newestUse({ lastUsedAt: 5, credentialLastUsedAt: 7 })).toBe(7);
    expect(newestUse({ lastUsedAt: 9, credentialLastUsedAt: 7 })).toBe(9);
  });

  it('survives rotations: a credential used by generation 1 does not read "never" once generation 3 exists', async () => {
    const store = new MemoryTokenStore();
    const clock = new ManualClock();
    const { service } = tokenService(store, clock, {});
    const ann = user('ann');
    const created = await service.create(ann, { description: 'vendor', scopes: ['jobs:read'] });
    const usedAt = clock.now() + 1000;
    await store.recordUse(created.id, usedAt, ['203.0.113.5']);
    clock.advance(DAY);

    const second = await service.refresh(created.refreshKey);
    if (second.kind === 'reuse_detected') throw new Error('unexpected reuse');
    clock.advance(DAY);
    const third = await service.refresh(second.token.refreshKey);
    if (third.kind === 'reuse_detected') throw new Error('unexpected reuse');
    const newest = await service.get(ann, third.token.id);

    expect(newest.lastUsedAt).toBeNull();
    expect(newest.credentialLastUsedAt).toBe(new Date(usedAt).toISOString());
    expect(second.token.credentialLastUsedAt).toBe(new Date(usedAt).toISOString());
  });

  it('is the token’s own use for a token that was never rotated, and null for one never used', async () => {
    const store = new MemoryTokenStore();
    const clock = new ManualClock();
    const { service } = tokenService(store, clock, {});
    const ann = user('ann');
    const unused = await service.create(ann, { description: 'a', scopes: ['jobs:read'] });
    const used = await service.create(ann, { description: 'b', scopes: ['jobs:read'] });
    await store.recordUse(used.id, clock.now(), []);

    expect((await service.get(ann, unused.id)).credentialLastUsedAt).toBeNull();
    expect((await service.get(ann, used.id)).credentialLastUsedAt).toBe(new Date(clock.now()).toISOString());
  });
});

import { describe, expect, it } from 'vitest';
import { admin, ann, failure, jobs, setup } from '../support/service-rules';

// The lifetime rules of TokenIssuance.regenerate (functions/service/token-issuance.ts) and what
// create keeps of a request, over the in-memory store: a longer life than the token has is an
// admin's to give, the owner may keep or shorten it, and without a lifetime the successor gets
// the predecessor's lifetime again.

const DAY = 86_400_000;
const iso = (millis: number) => new Date(millis).toISOString();
const longer = {
  code: 'invalid_request',
  message: 'Only a tenant admin can give a regenerated token a longer lifetime than it has',
  details: [{ field: 'expiresInDays', message: 'longer than the token’s current lifetime' }],
};

describe('regenerate: the successor’s lifetime', () => {
  it('without a lifetime, gives the predecessor’s lifetime again from now (not the default one)', async () => {
    const { service, clock } = setup();
    const token = await service.create(ann, { ...jobs, expiresInDays: 180 });
    clock.advance(DAY);

    expect((await service.regenerate(ann, token.id)).expiresAt).toBe(iso(clock.now() + 180 * DAY));
  });

  it('lets the owner keep the lifetime (the boundary) or shorten it, in days or as a date', async () => {
    const { service, clock } = setup();
    const token = await service.create(ann, { ...jobs, expiresInDays: 180 });

    const same = await service.regenerate(ann, token.id, { expiresInDays: 180 });
    expect(same.expiresAt).toBe(iso(clock.now() + 180 * DAY));
    const shorter = await service.regenerate(ann, same.id, { expiresInDays: 90 });
    expect(shorter.expiresAt).toBe(iso(clock.now() + 90 * DAY));
    const date = iso(clock.now() + 10 * DAY);
    expect((await service.regenerate(ann, shorter.id, { expiresAt: date })).expiresAt).toBe(date);
  });

  it('refuses the owner a longer lifetime, one second longer included, and gives it to an admin', async () => {
    const { service, clock } = setup();
    const token = await service.create(ann, jobs);

    expect(await failure(service.regenerate(ann, token.id, { expiresInDays: 180 }))).toEqual(longer);
    expect(await failure(service.regenerate(ann, token.id, { expiresAt: iso(clock.now() + 90 * DAY + 1_000) }))).toEqual(longer);
    expect((await service.regenerate(admin(), token.id, { expiresInDays: 365 })).expiresAt).toBe(iso(clock.now() + 365 * DAY));
  });

  it('refuses the owner a token without expiry in place of one that expires, and gives it to an admin', async () => {
    const { service } = setup({ allowNoExpiry: true });
    const token = await service.create(ann, jobs);

    expect(await failure(service.regenerate(ann, token.id, { expiresAt: null }))).toEqual(longer);
    expect((await service.regenerate(admin(), token.id, { expiresAt: null })).expiresAt).toBeNull();
  });

  it('lets the owner of a token without expiry choose any lifetime, none included', async () => {
    const { service, clock } = setup({ allowNoExpiry: true });
    const token = await service.create(ann, { ...jobs, expiresAt: null });

    const dated = await service.regenerate(ann, token.id, { expiresInDays: 365 });
    expect(dated.expiresAt).toBe(iso(clock.now() + 365 * DAY));
    const forever = await service.create(ann, { ...jobs, description: 'Forever', expiresAt: null });
    expect((await service.regenerate(ann, forever.id, { expiresAt: null })).expiresAt).toBeNull();
  });

  it('names the owner and the cap when the store refuses the successor over the active-token cap', async () => {
    const { service, store } = setup({ maxActiveTokensPerOwner: 7 });
    const token = await service.create(ann, jobs);
    store.rotate = async () => ({ ok: false, refusal: 'cap_reached' });

    expect(await failure(service.regenerate(ann, token.id))).toEqual({
      code: 'conflict',
      message: "ann already has 7 active tokens (this tenant's maximum); revoke one first",
    });
  });
});

describe('create: the justification', () => {
  it('is kept when given, and absent (no key at all) when not', async () => {
    const { service, store } = setup();

    const justified = await service.create(ann, { ...jobs, justification: 'Nightly export' });
    expect(justified.justification).toBe('Nightly export');
    expect((await store.get(justified.id))?.justification).toBe('Nightly export');
    const plain = await service.create(ann, { ...jobs, description: 'Plain' });
    expect(Object.keys((await store.get(plain.id))!)).not.toContain('justification');
  });
});

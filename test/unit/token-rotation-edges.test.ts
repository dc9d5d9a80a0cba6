import { describe, expect, it } from 'vitest';
import { invalidGrant } from '../../functions/domain/errors';
import { formatRefreshKey } from '../../functions/domain/token';
import { ann, failure, jobs, setup } from '../support/service-rules';

// The edges of TokenRotation.refresh (functions/service/token-rotation.ts) the lifecycle rules do
// not reach: a well-formed key that names no token or holds the wrong secret, the store refusing a
// successor over the cap, and a retry within the leeway whose successor or family item is gone.

const refused = { code: 'invalid_grant', message: invalidGrant().message };

describe('refresh: edges', () => {
  it('answers invalid_grant, and rotates nothing, for a well-formed key of an unknown token or with a wrong secret', async () => {
    const { service, store } = setup();
    const token = await service.create(ann, jobs);
    const secret = 'A'.repeat(43);

    expect(await failure(service.refresh(formatRefreshKey('0'.repeat(32), secret)))).toEqual(refused);
    expect(await failure(service.refresh(formatRefreshKey(token.id, secret)))).toEqual(refused);
    expect(await store.get(token.id)).not.toHaveProperty('rotatedAt');
  });

  it('names the owner and the cap when the store refuses the successor over the active-token cap', async () => {
    const { service, store } = setup({ maxActiveTokensPerOwner: 4 });
    const token = await service.create(ann, jobs);
    store.rotate = async () => ({ ok: false, refusal: 'cap_reached' });

    expect(await failure(service.refresh(token.refreshKey))).toEqual({
      code: 'conflict',
      message: "ann already has 4 active tokens (this tenant's maximum); revoke one first",
    });
  });

  it('treats a retry within the leeway as reuse when the successor’s record is gone', async () => {
    const { service, store } = setup();
    const token = await service.create(ann, jobs);
    const rotated = await service.refresh(token.refreshKey);
    if (rotated.kind !== 'rotated') throw new Error(rotated.kind);
    const get = store.get.bind(store);
    store.get = async (id) => (id === rotated.token.id ? undefined : get(id));

    expect(await service.refresh(token.refreshKey)).toMatchObject({ kind: 'reuse_detected', familyId: token.familyId });
  });

  it('answers a retry within the leeway again when the family has no item (a token older than family items)', async () => {
    const { service, store } = setup();
    const token = await service.create(ann, jobs);
    const rotated = await service.refresh(token.refreshKey);
    if (rotated.kind !== 'rotated') throw new Error(rotated.kind);
    store.getFamily = async () => undefined;

    expect(await service.refresh(token.refreshKey)).toMatchObject({ kind: 'replayed', token: { id: rotated.token.id } });
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../functions/domain/errors';
import { freshTable } from '../support/dynamo';
import { DAY, ManualClock, tokenService, user } from '../support/fixtures';

/**
 * Review of the TokenService split (issue 24), over DynamoDB Local: the checks of the old
 * `TokenService` at their boundaries, on the use cases that hold them now. Expiry against
 * regenerate and refresh (no rotation revives a dead token), the refresh window's last
 * millisecond, the active-token cap in the rotation write, the tenant's policy
 * against a refresh, and a family revoked under a rotation.
 */
let table: Awaited<ReturnType<typeof freshTable>>;

beforeAll(async () => {
  table = await freshTable('review-checks');
});

const outcomeOf = (promise: Promise<unknown>) =>
  promise.then(
    (value) => (value && typeof value === 'object' && 'kind' in value ? String(value.kind) : 'ok'),
    (error: unknown) => (error instanceof DomainError ? error.code : String(error)),
  );

let counter = 0;
const description = () => `checks ${++counter}`;

describe('review: no rotation revives a dead token', () => {
  it('regenerate at the instant of expiry is 409; a millisecond before, it rotates', async () => {
    const clock = new ManualClock();
    const { service } = tokenService(table.store, clock, { policy: { lifetimesDays: [1, 90] } });
    const owner = user('abe');
    const dying = await service.create(owner, { description: description(), scopes: ['jobs:read'], expiresInDays: 1 });
    const living = await service.create(owner, { description: description(), scopes: ['jobs:read'], expiresInDays: 1 });
    clock.advance(DAY - 1);
    expect(await outcomeOf(service.regenerate(owner, living.id))).toBe('ok');
    clock.advance(1);
    expect(await outcomeOf(service.regenerate(owner, dying.id))).toBe('conflict');
  });

  it('refresh: within the window after expiry it rotates, at the window’s end it is invalid_grant', async () => {
    const clock = new ManualClock();
    const { service } = tokenService(table.store, clock, { policy: { lifetimesDays: [1, 90], refreshWindowDays: 30 } });
    const owner = user('bo');
    const late = await service.create(owner, { description: description(), scopes: ['jobs:read'], expiresInDays: 1 });
    const tooLate = await service.create(owner, { description: description(), scopes: ['jobs:read'], expiresInDays: 1 });
    clock.advance(DAY + 30 * DAY - 1);
    expect(await outcomeOf(service.refresh(late.refreshKey))).toBe('rotated');
    clock.advance(1);
    expect(await outcomeOf(service.refresh(tooLate.refreshKey))).toBe('invalid_grant');
    expect((await table.store.get(tooLate.id))?.rotatedAt).toBeUndefined();
  });

  it('a revoked token’s refresh key, and a member of a revoked family, are invalid_grant', async () => {
    const clock = new ManualClock();
    const { service } = tokenService(table.store, clock);
    const owner = user('cam');
    const revoked = await service.create(owner, { description: description(), scopes: ['jobs:read'] });
    await service.revoke(owner, revoked.id);
    expect(await outcomeOf(service.refresh(revoked.refreshKey))).toBe('invalid_grant');
    const family = await service.create(owner, { description: description(), scopes: ['jobs:read'] });
    const rotated = await service.refresh(family.refreshKey);
    if (rotated.kind !== 'rotated') throw new Error(rotated.kind);
    await service.revoke(owner, family.id); // addressed by the rotated member: the whole family
    expect(await outcomeOf(service.refresh(rotated.token.refreshKey))).toBe('invalid_grant');
    expect(await outcomeOf(service.regenerate(owner, rotated.token.id))).toBe('conflict');
  });
});

describe('review: the tenant’s current policy ends a chain', () => {
  it('a refresh of a token whose scopes the tenant no longer allows is invalid_grant; regenerate is 409', async () => {
    const clock = new ManualClock();
    const { service } = tokenService(table.store, clock);
    const tenant = 'areas-co';
    const owner = user('dee', tenant);
    const token = await service.create(owner, { description: description(), scopes: ['jobs:read'] });
    await service.setPolicy(user('boss', tenant, true), { allowedAreas: ['candidates'] });
    expect(await outcomeOf(service.refresh(token.refreshKey))).toBe('invalid_grant');
    expect(await outcomeOf(service.regenerate(owner, token.id))).toBe('conflict');
    expect((await service.get(owner, token.id)).outsidePolicy).toBe(true);
  });

  it('an idle credential (tenant idleExpiryDays) cannot be refreshed', async () => {
    const clock = new ManualClock();
    const { service } = tokenService(table.store, clock);
    const tenant = 'idle-co';
    const owner = user('eve', tenant);
    const token = await service.create(owner, { description: description(), scopes: ['jobs:read'] });
    await service.setPolicy(user('boss', tenant, true), { idleExpiryDays: 10 });
    clock.advance(10 * DAY);
    expect(await outcomeOf(service.refresh(token.refreshKey))).toBe('invalid_grant');
  });
});

describe('review: the active-token cap in the rotation write', () => {
  it('refreshing an expired token whose place was taken meanwhile is refused at the cap', async () => {
    const clock = new ManualClock();
    const { service } = tokenService(table.store, clock, { policy: { lifetimesDays: [1, 90] } });
    const tenant = 'cap-rotation-co';
    const owner = user('fay', tenant);
    await service.setPolicy(user('boss', tenant, true), { maxActiveTokensPerOwner: 1 });
    const expired = await service.create(owner, { description: description(), scopes: ['jobs:read'], expiresInDays: 1 });
    clock.advance(DAY);
    await service.create(owner, { description: description(), scopes: ['jobs:read'] });
    const refused = await service.refresh(expired.refreshKey).then(
      () => 'rotated',
      (error: DomainError) => `${error.code}: ${error.message}`,
    );
    expect(refused).toBe("conflict: fay already has 1 active tokens (this tenant's maximum); revoke one first");
    const page = await table.store.list({ tenant, owner: 'fay', status: 'active', limit: 10, now: clock.now() });
    expect(page.items).toHaveLength(1);
  });
});

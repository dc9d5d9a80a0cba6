import { beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../functions/domain/errors';
import { defaultPolicy, successorExpiresAt } from '../../functions/domain/token-policy';
import { freshTable } from '../support/dynamo';
import { DAY, ManualClock, tokenService, user } from '../support/fixtures';

/**
 * Review of the TokenService split (issue 24): `successorExpiresAt` replaced the inline
 * `successorOf(...).expiresAt`. Refresh gives it, regenerate measures an owner's requested
 * lifetime against it. Attacks at the boundaries: max lifetime, the tenant's tighter policy,
 * tokens without expiry, sub-second instants, credential life; exact instants are asserted.
 */
let table: Awaited<ReturnType<typeof freshTable>>;

beforeAll(async () => {
  table = await freshTable('review-life');
});

const SECOND = 1000;
const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (error: unknown) => (error instanceof DomainError ? error.code : String(error)),
  );

let counter = 0;
const description = () => `life ${++counter}`;

describe('review: successorExpiresAt, the arithmetic', () => {
  const t0 = Date.UTC(2026, 0, 1, 0, 0, 0);

  it('keeps the lifetime from the whole second of now, from the whole second of creation', () => {
    // Created at t0+999 ms (iat t0), 90 days: the successor at t1+999 ms gets t1 + 90 days.
    const t1 = t0 + 10 * DAY;
    expect(successorExpiresAt({ createdAt: t0 + 999, expiresAt: t0 + 90 * DAY }, defaultPolicy, t1 + 999)).toBe(t1 + 90 * DAY);
  });

  it('caps a longer lifetime at maxLifetimeDays, and a tenant’s tighter one', () => {
    const legacy = { createdAt: t0, expiresAt: t0 + 400 * DAY };
    expect(successorExpiresAt(legacy, defaultPolicy, t0 + DAY)).toBe(t0 + DAY + 365 * DAY);
    expect(successorExpiresAt(legacy, { ...defaultPolicy, maxLifetimeDays: 30 }, t0 + DAY)).toBe(t0 + DAY + 30 * DAY);
    expect(successorExpiresAt({ createdAt: t0, expiresAt: t0 + 30 * DAY }, { ...defaultPolicy, maxLifetimeDays: 30 }, t0)).toBe(
      t0 + 30 * DAY,
    );
  });

  it('no expiry stays none only where allowed; else the maximum from now', () => {
    const forever = { createdAt: t0, expiresAt: null };
    expect(successorExpiresAt(forever, { ...defaultPolicy, allowNoExpiry: true }, t0 + 5 * SECOND)).toBeNull();
    expect(successorExpiresAt(forever, defaultPolicy, t0 + 5 * SECOND + 500)).toBe(t0 + 5 * SECOND + 365 * DAY);
  });

  it('a lifetime under a second still gets one second', () => {
    expect(successorExpiresAt({ createdAt: t0, expiresAt: t0 + 400 }, defaultPolicy, t0 + 2 * SECOND)).toBe(t0 + 3 * SECOND);
  });
});

describe('review: refresh and regenerate lifetimes through the use cases', () => {
  it('refresh of a 90-day token at a sub-second instant: now (whole second) + 90 days', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 23, 12, 0, 0) + 250);
    const { service } = tokenService(table.store, clock);
    const token = await service.create(user('ama'), { description: description(), scopes: ['jobs:read'], expiresInDays: 90 });
    clock.advance(10 * DAY + 500); // 750 ms past a whole second
    const outcome = await service.refresh(token.refreshKey);
    if (outcome.kind !== 'rotated') throw new Error(`expected a rotation, got ${outcome.kind}`);
    const nowSecond = Math.floor(clock.now() / SECOND) * SECOND;
    expect(Date.parse(outcome.token.expiresAt!)).toBe(nowSecond + 90 * DAY);
  });

  it('refresh under a tenant that tightened maxLifetimeDays after creation: the tenant’s cap', async () => {
    const clock = new ManualClock();
    const { service } = tokenService(table.store, clock, { policy: { lifetimesDays: [1, 30, 90], defaultLifetimeDays: 90 } });
    const caller = user('bea', 'tight-tenant');
    const token = await service.create(caller, { description: description(), scopes: ['jobs:read'], expiresInDays: 90 });
    await service.setPolicy(user('boss', 'tight-tenant', true), { maxLifetimeDays: 30 });
    clock.advance(DAY);
    const outcome = await service.refresh(token.refreshKey);
    if (outcome.kind !== 'rotated') throw new Error(`expected a rotation, got ${outcome.kind}`);
    expect(Date.parse(outcome.token.expiresAt!)).toBe(clock.now() + 30 * DAY);
    // Regenerate by the owner without a lifetime: the same cap.
    const regenerated = await service.regenerate(caller, outcome.token.id);
    expect(Date.parse(regenerated.expiresAt!)).toBe(clock.now() + 30 * DAY);
  });

  it('a token without expiry: refresh keeps none while allowed, gets the maximum once the tenant forbids it', async () => {
    const clock = new ManualClock();
    const { service } = tokenService(table.store, clock, { policy: { allowNoExpiry: true } });
    const caller = user('cy', 'noexp-tenant');
    const token = await service.create(caller, { description: description(), scopes: ['jobs:read'], expiresAt: null });
    expect(token.expiresAt).toBeNull();
    clock.advance(DAY);
    const first = await service.refresh(token.refreshKey);
    if (first.kind !== 'rotated') throw new Error(`expected a rotation, got ${first.kind}`);
    expect(first.token.expiresAt).toBeNull();
    await service.setPolicy(user('boss', 'noexp-tenant', true), { allowNoExpiry: false });
    clock.advance(DAY);
    const second = await service.refresh(first.token.refreshKey);
    if (second.kind !== 'rotated') throw new Error(`expected a rotation, got ${second.kind}`);
    expect(Date.parse(second.token.expiresAt!)).toBe(clock.now() + 365 * DAY);
  });

  it('regenerate: the owner may keep or shorten the lifetime, not lengthen it; an admin may', async () => {
    const clock = new ManualClock();
    const { service } = tokenService(table.store, clock);
    const owner = user('dov');
    const token = await service.create(owner, { description: description(), scopes: ['jobs:read'], expiresInDays: 90 });
    clock.advance(DAY);
    expect(await codeOf(service.regenerate(owner, token.id, { expiresInDays: 180 }))).toBe('invalid_request');
    // Exactly the usual lifetime is keeping it, not lengthening it.
    const kept = await service.regenerate(owner, token.id, { expiresInDays: 90 });
    expect(Date.parse(kept.expiresAt!)).toBe(clock.now() + 90 * DAY);
    // One second past the usual successor's expiry is longer.
    const past = new Date(Math.floor(clock.now() / SECOND) * SECOND + 90 * DAY + SECOND).toISOString();
    expect(await codeOf(service.regenerate(owner, kept.id, { expiresAt: past }))).toBe('invalid_request');
    const admin = await service.regenerate(user('ada', 'acme', true), kept.id, { expiresInDays: 365 });
    expect(Date.parse(admin.expiresAt!)).toBe(clock.now() + 365 * DAY);
  });

  it('credential life: refresh ends at the family’s maximum age, counted from its first token', async () => {
    const clock = new ManualClock();
    const { service } = tokenService(table.store, clock, { policy: { maxCredentialAgeDays: 100 } });
    const token = await service.create(user('eli'), { description: description(), scopes: ['jobs:read'], expiresInDays: 90 });
    clock.advance(60 * DAY);
    const first = await service.refresh(token.refreshKey);
    if (first.kind !== 'rotated') throw new Error(`expected a rotation, got ${first.kind}`);
    clock.advance(40 * DAY); // the family is 100 days old: its life is over
    expect(await codeOf(service.refresh(first.token.refreshKey))).toBe('invalid_grant');
  });
});

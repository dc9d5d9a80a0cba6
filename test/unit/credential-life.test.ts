import { describe, expect, it } from 'vitest';
import { defaultPolicy, type TokenPolicy } from '../../functions/domain/token-policy';
import { changedOverrides } from '../../functions/domain/tenant-policy';
import { exampleCatalogue } from '../../functions/domain/routes';
import { Es256JwtVerifier } from '../../functions/adapters/jwt-verifier';
import { selfCheck } from '../../functions/service/self-check';
import { ExpiryNotifier } from '../../functions/service/expiry-notifications';
import { authorizerFor, candidatesRead, DAY, ISSUER, ManualClock, tokenService, user } from '../support/fixtures';
import { MemoryTokenStore } from '../support/memory-token-store';
import { codeOf } from '../support/refresh-fixtures';

/** Bounded credential life (issue 21): an absolute age for a rotating chain and an idle timeout. */
function setup(policy: Partial<TokenPolicy>) {
  const store = new MemoryTokenStore();
  const clock = new ManualClock();
  const { service, keys } = tokenService(store, clock, { policy });
  const full = { ...defaultPolicy, ...policy };
  const authorizer = authorizerFor(store, clock, keys, { statusCacheMs: 0, lastUsedIntervalMs: 0, idleExpiryDays: full.idleExpiryDays });
  const use = candidatesRead(authorizer);
  const verifier = new Es256JwtVerifier(keys, { issuer: ISSUER, clock, allowNoExpiry: false, ignoreExpiry: true });
  const self = (accessToken: string) =>
    selfCheck({ verifier, status: store, tenantPolicies: store, clock, policy: full }, `Bearer ${accessToken}`);
  return { store, clock, service, use, self };
}

const create = (service: ReturnType<typeof setup>['service']) =>
  service.create(user('ann'), { description: 'vendor sync', scopes: ['candidates:read'], expiresInDays: 90 });

describe('maxCredentialAgeDays', () => {
  it('lets a chain refresh until its first token is that old, and not after, whatever the generation', async () => {
    const { service, clock } = setup({ maxCredentialAgeDays: 100 });
    const first = await create(service);
    clock.advance(60 * DAY);
    const second = await service.refresh(first.refreshKey);
    if (second.kind === 'reuse_detected') throw new Error('unexpected');
    clock.advance(40 * DAY - 1);
    const third = await service.refresh(second.token.refreshKey);
    if (third.kind === 'reuse_detected') throw new Error('unexpected');

    clock.advance(1);

    expect(await codeOf(service.refresh(third.token.refreshKey))).toBe('invalid_grant');
  });

  it('bounds refreshableUntil in GET /tokens/self by the family start', async () => {
    const { service, clock, self } = setup({ maxCredentialAgeDays: 100 });
    const first = await create(service);
    clock.advance(10 * DAY);
    const second = await service.refresh(first.refreshKey);
    if (second.kind === 'reuse_detected') throw new Error('unexpected');

    const view = await self(second.token.accessToken);

    expect(view.refreshableUntil).toBe(new Date(Date.parse(first.createdAt as string) + 100 * DAY).toISOString());
  });
});

describe('idleExpiryDays', () => {
  it('refuses the token at the authorizer and its refresh once unused that long; a use restarts the count', async () => {
    const { service, clock, use } = setup({ idleExpiryDays: 30 });
    const token = await create(service);
    clock.advance(30 * DAY - 1);
    expect(await use(token.accessToken)).toBe('allow');

    clock.advance(30 * DAY - 1);
    expect(await use(token.accessToken)).toBe('allow');
    clock.advance(30 * DAY);

    expect(await use(token.accessToken)).toBe('unauthorized');
    expect(await codeOf(service.refresh(token.refreshKey))).toBe('invalid_grant');
  });

  it('counts a refresh as a use', async () => {
    const { service, clock, use } = setup({ idleExpiryDays: 30 });
    const first = await create(service);
    clock.advance(29 * DAY);
    const second = await service.refresh(first.refreshKey);
    if (second.kind === 'reuse_detected') throw new Error('unexpected');

    clock.advance(29 * DAY);

    expect(await use(second.token.accessToken)).toBe('allow');
  });
});

describe('tenant policy: credential life only tightens', () => {
  const deployment = { ...defaultPolicy, maxCredentialAgeDays: 365, idleExpiryDays: null };

  it('accepts a shorter age, and an idle timeout where the deployment has none', () => {
    const result = changedOverrides(deployment, exampleCatalogue, {}, { maxCredentialAgeDays: 180, idleExpiryDays: 60 });

    expect(result).toMatchObject({ ok: true, policy: { maxCredentialAgeDays: 180, idleExpiryDays: 60 } });
  });

  it('refuses a longer age, or lifting the deployment bound, naming the field', () => {
    expect(changedOverrides(deployment, exampleCatalogue, {}, { maxCredentialAgeDays: 400 })).toEqual({
      ok: false,
      problems: [{ field: 'maxCredentialAgeDays', message: "must be at most the deployment's 365" }],
    });
    expect(changedOverrides(deployment, exampleCatalogue, {}, { maxCredentialAgeDays: null })).toMatchObject({
      ok: false,
      problems: [{ field: 'maxCredentialAgeDays' }],
    });
  });
});

describe('expiry notices', () => {
  it('name the credential’s absolute end when the deployment bounds its age', async () => {
    const { service, store, clock } = setup({ maxCredentialAgeDays: 400 });
    const first = await create(service);
    clock.advance(10 * DAY);
    const second = await service.refresh(first.refreshKey);
    if (second.kind === 'reuse_detected') throw new Error('unexpected');
    clock.advance(85 * DAY);
    const sent: unknown[] = [];
    const notifier = new ExpiryNotifier({
      store,
      publisher: { publish: async (notice) => void sent.push(notice) },
      clock,
      horizonsDays: [30, 7, 1],
      maxCredentialAgeDays: 400,
    });

    await notifier.run();

    expect(sent).toEqual([
      expect.objectContaining({
        tokenId: second.token.id,
        credentialEndsAt: new Date(Date.parse(first.createdAt as string) + 400 * DAY).toISOString(),
      }),
    ]);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../functions/domain/errors';
import type { TokenStore } from '../../functions/service/ports';
import { freshTable } from '../support/dynamo';
import { ManualClock, tokenService, user } from '../support/fixtures';

/**
 * Review of the TokenService split (issue 24): the three former retry loops (edit, regenerate,
 * refresh) now run through `retryOnConflict(3, …)`. Attacks: a stale read reused across attempts
 * (check-then-act), a wrong number of attempts, a wrong final error. Each conditional write is
 * intercepted on DynamoDB Local: it is refused, or a concurrent change lands just before it.
 */
let table: Awaited<ReturnType<typeof freshTable>>;

beforeAll(async () => {
  table = await freshTable('review-retry');
});

type Hooks = { [K in keyof TokenStore]?: (original: TokenStore[K], ...args: Parameters<TokenStore[K]>) => ReturnType<TokenStore[K]> };

/** The store with some methods intercepted, and how often each method was called. */
function instrumented(store: TokenStore, hooks: Hooks = {}) {
  const calls: Record<string, number> = {};
  const proxy = new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const original = value.bind(target);
      const hook = hooks[property as keyof TokenStore] as ((original: unknown, ...args: unknown[]) => unknown) | undefined;
      return (...args: unknown[]) => {
        calls[property as string] = (calls[property as string] ?? 0) + 1;
        return hook ? hook(original, ...args) : original(...args);
      };
    },
  }) as TokenStore;
  return { proxy, calls };
}

/**
 * Services whose next `write` (a conditional write of the store) first lets `change` land: the
 * one injected delay between a use case's read and its write, filled by a concurrent request.
 */
function racing(write: 'rotate' | 'edit', clock: ManualClock) {
  let pending: (() => Promise<unknown>) | undefined;
  const before = async <T>(original: (...args: never[]) => Promise<T>, ...args: never[]) => {
    const change = pending;
    pending = undefined;
    await change?.();
    return original(...args);
  };
  const { proxy } = instrumented(table.store, { [write]: before } as Hooks);
  return {
    service: tokenService(proxy, clock).service,
    /** A request of the same tenant that goes straight to the store. */
    other: tokenService(table.store, clock).service,
    beforeNextWrite: (change: () => Promise<unknown>) => {
      pending = change;
    },
  };
}

const outcomeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (error: unknown) => (error instanceof DomainError ? `${error.code}: ${error.message}` : String(error)),
  );

let counter = 0;
const description = () => `retry ${++counter}`;

describe('review: retryOnConflict gives up after the old three attempts, with the old conflict', () => {
  it('edit: three reads, three conditional writes, then 409', async () => {
    const clock = new ManualClock();
    const { proxy, calls } = instrumented(table.store, { edit: async () => ({ ok: false, refusal: 'changed' }) });
    const { service } = tokenService(proxy, clock);
    const token = await service.create(user('ed'), { description: description(), scopes: ['jobs:read', 'jobs:write'] });
    const before = { ...calls };
    const outcome = await outcomeOf(service.edit(user('ed'), token.id, { scopes: ['jobs:read'] }));
    expect(outcome).toBe('conflict: The token changed while it was being edited; retry');
    expect((calls.edit ?? 0) - (before.edit ?? 0)).toBe(3);
    expect((calls.getWithFamily ?? 0) - (before.getWithFamily ?? 0)).toBe(3);
  });

  it('regenerate: three reads, three swaps, then 409', async () => {
    const clock = new ManualClock();
    const { proxy, calls } = instrumented(table.store, { rotate: async () => ({ ok: false, refusal: 'predecessor_changed' }) });
    const { service } = tokenService(proxy, clock);
    const token = await service.create(user('reg'), { description: description(), scopes: ['jobs:read'] });
    const before = { ...calls };
    const outcome = await outcomeOf(service.regenerate(user('reg'), token.id));
    expect(outcome).toBe('conflict: The token changed while it was being regenerated; retry');
    expect((calls.rotate ?? 0) - (before.rotate ?? 0)).toBe(3);
    expect((calls.getWithFamily ?? 0) - (before.getWithFamily ?? 0)).toBe(3);
  });

  it('refresh: three reads, three swaps, then 409', async () => {
    const clock = new ManualClock();
    const { proxy, calls } = instrumented(table.store, { rotate: async () => ({ ok: false, refusal: 'predecessor_changed' }) });
    const { service } = tokenService(proxy, clock);
    const token = await service.create(user('ref'), { description: description(), scopes: ['jobs:read'] });
    const before = { ...calls };
    const outcome = await outcomeOf(service.refresh(token.refreshKey));
    expect(outcome).toBe('conflict: This refresh key is being used by concurrent requests; retry');
    expect((calls.rotate ?? 0) - (before.rotate ?? 0)).toBe(3);
    expect((calls.get ?? 0) - (before.get ?? 0)).toBe(3);
  });

  it('a try that settles on the second attempt answers it, without a third', async () => {
    const clock = new ManualClock();
    let refusals = 1;
    const { proxy, calls } = instrumented(table.store, {
      rotate: async (original, rotation) => (refusals-- > 0 ? { ok: false, refusal: 'predecessor_changed' } : original(rotation)),
    });
    const { service } = tokenService(proxy, clock);
    const token = await service.create(user('reg2'), { description: description(), scopes: ['jobs:read'] });
    const before = { ...calls };
    const issued = await service.regenerate(user('reg2'), token.id);
    expect(issued.status).toBe('active');
    expect(issued.generation).toBe(2);
    expect((calls.rotate ?? 0) - (before.rotate ?? 0)).toBe(2);
  });
});

describe('review: each attempt re-reads and re-checks (no stale read reused across attempts)', () => {
  it('regenerate that loses to a concurrent narrowing edit issues the narrowed terms, not the ones first read', async () => {
    const clock = new ManualClock();
    const { service, other, beforeNextWrite } = racing('rotate', clock);
    const token = await service.create(user('nia'), { description: description(), scopes: ['jobs:read', 'jobs:write'] });
    beforeNextWrite(() => other.edit(user('nia'), token.id, { scopes: ['jobs:read'] }));
    const issued = await service.regenerate(user('nia'), token.id);
    expect(issued.scopes).toEqual(['jobs:read']);
    expect((await table.store.get(issued.id))?.scopes).toEqual(['jobs:read']);
  });

  it('edit that loses to a concurrent revoke re-reads and refuses: the revoked token is not edited', async () => {
    const clock = new ManualClock();
    const { service, other, beforeNextWrite } = racing('edit', clock);
    const token = await service.create(user('olu'), { description: description(), scopes: ['jobs:read', 'jobs:write'] });
    beforeNextWrite(() => other.revoke(user('olu'), token.id));
    const outcome = await outcomeOf(service.edit(user('olu'), token.id, { scopes: ['jobs:read'] }));
    expect(outcome).toBe('conflict: The token is revoked: only a usable token can be edited');
    expect((await table.store.get(token.id))?.scopes).toEqual(['jobs:read', 'jobs:write']);
  });

  it('regenerate that loses to a concurrent revoke does not revive the credential', async () => {
    const clock = new ManualClock();
    const { service, other, beforeNextWrite } = racing('rotate', clock);
    const token = await service.create(user('pia'), { description: description(), scopes: ['jobs:read'] });
    beforeNextWrite(() => other.revoke(user('pia'), token.id));
    const outcome = await outcomeOf(service.regenerate(user('pia'), token.id));
    expect(outcome).toMatch(/^conflict: /);
    const family = await table.store.getFamily(token.familyId);
    expect(family?.state).toBe('revoked');
    const page = await table.store.list({ tenant: 'acme', owner: 'pia', status: 'active', limit: 10, now: clock.now() });
    expect(page.items).toEqual([]);
  });

  it('refresh that loses to a concurrent refresh with the same key answers the winner again (replay), one successor', async () => {
    const clock = new ManualClock();
    const { service, beforeNextWrite } = racing('rotate', clock);
    const token = await service.create(user('quinn'), { description: description(), scopes: ['jobs:read'] });
    let winner: string | undefined;
    beforeNextWrite(async () => {
      const outcome = await service.refresh(token.refreshKey);
      if (outcome.kind === 'rotated') winner = outcome.token.id;
    });
    const outcome = await service.refresh(token.refreshKey);
    expect(winner).toBeDefined();
    expect(outcome.kind).toBe('replayed');
    if (outcome.kind === 'replayed') expect(outcome.token.id).toBe(winner);
    const page = await table.store.list({ tenant: 'acme', owner: 'quinn', status: 'all', limit: 10, now: clock.now() });
    expect(page.items.filter((item) => item.generation === 2).map((item) => item.id)).toEqual([winner]);
  });
});

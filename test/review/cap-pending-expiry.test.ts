import { beforeAll, describe, expect, it } from 'vitest';
import type { TokenStore } from '../../functions/service/ports';
import { DomainError } from '../../functions/domain/errors';
import { PENDING_APPROVAL_MS } from '../../functions/domain/token';
import { freshTable } from '../support/dynamo';
import { ManualClock, tokenService, user } from '../support/fixtures';

/**
 * Review of issue 20, target 1 (cap enforced in the write). An approval whose write lands after the
 * token's approval wait ended re-adds the token to the owner's places with no cap condition
 * (`OwnerPlacesItems.keep(..., Number.MAX_SAFE_INTEGER)` in `DynamoTokenRecords.decide`), after a
 * create in between pruned its entry as expired and took the place. The store's decide checks
 * `state = pending` and the revision, never the wait's end, so a delay between the service's
 * `statusOf` check and the write is enough.
 */
let table: Awaited<ReturnType<typeof freshTable>>;

beforeAll(async () => {
  table = await freshTable('review-cap');
});

const codeOf = (reason: unknown) => (reason instanceof DomainError ? reason.code : String(reason));

describe('review: the cap across an approval that lands after the pending wait', () => {
  it('never leaves an owner with more active tokens than the cap', async () => {
    const clock = new ManualClock();
    let beforeDecideWrite: (() => Promise<void>) | undefined;
    // One injected delay: the store's decide runs after the hook (a slow Lambda, a retried call).
    const store = new Proxy(table.store, {
      get(target, property, receiver) {
        if (property === 'decide') {
          return async (...args: Parameters<TokenStore['decide']>) => {
            if (beforeDecideWrite) await beforeDecideWrite();
            return target.decide(...args);
          };
        }
        const value = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as TokenStore;
    const { service } = tokenService(store, clock, { policy: { maxActiveTokensPerOwner: 1 } });
    const admin = user('root', 'acme', true);
    await service.setPolicy(admin, { requireApproval: true });

    const waiting = await service.create(user('pia'), { description: 'waiting', scopes: ['jobs:read'] });
    expect(waiting.status).toBe('pending');
    // The cap holds while it waits.
    expect(codeOf(await service.create(user('pia'), { description: 'other', scopes: ['jobs:read'] }).catch((e) => e))).toBe('conflict');

    // The admin decides 1 s before the wait ends; the decision's write is delayed by 2 s, during which
    // the owner's wait ended and an admin-created token for the same owner took the freed place.
    clock.advance(PENDING_APPROVAL_MS - 1_000);
    beforeDecideWrite = async () => {
      beforeDecideWrite = undefined;
      clock.advance(2_000);
      const replacement = await service.create(admin, { description: 'replacement', scopes: ['jobs:read'], owner: 'pia' });
      expect(replacement.status).toBe('active');
    };
    const decided = await service.decide(admin, waiting.id, true, { revision: 0 }).then(
      (view) => view.status,
      (error) => codeOf(error),
    );

    const active = await service.list(admin, { status: 'active', owner: 'pia', limit: 100 });
    const pias = active.items.filter((item) => item.owner === 'pia');
    // Either the late approval is refused (409), or it is not: then pia holds 2 active tokens under a cap of 1.
    expect({ decided, active: pias.length }).toEqual({ decided: 'conflict', active: 1 });
  });
});

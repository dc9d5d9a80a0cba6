import { describe, expect, it } from 'vitest';
import type { TokenStore } from '../../functions/service/ports';
import { created, eventFor, id, NOW, recordOf, rotationOf, successorOf, tenantOf } from './token-store-fixtures';

/** The contract's half on token records: create and read, list, the active-token cap, rotate. */
export function tokenRecordsContract(name: string, storeFor: () => Promise<TokenStore> | TokenStore): void {
  describe(`TokenStore contract: ${name}`, () => {
    describe('create and read', () => {
      it('reads back what it wrote, with its family live and headed by it', async () => {
        const store = await storeFor();
        const record = await created(store, recordOf(tenantOf()));

        expect(await store.get(record.id)).toMatchObject({
          id: record.id,
          description: record.description,
          state: 'active',
          familyId: record.id,
        });
        expect(await store.getFamily(record.id)).toMatchObject({ id: record.id, state: 'live', headId: record.id, generation: 1 });
        expect((await store.getWithFamily(record.id, record.familyId)).family).toMatchObject({ state: 'live' });
        expect(await store.get(id())).toBeUndefined();
      });

      it("refuses a second active token with the owner's description (conflict), not another owner's", async () => {
        const store = await storeFor();
        const tenant = tenantOf();
        const first = await created(store, recordOf(tenant, { description: 'Nightly export' }));

        await expect(created(store, recordOf(tenant, { description: first.description }))).rejects.toMatchObject({ code: 'conflict' });
        await expect(
          created(store, recordOf(tenant, { description: first.description, owner: 'bob', createdBy: 'bob' })),
        ).resolves.toBeDefined();
      });

      it('lets a new token take the description of an expired one', async () => {
        const store = await storeFor();
        const tenant = tenantOf();
        await created(store, recordOf(tenant, { description: 'short-lived', expiresAt: NOW - 1_000 }));

        await expect(created(store, recordOf(tenant, { description: 'short-lived' }))).resolves.toBeDefined();
      });
    });

    describe('list', () => {
      it('lists by status, newest first, one page at a time', async () => {
        const store = await storeFor();
        const tenant = tenantOf();
        const active = [];
        for (let i = 0; i < 5; i++) active.push(await created(store, recordOf(tenant, { createdAt: NOW - i * 1_000 })));
        const expired = await created(store, recordOf(tenant, { createdAt: NOW - 10_000, expiresAt: NOW - 1 }));
        const pending = await created(store, recordOf(tenant, { createdAt: NOW - 20_000, state: 'pending' }));

        const first = await store.list({ tenant, status: 'active', limit: 2, now: NOW });
        const second = await store.list({ tenant, status: 'active', limit: 2, now: NOW, cursor: first.nextCursor! });
        const third = await store.list({ tenant, status: 'active', limit: 2, now: NOW, cursor: second.nextCursor! });

        expect([...first.items, ...second.items, ...third.items].map((r) => r.id)).toEqual(active.map((r) => r.id));
        expect(third.nextCursor).toBeNull();
        expect((await store.list({ tenant, status: 'expired', limit: 10, now: NOW })).items.map((r) => r.id)).toEqual([expired.id]);
        expect((await store.list({ tenant, status: 'pending', limit: 10, now: NOW })).items.map((r) => r.id)).toEqual([pending.id]);
        expect((await store.list({ tenant, status: 'all', limit: 10, now: NOW })).items).toHaveLength(7);
      });

      it("lists one owner's tokens", async () => {
        const store = await storeFor();
        const tenant = tenantOf();
        await created(store, recordOf(tenant));
        const bobs = await created(store, recordOf(tenant, { owner: 'bob', createdBy: 'bob' }));

        expect((await store.list({ tenant, owner: 'bob', status: 'all', limit: 10, now: NOW })).items.map((r) => r.id)).toEqual([bobs.id]);
      });
    });

    describe('the active-token cap, enforced in the write', () => {
      it('refuses a create past the cap (conflict), counting pending tokens, and writes nothing', async () => {
        const store = await storeFor();
        const tenant = tenantOf();
        await created(store, recordOf(tenant), 2);
        await created(store, recordOf(tenant, { state: 'pending' }), 2);
        const third = recordOf(tenant);

        await expect(created(store, third, 2)).rejects.toMatchObject({ code: 'conflict' });
        expect(await store.get(third.id)).toBeUndefined();
        await expect(created(store, recordOf(tenant, { owner: 'bob', createdBy: 'bob' }), 2)).resolves.toBeDefined();
      });

      it('frees the place of an expired token for the next create, and of a revoked or rejected one at once', async () => {
        const store = await storeFor();
        const tenant = tenantOf();
        const expiring = await created(store, recordOf(tenant, { expiresAt: NOW + 1 }), 3);
        const revoked = await created(store, recordOf(tenant), 3);
        const rejected = await created(store, recordOf(tenant, { state: 'pending' }), 3);
        await store.revokeFamily(revoked, { at: NOW, by: 'alice', reason: 'revoked' }, eventFor('token.revoked', revoked));
        await store.decide(
          rejected.id,
          { approve: false, at: NOW, by: 'admin', revision: 0, cap: 100 },
          eventFor('token.rejected', rejected),
        );
        const later = NOW + 1_000;

        for (const _ of [1, 2, 3]) await store.create(recordOf(tenant), later, eventFor('token.created', expiring), 3);

        await expect(store.create(recordOf(tenant), later, eventFor('token.created', expiring), 3)).rejects.toMatchObject({
          code: 'conflict',
        });
      });

      it('refuses the successor of an expired token whose place was taken meanwhile (cap_reached)', async () => {
        const store = await storeFor();
        const tenant = tenantOf();
        const expired = await created(store, recordOf(tenant, { expiresAt: NOW + 1 }), 1);
        const later = NOW + 1_000;
        await store.create(recordOf(tenant), later, eventFor('token.created', expired), 1);

        expect(await store.rotate({ ...rotationOf(expired, successorOf(expired)), cap: 1 })).toEqual({ ok: false, refusal: 'cap_reached' });
      });
    });

    describe('rotate', () => {
      it('marks the predecessor rotated with its grace, writes the successor and moves the head', async () => {
        const store = await storeFor();
        const predecessor = await created(store, recordOf(tenantOf()));
        const successor = successorOf(predecessor);

        expect(await store.rotate(rotationOf(predecessor, successor))).toEqual({ ok: true });

        expect(await store.get(predecessor.id)).toMatchObject({
          state: 'revoked',
          revokeReason: 'rotated',
          graceUntil: NOW + 61_000,
          successorId: successor.id,
        });
        expect(await store.get(successor.id)).toMatchObject({ state: 'active', generation: 2, predecessorId: predecessor.id });
        expect(await store.getFamily(predecessor.familyId)).toMatchObject({ state: 'live', headId: successor.id, generation: 2 });
      });

      it('refuses a second rotation of the same predecessor (predecessor_changed) and writes nothing', async () => {
        const store = await storeFor();
        const predecessor = await created(store, recordOf(tenantOf()));
        await store.rotate(rotationOf(predecessor, successorOf(predecessor)));
        const loser = successorOf(predecessor);

        expect(await store.rotate(rotationOf(predecessor, loser))).toEqual({ ok: false, refusal: 'predecessor_changed' });
        expect(await store.get(loser.id)).toBeUndefined();
      });

      it('refuses a rotation with another key than the one stored (predecessor_changed)', async () => {
        const store = await storeFor();
        const predecessor = await created(store, recordOf(tenantOf()));

        expect(await store.rotate(rotationOf(predecessor, successorOf(predecessor), 'c'.repeat(64)))).toEqual({
          ok: false,
          refusal: 'predecessor_changed',
        });
      });

      it('refuses to rotate a predecessor that expired before notExpiredBefore (predecessor_changed)', async () => {
        const store = await storeFor();
        const predecessor = await created(store, recordOf(tenantOf(), { expiresAt: NOW + 500 }));

        expect(
          await store.rotate({ ...rotationOf(predecessor, successorOf(predecessor)), expiredAtMostMs: 0, rotatedAt: NOW + 1_000 }),
        ).toEqual({
          ok: false,
          refusal: 'predecessor_changed',
        });
        expect(await store.get(predecessor.id)).toMatchObject({ state: 'active' });
      });

      it('refuses to rotate a member of a revoked family (family_revoked)', async () => {
        const store = await storeFor();
        const predecessor = await created(store, recordOf(tenantOf()));
        await store.revokeFamily(predecessor, { at: NOW, by: 'alice', reason: 'revoked' }, eventFor('token.revoked', predecessor));

        expect(await store.rotate(rotationOf(predecessor, successorOf(predecessor)))).toEqual({ ok: false, refusal: 'family_revoked' });
      });

      it('refuses a successor whose description another active token took (description_taken)', async () => {
        const store = await storeFor();
        const tenant = tenantOf();
        const predecessor = await created(store, recordOf(tenant, { description: 'first' }));
        await created(store, recordOf(tenant, { description: 'second' }));

        expect(await store.rotate(rotationOf(predecessor, successorOf(predecessor, { description: 'second' })))).toEqual({
          ok: false,
          refusal: 'description_taken',
        });
      });
    });
  });
}

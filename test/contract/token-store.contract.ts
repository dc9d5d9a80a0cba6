import { describe, expect, it } from 'vitest';
import type { TokenStore } from '../../functions/service/ports';
import { tokenRecordsContract } from './token-records.contract';
import { created, eventFor, NOW, recordOf, rotationOf, successorOf, tenantOf } from './token-store-fixtures';

/**
 * What every `TokenStore` must do, whatever it is built on: the DynamoDB store runs this against
 * DynamoDB Local (test/integration), the in-memory store in the unit suite (test/unit). A use-case
 * test over the memory store then means what it would mean over DynamoDB. Records (create, list,
 * cap, rotate) are in token-records.contract.ts; families, decisions, edits, policies and audit here.
 */
export function tokenStoreContract(name: string, storeFor: () => Promise<TokenStore> | TokenStore): void {
  tokenRecordsContract(name, storeFor);

  describe(`TokenStore contract: ${name}`, () => {
    describe('revokeFamily', () => {
      it('marks the family once, revokes its members newest first, and is idempotent', async () => {
        const store = await storeFor();
        const first = await created(store, recordOf(tenantOf()));
        const second = successorOf(first);
        await store.rotate(rotationOf(first, second));
        const revocation = { at: NOW + 2_000, by: 'alice', reason: 'reuse_detected' as const };

        const result = await store.revokeFamily(first, revocation, eventFor('token.reuse_detected', first, NOW + 2_000));
        const again = await store.revokeFamily(first, revocation, { ...eventFor('token.reuse_detected', first, NOW + 3_000) });

        expect(result).toEqual({ marked: true, revokedIds: [second.id, first.id] });
        expect(again).toEqual({ marked: false, revokedIds: [] });
        expect(await store.getFamily(first.familyId)).toMatchObject({ state: 'revoked', revokeReason: 'reuse_detected' });
        expect(await store.get(second.id)).toMatchObject({ state: 'revoked', revokeReason: 'reuse_detected' });
        expect(await store.get(first.id)).toMatchObject({ state: 'revoked', revokeReason: 'reuse_detected' });
        const audit = await store.listAudit({ tenant: first.tenant, tokenId: first.id, limit: 10 });
        expect(audit.items.filter((event) => event.action === 'token.reuse_detected')).toHaveLength(1);
      });

      it("a person's revoke leaves a rotated member past its grace as it was", async () => {
        const store = await storeFor();
        const first = await created(store, recordOf(tenantOf()));
        const second = successorOf(first);
        await store.rotate(rotationOf(first, second));

        const result = await store.revokeFamily(
          first,
          { at: NOW + 120_000, by: 'alice', reason: 'revoked' },
          eventFor('token.revoked', second, NOW + 120_000),
        );

        expect(result.revokedIds).toEqual([second.id]);
        expect(await store.get(first.id)).toMatchObject({ revokeReason: 'rotated' });
      });
    });

    describe('decide and edit', () => {
      it('decides a pending token once', async () => {
        const store = await storeFor();
        const pending = await created(store, recordOf(tenantOf(), { state: 'pending' }));

        expect(
          await store.decide(
            pending.id,
            { approve: true, at: NOW + 1, by: 'admin', revision: 0, cap: 100 },
            eventFor('token.approved', pending),
          ),
        ).toMatchObject({ state: 'active', approvedBy: 'admin' });
        expect(
          await store.decide(
            pending.id,
            { approve: false, at: NOW + 2, by: 'admin', revision: 0, cap: 100 },
            eventFor('token.rejected', pending),
          ),
        ).toBeUndefined();
      });

      it('decides only at the revision the admin was shown: an edit since leaves it pending', async () => {
        const store = await storeFor();
        const pending = await created(store, recordOf(tenantOf(), { state: 'pending', allowedIps: ['203.0.113.7'] }));
        await store.edit(pending, { allowedIps: ['203.0.113.7/32'] }, eventFor('token.edited', pending), NOW);

        expect(
          await store.decide(
            pending.id,
            { approve: true, at: NOW + 1, by: 'admin', revision: 0, cap: 100 },
            eventFor('token.approved', pending),
          ),
        ).toBeUndefined();
        expect(await store.get(pending.id)).toMatchObject({ state: 'pending', revision: 1 });
        expect(
          await store.decide(
            pending.id,
            { approve: true, at: NOW + 2, by: 'admin', revision: 1, cap: 100 },
            eventFor('token.approved', pending),
          ),
        ).toMatchObject({ state: 'active' });
      });

      it('rejects a pending token as revoked, with the reason', async () => {
        const store = await storeFor();
        const pending = await created(store, recordOf(tenantOf(), { state: 'pending' }));

        expect(
          await store.decide(
            pending.id,
            { approve: false, at: NOW + 1, by: 'admin', revision: 0, reason: 'too broad', cap: 100 },
            eventFor('token.rejected', pending),
          ),
        ).toMatchObject({ state: 'revoked', revokeReason: 'rejected', rejectReason: 'too broad' });
      });

      it('edits over the revision read, and refuses an edit over a stale one (changed)', async () => {
        const store = await storeFor();
        const record = await created(store, recordOf(tenantOf()));

        const edited = await store.edit(record, { scopes: [] }, eventFor('token.edited', record), NOW);
        const stale = await store.edit(record, { description: 'late' }, eventFor('token.edited', record), NOW);

        expect(edited).toMatchObject({ ok: true, record: { scopes: [], revision: 1 } });
        expect(stale).toEqual({ ok: false, refusal: 'changed' });
        expect(await store.get(record.id)).toMatchObject({ scopes: [], revision: 1, description: record.description });
      });

      it('refuses a description another active token holds (description_taken), and frees the old one', async () => {
        const store = await storeFor();
        const tenant = tenantOf();
        const record = await created(store, recordOf(tenant, { description: 'mine' }));
        await created(store, recordOf(tenant, { description: 'taken' }));

        expect(await store.edit(record, { description: 'taken' }, eventFor('token.edited', record), NOW)).toEqual({
          ok: false,
          refusal: 'description_taken',
        });
        expect(await store.edit(record, { description: 'renamed' }, eventFor('token.edited', record), NOW)).toMatchObject({ ok: true });
        await expect(created(store, recordOf(tenant, { description: 'mine' }))).resolves.toBeDefined();
      });

      it('refuses to edit a revoked token (changed)', async () => {
        const store = await storeFor();
        const record = await created(store, recordOf(tenantOf()));
        await store.revokeFamily(record, { at: NOW, by: 'alice', reason: 'revoked' }, eventFor('token.revoked', record));

        expect(await store.edit(record, { scopes: [] }, eventFor('token.edited', record), NOW)).toEqual({ ok: false, refusal: 'changed' });
      });
    });

    describe('tenant policies and the audit trail', () => {
      it("keeps each tenant's policy, with its event", async () => {
        const store = await storeFor();
        const tenant = tenantOf();
        const anchor = recordOf(tenant);

        expect(await store.getTenantPolicy(tenant)).toBeUndefined();
        await store.putTenantPolicy(tenant, { maxLifetimeDays: 30, requireApproval: true }, eventFor('tenant.policy_changed', anchor));

        expect(await store.getTenantPolicy(tenant)).toEqual({ maxLifetimeDays: 30, requireApproval: true });
        expect(await store.getTenantPolicy(tenantOf())).toBeUndefined();
        expect((await store.listAudit({ tenant, limit: 10 })).items.map((event) => event.action)).toEqual(['tenant.policy_changed']);
      });

      it('appends events once and lists them newest first, by token or owner, a page at a time', async () => {
        const store = await storeFor();
        const tenant = tenantOf();
        const record = recordOf(tenant);
        const events = [0, 1, 2].map((i) => ({ ...eventFor('token.refreshed', record, NOW + i * 1_000) }));
        for (const event of events) await store.append(event);
        await store.append(events[0]!);
        await store.append({ ...eventFor('token.created', recordOf(tenant, { owner: 'bob' }), NOW + 5_000) });

        const first = await store.listAudit({ tenant, tokenId: record.id, limit: 2 });
        const second = await store.listAudit({ tenant, tokenId: record.id, limit: 2, cursor: first.nextCursor! });

        expect([...first.items, ...second.items].map((event) => event.id)).toEqual([events[2]!.id, events[1]!.id, events[0]!.id]);
        expect(second.nextCursor).toBeNull();
        expect((await store.listAudit({ tenant, owner: 'bob', limit: 10 })).items).toHaveLength(1);
        expect((await store.listAudit({ tenant, limit: 10 })).items).toHaveLength(4);
      });
    });
  });
}

import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../functions/domain/audit';
import type { TokenRecord } from '../../functions/domain/token';
import type { TokenStore } from '../../functions/service/ports';
import { auditEvent } from '../../functions/service/audit-events';

/**
 * What every `TokenStore` must do, whatever it is built on: the DynamoDB store runs this against
 * DynamoDB Local (test/integration), the in-memory store in the unit suite (test/unit). A use-case
 * test over the memory store then means what it would mean over DynamoDB.
 */
export function tokenStoreContract(name: string, storeFor: () => Promise<TokenStore> | TokenStore): void {
  const NOW = Date.UTC(2026, 0, 1);
  const DAY = 86_400_000;
  const id = () => randomBytes(16).toString('hex');

  /** A fresh tenant per test: the DynamoDB table is shared by the tests of a file. */
  const tenantOf = () => `t${randomBytes(6).toString('hex')}`;

  function recordOf(tenant: string, overrides: Partial<TokenRecord> = {}): TokenRecord {
    const tokenId = overrides.id ?? id();
    return {
      id: tokenId,
      tenant,
      owner: 'alice',
      createdBy: 'alice',
      description: `token ${tokenId.slice(0, 8)}`,
      scopes: ['jobs:read'],
      allowedIps: [],
      createdAt: NOW,
      expiresAt: NOW + 30 * DAY,
      state: 'active',
      familyId: tokenId,
      generation: 1,
      refreshKeyHash: 'a'.repeat(64),
      ...overrides,
    };
  }

  // With a details map, as the service writes them: a family revocation adds the revoked ids to it.
  const eventFor = (action: AuditEvent['action'], record: TokenRecord, at = NOW): AuditEvent => ({
    ...auditEvent({ action, token: record, at, actor: { type: 'user', id: record.owner } }),
    details: { by: record.owner },
  });

  async function created(store: TokenStore, record: TokenRecord, cap = 100): Promise<TokenRecord> {
    await store.create(record, NOW, eventFor('token.created', record), cap);
    return record;
  }

  function successorOf(predecessor: TokenRecord, overrides: Partial<TokenRecord> = {}): TokenRecord {
    return recordOf(predecessor.tenant, {
      owner: predecessor.owner,
      description: predecessor.description,
      familyId: predecessor.familyId,
      generation: predecessor.generation + 1,
      predecessorId: predecessor.id,
      createdAt: NOW + 1_000,
      refreshKeyHash: 'b'.repeat(64),
      ...overrides,
    });
  }

  const rotationOf = (predecessor: TokenRecord, successor: TokenRecord, presentedHash = predecessor.refreshKeyHash) => ({
    predecessor,
    successor,
    presentedHash,
    rotatedAt: NOW + 1_000,
    graceUntil: NOW + 61_000,
    event: eventFor('token.refreshed', successor, NOW + 1_000),
    expiredAtMostMs: 30 * DAY,
    cap: 100,
  });

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

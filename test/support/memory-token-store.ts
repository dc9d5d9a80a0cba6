import type { AuditEvent, DeniedAuthorization } from '../../functions/domain/audit';
import { conflict } from '../../functions/domain/errors';
import { descriptionKey } from '../../functions/domain/new-token';
import type { TenantPolicyOverrides } from '../../functions/domain/tenant-policy';
import { activeTokenCapReached } from '../../functions/domain/new-token';
import {
  countsUntil,
  PENDING_APPROVAL_MS,
  familyStartedBy,
  reachOf,
  statusOf,
  type TokenFamily,
  type TokenRecord,
  withFamilyState,
} from '../../functions/domain/token';
import type {
  AuditQuery,
  Decision,
  FamilyRevocationResult,
  ListQuery,
  Page,
  Revocation,
  Rotation,
  RotationRefusal,
  TokenEdit,
  TokenStore,
} from '../../functions/service/ports';

const copy = <T>(value: T): T => structuredClone(value);

/** Newest first by creation time, then id: the order of the DynamoDB indexes (`timeOrdered` keys, read backwards). */
const newestFirst = (a: { at: number; id: string }, b: { at: number; id: string }) =>
  b.at - a.at || (b.id < a.id ? -1 : b.id > a.id ? 1 : 0);

function pageOf<T>(items: T[], limit: number, cursor: string | undefined, idOf: (item: T) => string): Page<T> {
  const start = cursor === undefined ? 0 : items.findIndex((item) => idOf(item) === Buffer.from(cursor, 'base64url').toString('utf8')) + 1;
  const page = items.slice(start, start + limit);
  const more = start + limit < items.length;
  return { items: page, nextCursor: more && page.length > 0 ? Buffer.from(idOf(page.at(-1)!)).toString('base64url') : null };
}

function matchesStatus(record: TokenRecord, status: ListQuery['status'], now: number): boolean {
  if (status === 'all') return true;
  return statusOf(record, now) === status;
}

/** Does this token still hold its description (active, or waiting for approval)? */
function holdsDescription(record: TokenRecord, now: number): boolean {
  const status = statusOf(record, now);
  return status === 'active' || status === 'pending';
}

/**
 * The whole `TokenStore` in memory, with the DynamoDB store's semantics (conditional writes as
 * checks before a change, one change with its audit event or none): the use cases' rules can be
 * tested without Java. It passes the same contract tests as `DynamoTokenStore`
 * (test/contract/token-store.contract.ts). Single-threaded JavaScript makes each method atomic.
 */
export class MemoryTokenStore implements TokenStore {
  private readonly tokens = new Map<string, TokenRecord>();
  private readonly families = new Map<string, TokenFamily>();
  /** Description locks: `tenant/owner/description key` → the token that holds it. */
  private readonly locks = new Map<string, string>();
  private readonly audit = new Map<string, AuditEvent>();
  private readonly policies = new Map<string, TenantPolicyOverrides>();
  /** Each owner's credentials that count against the cap: family id → until when (the DynamoDB owner item's map). */
  private readonly places = new Map<string, Map<string, number>>();

  private placesOf(record: Pick<TokenRecord, 'tenant' | 'owner'>): Map<string, number> {
    const key = JSON.stringify([record.tenant, record.owner]);
    let places = this.places.get(key);
    if (!places) {
      places = new Map();
      this.places.set(key, places);
    }
    return places;
  }

  private counting(record: Pick<TokenRecord, 'tenant' | 'owner'>, now: number): number {
    return [...this.placesOf(record).values()].filter((until) => until > now).length;
  }

  private lockKey(record: Pick<TokenRecord, 'tenant' | 'owner' | 'description'>): string {
    return JSON.stringify([record.tenant, record.owner, descriptionKey(record.description)]);
  }

  /** Whether `record` may take its description's lock: free, its own, or held by a token that no longer holds it. */
  private lockFree(record: TokenRecord, now: number): boolean {
    const holder = this.locks.get(this.lockKey(record));
    if (holder === undefined || holder === record.id) return true;
    const held = this.tokens.get(holder);
    return !held || !holdsDescription(withFamilyState(held, this.families.get(held.familyId)), now);
  }

  private appendEvent(event: AuditEvent): void {
    if (!this.audit.has(event.id)) this.audit.set(event.id, copy(event));
  }

  async create(record: TokenRecord, now: number, event: AuditEvent, cap: number): Promise<void> {
    if (this.tokens.has(record.id) || this.families.has(record.familyId)) throw new Error(`token ${record.id} already exists`);
    if (this.counting(record, now) >= cap) throw activeTokenCapReached(record.owner, cap);
    // As in DynamoDB, a create removes the entries of credentials that no longer count.
    const places = this.placesOf(record);
    for (const [familyId, until] of places) if (until <= now) places.delete(familyId);
    if (!this.lockFree(record, now)) throw conflict(`${record.owner} already has an active token described "${record.description}"`);
    this.placesOf(record).set(record.familyId, countsUntil(record));
    this.tokens.set(record.id, copy(record));
    this.families.set(record.familyId, familyStartedBy(record));
    this.locks.set(this.lockKey(record), record.id);
    this.appendEvent(event);
  }

  async get(id: string): Promise<TokenRecord | undefined> {
    const record = this.tokens.get(id);
    return record && copy(record);
  }

  async getWithFamily(
    id: string,
    _familyId?: string,
    tenant?: string,
  ): Promise<{ record: TokenRecord | undefined; family: TokenFamily | undefined; tenantIdleExpiryDays?: number | null }> {
    const record = this.tokens.get(id);
    const family = record && this.families.get(record.familyId);
    return {
      record: record && copy(record),
      family: family && copy(family),
      ...(tenant === undefined ? {} : { tenantIdleExpiryDays: this.policies.get(tenant)?.idleExpiryDays ?? null }),
    };
  }

  async list(query: ListQuery): Promise<Page<TokenRecord>> {
    const matching = [...this.tokens.values()]
      .filter((record) => record.tenant === query.tenant && (query.owner === undefined || record.owner === query.owner))
      .filter((record) => matchesStatus(record, query.status, query.now))
      .sort((a, b) => newestFirst({ at: a.createdAt, id: a.id }, { at: b.createdAt, id: b.id }));
    const page = pageOf(matching, query.limit, query.cursor, (record) => record.id);
    return { items: page.items.map(copy), nextCursor: page.nextCursor };
  }

  async rotate(rotation: Rotation): Promise<{ ok: true } | { ok: false; refusal: RotationRefusal }> {
    const { predecessor, successor } = rotation;
    const family = this.families.get(successor.familyId);
    if (family && family.state !== 'live') return { ok: false, refusal: 'family_revoked' };
    const stored = this.tokens.get(predecessor.id);
    if (
      !stored ||
      stored.state !== 'active' ||
      stored.refreshKeyHash !== rotation.presentedHash ||
      stored.revision !== predecessor.revision ||
      (stored.expiresAt !== null && stored.expiresAt <= rotation.rotatedAt - rotation.expiredAtMostMs)
    ) {
      return { ok: false, refusal: 'predecessor_changed' };
    }
    const holder = this.locks.get(this.lockKey(successor));
    if (holder !== undefined && holder !== predecessor.id) return { ok: false, refusal: 'description_taken' };
    const places = this.placesOf(successor);
    if (!places.has(successor.familyId) && places.size >= rotation.cap) return { ok: false, refusal: 'cap_reached' };
    places.set(successor.familyId, countsUntil(successor));
    if (this.tokens.has(successor.id)) throw new Error(`token ${successor.id} already exists`);

    this.tokens.set(predecessor.id, {
      ...stored,
      state: 'revoked',
      revokedAt: rotation.rotatedAt,
      revokedBy: `refresh:${successor.id}`,
      revokeReason: 'rotated',
      rotatedAt: rotation.rotatedAt,
      graceUntil: rotation.graceUntil,
      successorId: successor.id,
    });
    this.families.set(successor.familyId, {
      id: successor.familyId,
      tenant: successor.tenant,
      owner: successor.owner,
      state: 'live',
      headId: successor.id,
      generation: successor.generation,
    });
    this.tokens.set(successor.id, copy(successor));
    this.locks.set(this.lockKey(successor), successor.id);
    this.appendEvent(rotation.event);
    return { ok: true };
  }

  async decide(id: string, decision: Decision, event: AuditEvent): Promise<TokenRecord | undefined> {
    const stored = this.tokens.get(id);
    if (
      !stored ||
      stored.state !== 'pending' ||
      (stored.revision ?? 0) !== decision.revision ||
      stored.createdAt <= decision.at - PENDING_APPROVAL_MS
    )
      return undefined;
    const places = this.placesOf(stored);
    if (decision.approve && !places.has(stored.familyId) && places.size >= decision.cap) return undefined;
    const decided: TokenRecord = decision.approve
      ? { ...stored, state: 'active', approvedAt: decision.at, approvedBy: decision.by }
      : {
          ...stored,
          state: 'revoked',
          revokedAt: decision.at,
          revokedBy: decision.by,
          revokeReason: 'rejected',
          ...(decision.reason === undefined ? {} : { rejectReason: decision.reason }),
        };
    if (decision.approve) this.placesOf(stored).set(stored.familyId, countsUntil(decided));
    else this.placesOf(stored).delete(stored.familyId);
    this.tokens.set(id, decided);
    this.appendEvent(event);
    return copy(decided);
  }

  async edit(
    record: TokenRecord,
    changes: TokenEdit,
    event: AuditEvent,
    now: number,
  ): Promise<{ ok: true; record: TokenRecord } | { ok: false; refusal: 'changed' | 'description_taken' }> {
    const stored = this.tokens.get(record.id);
    if (
      !stored ||
      (stored.state !== 'active' && stored.state !== 'pending') ||
      stored.revision !== record.revision ||
      stored.refreshKeyHash !== record.refreshKeyHash
    ) {
      return { ok: false, refusal: 'changed' };
    }
    const edited: TokenRecord = { ...stored, ...copy(changes), revision: (record.revision ?? 0) + 1 };
    const moveLock = changes.description !== undefined && this.lockKey(edited) !== this.lockKey(stored);
    if (moveLock && !this.lockFree(edited, now)) return { ok: false, refusal: 'description_taken' };
    if (moveLock) {
      if (this.locks.get(this.lockKey(stored)) === stored.id) this.locks.delete(this.lockKey(stored));
      this.locks.set(this.lockKey(edited), edited.id);
    }
    this.tokens.set(edited.id, edited);
    this.appendEvent(event);
    return { ok: true, record: copy(edited) };
  }

  async getTenantPolicy(tenant: string): Promise<TenantPolicyOverrides | undefined> {
    const overrides = this.policies.get(tenant);
    return overrides && copy(overrides);
  }

  async putTenantPolicy(tenant: string, overrides: TenantPolicyOverrides, event: AuditEvent): Promise<void> {
    this.policies.set(tenant, copy(overrides));
    this.appendEvent(event);
  }

  async getFamily(familyId: string): Promise<TokenFamily | undefined> {
    const family = this.families.get(familyId);
    return family && copy(family);
  }

  async revokeFamily(
    family: Pick<TokenFamily, 'id' | 'tenant' | 'owner'>,
    revocation: Revocation,
    event: AuditEvent,
  ): Promise<FamilyRevocationResult> {
    const existing = this.families.get(family.id);
    const marked = existing === undefined || existing.state === 'live';
    if (marked) {
      this.placesOf(family).delete(family.id);
      this.families.set(family.id, {
        id: family.id,
        tenant: family.tenant,
        owner: family.owner,
        state: 'revoked',
        headId: existing?.headId ?? family.id,
        generation: existing?.generation ?? 1,
        revokedAt: revocation.at,
        revokedBy: revocation.by,
        revokeReason: revocation.reason,
      });
      this.appendEvent(event);
    }
    const reach = reachOf(revocation.reason);
    const members = [...this.tokens.values()]
      .filter((member) => member.familyId === family.id)
      .filter((member) =>
        member.state === 'active' || member.state === 'pending'
          ? true
          : member.revokeReason === 'rotated' && (reach === 'all' || (member.graceUntil ?? 0) > revocation.at),
      )
      .sort((a, b) => b.generation - a.generation || b.createdAt - a.createdAt);
    for (const member of members) {
      const { graceUntil: _grace, ...rest } = member;
      this.tokens.set(member.id, {
        ...rest,
        state: 'revoked',
        revokedAt: revocation.at,
        revokedBy: revocation.by,
        revokeReason: revocation.reason,
      });
    }
    const revokedIds = members.map((member) => member.id);
    const stored = this.audit.get(event.id);
    if (marked && stored && revokedIds.length > 0) {
      stored.details = { ...stored.details, revokedIds: revokedIds.slice(0, 1_000), revokedCount: revokedIds.length };
    }
    return { revokedIds, marked };
  }

  async listAudit(query: AuditQuery): Promise<Page<AuditEvent>> {
    const matching = [...this.audit.values()]
      .filter((event) => event.tenant === query.tenant)
      .filter(
        (event) =>
          (query.tokenId === undefined || event.tokenId === query.tokenId) && (query.owner === undefined || event.owner === query.owner),
      )
      .sort((a, b) => newestFirst(a, b));
    const page = pageOf(matching, query.limit, query.cursor, (event) => event.id);
    return { items: page.items.map(copy), nextCursor: page.nextCursor };
  }

  async append(event: AuditEvent): Promise<void> {
    this.appendEvent(event);
  }

  async recordUse(id: string, at: number, lastUsedIps: string[]): Promise<void> {
    const stored = this.tokens.get(id);
    if (stored) this.tokens.set(id, { ...stored, lastUsedAt: at, lastUsedIps: [...lastUsedIps] });
  }

  async recordDenial(denial: DeniedAuthorization): Promise<void> {
    const hourStart = Math.floor(denial.at / 3_600_000) * 3_600_000;
    const id = `denied-${denial.tokenId}-${new Date(hourStart)
      .toISOString()
      .slice(0, 13)
      .replace(/[^0-9]/g, '')}`;
    const previous = this.audit.get(id);
    const count = Number(previous?.details?.count ?? 0) + denial.count;
    const reasons = [...new Set([...((previous?.details?.reasons as string[] | undefined) ?? []), ...denial.reasons])];
    this.audit.set(id, {
      id,
      at: hourStart,
      action: 'authorization.denied',
      tenant: denial.tenant,
      tokenId: denial.tokenId,
      owner: denial.owner,
      actor: { type: 'anonymous' },
      sourceIp: denial.sourceIp,
      details: { count, reasons },
    });
  }

  async expiringBetween(from: number, to: number): Promise<TokenRecord[]> {
    return [...this.tokens.values()]
      .filter((record) => record.state === 'active' && record.expiresAt !== null && record.expiresAt >= from && record.expiresAt < to)
      .map(copy);
  }

  async markNotified(id: string, horizonDays: number): Promise<boolean> {
    const stored = this.tokens.get(id);
    if (!stored || stored.notifiedHorizons?.includes(horizonDays)) return false;
    this.tokens.set(id, { ...stored, notifiedHorizons: [...(stored.notifiedHorizons ?? []), horizonDays] });
    return true;
  }

  async unmarkNotified(id: string, horizonDays: number): Promise<void> {
    const stored = this.tokens.get(id);
    if (stored)
      this.tokens.set(id, { ...stored, notifiedHorizons: (stored.notifiedHorizons ?? []).filter((days) => days !== horizonDays) });
  }
}

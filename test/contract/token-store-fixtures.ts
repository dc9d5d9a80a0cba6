import { randomBytes } from 'node:crypto';
import type { AuditEvent } from '../../functions/domain/audit';
import type { TokenRecord } from '../../functions/domain/token';
import { auditEvent } from '../../functions/service/audit-events';
import type { TokenStore } from '../../functions/service/ports';

/** The records, events and rotations the store contract (token-store.contract.ts, token-records.contract.ts) writes. */
export const NOW = Date.UTC(2026, 0, 1);
export const DAY = 86_400_000;
export const id = () => randomBytes(16).toString('hex');

/** A fresh tenant per test: the DynamoDB table is shared by the tests of a file. */
export const tenantOf = () => `t${randomBytes(6).toString('hex')}`;

export function recordOf(tenant: string, overrides: Partial<TokenRecord> = {}): TokenRecord {
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
export const eventFor = (action: AuditEvent['action'], record: TokenRecord, at = NOW): AuditEvent => ({
  ...auditEvent({ action, token: record, at, actor: { type: 'user', id: record.owner } }),
  details: { by: record.owner },
});

export async function created(store: TokenStore, record: TokenRecord, cap = 100): Promise<TokenRecord> {
  await store.create(record, NOW, eventFor('token.created', record), cap);
  return record;
}

export function successorOf(predecessor: TokenRecord, overrides: Partial<TokenRecord> = {}): TokenRecord {
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

export const rotationOf = (predecessor: TokenRecord, successor: TokenRecord, presentedHash = predecessor.refreshKeyHash) => ({
  predecessor,
  successor,
  presentedHash,
  rotatedAt: NOW + 1_000,
  graceUntil: NOW + 61_000,
  event: eventFor('token.refreshed', successor, NOW + 1_000),
  expiredAtMostMs: 30 * DAY,
  cap: 100,
});

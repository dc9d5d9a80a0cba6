import { randomBytes } from 'node:crypto';
import { Es256JwtVerifier } from '../../functions/adapters/jwt-verifier';
import { LocalSecretDeriver } from '../../functions/adapters/local-secret-deriver';
import type { AuditEvent } from '../../functions/domain/audit';
import { DomainError } from '../../functions/domain/errors';
import { exampleCatalogue } from '../../functions/domain/routes';
import { defaultPolicy, type TokenPolicy } from '../../functions/domain/token-policy';
import type { Caller } from '../../functions/service/caller';
import { ISSUER, ManualClock, newKeyRing, user } from './fixtures';
import { MemoryTokenStore } from './memory-token-store';
import { TokenServices } from './token-services';

// The setup of the use cases' rule tests (test/unit/*-rules.test.ts), one use case at a time over
// the in-memory store: who may do what, the exact refusal each rule answers, and the audit event
// each change writes. test/unit/token-*.test.ts and tenant-governance.test.ts hold the lifecycle scenarios.
export const admin = (id = 'root'): Caller => ({ ...user(id, 'acme', true), sourceIp: '198.51.100.7' });
export const ann: Caller = { ...user('ann'), sourceIp: '203.0.113.9' };

export function setup(policy: Partial<TokenPolicy> = {}, keys = newKeyRing()) {
  const store = new MemoryTokenStore();
  const clock = new ManualClock();
  const service = new TokenServices({
    store,
    signer: keys,
    secrets: new LocalSecretDeriver(randomBytes(32)),
    verifier: new Es256JwtVerifier(keys, { issuer: ISSUER, clock, allowNoExpiry: true }),
    clock,
    policy: { ...defaultPolicy, ...policy },
    catalogue: exampleCatalogue,
    issuer: ISSUER,
  });
  const events = async (tenant = 'acme'): Promise<AuditEvent[]> => (await store.listAudit({ tenant, limit: 1_000 })).items;
  /** The newest event of an action (events of one instant have no order between them). */
  const lastEvent = async (action: AuditEvent['action']) => (await events()).find((event) => event.action === action)!;
  return { store, clock, service, events, lastEvent, keys };
}

export async function failure(action: Promise<unknown>): Promise<{ code: string; message: string; details?: unknown }> {
  try {
    await action;
  } catch (error) {
    if (error instanceof DomainError)
      return { code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) };
    throw error;
  }
  throw new Error('expected a refusal');
}

export const jobs = { description: 'Jobs', scopes: ['jobs:read'] };
export const candidates = { description: 'Candidates', scopes: ['candidates:read'] };

/** Makes every rotation over `store` lose its race (another change came first), counting the tries. */
export function rotationsLosing(store: MemoryTokenStore): { calls: number } {
  const tries = { calls: 0 };
  store.rotate = async () => {
    tries.calls++;
    return { ok: false, refusal: 'predecessor_changed' };
  };
  return tries;
}

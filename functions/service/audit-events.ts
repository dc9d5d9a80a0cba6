import { randomBytes } from 'node:crypto';
import type { AuditEvent } from '../domain/audit';
import type { TokenRecord } from '../domain/token';
import type { Caller } from './caller';

/**
 * Where token ids, secrets and audit event ids come from. A seam for the deterministic simulation
 * (test/simulation), which replaces it with a seeded source; nothing else may.
 */
export const entropy = { randomBytes: (size: number): Buffer => randomBytes(size) };

/** What an audit event says, before it gets its id. */
export interface AuditFacts {
  action: AuditEvent['action'];
  /** The token the event is about (a tenant's policy names itself as the token `tenant-policy`). */
  token: Pick<TokenRecord, 'id' | 'tenant' | 'owner'>;
  at: number;
  actor: AuditEvent['actor'];
  sourceIp?: string;
  details?: AuditEvent['details'];
}

export function auditEvent({ action, token, at, actor, sourceIp, details }: AuditFacts): AuditEvent {
  return {
    id: entropy.randomBytes(12).toString('base64url'),
    at,
    action,
    tenant: token.tenant,
    tokenId: token.id,
    owner: token.owner,
    actor,
    ...(sourceIp ? { sourceIp } : {}),
    ...(details ? { details } : {}),
  };
}

/** The audit actor of a signed-in caller's act. */
export function actorOf(caller: Caller): AuditEvent['actor'] {
  return { type: 'user', id: caller.userId };
}

/** A new token's id: 128 bits, hex. */
export function newTokenId(): string {
  return entropy.randomBytes(16).toString('hex');
}

/** 256 bits of randomness, base64url (43 characters). */
export function newSecret(): string {
  return entropy.randomBytes(32).toString('base64url');
}

/**
 * Audit trail: who did what to which token, when and from where. Events are written in the same
 * DynamoDB transaction as the change they record: no change without its event, no event without
 * its change. Denied authorizations are counted per token per hour rather than stored one by one.
 */
export type AuditAction =
  | 'token.created'
  | 'token.revoked'
  | 'token.refreshed'
  | 'token.reuse_detected'
  | 'token.leak_revoked'
  | 'token.regenerated'
  | 'token.edited'
  | 'token.approved'
  | 'token.rejected'
  | 'tenant.policy_changed'
  | 'authorization.denied';

export interface AuditActor {
  type: 'user' | 'token' | 'anonymous';
  /** The user id, or the token id of a vendor acting with its refresh key. */
  id?: string;
}

export interface AuditEvent {
  id: string;
  /** Epoch milliseconds. */
  at: number;
  action: AuditAction;
  tenant: string;
  tokenId: string;
  /** Owner of the token concerned. */
  owner: string;
  actor: AuditActor;
  sourceIp?: string;
  details?: Record<string, string | number | string[]>;
}

/** Days an audit event is kept before DynamoDB TTL removes it. */
export const AUDIT_RETENTION_DAYS = 400;

export function auditView(event: AuditEvent) {
  return {
    id: event.id,
    at: new Date(event.at).toISOString(),
    action: event.action,
    tenant: event.tenant,
    tokenId: event.tokenId,
    owner: event.owner,
    actor: event.actor,
    ...(event.sourceIp ? { sourceIp: event.sourceIp } : {}),
    ...(event.details ? { details: event.details } : {}),
  };
}

export type AuditView = ReturnType<typeof auditView>;

/** A denied authorization, as the authorizer reports it; many are folded into one counter per hour. */
export interface DeniedAuthorization {
  tokenId: string;
  tenant: string;
  owner: string;
  reasons: string[];
  sourceIp: string;
  at: number;
  count: number;
}

/** The hourly bucket of a denial counter, e.g. `2026-11-23T13`. */
export function hourOf(millis: number): string {
  return new Date(millis).toISOString().slice(0, 13);
}

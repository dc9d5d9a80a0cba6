import type { AuditEvent, DeniedAuthorization } from '../domain/audit';
import type { TenantPolicyOverrides } from '../domain/tenant-policy';
import type { TokenFamily, TokenRecord, TokenStatus } from '../domain/token';

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface ListQuery {
  tenant: string;
  /** Only this owner's tokens; all of the tenant when absent. */
  owner?: string;
  status: TokenStatus | 'all';
  limit: number;
  cursor?: string;
  now: number;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Revocation {
  at: number;
  by: string;
  reason: 'revoked' | 'reuse_detected' | 'leaked' | 'outside_policy';
}

export interface AuditQuery {
  tenant: string;
  tokenId?: string;
  owner?: string;
  limit: number;
  cursor?: string;
}

export interface Rotation {
  predecessor: TokenRecord;
  successor: TokenRecord;
  /**
   * How long ago the predecessor may have expired, at the instant of the write (a refresh: its
   * refresh window; a regenerate: 0): a token that expired meanwhile is not revived, however late
   * the write lands.
   */
  expiredAtMostMs: number;
  /**
   * The owner's active-token cap: a successor that makes a credential count again (an expired
   * token refreshed) takes a place under it, in the same write.
   */
  cap: number;
  /** The hash the predecessor must still carry: of concurrent refreshes with one key, only one wins. */
  presentedHash: string;
  rotatedAt: number;
  graceUntil: number;
  event: AuditEvent;
}

/** Why a rotation did not commit; it then wrote nothing. */
export type RotationRefusal =
  /** Another refresh (or a revocation) changed the predecessor first. */
  | 'predecessor_changed'
  /** The family was revoked: no member may be rotated any more. */
  | 'family_revoked'
  /** Another active token of the owner took the description meanwhile. */
  | 'description_taken'
  /** The owner holds as many active tokens as the cap allows. */
  | 'cap_reached';

export interface FamilyRevocationResult {
  /** Members this call revoked, newest first. */
  revokedIds: string[];
  /** False when the family was already revoked (this call only finished what was left). */
  marked: boolean;
}

/** Token records: create, read, list, rotate. Every change is written with its audit event, atomically. */
export interface TokenRecords {
  /**
   * Writes a new token and its family, taking one of the owner's `cap` places for active (or
   * pending) credentials in the same transaction: `conflict` if the owner already holds `cap` of
   * them, or already has an active token with that description. Never a count followed by a write:
   * concurrent creates cannot together pass the cap.
   */
  create(record: TokenRecord, now: number, event: AuditEvent, cap: number): Promise<void>;
  get(id: string): Promise<TokenRecord | undefined>;
  list(query: ListQuery): Promise<Page<TokenRecord>>;
  /**
   * Marks the predecessor rotated, writes the successor and moves the family's head, atomically,
   * only while the predecessor still carries the presented key and the family is live.
   */
  rotate(rotation: Rotation): Promise<{ ok: true } | { ok: false; refusal: RotationRefusal }>;
  /** Approves or rejects a pending token at the revision decided on; undefined when it was no longer pending at that revision. */
  decide(id: string, decision: Decision, event: AuditEvent): Promise<TokenRecord | undefined>;
  /**
   * Edits a usable token over the version read (`changed` when another change came first), moving
   * its description lock when the description changes.
   */
  edit(
    record: TokenRecord,
    changes: TokenEdit,
    event: AuditEvent,
    now: number,
  ): Promise<{ ok: true; record: TokenRecord } | { ok: false; refusal: 'changed' | 'description_taken' }>;
}

export interface Decision {
  approve: boolean;
  at: number;
  by: string;
  /** The token's revision the admin was shown: a token edited since is not decided. */
  revision: number;
  /** A rejection's reason, for the requester. */
  reason?: string;
  /** The owner's cap: an approved token whose place lapsed (its wait ended) takes one again, under it. */
  cap: number;
}

export type TokenEdit = Partial<Pick<TokenRecord, 'description' | 'allowedIps' | 'scopes'>>;

/** Each tenant's tightening of the deployment's policy. */
export interface TenantPolicies {
  getTenantPolicy(tenant: string): Promise<TenantPolicyOverrides | undefined>;
  /** Replaces the tenant's overrides, with the audit event of the change, atomically. */
  putTenantPolicy(tenant: string, overrides: TenantPolicyOverrides, event: AuditEvent): Promise<void>;
}

/** Families: the credential as one unit. */
export interface TokenFamilies {
  /** The family item; undefined for a family written before families were items (treated as live). */
  getFamily(familyId: string): Promise<TokenFamily | undefined>;
  /**
   * Revokes a family: marks the family first (from then on no member can be rotated and the
   * authorizer refuses every member), then revokes its members newest first. Idempotent and
   * resumable: on a family already revoked it finishes what an interrupted call left, and writes no
   * second event. `family` names the tenant and owner, for a family that has no item yet.
   */
  revokeFamily(
    family: Pick<TokenFamily, 'id' | 'tenant' | 'owner'>,
    revocation: Revocation,
    event: AuditEvent,
  ): Promise<FamilyRevocationResult>;
}

/** The authorizer's one read: a token's record and its family's state, together. */
export interface TokenStatusReader {
  /** `familyId` from the token's claims lets both be read in one request. */
  getWithFamily(id: string, familyId?: string, tenant?: string): Promise<StatusRead>;
}

/**
 * A token's record and family, and (when the tenant is named) the tenant's idle expiry, which the
 * authorizer enforces with the deployment's: all in the same read.
 */
export interface StatusRead {
  record: TokenRecord | undefined;
  family: TokenFamily | undefined;
  /** The tenant's `idleExpiryDays` override: absent or null when it set none. */
  tenantIdleExpiryDays?: number | null;
}

/** What the authorizer records of a token's use. */
export interface UsageLog {
  recordUse(id: string, at: number, lastUsedIps: string[]): Promise<void>;
  /** Adds denied authorizations to the token's counter of that hour. */
  recordDenial(denial: DeniedAuthorization): Promise<void>;
}

export interface AuditTrail {
  listAudit(query: AuditQuery): Promise<Page<AuditEvent>>;
  /** Writes an event that records no change (a replayed refresh). */
  append(event: AuditEvent): Promise<void>;
}

/** Tokens by expiry, for the notification job. */
export interface ExpiryIndex {
  /** Active tokens whose expiry falls in [from, to), found through the expiry index, never a scan. */
  expiringBetween(from: number, to: number): Promise<TokenRecord[]>;
  /** Records that a token was notified for a horizon; false if it already was (at most once). */
  markNotified(id: string, horizonDays: number): Promise<boolean>;
  unmarkNotified(id: string, horizonDays: number): Promise<void>;
}

/**
 * Everything the DynamoDB table holds, as one type: what the store contract (test/contract) checks
 * an implementation against. No use case takes it: each takes the ports above that it uses.
 */
export type TokenStore = TokenRecords & TokenFamilies & TokenStatusReader & UsageLog & AuditTrail & ExpiryIndex & TenantPolicies;

/**
 * Derives a successor's refresh secret from the secret presented to rotate its predecessor, with a
 * key only the service holds (a KMS HMAC key in AWS, a local key file in local mode). The same
 * presented secret and successor id always give the same secret, so a retried refresh can answer
 * the very key the first answer carried without that key ever being stored.
 */
export interface SecretDeriver {
  deriveSecret(presentedSecret: string, successorId: string): Promise<string>;
}

/** An ES256 signer: KMS in AWS, a local key in local mode. */
export interface Signer {
  /** The `kid` of the key that signs. */
  keyId(): Promise<string>;
  /** ES256 signature of the JWS signing input, in JOSE form (r ‖ s, 64 bytes). */
  sign(signingInput: Uint8Array): Promise<Uint8Array>;
}

export interface PublicJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  kid: string;
  alg: 'ES256';
  use: 'sig';
}

/** The public keys tokens may be verified with (the signing key and any still-trusted older one). */
export interface PublicKeySource {
  publicKeys(): Promise<PublicJwk[]>;
}

/** Verifies an ID token (signature, `iss`, `exp`, `token_use`, `aud`) and returns its claims; throws when it does not hold. */
export interface IdTokenVerifier {
  verify(token: string): Promise<Record<string, unknown>>;
}

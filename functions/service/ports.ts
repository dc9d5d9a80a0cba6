import type { AuditEvent, DeniedAuthorization } from '../domain/audit';
import type { TokenRecord, TokenStatus } from '../domain/token';

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
  reason: 'revoked' | 'reuse_detected' | 'leaked';
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
  /** The hash the predecessor must still carry: of concurrent refreshes with one key, only one wins. */
  presentedHash: string;
  rotatedAt: number;
  graceUntil: number;
  event: AuditEvent;
}

/**
 * Where token records and their audit trail live. Every change is written together with its audit
 * event, atomically. Implementations turn lost races into domain `conflict` errors.
 */
export interface TokenStore {
  /** Writes a new token; `conflict` if the owner already has an active token with that description. */
  create(record: TokenRecord, now: number, event: AuditEvent): Promise<void>;
  get(id: string): Promise<TokenRecord | undefined>;
  list(query: ListQuery): Promise<Page<TokenRecord>>;
  countActive(tenant: string, owner: string, now: number): Promise<number>;
  /**
   * Revokes and returns the record as it now is; undefined if it does not exist. Idempotent: a
   * token already revoked is returned unchanged and no event is written.
   */
  revoke(id: string, revocation: Revocation, event: AuditEvent): Promise<TokenRecord | undefined>;
  /** Marks the predecessor rotated and writes the successor, atomically; `conflict` if the race was lost. */
  rotate(rotation: Rotation): Promise<void>;
  /** Revokes every still-usable token of a refresh chain; returns their ids (the event lists them too). */
  revokeFamily(familyId: string, revocation: Revocation, event: AuditEvent): Promise<string[]>;
  recordUse(id: string, at: number, lastUsedIps: string[]): Promise<void>;
  /** Adds denied authorizations to the token's counter of that hour. */
  recordDenial(denial: DeniedAuthorization): Promise<void>;
  listAudit(query: AuditQuery): Promise<Page<AuditEvent>>;
  /** Active tokens whose expiry falls in [from, to), found through the expiry index, never a scan. */
  expiringBetween(from: number, to: number): Promise<TokenRecord[]>;
  /** Records that a token was notified for a horizon; false if it already was (at most once). */
  markNotified(id: string, horizonDays: number): Promise<boolean>;
  unmarkNotified(id: string, horizonDays: number): Promise<void>;
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

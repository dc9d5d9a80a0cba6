import { createHash, timingSafeEqual } from 'node:crypto';

/** All times are epoch milliseconds; `expiresAt` and JWT-bound times are whole seconds (multiples of 1000). */
export interface TokenRecord {
  id: string;
  tenant: string;
  owner: string;
  createdBy: string;
  description: string;
  scopes: string[];
  allowedIps: string[];
  createdAt: number;
  /** `null`: the token never expires (only when the policy allows it). */
  expiresAt: number | null;
  /** Stored state; `expired` is derived from `expiresAt`, never stored. `pending`: awaiting an admin's approval. */
  state: 'active' | 'revoked' | 'pending';
  revokedAt?: number;
  revokedBy?: string;
  revokeReason?: RevokeReason;
  /** Set when the token was rotated by a refresh: when, and until when it still authorizes. */
  rotatedAt?: number;
  graceUntil?: number;
  successorId?: string;
  /** The chain of refreshes this token belongs to; the first token's id. */
  familyId: string;
  /** 1 for a created token, +1 per rotation. */
  generation: number;
  /** The token this one succeeded (absent for the first of a family). */
  predecessorId?: string;
  /** SHA-256 (hex) of the refresh key's secret; the key itself is never stored. */
  refreshKeyHash: string;
  lastUsedAt?: number;
  /** The newest use of the credential's earlier generations, carried over at each rotation. */
  credentialLastUsedAt?: number;
  /**
   * When the credential (the family's first token) was created; carried by every successor so the
   * family's age is one read. Absent on a first token (its `createdAt` is the start) and on
   * successors written before it was carried (then their own `createdAt`, a later, lenient start).
   */
  familyCreatedAt?: number;
  /** Last distinct client addresses, newest first. */
  lastUsedIps?: string[];
  /** Expiry-notification horizons (days) already sent for this token. */
  notifiedHorizons?: number[];
  /** Bumped by every edit: a rotation commits only over the version it copied. */
  revision?: number;
  approvedAt?: number;
  approvedBy?: string;
  /** Why the requester needs the token (for the admins who approve it). */
  justification?: string;
  /** Why an admin rejected it (for the requester). */
  rejectReason?: string;
}

export type RevokeReason = 'revoked' | 'rotated' | 'reuse_detected' | 'leaked' | 'rejected' | 'outside_policy';

/**
 * A family: a created token and its successors by rotation, one credential in the user's eyes. It
 * is an item of its own so that revoking the credential is one write that every operation on a
 * member checks (a rotation commits only while the family is live), whatever the members' records
 * say at that instant.
 */
export interface TokenFamily {
  id: string;
  tenant: string;
  owner: string;
  state: 'live' | 'revoked';
  /** The newest member: the one a refresh of the family's live key would rotate. */
  headId: string;
  /** The head's generation. */
  generation: number;
  revokedAt?: number;
  revokedBy?: string;
  revokeReason?: RevokeReason;
}

/** The family a created token starts: live, headed by that token. */
export function familyStartedBy(record: Pick<TokenRecord, 'familyId' | 'tenant' | 'owner' | 'id' | 'generation'>): TokenFamily {
  return {
    id: record.familyId,
    tenant: record.tenant,
    owner: record.owner,
    state: 'live',
    headId: record.id,
    generation: record.generation,
  };
}

/**
 * A member as its family's state makes it: a member of a revoked family is revoked, whatever its
 * own record still says while the family's sweep has not reached it.
 */
export function withFamilyState<T extends Pick<TokenRecord, 'state' | 'revokeReason' | 'revokedAt' | 'revokedBy'>>(
  record: T,
  family: TokenFamily | undefined,
): T {
  if (family?.state !== 'revoked' || (record.state === 'revoked' && record.revokeReason !== 'rotated')) return record;
  return { ...record, state: 'revoked', revokeReason: family.revokeReason, revokedAt: family.revokedAt, revokedBy: family.revokedBy };
}

/** Family revocations, by what they revoke: a person's revoke ends what still works; a theft ends everything. */
export type FamilyRevocationReach = 'live' | 'all';

/** Which members a family revocation revokes: live ones for a person's revoke; every unrevoked or rotated one for a theft. */
export function reachOf(reason: RevokeReason): FamilyRevocationReach {
  return reason === 'revoked' || reason === 'outside_policy' ? 'live' : 'all';
}
export type TokenStatus = 'active' | 'revoked' | 'expired' | 'pending';

/** Days a token waits for an admin's approval before it expires unapproved. */
export const PENDING_APPROVAL_MS = 7 * 86_400_000;

export function statusOf(record: Pick<TokenRecord, 'state' | 'expiresAt'> & { createdAt?: number }, now: number): TokenStatus {
  if (record.state === 'revoked') return 'revoked';
  if (record.expiresAt !== null && record.expiresAt <= now) return 'expired';
  if (record.state === 'pending')
    return record.createdAt !== undefined && record.createdAt + PENDING_APPROVAL_MS <= now ? 'expired' : 'pending';
  return 'active';
}

/**
 * May this record's access token be used now? Active and unexpired, or rotated by a refresh and
 * still within its grace period. TTL deletion is lazy, so expiry is always read from `expiresAt`.
 */
export function authorizesAccess(record: Pick<TokenRecord, 'state' | 'expiresAt' | 'revokeReason' | 'graceUntil'>, now: number): boolean {
  if (record.expiresAt !== null && record.expiresAt <= now) return false;
  if (record.state === 'active') return true;
  return record.revokeReason === 'rotated' && record.graceUntil !== undefined && now < record.graceUntil;
}

/**
 * Until when a token counts against its owner's active-token cap (epoch ms): its expiry, and for a
 * token waiting for approval no later than the end of that wait. A token without expiry counts for ever.
 */
export function countsUntil(record: Pick<TokenRecord, 'state' | 'expiresAt' | 'createdAt'>): number {
  const expiry = record.expiresAt ?? Number.MAX_SAFE_INTEGER;
  return record.state === 'pending' ? Math.min(expiry, record.createdAt + PENDING_APPROVAL_MS) : expiry;
}

/** Until when a positive authorization decision may be cached: never past `exp` or the grace deadline. */
export function validUntil(record: Pick<TokenRecord, 'state' | 'expiresAt' | 'graceUntil'>): number {
  const expiry = record.expiresAt ?? Number.POSITIVE_INFINITY;
  return record.state === 'revoked' ? Math.min(expiry, record.graceUntil ?? 0) : expiry;
}

const iso = (millis: number | undefined) => (millis === undefined ? undefined : new Date(millis).toISOString());

/** The newest use of a token and of the generations before it (undefined: never used). */
export function newestUse(record: Pick<TokenRecord, 'lastUsedAt' | 'credentialLastUsedAt'>): number | undefined {
  const uses = [record.lastUsedAt, record.credentialLastUsedAt].filter((at): at is number => at !== undefined);
  return uses.length === 0 ? undefined : Math.max(...uses);
}

/** The metadata every route shows. Never carries a secret. */
export function metadataOf(record: TokenRecord, now: number) {
  const status = statusOf(record, now);
  return {
    id: record.id,
    owner: record.owner,
    tenant: record.tenant,
    createdBy: record.createdBy,
    description: record.description,
    scopes: record.scopes,
    allowedIps: record.allowedIps,
    createdAt: iso(record.createdAt),
    expiresAt: record.expiresAt === null ? null : iso(record.expiresAt),
    status,
    familyId: record.familyId,
    generation: record.generation,
    lastUsedAt: iso(record.lastUsedAt) ?? null,
    /** The credential's last use: this token's or any earlier generation's, whichever is newer. */
    credentialLastUsedAt: iso(newestUse(record)) ?? null,
    lastUsedIps: record.lastUsedIps ?? [],
    ...(record.state === 'revoked'
      ? { revokedAt: iso(record.revokedAt), revokedBy: record.revokedBy, revokeReason: record.revokeReason }
      : {}),
    ...(record.graceUntil !== undefined && record.revokeReason === 'rotated' ? { graceUntil: iso(record.graceUntil) } : {}),
    revision: record.revision ?? 0,
    ...(record.justification === undefined ? {} : { justification: record.justification }),
    ...(record.rejectReason === undefined ? {} : { rejectReason: record.rejectReason }),
  };
}

export type TokenMetadata = ReturnType<typeof metadataOf>;

/** The access token's explicit type (RFC 8725 §3.11), its header's second member. */
export const ACCESS_TOKEN_TYPE = 'pat+jwt';
/**
 * The 50 characters every access token issued now starts with: `{"alg":"ES256","typ":"pat+jwt","kid":"`
 * in base64url, but for its last 6 bits (the next character is `I` or `J`, by the kid's first).
 */
export const ACCESS_TOKEN_PREFIX = 'eyJhbGciOiJFUzI1NiIsInR5cCI6InBhdCtqd3QiLCJraWQiOi';
/** Types the verifiers accept: tokens issued before the explicit type say `JWT` and work until they expire. */
export const ACCEPTED_TOKEN_TYPES: readonly string[] = [ACCESS_TOKEN_TYPE, 'JWT'];

export interface AccessClaims {
  iss: string;
  sub: string;
  tid: string;
  jti: string;
  /** The token's family, so that the authorizer reads the record and the family in one request. */
  fid?: string;
  scope: string;
  iat: number;
  exp?: number;
}

export function claimsOf(record: TokenRecord, issuer: string): AccessClaims {
  return {
    iss: issuer,
    sub: record.owner,
    tid: record.tenant,
    jti: record.id,
    fid: record.familyId,
    scope: record.scopes.join(' '),
    iat: Math.floor(record.createdAt / 1000),
    ...(record.expiresAt === null ? {} : { exp: Math.floor(record.expiresAt / 1000) }),
  };
}

// Refresh keys: `patr_<token id>_<secret><checksum>`, the id making the lookup one read. The
// checksum is CRC32 (as GitHub's tokens carry) over everything before it, in 6 base62 digits: a
// secret scanner verifies a match offline, and a mistyped key is refused before any read.
// Keys issued before the checksum (`patr_<id>_<secret>`, 43 characters of secret) stay valid.
const REFRESH_KEY_PREFIX = 'patr_';
const tokenIdPattern = /^[0-9a-f]{32}$/;
const refreshKeyPattern = /^patr_([0-9a-f]{32})_([A-Za-z0-9_-]{43})([0-9A-Za-z]{6})?$/;
/** How many characters the checksum takes. */
export const REFRESH_KEY_CHECKSUM_LENGTH = 6;

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 (IEEE 802.3, the zlib and PNG one) of a string's UTF-8 bytes. */
export function crc32(text: string): number {
  let crc = 0xffffffff;
  for (const byte of Buffer.from(text, 'utf8')) crc = crcTable[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** The checksum of a refresh key's body (`patr_<id>_<secret>`): its CRC32 in 6 base62 digits, zero-padded. */
export function refreshKeyChecksum(body: string): string {
  let value = crc32(body);
  let digits = '';
  for (let i = 0; i < REFRESH_KEY_CHECKSUM_LENGTH; i++) {
    digits = BASE62[value % 62]! + digits;
    value = Math.floor(value / 62);
  }
  return digits;
}

export function isTokenId(value: string): boolean {
  return tokenIdPattern.test(value);
}

export function formatRefreshKey(tokenId: string, secret: string): string {
  const body = `${REFRESH_KEY_PREFIX}${tokenId}_${secret}`;
  return `${body}${refreshKeyChecksum(body)}`;
}

/**
 * The token id and secret of a refresh key, or `undefined` for anything that is not one: checked
 * offline (shape and checksum) before any read. A key without a checksum is one issued before it.
 */
export function parseRefreshKey(key: string): { tokenId: string; secret: string } | undefined {
  const match = refreshKeyPattern.exec(key);
  if (!match) return undefined;
  const checksum = match[3];
  if (checksum !== undefined && checksum !== refreshKeyChecksum(key.slice(0, -REFRESH_KEY_CHECKSUM_LENGTH))) return undefined;
  return { tokenId: match[1]!, secret: match[2]! };
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Constant-time comparison of a presented secret with a stored hash. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

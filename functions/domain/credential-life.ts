import { DAY_SECONDS } from './token-policy';
import { statusOf, type TokenRecord } from './token';

/**
 * Bounded credential life (Auth0's and Okta's rotating-refresh bounds): a credential, the family of
 * a token and its successors, lives at most `maxCredentialAgeDays` from its first token's creation
 * and dies when unused `idleExpiryDays`. "Used" is an authorized request (`lastUsedAt`, written by
 * the authorizer at most once a minute) or a refresh (the successor's `createdAt`): the later of
 * the two on the token at hand.
 */
type CredentialLifePolicy = { maxCredentialAgeDays: number | null; idleExpiryDays: number | null };
const DAY_MS = DAY_SECONDS * 1000;

/** When the credential started: the family's first token's creation. */
export function familyStartOf(record: Pick<TokenRecord, 'createdAt' | 'familyCreatedAt'>): number {
  return record.familyCreatedAt ?? record.createdAt;
}

/** The last use the token's record knows: its last authorized request, or its creation (a refresh is a use). */
export function lastUseOf(record: Pick<TokenRecord, 'createdAt' | 'lastUsedAt'>): number {
  return Math.max(record.createdAt, record.lastUsedAt ?? 0);
}

/** When the credential stops being refreshable by the credential-life bounds alone; Infinity when neither applies. */
export function credentialLifeEnd(
  record: Pick<TokenRecord, 'createdAt' | 'familyCreatedAt' | 'lastUsedAt'>,
  policy: CredentialLifePolicy,
): number {
  const ends = [Number.POSITIVE_INFINITY];
  if (policy.maxCredentialAgeDays !== null) ends.push(familyStartOf(record) + policy.maxCredentialAgeDays * DAY_MS);
  if (policy.idleExpiryDays !== null) ends.push(lastUseOf(record) + policy.idleExpiryDays * DAY_MS);
  return Math.min(...ends);
}

/** Past the family's maximum age, or idle too long: no refresh. */
export function credentialLifeOver(
  record: Pick<TokenRecord, 'createdAt' | 'familyCreatedAt' | 'lastUsedAt'>,
  policy: CredentialLifePolicy,
  now: number,
): boolean {
  return now >= credentialLifeEnd(record, policy);
}

/** Idle too long: the token stops working (the authorizer refuses it) as well as its refresh. */
export function isIdle(record: Pick<TokenRecord, 'createdAt' | 'lastUsedAt'>, idleExpiryDays: number | null, now: number): boolean {
  return idleExpiryDays !== null && now >= lastUseOf(record) + idleExpiryDays * DAY_MS;
}

/**
 * Until when a token's refresh key can still rotate it (epoch ms): its expiry plus the refresh
 * window, bounded by the credential's life. `null` when it cannot be refreshed at all (revoked,
 * rotated, pending, or past that time), and `Infinity` for a token without any deadline.
 */
export function refreshableUntilOf(
  record: Pick<TokenRecord, 'state' | 'expiresAt' | 'createdAt' | 'rotatedAt' | 'familyCreatedAt' | 'lastUsedAt'>,
  policy: { refreshWindowDays: number } & Partial<CredentialLifePolicy>,
  now: number,
): number | null {
  if (record.rotatedAt !== undefined || record.state !== 'active') return null;
  const windowEnd = record.expiresAt === null ? Number.POSITIVE_INFINITY : record.expiresAt + policy.refreshWindowDays * DAY_MS;
  const until = Math.min(
    windowEnd,
    credentialLifeEnd(record, { maxCredentialAgeDays: policy.maxCredentialAgeDays ?? null, idleExpiryDays: policy.idleExpiryDays ?? null }),
  );
  return statusOf(record, now) === 'revoked' || now >= until ? null : until;
}

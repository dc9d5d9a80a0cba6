import { DAY_SECONDS } from './policy';
import { statusOf, type TokenRecord } from './token';

/**
 * Until when a token's refresh key can still rotate it (epoch ms): its expiry plus the refresh
 * window. `null` when it cannot be refreshed at all (revoked, rotated, pending, or the window is
 * over), and `Infinity` for a token without expiry (no deadline).
 */
export function refreshableUntilOf(
  record: Pick<TokenRecord, 'state' | 'expiresAt' | 'createdAt' | 'rotatedAt'>,
  policy: { refreshWindowDays: number },
  now: number,
): number | null {
  if (record.rotatedAt !== undefined || record.state !== 'active') return null;
  if (record.expiresAt === null) return Number.POSITIVE_INFINITY;
  const until = record.expiresAt + policy.refreshWindowDays * DAY_SECONDS * 1000;
  return statusOf(record, now) === 'revoked' || now >= until ? null : until;
}

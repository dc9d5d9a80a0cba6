import { tokenRefusalOf, unauthorizedChallenge } from '../domain/bearer-challenge';
import { refreshableUntilOf } from '../domain/credential-life';
import { DomainError } from '../domain/errors';
import type { TokenPolicy } from '../domain/token-policy';
import { allowsTerms, effectivePolicy, isOutsidePolicy } from '../domain/tenant-policy';
import { statusOf, withFamilyState, type TokenStatus } from '../domain/token';
import type { AccessTokenVerifier } from './authorize';
import type { Clock, TenantPolicies, TokenStatusReader } from './ports';

/** What `GET /tokens/self` tells the holder of a token about it: no owner, tenant or description. */
export interface SelfView {
  id: string;
  status: TokenStatus;
  expiresAt: string | null;
  scopes: string[];
  allowedIps: string[];
  /** A rotated token: until when it still authorizes; otherwise null. */
  graceUntil: string | null;
  /** Until when its refresh key can rotate it; null when it cannot (revoked, rotated, pending, window over) or has no deadline (`refreshable` tells which). */
  refreshableUntil: string | null;
  refreshable: boolean;
  generation: number;
  familyId: string;
  /** Whether the tenant's current policy no longer allows it (it works until it expires or rotates). */
  outsidePolicy: boolean;
  revokeReason?: string;
}

export interface SelfCheckDeps {
  /** Checks signature, `alg`, `kid`, `typ`, `iss`, `iat`/`nbf` but not `exp`: an expired token's holder is answered too. */
  verifier: AccessTokenVerifier;
  status: TokenStatusReader;
  tenantPolicies: Pick<TenantPolicies, 'getTenantPolicy'>;
  clock: Clock;
  policy: TokenPolicy;
}

const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]+)$/i;

function refused(reason: string): DomainError {
  const challenge = unauthorizedChallenge(tokenRefusalOf(reason));
  return new DomainError(
    'unauthorized',
    challenge.description ?? 'Send the access token as Authorization: Bearer <token>',
    undefined,
    challenge,
  );
}

/**
 * `GET /tokens/self`: the token's own state, authenticated by the token (GitLab's
 * `personal_access_tokens/self`). A verified signature is the proof of possession, so an expired,
 * rotated or revoked token is answered (that is the point: "why was I refused?"); a forged one,
 * or one whose record is gone, never.
 */
export async function selfCheck(deps: SelfCheckDeps, authorization: string | undefined): Promise<SelfView> {
  const match = authorization ? BEARER.exec(authorization.trim()) : null;
  if (!match) throw refused('malformed_header');
  const verified = await deps.verifier.verify(match[1]!);
  if (!verified.ok) throw refused(verified.reason);
  const { claims } = verified;
  const read = await deps.status.getWithFamily(claims.jti, claims.fid);
  const record = read.record && withFamilyState(read.record, read.family);
  if (
    !record ||
    record.tenant !== claims.tid ||
    record.owner !== claims.sub ||
    (claims.fid !== undefined && record.familyId !== claims.fid)
  )
    throw refused('unknown_token');
  const now = deps.clock.now();
  const status = statusOf(record, now);
  const policy = effectivePolicy(deps.policy, await deps.tenantPolicies.getTenantPolicy(record.tenant));
  // A refresh also needs the tenant's current policy to allow the token's terms (TokenRotation.refresh).
  const refreshableUntil = allowsTerms(policy, record) ? refreshableUntilOf(record, policy, now) : null;
  const iso = (millis: number) => new Date(millis).toISOString();
  return {
    id: record.id,
    status,
    expiresAt: record.expiresAt === null ? null : iso(record.expiresAt),
    scopes: record.scopes,
    allowedIps: record.allowedIps,
    graceUntil: record.revokeReason === 'rotated' && record.graceUntil !== undefined ? iso(record.graceUntil) : null,
    refreshableUntil: refreshableUntil === null || !Number.isFinite(refreshableUntil) ? null : iso(refreshableUntil),
    refreshable: refreshableUntil !== null,
    generation: record.generation,
    familyId: record.familyId,
    outsidePolicy: (status === 'active' || status === 'pending') && isOutsidePolicy(record, policy),
    ...(record.state === 'revoked' && record.revokeReason ? { revokeReason: record.revokeReason } : {}),
  };
}

import type { AuditEvent } from '../domain/audit';
import { familyStartOf } from '../domain/credential-life';
import { conflict } from '../domain/errors';
import type { EffectivePolicy } from '../domain/tenant-policy';
import { claimsOf, formatRefreshKey, hashSecret, newestUse, type TokenRecord } from '../domain/token';
import { successorExpiresAt, type TokenPolicy } from '../domain/token-policy';
import { newTokenId } from './audit-events';
import { signAccessToken } from './jws';
import type { RotationRefusal, Signer, TokenRecords } from './ports';
import { viewOf, type IssuedToken } from './token-reads';

/** What signs a token's access token: the signer and the issuer its claims name. */
export interface Issuer {
  signer: Signer;
  issuer: string;
}

export function signedAccessToken({ signer, issuer }: Issuer, record: TokenRecord): Promise<string> {
  return signAccessToken(claimsOf(record, issuer), signer);
}

/** A rotation's ports: the records' conditional swap, the signer, and the deployment's grace. */
export interface SuccessionDeps extends Issuer {
  records: Pick<TokenRecords, 'rotate'>;
  policy: Pick<TokenPolicy, 'rotationGraceSeconds'>;
}

export interface Succession {
  record: TokenRecord;
  now: number;
  /** The tenant's effective policy: the successor's lifetime cap and the owner's active-token cap. */
  policy: EffectivePolicy;
  /** How long ago the predecessor may have expired at the instant of the write (see `Rotation`). */
  expiredAtMostMs: number;
  /** The successor's expiry when chosen by the caller; the predecessor's lifetime again when absent. */
  expiresAt?: number | null;
  secretOf: (successorId: string) => Promise<string>;
  eventOf: (successorId: string) => AuditEvent;
}

/** The successor of a rotation: same owner, terms and family, the next generation, a lifetime capped by the policy. */
export function successorOf(record: TokenRecord, now: number, policy: EffectivePolicy): TokenRecord {
  return {
    id: newTokenId(),
    tenant: record.tenant,
    owner: record.owner,
    createdBy: record.createdBy,
    description: record.description,
    scopes: record.scopes,
    allowedIps: record.allowedIps,
    createdAt: now,
    expiresAt: successorExpiresAt(record, policy, now),
    state: 'active',
    familyId: record.familyId,
    generation: record.generation + 1,
    predecessorId: record.id,
    familyCreatedAt: familyStartOf(record),
    refreshKeyHash: '',
    // "Last used" of the credential survives its rotations without reading the whole family.
    credentialLastUsedAt: newestUse(record),
  };
}

/**
 * Rotates `record` to its successor (refresh and regenerate): the successor's secret, hash and
 * access token, then the store's conditional swap. The issued token is only valid when
 * `result.ok`; a description taken meanwhile is a conflict either way.
 */
export async function rotateToSuccessor(
  deps: SuccessionDeps,
  { record, now, policy, expiredAtMostMs, expiresAt, secretOf, eventOf }: Succession,
): Promise<{ result: { ok: true } | { ok: false; refusal: RotationRefusal }; token: IssuedToken }> {
  const successor = successorOf(record, now, policy);
  if (expiresAt !== undefined) successor.expiresAt = expiresAt;
  const secret = await secretOf(successor.id);
  successor.refreshKeyHash = hashSecret(secret);
  const accessToken = await signedAccessToken(deps, successor);
  const result = await deps.records.rotate({
    predecessor: record,
    successor,
    presentedHash: record.refreshKeyHash,
    rotatedAt: now,
    graceUntil: now + deps.policy.rotationGraceSeconds * 1000,
    event: eventOf(successor.id),
    expiredAtMostMs,
    cap: policy.maxActiveTokensPerOwner,
  });
  if (!result.ok && result.refusal === 'description_taken')
    throw conflict(`Another active token of ${record.owner} now has this description`);
  return { result, token: { ...viewOf(successor, now, policy), accessToken, refreshKey: formatRefreshKey(successor.id, secret) } };
}

import { parseRefreshKey, secretMatches, type TokenRecord } from '../domain/token';
import type { AccessTokenVerifier } from './authorize';
import type { Origin } from './caller';
import type { Clock, TokenFamilies, TokenRecords } from './ports';
import { revokeCredential } from './family-revocation';

export interface HolderRevocationDeps {
  records: Pick<TokenRecords, 'get'>;
  families: Pick<TokenFamilies, 'revokeFamily'>;
  /** Recognises access tokens (expired ones too: revoking one is harmless and what the holder asked). */
  verifier: AccessTokenVerifier;
  clock: Clock;
}

/**
 * RFC 7009 revocation by the holder (`POST /oauth2/revoke`): a refresh key or an access token of
 * ours revokes its credential, every live member of its family, with reason `revoked` by the
 * holder (the audit actor is the token). Holding the secret is the proof; anything else revokes
 * nothing, and the caller is told the same either way. Returns the ids revoked, for logs only.
 */
export async function revokeByHolder(deps: HolderRevocationDeps, secret: string, origin: Origin = {}): Promise<string[]> {
  const record = await recordOf(deps, secret);
  if (!record) return [];
  const now = deps.clock.now();
  const { revokedIds } = await revokeCredential(
    deps.families,
    record,
    { at: now, by: `holder:${record.id}`, reason: 'revoked' },
    {
      action: 'token.revoked',
      actor: { type: 'token', id: record.id },
      sourceIp: origin.sourceIp,
      details: { familyId: record.familyId, via: 'oauth2_revoke' },
    },
  );
  return revokedIds;
}

async function recordOf(deps: HolderRevocationDeps, secret: string): Promise<TokenRecord | undefined> {
  const refreshKey = parseRefreshKey(secret);
  if (refreshKey) {
    const record = await deps.records.get(refreshKey.tokenId);
    return record && secretMatches(refreshKey.secret, record.refreshKeyHash) ? record : undefined;
  }
  const verified = await deps.verifier.verify(secret);
  if (!verified.ok) return undefined;
  const record = await deps.records.get(verified.claims.jti);
  return record && record.tenant === verified.claims.tid && record.owner === verified.claims.sub ? record : undefined;
}

import { parseRefreshKey, secretMatches, type TokenRecord } from '../domain/token';
import type { AccessTokenVerifier } from './authorize';
import type { Origin } from './caller';
import type { Clock, TokenFamilies, TokenRecords } from './ports';
import { revokeCredential } from './family-revocation';

export interface LeakRevocationDeps {
  records: Pick<TokenRecords, 'get'>;
  families: Pick<TokenFamilies, 'revokeFamily'>;
  /** Recognises leaked access tokens. */
  verifier: AccessTokenVerifier;
  clock: Clock;
}

/**
 * Revokes the credential each reported secret (access token or refresh key, a rotated one
 * included) belongs to: its whole family, with reason `leaked`. Possession is the proof: a forged
 * or unknown secret revokes nothing. Returns how many tokens were revoked, for logs and metrics
 * only: the HTTP answer must not tell.
 */
export async function revokeLeaked(deps: LeakRevocationDeps, secrets: readonly string[], origin: Origin = {}): Promise<number> {
  const { records, families, verifier, clock } = deps;
  const leaked = new Map<string, { record: TokenRecord; via: 'refresh_key' | 'access_token' }>();
  for (const secret of secrets) {
    const refreshKey = parseRefreshKey(secret);
    if (refreshKey) {
      const record = await records.get(refreshKey.tokenId);
      if (record && secretMatches(refreshKey.secret, record.refreshKeyHash)) leaked.set(record.familyId, { record, via: 'refresh_key' });
      continue;
    }
    const verified = await verifier.verify(secret);
    if (!verified.ok) continue;
    const record = await records.get(verified.claims.jti);
    // The record the token names, and only if it is that token's (as the holder and scanner paths check).
    if (record && record.tenant === verified.claims.tid && record.owner === verified.claims.sub)
      leaked.set(record.familyId, { record, via: 'access_token' });
  }
  let revoked = 0;
  for (const { record, via } of leaked.values()) {
    const now = clock.now();
    const result = await revokeCredential(
      families,
      record,
      { at: now, by: 'leak-report', reason: 'leaked' },
      {
        action: 'token.leak_revoked',
        actor: { type: 'anonymous' },
        sourceIp: origin.sourceIp,
        details: { via, familyId: record.familyId },
      },
    );
    revoked += result.revokedIds.length;
  }
  return revoked;
}

import { parseRefreshKey, secretMatches, type TokenRecord } from '../domain/token';
import type { AccessTokenVerifier } from './authorize';
import type { Clock, TokenFamilies, TokenRecords } from './ports';
import { revokeCredential } from './family-revocation';

/** One match a scanner reports (GitHub's partner format). */
export interface ScannerMatch {
  token: string;
  type: string;
  url: string;
  source: string;
}

/** GitHub's answer per match: whether it was a real secret of ours. */
export interface ScannerLabel {
  token_raw: string;
  token_type: string;
  label: 'true_positive' | 'false_positive';
}

export interface SecretScanningDeps {
  records: Pick<TokenRecords, 'get'>;
  families: Pick<TokenFamilies, 'revokeFamily'>;
  /** Recognises access tokens, expired ones too (a leaked expired token may still be refreshable: its family is revoked). */
  verifier: AccessTokenVerifier;
  clock: Clock;
}

/**
 * A signed alert from a secret scanner: every match that is a secret of ours (a refresh key whose
 * checksum and secret verify, an access token whose signature does) revokes its whole family with
 * reason `leaked`, the scanner as the audit actor; each match is labelled. A family reported twice
 * in one alert is revoked once. Returns the labels in the order of the matches, and the ids revoked.
 */
export async function revokeScannedSecrets(
  deps: SecretScanningDeps,
  matches: readonly ScannerMatch[],
  scanner: string,
): Promise<{ labels: ScannerLabel[]; revokedIds: string[] }> {
  const families = new Map<string, { record: TokenRecord; via: string }>();
  const labels: ScannerLabel[] = [];
  for (const match of matches) {
    const found = await recordOf(deps, match.token);
    if (found) families.set(found.record.familyId, found);
    labels.push({ token_raw: match.token, token_type: match.type, label: found ? 'true_positive' : 'false_positive' });
  }
  const revokedIds: string[] = [];
  for (const { record, via } of families.values()) {
    const now = deps.clock.now();
    const result = await revokeCredential(
      deps.families,
      record,
      { at: now, by: scanner, reason: 'leaked' },
      { action: 'token.leak_revoked', actor: { type: 'anonymous', id: scanner }, details: { via, familyId: record.familyId } },
    );
    revokedIds.push(...result.revokedIds);
  }
  return { labels, revokedIds };
}

async function recordOf(deps: SecretScanningDeps, secret: string): Promise<{ record: TokenRecord; via: string } | undefined> {
  const refreshKey = parseRefreshKey(secret);
  if (refreshKey) {
    const record = await deps.records.get(refreshKey.tokenId);
    return record && secretMatches(refreshKey.secret, record.refreshKeyHash) ? { record, via: 'refresh_key' } : undefined;
  }
  const verified = await deps.verifier.verify(secret);
  if (!verified.ok) return undefined;
  const record = await deps.records.get(verified.claims.jti);
  return record && record.tenant === verified.claims.tid && record.owner === verified.claims.sub
    ? { record, via: 'access_token' }
    : undefined;
}

import { describe, expect, it } from 'vitest';
import { formatRefreshKey } from '../../functions/domain/token';
import { revokeScannedSecrets, type ScannerMatch } from '../../functions/service/secret-scanning';
import { claimsOf, HOLDER_NOW, HOLDER_SECRET, holderRecord, secretHolderWorld } from '../support/secret-holder-fakes';

/** A scanner's alert over fakes: each match labelled, each family of ours revoked once, as leaked. */
const first = holderRecord('a'.repeat(32), 'f'.repeat(32));
const sibling = holderRecord('b'.repeat(32), 'f'.repeat(32));
const other = holderRecord('c'.repeat(32), 'e'.repeat(32), 'bob');
const ACCESS = 'header.payload.signature';
const match = (token: string, type = 'pat_access_token'): ScannerMatch => ({
  token,
  type,
  url: 'https://github.com/x/y/blob/1/a',
  source: 'content',
});
const world = (claims = claimsOf(other)) => secretHolderWorld([first, sibling, other], { [ACCESS]: { ok: true, claims } });

describe('revokeScannedSecrets', () => {
  it('labels each match in order and revokes each family once, as leaked, the scanner the actor', async () => {
    const { deps, revocations } = world();
    const matches = [
      match(formatRefreshKey(first.id, HOLDER_SECRET), 'pat_refresh_key'),
      match('not-ours'),
      match(ACCESS),
      match(formatRefreshKey(sibling.id, HOLDER_SECRET), 'pat_refresh_key'),
    ];

    const result = await revokeScannedSecrets(deps, matches, 'github');

    expect(result.labels).toEqual([
      { token_raw: matches[0]!.token, token_type: 'pat_refresh_key', label: 'true_positive' },
      { token_raw: 'not-ours', token_type: 'pat_access_token', label: 'false_positive' },
      { token_raw: ACCESS, token_type: 'pat_access_token', label: 'true_positive' },
      { token_raw: matches[3]!.token, token_type: 'pat_refresh_key', label: 'true_positive' },
    ]);
    expect(result.revokedIds).toEqual([
      `${'f'.repeat(32)}:head`,
      `${'f'.repeat(32)}:older`,
      `${'e'.repeat(32)}:head`,
      `${'e'.repeat(32)}:older`,
    ]);
    expect(revocations.map(({ family, revocation }) => ({ family, revocation }))).toEqual([
      { family: { id: 'f'.repeat(32), tenant: 'acme', owner: 'ann' }, revocation: { at: HOLDER_NOW, by: 'github', reason: 'leaked' } },
      { family: { id: 'e'.repeat(32), tenant: 'acme', owner: 'bob' }, revocation: { at: HOLDER_NOW, by: 'github', reason: 'leaked' } },
    ]);
  });

  it('writes the leak to the audit trail, saying how the secret was recognised', async () => {
    const { deps, revocations } = world();

    await revokeScannedSecrets(deps, [match(formatRefreshKey(first.id, HOLDER_SECRET)), match(ACCESS)], 'gitlab');

    expect(revocations[0]!.event).toMatchObject({
      at: HOLDER_NOW,
      action: 'token.leak_revoked',
      tenant: 'acme',
      owner: 'ann',
      actor: { type: 'anonymous', id: 'gitlab' },
      details: { via: 'refresh_key', familyId: 'f'.repeat(32) },
    });
    expect(revocations[0]!.event).not.toHaveProperty('sourceIp');
    expect(revocations[1]!.event).toMatchObject({ tokenId: other.id, details: { via: 'access_token', familyId: 'e'.repeat(32) } });
  });

  it('revokes nothing for a refresh key of an unknown token, with a wrong secret, or an access token of another record', async () => {
    const claims = claimsOf(other);
    for (const [token, worldClaims] of [
      [formatRefreshKey('d'.repeat(32), HOLDER_SECRET), claims],
      [formatRefreshKey(first.id, `${'B'.repeat(42)}Q`), claims],
      [ACCESS, { ...claims, jti: 'd'.repeat(32) }],
      [ACCESS, { ...claims, tid: 'globex' }],
      [ACCESS, { ...claims, sub: 'ann' }],
    ] as const) {
      const { deps, revocations } = world(worldClaims);
      expect(await revokeScannedSecrets(deps, [match(token)], 'github')).toEqual({
        labels: [{ token_raw: token, token_type: 'pat_access_token', label: 'false_positive' }],
        revokedIds: [],
      });
      expect(revocations).toEqual([]);
    }
  });

  it('answers an empty alert with nothing', async () => {
    expect(await revokeScannedSecrets(world().deps, [], 'github')).toEqual({ labels: [], revokedIds: [] });
  });
});

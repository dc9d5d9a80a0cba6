import { describe, expect, it } from 'vitest';
import { formatRefreshKey } from '../../functions/domain/token';
import { revokeByHolder } from '../../functions/service/holder-revocation';
import { claimsOf, HOLDER_NOW, HOLDER_SECRET, holderRecord, secretHolderWorld } from '../support/secret-holder-fakes';

/** RFC 7009 revocation by the holder: what revokes, what revokes nothing, and what the store is asked. */
const ID = '0123456789abcdef0123456789abcdef';
const FAMILY = 'f'.repeat(32);
const record = holderRecord(ID, FAMILY);
const ACCESS = 'header.payload.signature';
const world = (claims = claimsOf(record)) => secretHolderWorld([record], { [ACCESS]: { ok: true, claims } });

describe('revokeByHolder', () => {
  it('revokes the family of a refresh key whose secret matches, as the token, with the audit event', async () => {
    const { deps, revocations, verifies } = world();

    const revoked = await revokeByHolder(deps, formatRefreshKey(ID, HOLDER_SECRET), { sourceIp: '203.0.113.5' });

    expect(revoked).toEqual([`${FAMILY}:head`, `${FAMILY}:older`]);
    expect(verifies).toEqual([]);
    expect(revocations).toHaveLength(1);
    expect(revocations[0]!.family).toEqual({ id: FAMILY, tenant: 'acme', owner: 'ann' });
    expect(revocations[0]!.revocation).toEqual({ at: HOLDER_NOW, by: `holder:${ID}`, reason: 'revoked' });
    expect(revocations[0]!.event).toMatchObject({
      at: HOLDER_NOW,
      action: 'token.revoked',
      tenant: 'acme',
      tokenId: ID,
      owner: 'ann',
      actor: { type: 'token', id: ID },
      sourceIp: '203.0.113.5',
      details: { familyId: FAMILY, via: 'oauth2_revoke' },
    });
  });

  it('writes no client address it was not given', async () => {
    const { deps, revocations } = world();

    await revokeByHolder(deps, formatRefreshKey(ID, HOLDER_SECRET));

    expect(revocations[0]!.event).not.toHaveProperty('sourceIp');
  });

  it('revokes nothing for a refresh key of an unknown token or with the wrong secret', async () => {
    const { deps, revocations, gets } = world();

    expect(await revokeByHolder(deps, formatRefreshKey('e'.repeat(32), HOLDER_SECRET))).toEqual([]);
    expect(await revokeByHolder(deps, formatRefreshKey(ID, `${'B'.repeat(42)}Q`))).toEqual([]);

    expect(gets).toEqual(['e'.repeat(32), ID]);
    expect(revocations).toEqual([]);
  });

  it('revokes the family of a verified access token of the record’s tenant and owner', async () => {
    const { deps, revocations, verifies } = world();

    expect(await revokeByHolder(deps, ACCESS)).toEqual([`${FAMILY}:head`, `${FAMILY}:older`]);

    expect(verifies).toEqual([ACCESS]);
    expect(revocations[0]!.revocation.by).toBe(`holder:${ID}`);
  });

  it('revokes nothing for an access token that does not verify, or whose claims name another record', async () => {
    const refused = world();
    expect(await revokeByHolder(refused.deps, 'forged.token.here')).toEqual([]);
    expect(refused.gets).toEqual([]);

    const claims = claimsOf(record);
    for (const other of [
      { ...claims, jti: 'e'.repeat(32) },
      { ...claims, tid: 'globex' },
      { ...claims, sub: 'bob' },
    ]) {
      const { deps, revocations } = world(other);
      expect(await revokeByHolder(deps, ACCESS)).toEqual([]);
      expect(revocations).toEqual([]);
    }
  });
});

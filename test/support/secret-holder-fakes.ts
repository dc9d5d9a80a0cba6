import { hashSecret, type TokenRecord } from '../../functions/domain/token';
import type { AccessTokenVerifier, VerifiedClaims } from '../../functions/service/authorize';
import type { AuditEvent } from '../../functions/domain/audit';
import type { Clock, Revocation, TokenFamilies, TokenRecords } from '../../functions/service/ports';

/**
 * Fakes for the use cases that revoke a credential on the proof of its secret (RFC 7009 revocation
 * by the holder, a secret scanner's alert): records by id, a verifier that knows some access
 * tokens, and a store that notes each family revocation it is asked for.
 */
export const HOLDER_NOW = Date.UTC(2026, 5, 1);
export const HOLDER_SECRET = `${'A'.repeat(42)}Q`;

export function holderRecord(id: string, familyId: string, owner = 'ann'): TokenRecord {
  return { id, tenant: 'acme', owner, familyId, refreshKeyHash: hashSecret(HOLDER_SECRET) } as TokenRecord;
}

export const claimsOf = (record: TokenRecord): VerifiedClaims => ({
  jti: record.id,
  sub: record.owner,
  tid: record.tenant,
  scope: 'jobs:read',
});

type Verified = Awaited<ReturnType<AccessTokenVerifier['verify']>>;

export function secretHolderWorld(records: TokenRecord[], verified: Record<string, Verified>) {
  const revocations: { family: unknown; revocation: Revocation; event: AuditEvent }[] = [];
  const gets: string[] = [];
  const verifies: string[] = [];
  const deps: {
    records: Pick<TokenRecords, 'get'>;
    families: Pick<TokenFamilies, 'revokeFamily'>;
    verifier: AccessTokenVerifier;
    clock: Clock;
  } = {
    records: {
      get: async (id: string) => {
        gets.push(id);
        return records.find((record) => record.id === id);
      },
    },
    families: {
      revokeFamily: async (family, revocation, event) => {
        revocations.push({ family, revocation, event });
        return { revokedIds: [`${family.id}:head`, `${family.id}:older`], marked: true };
      },
    },
    verifier: {
      verify: async (token) => {
        verifies.push(token);
        return verified[token] ?? { ok: false, reason: 'bad_signature' };
      },
    },
    clock: { now: () => HOLDER_NOW },
  };
  return { deps, revocations, gets, verifies };
}

import { isCanonicalEs256Jws } from '../../../functions/domain/jws-form';
import { b64, type Case, decodeJson, es256, type Forge, ISSUER, jws } from './jws-forgery';

/**
 * Validly signed with the service's own key, wrong in what they claim: expired, not yet valid, of
 * another issuer, claims missing or mistyped, a record revoked, rotated or of another tenant; and
 * credentials used for what they are not (a refresh key as a bearer token, an access token as a
 * refresh key). A valid signature alone must not open the door.
 */

/** The `claims` and `record` groups. */
export function claimCases({ m, add, claims, realHeader, signReal, realClaims, now }: Forge): void {
  add('claims', 'expired one second ago', 'expired', realClaims({ exp: now - 1 }));
  add('claims', 'expired a day ago', 'expired', realClaims({ iat: now - 2 * 86_400, exp: now - 86_400 }));
  add('claims', 'not yet valid: nbf in an hour', 'not_yet_valid', realClaims({ nbf: now + 3_600 }));
  add('claims', 'not yet valid: iat in an hour', 'not_yet_valid', realClaims({ iat: now + 3_600 }));
  add('claims', 'nbf as a string', 'malformed_claims', realClaims({ nbf: String(now + 3_600) }));
  add('claims', 'wrong iss', 'wrong_issuer', realClaims({ iss: 'https://attacker.example' }));
  add('claims', 'iss in other case', 'wrong_issuer', realClaims({ iss: ISSUER.toUpperCase() }));
  add('claims', 'iss missing', 'missing_claims', realClaims({}, ['iss']));
  add('claims', 'iss as an array', 'wrong_issuer', realClaims({ iss: [ISSUER, 'https://attacker.example'] }));
  add('claims', 'exp as a string', 'malformed_claims', realClaims({ exp: String(now + 86_400) }));
  add('claims', 'exp as null', 'malformed_claims', realClaims({ exp: null }));
  add('claims', 'exp missing (no-expiry tokens not allowed)', 'missing_claims', realClaims({}, ['exp']));
  add('claims', 'exp as an array', 'malformed_claims', realClaims({ exp: [now + 86_400] }));
  add('claims', 'iat missing', 'missing_claims', realClaims({}, ['iat']));
  add('claims', 'iat as a string', 'malformed_claims', realClaims({ iat: String(now) }));
  add('claims', 'jti missing', 'missing_claims', realClaims({}, ['jti']));
  add('claims', 'jti of no record', 'unknown_token', realClaims({ jti: 'f'.repeat(32) }));
  add('claims', 'jti as a number', 'malformed_claims', realClaims({ jti: 7 }));
  add('claims', 'scope missing', 'missing_claims', realClaims({}, ['scope']));
  add('claims', 'tid missing', 'missing_claims', realClaims({}, ['tid']));
  add('claims', 'payload is a JSON array', 'malformed_token', jws(realHeader, [claims], signReal));
  add(
    'claims',
    'payload is JSON null',
    'malformed_token',
    `${b64(realHeader)}.${b64('null')}.${es256(m.realKey, `${b64(realHeader)}.${b64('null')}`).toString('base64url')}`,
  );

  // Record state: real tokens the service issued, then revoked, rotated, or of another tenant.
  add('record', 'valid token of a revoked record', 'revoked', m.revoked.accessToken);
  add('record', 'valid token of a record rotated past its grace', 'revoked', m.rotated.accessToken);
  add('record', 'token of a family revoked by reuse detection (the stolen one)', 'revoked', m.stolen.accessToken);
  add('record', 'token of a family revoked by reuse detection (its successor)', 'revoked', m.successor.accessToken);
  add('record', "another tenant's record under our tenant's tid", 'claims_mismatch', realClaims({ jti: m.bobs.id }));
  add('record', 'our record claimed by another tenant (tid globex)', 'claims_mismatch', realClaims({ tid: 'globex' }));
  add('record', 'our record claimed by another user (sub bob)', 'claims_mismatch', realClaims({ sub: 'bob' }));
  add(
    'record',
    "another tenant's record with its claims and a re-signed tid",
    'claims_mismatch',
    jws(realHeader, { ...decodeJson(m.bobs.accessToken.split('.')[1]!), tid: 'acme', sub: 'alice' }, signReal),
  );
}

/** The `cross-purpose` group: cases with a refresh key are sent to the refresh endpoints. */
export function crossPurposeCases({ m, add, signature }: Forge, cases: Case[]): void {
  add('cross-purpose', 'refresh key used as a bearer token', 'non_canonical', m.valid.refreshKey);
  // An ES256 session token, signed by another key: refused for its kid, or first for its spelling
  // when jose happened to write the high-S twin of its signature (half the time).
  add(
    'cross-purpose',
    'management session ID token used as a bearer token',
    isCanonicalEs256Jws(m.aliceSession) ? 'unknown_kid' : 'non_canonical',
    m.aliceSession,
  );
  cases.push({ group: 'cross-purpose', name: 'access token used as a refresh key', refreshKey: m.valid.accessToken });
  cases.push({ group: 'cross-purpose', name: 'session ID token used as a refresh key', refreshKey: m.aliceSession });
  cases.push({
    group: 'cross-purpose',
    name: "refresh key with its id and the access token's signature",
    refreshKey: `patr_${m.valid.id}_${signature.slice(0, 43)}`,
  });
}

/**
 * RFC 6750 §3 answers: the `WWW-Authenticate: Bearer …` challenge every 401 and 403 carries, so
 * that an OAuth-minded client tells "refresh" (expired) from "ask a human" (revoked, pending) from
 * "this route needs another scope" without parsing our JSON.
 *
 * Telling expired, revoked, pending and not-yet-valid apart leaks nothing a thief could use: those
 * descriptions are given only after the signature verified, that is to a caller who already holds
 * a genuine token, and they say only what that token's holder is entitled to know about it (the
 * owner sees the same in the console; `GET /tokens/self` answers it). A forged, unknown, tampered or
 * wrongly issued token gets one description whatever the reason, so guessing learns nothing.
 */

/** The protection space every challenge names: one per deployment of this service. */
export const BEARER_REALM = 'pat';

export type BearerError = 'invalid_request' | 'invalid_token' | 'insufficient_scope';

export interface BearerChallenge {
  /** Absent: the request carried no bearer credential at all (RFC 6750 §3.1: no error code then). */
  error?: BearerError;
  description?: string;
  /** For `insufficient_scope`: the scope the route needs. */
  scope?: string;
}

/**
 * RFC 6750 allows only printable ASCII without `"` and `\` in `error_description` and `scope`; a
 * message with anything else (a token's Unicode description) is folded, never escaped, so the
 * header always parses.
 */
function headerSafe(value: string): string {
  return value.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '?').slice(0, 300);
}

/** The header value, e.g. `Bearer realm="pat", error="invalid_token", error_description="The access token expired"`. */
export function bearerChallenge(challenge: BearerChallenge, realm: string = BEARER_REALM): string {
  const parts = [`realm="${headerSafe(realm)}"`];
  if (challenge.error) parts.push(`error="${challenge.error}"`);
  if (challenge.error && challenge.description) parts.push(`error_description="${headerSafe(challenge.description)}"`);
  if (challenge.error === 'insufficient_scope' && challenge.scope) parts.push(`scope="${headerSafe(challenge.scope)}"`);
  return `Bearer ${parts.join(', ')}`;
}

/** The kinds of refusal a holder of a genuine token may be told apart; every other reason is `invalid`. */
export type TokenRefusal = 'missing' | 'malformed' | 'invalid' | 'expired' | 'revoked' | 'pending' | 'not_yet_valid' | 'idle';

export const refusalDescriptions: Record<Exclude<TokenRefusal, 'missing'>, string> = {
  malformed: 'The access token is malformed',
  invalid: 'The access token is not valid',
  expired: 'The access token expired: refresh it with its refresh key',
  revoked: 'The access token was revoked',
  pending: "The access token awaits an admin's approval",
  not_yet_valid: 'The access token is not valid yet',
  idle: 'The credential was unused longer than the idle expiry allows',
};

/** The authorizer's reasons (`DenialReason`, a closed list) as what the caller is told. */
export function tokenRefusalOf(reason: string): TokenRefusal {
  switch (reason) {
    case 'malformed_header':
      return 'missing';
    case 'malformed_token':
    case 'non_canonical':
    case 'missing_claims':
    case 'malformed_claims':
      return 'malformed';
    case 'expired':
    case 'revoked':
    case 'pending':
    case 'not_yet_valid':
    case 'idle':
      return reason;
    default:
      // unknown_kid, wrong_algorithm, bad_signature, wrong_issuer, unknown_token, claims_mismatch: forged or not ours.
      return 'invalid';
  }
}

/** The 401 challenge of a refusal. */
export function unauthorizedChallenge(refusal: TokenRefusal): BearerChallenge {
  return refusal === 'missing' ? {} : { error: 'invalid_token', description: refusalDescriptions[refusal] };
}

/** The 403 challenge: a scope the token does not grant (named), or a client address it does not allow. */
export function forbiddenChallenge(denial: { kind: 'scope'; scope?: string } | { kind: 'ip' }): BearerChallenge {
  if (denial.kind === 'ip') return { error: 'insufficient_scope', description: 'This token is not allowed from this client address' };
  return {
    error: 'insufficient_scope',
    description: denial.scope ? `This token does not grant ${denial.scope}` : 'This token does not allow this request',
    ...(denial.scope ? { scope: denial.scope } : {}),
  };
}

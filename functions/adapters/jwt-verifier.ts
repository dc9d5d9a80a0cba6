import { createPublicKey } from 'node:crypto';
import { createDecoder, createVerifier } from 'fast-jwt';
import { isCanonicalEs256Jws, MAX_TOKEN_LENGTH } from '../domain/jws-form';
import { ACCEPTED_TOKEN_TYPES } from '../domain/token';
import type { AccessTokenVerifier, VerificationFailure, VerifiedClaims } from '../service/authorize';
import type { Clock, PublicJwk, PublicKeySource } from '../service/ports';

export interface JwtVerifierOptions {
  issuer: string;
  clock: Clock;
  /** Tokens without `exp` are accepted only when the policy allows tokens without expiry. */
  allowNoExpiry: boolean;
  /** Tolerated clock skew for `iat`/`nbf` in the future. @default 60 000 */
  clockSkewMs?: number;
  /**
   * Accept a token past its `exp` (everything else still checked): for `GET /tokens/self`, which
   * answers the holder of an expired token too. Never for authorization. @default false
   */
  ignoreExpiry?: boolean;
}

type VerifyFn = (token: string) => Record<string, unknown>;
type Verification = { ok: true; claims: VerifiedClaims } | { ok: false; reason: VerificationFailure; detail?: string };

const decodeComplete = createDecoder({ complete: true });

/** fast-jwt's error codes (its `TokenError.codes`), as the authorizer's reasons. */
const failureOfCode: Record<string, VerificationFailure> = {
  FAST_JWT_MALFORMED: 'malformed_token',
  FAST_JWT_INVALID_PAYLOAD: 'malformed_token',
  FAST_JWT_INVALID_TYPE: 'malformed_token',
  FAST_JWT_INVALID_CRIT_HEADER: 'malformed_token',
  FAST_JWT_INVALID_ALGORITHM: 'wrong_algorithm',
  FAST_JWT_MISSING_SIGNATURE: 'bad_signature',
  FAST_JWT_INVALID_SIGNATURE: 'bad_signature',
  FAST_JWT_VERIFY_ERROR: 'bad_signature',
  FAST_JWT_MISSING_REQUIRED_CLAIM: 'missing_claims',
  FAST_JWT_INVALID_CLAIM_TYPE: 'malformed_claims',
  FAST_JWT_EXPIRED: 'expired',
  FAST_JWT_INACTIVE: 'not_yet_valid',
};

/** The reason for a library error: `iss` is the only claim whose value fast-jwt checks here. */
function failureOf(error: unknown): VerificationFailure {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'FAST_JWT_INVALID_CLAIM_VALUE') return /\biss\b/.test((error as Error).message) ? 'wrong_issuer' : 'malformed_claims';
  return (typeof code === 'string' ? failureOfCode[code] : undefined) ?? 'malformed_token';
}

/**
 * The hot-path verifier: fast-jwt (synchronous, node:crypto) with one verifier per published `kid`,
 * `alg` pinned to ES256. Times are checked here against the injected clock, so tests need no sleeps.
 */
export class FastJwtVerifier implements AccessTokenVerifier {
  private verifiers: Promise<Map<string, VerifyFn>> | undefined;

  constructor(
    private readonly keys: PublicKeySource,
    private readonly options: JwtVerifierOptions,
  ) {}

  async verify(token: string): Promise<Verification> {
    // Key loading faults (KMS unreachable) throw: the caller fails closed. Bad tokens are values.
    const verifiers = await this.loadVerifiers();
    if (token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'malformed_token', detail: 'token too large' };
    // fast-jwt (like node:crypto and most JWT libraries) accepts any spelling that decodes to the
    // right bytes; only the one the service issues may pass, or each spelling is a new cache key.
    if (!isCanonicalEs256Jws(token))
      return { ok: false, reason: 'non_canonical', detail: 'not the canonical spelling (base64url or high-S signature)' };
    let payload: Record<string, unknown>;
    try {
      const { header } = decodeComplete(token) as { header: Record<string, unknown> };
      const verifyWithKey = typeof header.kid === 'string' ? verifiers.get(header.kid) : undefined;
      if (!verifyWithKey) return { ok: false, reason: 'unknown_kid' };
      // `pat+jwt` since tokens became scannable; `JWT` until the last token issued before expires.
      if (!ACCEPTED_TOKEN_TYPES.includes(header.typ as string)) return { ok: false, reason: 'malformed_token', detail: 'typ not accepted' };
      payload = verifyWithKey(token);
    } catch (error) {
      return { ok: false, reason: failureOf(error), detail: error instanceof Error ? error.message : String(error) };
    }
    return this.checkClaims(payload);
  }

  private checkClaims(payload: Record<string, unknown>): Verification {
    const now = this.options.clock.now();
    const skew = this.options.clockSkewMs ?? 60_000;
    const { jti, fid, sub, tid, scope, exp, iat, nbf } = payload;
    if (typeof jti !== 'string' || typeof sub !== 'string' || typeof tid !== 'string' || typeof scope !== 'string') {
      return { ok: false, reason: 'malformed_claims', detail: 'jti, sub, tid and scope must be strings' };
    }
    if (typeof iat !== 'number') return { ok: false, reason: 'malformed_claims', detail: 'iat must be a number' };
    if (iat * 1000 > now + skew) return { ok: false, reason: 'not_yet_valid', detail: 'iat in the future' };
    if (nbf !== undefined && typeof nbf !== 'number') return { ok: false, reason: 'malformed_claims', detail: 'nbf must be a number' };
    if (nbf !== undefined && nbf * 1000 > now + skew) return { ok: false, reason: 'not_yet_valid' };
    if (exp === undefined) {
      if (!this.options.allowNoExpiry) return { ok: false, reason: 'missing_claims', detail: 'exp is required' };
    } else if (typeof exp !== 'number') {
      return { ok: false, reason: 'malformed_claims', detail: 'exp must be a number' };
    } else if (exp * 1000 <= now && !this.options.ignoreExpiry) {
      return { ok: false, reason: 'expired' };
    }
    return {
      ok: true,
      claims: { jti, sub, tid, scope, ...(typeof fid === 'string' ? { fid } : {}), ...(typeof exp === 'number' ? { exp } : {}) },
    };
  }

  private loadVerifiers(): Promise<Map<string, VerifyFn>> {
    this.verifiers ??= this.keys.publicKeys().then(
      (jwks) => new Map(jwks.map((jwk) => [jwk.kid, this.verifierFor(jwk)])),
      (error: unknown) => {
        this.verifiers = undefined;
        throw error;
      },
    );
    return this.verifiers;
  }

  private verifierFor(jwk: PublicJwk): VerifyFn {
    const pem = createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, format: 'jwk' })
      .export({ format: 'pem', type: 'spki' })
      .toString();
    return createVerifier({
      key: pem,
      algorithms: ['ES256'],
      allowedIss: this.options.issuer,
      requiredClaims: ['iss', 'jti', 'sub', 'tid', 'scope', 'iat'],
      ignoreExpiration: true,
      ignoreNotBefore: true,
    }) as VerifyFn;
  }
}

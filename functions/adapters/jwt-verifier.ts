import { createPublicKey } from 'node:crypto';
import { createDecoder, createVerifier } from 'fast-jwt';
import type { AccessTokenVerifier, VerifiedClaims } from '../service/authorize';
import type { Clock, PublicJwk, PublicKeySource } from '../service/ports';

export interface JwtVerifierOptions {
  issuer: string;
  clock: Clock;
  /** Tokens without `exp` are accepted only when the policy allows tokens without expiry. */
  allowNoExpiry: boolean;
  /** Tolerated clock skew for `iat`/`nbf` in the future. @default 60 000 */
  clockSkewMs?: number;
}

type VerifyFn = (token: string) => Record<string, unknown>;

const decodeComplete = createDecoder({ complete: true });
const MAX_TOKEN_LENGTH = 8_192;

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

  async verify(token: string): Promise<{ ok: true; claims: VerifiedClaims } | { ok: false; reason: string }> {
    // Key loading faults (KMS unreachable) throw: the caller fails closed. Bad tokens are values.
    const verifiers = await this.loadVerifiers();
    if (token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'token too large' };
    let payload: Record<string, unknown>;
    try {
      const { header } = decodeComplete(token) as { header: Record<string, unknown> };
      const verifyWithKey = typeof header.kid === 'string' ? verifiers.get(header.kid) : undefined;
      if (!verifyWithKey) return { ok: false, reason: 'unknown kid' };
      payload = verifyWithKey(token);
    } catch (error) {
      return { ok: false, reason: error instanceof Error ? `invalid token: ${error.message}` : 'invalid token' };
    }
    return this.checkClaims(payload);
  }

  private checkClaims(payload: Record<string, unknown>): { ok: true; claims: VerifiedClaims } | { ok: false; reason: string } {
    const now = this.options.clock.now();
    const skew = this.options.clockSkewMs ?? 60_000;
    const { jti, fid, sub, tid, scope, exp, iat, nbf } = payload;
    if (typeof jti !== 'string' || typeof sub !== 'string' || typeof tid !== 'string' || typeof scope !== 'string') {
      return { ok: false, reason: 'missing claims' };
    }
    if (typeof iat !== 'number' || iat * 1000 > now + skew) return { ok: false, reason: 'iat missing or in the future' };
    if (nbf !== undefined && (typeof nbf !== 'number' || nbf * 1000 > now + skew)) return { ok: false, reason: 'not yet valid' };
    if (exp === undefined) {
      if (!this.options.allowNoExpiry) return { ok: false, reason: 'exp missing' };
    } else if (typeof exp !== 'number' || exp * 1000 <= now) {
      return { ok: false, reason: 'expired' };
    }
    return { ok: true, claims: { jti, sub, tid, scope, ...(typeof fid === 'string' ? { fid } : {}), ...(typeof exp === 'number' ? { exp } : {}) } };
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
      checkTyp: 'JWT',
      ignoreExpiration: true,
      ignoreNotBefore: true,
    }) as VerifyFn;
  }
}

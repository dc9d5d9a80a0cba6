import { createPublicKey, type KeyObject, verify as verifySignature } from 'node:crypto';
import { isCanonicalEs256Jws, MAX_TOKEN_LENGTH } from '../domain/jws-form';
import { ACCEPTED_TOKEN_TYPES } from '../domain/token';
import type { AccessTokenVerifier, Verification, VerifiedClaims } from '../service/authorize';
import { LruCache } from '../service/lru-cache';
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

/** Claims a token must carry; a token of the service always does. */
const REQUIRED_CLAIMS = ['iss', 'jti', 'sub', 'tid', 'scope', 'iat'] as const;

/** A JSON object from one base64url segment, or undefined (not JSON, or an array, a string, null…). */
function jsonObjectOf(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The access-token verifier: the service's one JWS form (ES256, compact, canonical spelling),
 * checked with `node:crypto` and a `KeyObject` per published `kid`, the way aws-jwt-verify does.
 * Each check is spelled out in order (spelling, JSON, `kid`, `alg` pinned to ES256, `typ`, no
 * `crit`, signature, required claims, `iss`, claim types, time claims), so the per-request cost is
 * one signature verification and two small JSON parses: no stream object, no DER re-encoding of the
 * signature, no second decode (fast-jwt, which this replaced on the hot path, did all three; why
 * no library here: docs/design.md). Times
 * are checked against the injected clock, so tests need no sleeps.
 */
export class Es256JwtVerifier implements AccessTokenVerifier {
  /** Published keys by `kid`, once loaded: a warm verification awaits nothing. */
  private keys: Map<string, KeyObject> | undefined;
  private loading: Promise<Map<string, KeyObject>> | undefined;
  /**
   * Parsed headers by their segment: every token of one key has the same header, so it is decoded
   * once, not per request. Only read, never changed; a flood of odd headers just cycles the cache.
   */
  private readonly headers = new LruCache<string, Record<string, unknown>>(16);

  constructor(
    private readonly keySource: PublicKeySource,
    private readonly options: JwtVerifierOptions,
  ) {}

  /** Synchronous once the keys are loaded (the first call of a container awaits them). */
  verify(token: string): Verification | Promise<Verification> {
    if (this.keys) return this.verifyWith(this.keys, token);
    // Key loading faults (KMS unreachable) reject: the caller fails closed. Bad tokens are values.
    return this.loadKeys().then((keys) => this.verifyWith(keys, token));
  }

  private verifyWith(keys: Map<string, KeyObject>, token: string): Verification {
    if (token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'malformed_token', detail: 'token too large' };
    // node:crypto (like most JWT libraries) accepts any spelling that decodes to the right bytes;
    // only the one the service issues may pass, or each spelling is a new cache key.
    if (!isCanonicalEs256Jws(token))
      return { ok: false, reason: 'non_canonical', detail: 'not the canonical spelling (base64url or high-S signature)' };
    const firstDot = token.indexOf('.');
    const secondDot = token.indexOf('.', firstDot + 1);
    const header = this.headerOf(token.slice(0, firstDot));
    if (!header) return { ok: false, reason: 'malformed_token', detail: 'header is not a JSON object' };
    const payload = jsonObjectOf(token.slice(firstDot + 1, secondDot));
    if (!payload) return { ok: false, reason: 'malformed_token', detail: 'payload is not a JSON object' };
    const key = typeof header.kid === 'string' ? keys.get(header.kid) : undefined;
    if (!key) return { ok: false, reason: 'unknown_kid' };
    if (header.alg !== 'ES256') return { ok: false, reason: 'wrong_algorithm', detail: 'alg is not ES256' };
    // `pat+jwt` since tokens became scannable; `JWT` until the last token issued before expires.
    if (!ACCEPTED_TOKEN_TYPES.includes(header.typ as string)) return { ok: false, reason: 'malformed_token', detail: 'typ not accepted' };
    // RFC 7515 §4.1.11: a `crit` extension the verifier does not implement (it implements none) fails.
    if (header.crit !== undefined) return { ok: false, reason: 'malformed_token', detail: 'crit header not supported' };
    const signed = verifySignature(
      'sha256',
      Buffer.from(token.slice(0, secondDot), 'latin1'),
      { key, dsaEncoding: 'ieee-p1363' },
      Buffer.from(token.slice(secondDot + 1), 'base64url'),
    );
    if (!signed) return { ok: false, reason: 'bad_signature' };
    for (const claim of REQUIRED_CLAIMS)
      if (!Object.hasOwn(payload, claim)) return { ok: false, reason: 'missing_claims', detail: `${claim} is required` };
    if (payload.iss !== this.options.issuer) return { ok: false, reason: 'wrong_issuer' };
    return this.checkClaims(payload);
  }

  private headerOf(segment: string): Record<string, unknown> | undefined {
    let header = this.headers.get(segment);
    if (!header) {
      header = jsonObjectOf(segment);
      if (header) this.headers.set(segment, header);
    }
    return header;
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
    const claims: VerifiedClaims = { jti, sub, tid, scope };
    if (typeof fid === 'string') claims.fid = fid;
    if (typeof exp === 'number') claims.exp = exp;
    return { ok: true, claims };
  }

  private loadKeys(): Promise<Map<string, KeyObject>> {
    this.loading ??= this.keySource.publicKeys().then(
      (jwks) => {
        this.keys = new Map(jwks.map((jwk) => [jwk.kid, keyObjectOf(jwk)]));
        return this.keys;
      },
      (error: unknown) => {
        this.loading = undefined; // a failed load is retried by the next caller, not cached
        throw error;
      },
    );
    return this.loading;
  }
}

function keyObjectOf(jwk: PublicJwk): KeyObject {
  return createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, format: 'jwk' });
}

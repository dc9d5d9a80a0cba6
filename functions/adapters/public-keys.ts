import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import type { PublicJwk, PublicKeySource } from '../service/ports';

/**
 * The environment variable that hands a function the deployment's public signing keys at deploy
 * time: a JWKS (`{"keys":[{kty,crv,x,y,kid,alg,use}…]}`, as `GET /.well-known/jwks.json` serves
 * it) or the bare array. With it the authorizer needs no KMS client and no `kms:GetPublicKey` call.
 */
export const DEPLOYED_PUBLIC_JWKS_ENV = 'SIGNING_PUBLIC_JWKS';

/** The RFC 7638 thumbprint of a P-256 public key (SHA-256 of its canonical JWK members, base64url). */
export function jwkThumbprint(jwk: { x: string; y: string }): string {
  return createHash('sha256').update(`{"crv":"P-256","kty":"EC","x":"${jwk.x}","y":"${jwk.y}"}`).digest('base64url');
}

/** A P-256 public key as a JWK, with its RFC 7638 thumbprint as `kid`. */
export async function publicJwkOf(key: KeyObject): Promise<PublicJwk> {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.x || !jwk.y) throw new Error('The signing key is not an ECC_NIST_P256 key');
  return { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, kid: jwkThumbprint({ x: jwk.x, y: jwk.y }), alg: 'ES256', use: 'sig' };
}

export function publicKeyFromDer(der: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
}

/**
 * The public keys given at deploy time (see {@link DEPLOYED_PUBLIC_JWKS_ENV}), checked when the
 * function loads: each a P-256 key that is a point of the curve, its `kid` its own thumbprint (so a
 * key cannot be published under another key's name). Throws, naming the problem, for anything else.
 */
export function deployedPublicKeys(text: string): PublicKeySource {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${DEPLOYED_PUBLIC_JWKS_ENV} is not JSON`);
  }
  const entries = Array.isArray(parsed) ? parsed : (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(entries) || entries.length === 0) throw new Error(`${DEPLOYED_PUBLIC_JWKS_ENV} holds no keys`);
  const keys = entries.map((entry: unknown, index): PublicJwk => {
    const { kty, crv, x, y, kid } = (entry ?? {}) as Record<string, unknown>;
    if (kty !== 'EC' || crv !== 'P-256' || typeof x !== 'string' || typeof y !== 'string')
      throw new Error(`${DEPLOYED_PUBLIC_JWKS_ENV} key ${index} is not a P-256 public key`);
    // One spelling per coordinate (RFC 7518 §6.2.1.2: 32 bytes, unpadded base64url), or the kid,
    // hashed over the spelling, would not be the point's thumbprint.
    if (!isCanonicalCoordinate(x) || !isCanonicalCoordinate(y))
      throw new Error(`${DEPLOYED_PUBLIC_JWKS_ENV} key ${index}: x and y must be 32 bytes in unpadded base64url`);
    // Throws for coordinates that are not a point of the curve.
    assertCurvePoint(x, y, index);
    if (kid !== jwkThumbprint({ x, y })) throw new Error(`${DEPLOYED_PUBLIC_JWKS_ENV} key ${index}: kid is not the key's thumbprint`);
    return { kty: 'EC', crv: 'P-256', x, y, kid, alg: 'ES256', use: 'sig' };
  });
  const loaded = Promise.resolve(keys);
  return { publicKeys: () => loaded };
}

function isCanonicalCoordinate(value: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(value) && Buffer.from(Buffer.from(value, 'base64url')).toString('base64url') === value;
}

function assertCurvePoint(x: string, y: string, index: number): void {
  try {
    createPublicKey({ key: { kty: 'EC', crv: 'P-256', x, y }, format: 'jwk' });
  } catch {
    throw new Error(`${DEPLOYED_PUBLIC_JWKS_ENV} key ${index} is not a point of P-256`);
  }
}

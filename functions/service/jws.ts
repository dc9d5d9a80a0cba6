import { base64url } from 'jose';
import { toLowS } from '../domain/jws-form';
import { ACCESS_TOKEN_TYPE, type AccessClaims } from '../domain/token';
import type { Signer } from './ports';

const encoder = new TextEncoder();

/**
 * Issues a compact JWS (ES256) over the claims with a signer that never exposes its private key
 * (KMS). jose cannot sign through a remote key, so only the assembly is here: encoding is jose's.
 * Every issued signature passes here, so this is the one place it is put in low-S form: KMS and
 * node:crypto return either (r, s) or its twin (r, n − s), and the authorizer accepts only the first.
 */
export async function signAccessToken(claims: AccessClaims, signer: Signer): Promise<string> {
  // `typ` is explicit (RFC 8725 §3.11) and second, so every token starts with the same 50 characters
  // (ACCESS_TOKEN_PREFIX): what secret scanners match (docs/secret-scanning/).
  const header = { alg: 'ES256', typ: ACCESS_TOKEN_TYPE, kid: await signer.keyId() };
  const signingInput = `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(claims))}`;
  const signature = toLowS(await signer.sign(encoder.encode(signingInput)));
  return `${signingInput}.${base64url.encode(signature)}`;
}

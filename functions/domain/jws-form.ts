/**
 * One token, one spelling. A compact JWS has more than one spelling that verifies: base64url's last
 * character carries unused low bits (any value decodes to the same bytes), and an ECDSA signature
 * (r, s) is as valid as (r, n − s). API Gateway caches authorizer results by the header's text, so
 * each spelling would be a fresh cache key (and a token "revoked" in a cache would come back under
 * another spelling). The service issues the one canonical form and the authorizer refuses every other.
 */

/**
 * The longest access token the service accepts (the Authorization header included): its own are
 * well under 2 KiB; anything longer is refused before any parsing.
 */
export const MAX_TOKEN_LENGTH = 8_192;

/** The order n of the P-256 group, and ⌊n / 2⌋, the largest low-S value (SEC 1; BIP 62's rule). */
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const P256_HALF_ORDER_BYTES = Buffer.from((P256_ORDER >> 1n).toString(16).padStart(64, '0'), 'hex');

/** An ES256 JWS signature is r ‖ s, 32 bytes each (RFC 7518 §3.4): 64 bytes, 86 base64url characters. */
const ES256_SIGNATURE_BYTES = 64;
const ES256_SIGNATURE_CHARS = 86;

// Index of each base64url character in the alphabet, -1 for anything else ('=', '+', '/', non-ASCII).
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const INDEX = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) INDEX[ALPHABET.charCodeAt(i)] = i;

/**
 * Whether `text[start, end)` is the one base64url spelling of its bytes (RFC 4648 §5 without
 * padding, §3.5 "canonical encoding"): alphabet characters only, a length that is not 1 mod 4, and
 * the unused low bits of the last character zero. Equivalent to encode(decode(text)) === text,
 * without allocating.
 */
function isCanonicalBase64urlRange(text: string, start: number, end: number): boolean {
  const length = end - start;
  if (length === 0 || length % 4 === 1) return false;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code >= 128 || INDEX[code]! < 0) return false;
  }
  const last = INDEX[text.charCodeAt(end - 1)]!;
  // 2 characters left over carry 1 byte (4 unused bits), 3 carry 2 bytes (2 unused bits).
  if (length % 4 === 2) return (last & 0x0f) === 0;
  if (length % 4 === 3) return (last & 0x03) === 0;
  return true;
}

export function isCanonicalBase64url(text: string): boolean {
  return isCanonicalBase64urlRange(text, 0, text.length);
}

/** Whether the 64-byte r ‖ s signature has s ≤ n/2. */
export function isLowS(signature: Uint8Array): boolean {
  if (signature.length !== ES256_SIGNATURE_BYTES) return false;
  return Buffer.compare(Buffer.from(signature.buffer, signature.byteOffset + 32, 32), P256_HALF_ORDER_BYTES) <= 0;
}

/** The low-S twin of an r ‖ s signature: s → n − s when s > n/2 (both verify; only this one is issued). */
export function toLowS(signature: Uint8Array): Uint8Array {
  if (signature.length !== ES256_SIGNATURE_BYTES) throw new Error('An ES256 signature is 64 bytes (r ‖ s)');
  if (isLowS(signature)) return signature;
  const s = BigInt(`0x${Buffer.from(signature.subarray(32)).toString('hex')}`);
  const lowS = Buffer.from((P256_ORDER - s).toString(16).padStart(64, '0'), 'hex');
  return Buffer.concat([signature.subarray(0, 32), lowS]);
}

/**
 * Whether a compact ES256 JWS is in its one accepted spelling: three canonical base64url segments,
 * a signature of exactly 64 bytes, and s in low form. Checked before any signature verification,
 * so it also costs less than the refusal it spares.
 */
export function isCanonicalEs256Jws(token: string): boolean {
  const firstDot = token.indexOf('.');
  const secondDot = firstDot < 0 ? -1 : token.indexOf('.', firstDot + 1);
  if (secondDot < 0 || token.length - secondDot - 1 !== ES256_SIGNATURE_CHARS) return false;
  if (
    !isCanonicalBase64urlRange(token, 0, firstDot) ||
    !isCanonicalBase64urlRange(token, firstDot + 1, secondDot) ||
    !isCanonicalBase64urlRange(token, secondDot + 1, token.length)
  ) {
    return false;
  }
  return isLowS(Buffer.from(token.slice(secondDot + 1), 'base64url'));
}

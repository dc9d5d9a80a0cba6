import { joseToDer } from 'ecdsa-sig-formatter';
import { expect } from 'vitest';
import { isLowS } from '../../../functions/domain/jws-form';
import type { DenialReason } from '../../../functions/service/authorize';
import { b64, bytes, type Forge, flipByte, highSOf, P256_ORDER_BYTES, spread } from './jws-forgery';

/**
 * Forged bytes: the genuine token with one byte flipped, its signature cut, stretched, re-encoded or
 * replaced, sizes and characters no token has, other spellings of the very same token, and broken
 * Authorization headers. Each is refused for the check it is about.
 */

const lowSOr = (signatureBytes: Buffer, reason: DenialReason): DenialReason => (isLowS(signatureBytes) ? reason : 'non_canonical');

/** The `one byte` and `signature` groups. */
export function alteredCases({ m, add, header, payload, signature, claims }: Forge): void {
  const flippedJson = (segment: string, index: number): Record<string, unknown> | undefined => {
    try {
      return JSON.parse(bytes(flipByte(segment, index)).toString('utf8')) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  };
  const payloadFlipReason = (segment: string, index: number): DenialReason =>
    flippedJson(segment, index) ? 'bad_signature' : 'malformed_token';
  const headerFlipReason = (segment: string, index: number): DenialReason => {
    const flipped = flippedJson(segment, index);
    if (!flipped) return 'malformed_token';
    if (flipped.kid !== m.realKid) return 'unknown_kid';
    if (flipped.alg !== 'ES256') return 'wrong_algorithm';
    return flipped.typ === 'JWT' || flipped.typ === 'pat+jwt' ? 'bad_signature' : 'malformed_token';
  };
  const signatureFlipReason = (segment: string, index: number) => lowSOr(bytes(flipByte(segment, index)), 'bad_signature');

  // One byte altered: the claims, the header, the signature, at positions across each.
  for (const [name, segment, count, reasonOf, tokenOf] of [
    ['payload', payload, 16, payloadFlipReason, (flipped: string) => `${header}.${flipped}.${signature}`],
    ['header', header, 5, headerFlipReason, (flipped: string) => `${flipped}.${payload}.${signature}`],
  ] as const) {
    const length = bytes(segment).length;
    for (const index of spread(length, count))
      add('one byte', `${name} byte ${index}/${length} flipped`, reasonOf(segment, index), tokenOf(flipByte(segment, index)));
  }
  for (const index of [0, 1, 15, 31, 32, 33, 47, 62, 63])
    add(
      'one byte',
      `signature byte ${index}/64 flipped`,
      signatureFlipReason(signature, index),
      `${header}.${payload}.${flipByte(signature, index)}`,
    );
  add(
    'one byte',
    'scope claim changed (payload re-encoded)',
    'bad_signature',
    `${header}.${b64({ ...claims, scope: 'jobs:read' })}.${signature}`,
  );
  add('one byte', 'claim added (payload re-encoded)', 'bad_signature', `${header}.${b64({ ...claims, admin: true })}.${signature}`);
  add(
    'one byte',
    'sub claim changed (payload re-encoded)',
    'bad_signature',
    `${header}.${b64({ ...claims, sub: 'mallory' })}.${signature}`,
  );

  // Signature shapes.
  const signatureBytes = bytes(signature);
  add(
    'signature',
    'signature truncated to 63 bytes',
    'non_canonical',
    `${header}.${payload}.${signatureBytes.subarray(0, 63).toString('base64url')}`,
  );
  add(
    'signature',
    'signature truncated to 32 bytes (r only)',
    'non_canonical',
    `${header}.${payload}.${signatureBytes.subarray(0, 32).toString('base64url')}`,
  );
  add('signature', 'signature truncated by one character', 'non_canonical', `${header}.${payload}.${signature.slice(0, -1)}`);
  add('signature', 'signature empty', 'non_canonical', `${header}.${payload}.`);
  add(
    'signature',
    'signature with one byte appended',
    'non_canonical',
    `${header}.${payload}.${Buffer.concat([signatureBytes, Buffer.from([0])]).toString('base64url')}`,
  );
  add(
    'signature',
    'signature DER-encoded instead of JOSE',
    'non_canonical',
    `${header}.${payload}.${joseToDer(signatureBytes, 'ES256').toString('base64url')}`,
  );
  add(
    'signature',
    'signature r and s swapped',
    lowSOr(Buffer.concat([signatureBytes.subarray(32), signatureBytes.subarray(0, 32)]), 'bad_signature'),
    `${header}.${payload}.${Buffer.concat([signatureBytes.subarray(32), signatureBytes.subarray(0, 32)]).toString('base64url')}`,
  );
  add(
    'signature',
    'signature r = s = 0 ("psychic signature")',
    'bad_signature',
    `${header}.${payload}.${Buffer.alloc(64).toString('base64url')}`,
  );
  const n = P256_ORDER_BYTES;
  add(
    'signature',
    'signature r = s = n (curve order)',
    'non_canonical',
    `${header}.${payload}.${Buffer.concat([n, n]).toString('base64url')}`,
  );
  add('signature', "signature of another token's claims", 'bad_signature', `${header}.${payload}.${m.revoked.accessToken.split('.')[2]}`);
}

/** The `size/encoding`, `spelling` and `header` groups. */
export function encodingCases({ add, header, payload, signature, realClaims, m }: Forge): void {
  // Characters of the bearer syntax (RFC 6750 b64token) pass the header check and are refused as a spelling.
  const characterReason = (character: string): DenialReason => (/^[~+/=]$/.test(character) ? 'non_canonical' : 'malformed_header');

  // Size and encoding.
  add('size/encoding', '1 MB token (validly signed, 1 MB claim)', 'malformed_header', realClaims({ pad: 'a'.repeat(1_048_576) }));
  add('size/encoding', '1 MB of base64url garbage', 'malformed_header', 'A'.repeat(1_048_576));
  add(
    'size/encoding',
    'token of 8 KiB + 1 (validly signed)',
    'malformed_header',
    realClaims({ pad: 'a'.repeat(Math.max(0, 8_193 - m.valid.accessToken.length - 12)) }),
  );
  for (const [name, character] of [
    ['+', '+'],
    ['/', '/'],
    ['=', '='],
    ['~', '~'],
    ['!', '!'],
    ['%41', '%41'],
    ['é', 'é'],
    ['tab', '\t'],
    ['space', ' '],
    ['NUL', '\u0000'],
  ] as const) {
    add(
      'size/encoding',
      `"${name}" inside the signature`,
      characterReason(character),
      `${header}.${payload}.${signature.slice(0, 40)}${character}${signature.slice(41)}`,
    );
  }
  add('size/encoding', 'signature with = padding appended', 'non_canonical', `${header}.${payload}.${signature}==`);
  // Standard base64 of some payload lengths has neither padding nor +/ and equals base64url: pad it anyway.
  const standardPayload = bytes(payload).toString('base64');
  add(
    'size/encoding',
    'payload in standard base64 with padding',
    'non_canonical',
    `${header}.${standardPayload === payload ? `${standardPayload}=` : standardPayload}.${signature}`,
  );
  add('size/encoding', 'segments separated by two dots', 'non_canonical', `${header}..${payload}.${signature}`);
  add('size/encoding', 'four segments', 'non_canonical', `${header}.${payload}.${signature}.${signature}`);
  add(
    'size/encoding',
    'five segments (JWE shape)',
    'non_canonical',
    `${b64({ alg: 'dir', enc: 'A256GCM' })}..${signature.slice(0, 16)}.${payload}.${signature.slice(0, 22)}`,
  );
  add('size/encoding', 'two segments', 'non_canonical', `${header}.${payload}`);
  add('size/encoding', 'only dots', 'non_canonical', '..');
  add('size/encoding', 'header segment not JSON', 'malformed_token', `${b64('not json')}.${payload}.${signature}`);

  // Other spellings of the genuine token: the same bytes or an equally valid signature, so each
  // verifies under a lenient decoder, and each would be a fresh API Gateway cache key.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  /** The segment with its last character's unused low bits set to `bits` (same decoded bytes). */
  const lowBits = (segment: string, bits: number) => {
    const unused = segment.length % 4 === 2 ? 0x0f : segment.length % 4 === 3 ? 0x03 : 0;
    const last = alphabet.indexOf(segment.at(-1)!);
    return `${segment.slice(0, -1)}${alphabet[(last & ~unused) | (bits & unused)]}`;
  };
  for (const bits of [1, 2, 8, 15]) {
    const variant = lowBits(signature, bits);
    expect(bytes(variant)).toEqual(bytes(signature));
    add(
      'spelling',
      `signature's last character with unused bits ${bits.toString(2).padStart(4, '0')}`,
      'non_canonical',
      `${header}.${payload}.${variant}`,
    );
  }
  for (const [name, segment] of [
    ['header', header],
    ['payload', payload],
  ] as const) {
    if (segment.length % 4 < 2) continue;
    const variant = lowBits(segment, 1);
    expect(bytes(variant)).toEqual(bytes(segment));
    add(
      'spelling',
      `${name}'s last character with an unused bit set`,
      'non_canonical',
      name === 'header' ? `${variant}.${payload}.${signature}` : `${header}.${variant}.${signature}`,
    );
  }
  const signatureBytes = bytes(signature);
  const order = BigInt(`0x${P256_ORDER_BYTES.toString('hex')}`);
  const highS = Buffer.from((order - BigInt(`0x${signatureBytes.subarray(32).toString('hex')}`)).toString(16).padStart(64, '0'), 'hex');
  add(
    'spelling',
    'signature (r, n − s): the high-S twin of the real signature',
    'non_canonical',
    `${header}.${payload}.${Buffer.concat([signatureBytes.subarray(0, 32), highS]).toString('base64url')}`,
  );
  add(
    'spelling',
    'a fresh signature by the real key over the same claims, in high-S form',
    'non_canonical',
    highSOf(realClaims({}), order),
  );

  // The Authorization header itself.
  add('header', 'no Authorization header', 'malformed_header', undefined);
  add('header', 'empty Bearer', 'malformed_header', '', 'Bearer ');
  add('header', 'token without a scheme', 'malformed_header', `${header}.${payload}.${flipByte(signature, 3)}`, '');
  add('header', 'Basic scheme', 'malformed_header', b64('alice:password'), 'Basic ');
  add(
    'header',
    'two forged tokens, comma separated',
    'malformed_header',
    `${header}.${payload}.${flipByte(signature, 5)}, ${header}.${payload}.${flipByte(signature, 6)}`,
  );
}

import { describe, expect, it } from 'vitest';
import { isCanonicalBase64url, isCanonicalEs256Jws, isLowS, MAX_TOKEN_LENGTH, toLowS } from '../../functions/domain/jws-form';

/** One token, one spelling: the canonical-form rules as pure functions, each boundary on both sides. */
const ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const HALF = ORDER >> 1n;
const bytes32 = (n: bigint) => Buffer.from(n.toString(16).padStart(64, '0'), 'hex');
const signature = (r: bigint, s: bigint) => Buffer.concat([bytes32(r), bytes32(s)]);
const HEADER = Buffer.from('{"alg":"ES256"}').toString('base64url');
const PAYLOAD = Buffer.from('{"sub":"ann"}').toString('base64url');
const jws = (sig: Uint8Array, header = HEADER, payload = PAYLOAD) => `${header}.${payload}.${Buffer.from(sig).toString('base64url')}`;

describe('isCanonicalBase64url', () => {
  it.each(['AA', 'AQ', 'Ag', 'Aw', 'AAA', 'AAE', 'AA8', 'AAAA', 'AAA_', '_-AA', 'AAAAAA', 'zz09-_w'])('accepts %j', (text) => {
    expect(isCanonicalBase64url(text)).toBe(true);
  });

  it.each([
    ['', 'nothing'],
    ['A', 'a length of 1 mod 4'],
    ['AAAAA', 'a length of 1 mod 4'],
    ['AB', 'unused bits set, 2 left over'],
    ['AP', 'unused bits set, 2 left over'],
    ['AAB', 'unused bits set, 3 left over'],
    ['AAC', 'unused bits set, 3 left over'],
    ['AA==', 'padding'],
    ['A+AA', 'the base64 alphabet'],
    ['A/AA', 'the base64 alphabet'],
    ['A.AA', 'a dot'],
    ['\u0080AAA', 'the first character past ASCII'],
    ['éAAA', 'a character past ASCII'],
    ['\u007fAAA', 'DEL'],
  ])('refuses %j (%s)', (text) => {
    expect(isCanonicalBase64url(text)).toBe(false);
  });

  it('accepts the encoding of every byte in every position', () => {
    for (let b = 0; b < 256; b++) {
      for (const length of [1, 2, 3]) {
        const buffer = Buffer.alloc(length, 0);
        buffer[length - 1] = b;
        expect(isCanonicalBase64url(buffer.toString('base64url'))).toBe(true);
      }
    }
  });
});

describe('isLowS', () => {
  it('draws the line at ⌊n/2⌋, whatever r is', () => {
    expect(isLowS(signature(0n, HALF))).toBe(true);
    expect(isLowS(signature(0n, HALF + 1n))).toBe(false);
    expect(isLowS(signature(ORDER - 1n, 1n))).toBe(true);
    expect(isLowS(signature(1n, ORDER - 1n))).toBe(false);
  });

  it('reads s from the signature’s own bytes inside a larger buffer', () => {
    const backing = Buffer.alloc(128, 0xff);
    signature(1n, 1n).copy(backing, 40);
    expect(isLowS(backing.subarray(40, 104))).toBe(true);
    signature(1n, HALF + 1n).copy(backing, 40);
    backing.fill(0, 0, 40);
    expect(isLowS(backing.subarray(40, 104))).toBe(false);
  });

  it('refuses a signature that is not 64 bytes', () => {
    expect(isLowS(Buffer.alloc(63))).toBe(false);
    expect(isLowS(Buffer.alloc(65))).toBe(false);
    expect(isLowS(Buffer.alloc(64))).toBe(true);
  });
});

describe('toLowS', () => {
  it('returns a low-S signature itself', () => {
    const low = signature(5n, HALF);
    expect(toLowS(low)).toBe(low);
  });

  it('maps a high s to n − s and keeps r', () => {
    expect(Buffer.from(toLowS(signature(5n, HALF + 1n))).equals(signature(5n, HALF))).toBe(true);
    expect(Buffer.from(toLowS(signature(7n, ORDER - 1n))).equals(signature(7n, 1n))).toBe(true);
  });

  it('refuses anything but 64 bytes, saying so', () => {
    expect(() => toLowS(Buffer.alloc(63))).toThrow('An ES256 signature is 64 bytes (r ‖ s)');
    expect(() => toLowS(Buffer.alloc(65))).toThrow('An ES256 signature is 64 bytes (r ‖ s)');
  });
});

describe('isCanonicalEs256Jws', () => {
  const low = signature(3n, 4n);

  it('accepts three canonical segments and a low-S signature of 64 bytes', () => {
    expect(isCanonicalEs256Jws(jws(low))).toBe(true);
    expect(MAX_TOKEN_LENGTH).toBe(8_192);
  });

  it('refuses the high-S twin', () => {
    expect(isCanonicalEs256Jws(jws(signature(3n, ORDER - 4n)))).toBe(false);
  });

  it('refuses a token without two dots', () => {
    const sig = Buffer.from(low).toString('base64url');
    expect(isCanonicalEs256Jws(sig)).toBe(false);
    expect(isCanonicalEs256Jws(`${HEADER}${sig}`)).toBe(false);
    expect(isCanonicalEs256Jws(`${HEADER}.${sig}`)).toBe(false);
  });

  it('refuses a signature one character short or long', () => {
    const token = jws(low);
    expect(isCanonicalEs256Jws(token.slice(0, -1))).toBe(false);
    expect(isCanonicalEs256Jws(`${token}A`)).toBe(false);
  });

  it('refuses an empty or non-canonical header or payload', () => {
    expect(isCanonicalEs256Jws(jws(low, ''))).toBe(false);
    expect(isCanonicalEs256Jws(jws(low, HEADER, ''))).toBe(false);
    expect(isCanonicalEs256Jws(jws(low, `${HEADER}=`))).toBe(false);
    expect(isCanonicalEs256Jws(jws(low, HEADER, `${PAYLOAD}=`))).toBe(false);
    expect(isCanonicalEs256Jws(jws(low, 'AB'))).toBe(false);
    expect(isCanonicalEs256Jws(jws(low, HEADER, 'AB'))).toBe(false);
  });

  it('refuses a signature with unused bits set, or a character outside the alphabet', () => {
    const token = jws(low);
    expect(token.endsWith('A')).toBe(true);
    expect(isCanonicalEs256Jws(`${token.slice(0, -1)}B`)).toBe(false);
    expect(isCanonicalEs256Jws(`${token.slice(0, -2)}=A`)).toBe(false);
  });

  it('finds the second dot after the first, not the first again', () => {
    expect(isCanonicalEs256Jws(jws(low, 'AA', 'AA'))).toBe(true);
    expect(isCanonicalEs256Jws(`AA..${Buffer.from(low).toString('base64url')}`)).toBe(false);
  });
});

import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import { Es256JwtVerifier } from '../../functions/adapters/jwt-verifier';
import { KmsKeyRing } from '../../functions/adapters/kms-signer';
import { LocalKeyRing } from '../../functions/adapters/local-signer';
import { isCanonicalBase64url, isCanonicalEs256Jws, isLowS, toLowS } from '../../functions/domain/jws-form';
import { signAccessToken } from '../../functions/service/jws';
import type { Signer } from '../../functions/service/ports';

const ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const sOf = (token: string) => BigInt(`0x${Buffer.from(token.split('.')[2]!, 'base64url').subarray(32).toString('hex')}`);
const claimsFor = (i: number) => ({
  iss: 'https://pat.example',
  sub: 'alice',
  tid: 'acme',
  jti: i.toString(16).padStart(32, '0'),
  scope: 'jobs:read',
  iat: 1_800_000_000,
  exp: 4_000_000_000,
});
/** The same signature with s replaced by n − s: as valid for ECDSA, another spelling for a cache. */
function twin(token: string): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const raw = Buffer.from(signature, 'base64url');
  const s = Buffer.from((ORDER - sOf(token)).toString(16).padStart(64, '0'), 'hex');
  return `${header}.${payload}.${Buffer.concat([raw.subarray(0, 32), s]).toString('base64url')}`;
}

describe('canonical base64url', () => {
  it('is exactly the text that decoding then encoding gives back', () => {
    const alphabetish = fc.string({
      unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=. é\u0000'.split('')),
      maxLength: 12,
    });
    fc.assert(
      fc.property(alphabetish, (text) => {
        const roundTrip = text.length > 0 && /^[A-Za-z0-9_-]*$/.test(text) && Buffer.from(text, 'base64url').toString('base64url') === text;
        expect(isCanonicalBase64url(text)).toBe(roundTrip);
      }),
      { numRuns: 5_000 },
    );
  });

  it('accepts every encoding of bytes, and refuses each spelling with unused bits set', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 70 }), fc.integer({ min: 1, max: 15 }), (data, bits) => {
        const text = Buffer.from(data).toString('base64url');
        expect(isCanonicalBase64url(text)).toBe(true);
        const unused = text.length % 4 === 2 ? 0x0f : text.length % 4 === 3 ? 0x03 : 0;
        fc.pre((bits & unused) !== 0);
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
        const variant = `${text.slice(0, -1)}${alphabet[alphabet.indexOf(text.at(-1)!) | (bits & unused)]}`;
        expect(Buffer.from(variant, 'base64url')).toEqual(Buffer.from(data)); // the same bytes…
        expect(isCanonicalBase64url(variant)).toBe(false); // …under a refused spelling
      }),
    );
  });
});

describe('low-S', () => {
  it('toLowS keeps r, maps a high s to n − s, and leaves a low one alone', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), (raw) => {
        const s = BigInt(`0x${Buffer.from(raw.subarray(32)).toString('hex')}`);
        fc.pre(s > 0n && s < ORDER);
        const low = toLowS(raw);
        const lowValue = BigInt(`0x${Buffer.from(low.subarray(32)).toString('hex')}`);
        expect(Buffer.from(low.subarray(0, 32))).toEqual(Buffer.from(raw.subarray(0, 32)));
        expect(lowValue).toBe(s <= ORDER / 2n ? s : ORDER - s);
        expect(isLowS(low)).toBe(true);
        expect(isLowS(raw)).toBe(s <= ORDER / 2n);
      }),
    );
  });

  it('draws the line at ⌊n/2⌋ exactly', () => {
    const withS = (s: bigint) => Buffer.concat([Buffer.alloc(32, 1), Buffer.from(s.toString(16).padStart(64, '0'), 'hex')]);
    expect(isLowS(withS(ORDER / 2n))).toBe(true);
    expect(isLowS(withS(ORDER / 2n + 1n))).toBe(false);
  });
});

const kms = mockClient(KMSClient);
const kmsKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const keyArn = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

async function issueAndCheck(ring: Signer & { publicKeys(): Promise<import('../../functions/service/ports').PublicJwk[]> }, count: number) {
  const keySet = createLocalJWKSet({ keys: await ring.publicKeys() });
  const highS: string[] = [];
  for (let i = 0; i < count; i++) {
    const token = await signAccessToken(claimsFor(i), ring);
    if (sOf(token) > ORDER / 2n || !isCanonicalEs256Jws(token)) highS.push(token);
    await jwtVerify(token, keySet, { algorithms: ['ES256'], issuer: 'https://pat.example' });
  }
  return highS;
}

describe('issued tokens are in the one accepted spelling', () => {
  beforeEach(() => {
    kms.reset();
    kms.on(GetPublicKeyCommand).resolves({
      KeyId: keyArn,
      KeySpec: 'ECC_NIST_P256',
      KeyUsage: 'SIGN_VERIFY',
      PublicKey: new Uint8Array(kmsKey.publicKey.export({ format: 'der', type: 'spki' })),
    });
  });

  it('1,000 tokens of the local signer: all low-S, canonical, and verified by jose against the JWKS', async () => {
    const ring = LocalKeyRing.fromFile(join(mkdtempSync(join(tmpdir(), 'pat-lows-')), 'key.json'));
    expect(await issueAndCheck(ring, 1_000)).toEqual([]);
  }, 60_000);

  it('1,000 tokens of the KMS signer, whose (mocked, real-key) KMS answers high-S half the time', async () => {
    let calls = 0;
    let highAnswers = 0;
    kms.on(SignCommand).callsFake((input: { Message: Uint8Array }) => {
      // KMS answers DER with either s; force the high form on every other call so both paths run.
      const p1363 = sign('sha256', input.Message, { key: kmsKey.privateKey, dsaEncoding: 'ieee-p1363' });
      const s = BigInt(`0x${p1363.subarray(32).toString('hex')}`);
      const wantHigh = calls++ % 2 === 0;
      const sOut = wantHigh === s > ORDER / 2n ? s : ORDER - s;
      if (sOut > ORDER / 2n) highAnswers++;
      const r = p1363.subarray(0, 32);
      const der = derOf(r, Buffer.from(sOut.toString(16).padStart(64, '0'), 'hex'));
      return { KeyId: keyArn, SigningAlgorithm: 'ECDSA_SHA_256', Signature: new Uint8Array(der) };
    });
    const ring = new KmsKeyRing(new KMSClient({ region: 'eu-west-1' }), [keyArn]);

    expect(await issueAndCheck(ring, 1_000)).toEqual([]);
    expect(highAnswers).toBe(500);
  }, 60_000);
});

describe('the hot-path verifier refuses every other spelling of a genuine token', () => {
  const clock = { now: () => 1_900_000_000_000 };

  it('refuses the high-S twin and every unused-bits variant, and accepts the token itself', async () => {
    const ring = LocalKeyRing.fromFile(join(mkdtempSync(join(tmpdir(), 'pat-lows-')), 'key.json'));
    const verifier = new Es256JwtVerifier(ring, { issuer: 'https://pat.example', clock, allowNoExpiry: false });
    const token = await signAccessToken(claimsFor(1), ring);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(token.at(-1)!);

    expect(await verifier.verify(token)).toMatchObject({ ok: true });
    expect(await verifier.verify(twin(token))).toMatchObject({ ok: false });
    for (let bits = 1; bits < 16; bits++) {
      const variant = `${token.slice(0, -1)}${alphabet[last | bits]}`;
      expect(await verifier.verify(variant), `unused bits ${bits}`).toMatchObject({ ok: false });
    }
    // The twin is a good ECDSA signature: only the spelling rule stops it.
    const keySet = createLocalJWKSet({ keys: await ring.publicKeys() });
    await expect(jwtVerify(twin(token), keySet, { algorithms: ['ES256'] })).resolves.toBeTruthy();
  });
});

/** ASN.1 DER of ECDSA-Sig-Value { r INTEGER, s INTEGER }, as KMS returns it. */
function derOf(r: Uint8Array, s: Uint8Array): Buffer {
  const integer = (bytes: Uint8Array) => {
    let value = Buffer.from(bytes);
    while (value.length > 1 && value[0] === 0 && value[1]! < 0x80) value = value.subarray(1);
    if (value[0]! >= 0x80) value = Buffer.concat([Buffer.from([0]), value]);
    return Buffer.concat([Buffer.from([0x02, value.length]), value]);
  };
  const body = Buffer.concat([integer(r), integer(s)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

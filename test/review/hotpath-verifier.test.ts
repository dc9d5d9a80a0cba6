import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Es256JwtVerifier } from '../../functions/adapters/jwt-verifier';
import { deployedPublicKeys, jwkThumbprint, publicJwkOf } from '../../functions/adapters/public-keys';
import { toLowS } from '../../functions/domain/jws-form';
import type { PublicJwk } from '../../functions/service/ports';

// Review of the hand-written ES256 verifier (adapters/jwt-verifier.ts) and the deploy-time JWKS
// (adapters/public-keys.ts), as an attacker holding a valid token and the public JWKS would try
// them. Tokens here are signed with the real key where the check under attack comes after the
// signature (the attacker cannot do that, but the check must hold on its own), else with the
// attacker's key or no key at all.
const ISSUER = 'https://pat.example';
const NOW_S = 1_900_000_000;
const clock = { now: () => NOW_S * 1000 };
const claims = {
  iss: ISSUER,
  jti: '0123456789abcdef0123456789abcdef',
  fid: 'fedcba9876543210fedcba9876543210',
  sub: 'alice',
  tid: 'acme',
  scope: 'jobs:read',
  iat: NOW_S,
  exp: NOW_S + 3_600,
};
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const int32 = (value: bigint) => Buffer.from(value.toString(16).padStart(64, '0'), 'hex');

async function material() {
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = await publicJwkOf(pair.publicKey);
  const verifier = new Es256JwtVerifier(deployedPublicKeys(JSON.stringify({ keys: [jwk] })), {
    issuer: ISSUER,
    clock,
    allowNoExpiry: false,
  });
  const header = { alg: 'ES256', typ: 'pat+jwt', kid: jwk.kid };
  const signWith = (key: KeyObject, headerText: string, payloadText: string) => {
    const input = `${b64(headerText)}.${b64(payloadText)}`;
    return `${input}.${Buffer.from(toLowS(sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }))).toString('base64url')}`;
  };
  const real = (h: unknown, p: unknown) =>
    signWith(pair.privateKey, typeof h === 'string' ? h : JSON.stringify(h), typeof p === 'string' ? p : JSON.stringify(p));
  // Keys are loaded once; every later verification is synchronous.
  await verifier.verify(real(header, claims));
  return { verifier, jwk, header, real, privateKey: pair.privateKey, signWith };
}

describe('hot-path verifier: the signature itself', () => {
  it.each([
    ['r = 0, s = 0', 0n, 0n],
    ['r = 0, s = 1', 0n, 1n],
    ['r = 1, s = 0', 1n, 0n],
    ['r = n, s = 1', P256_ORDER, 1n],
    ['r = n + 1, s = 1', P256_ORDER + 1n, 1n],
    ['r = 2^256 - 1, s = 1', (1n << 256n) - 1n, 1n],
    ['r = 1, s = n/2 (low-S, largest)', 1n, P256_ORDER >> 1n],
  ])('refuses a made-up signature with %s (low-S, canonical spelling: it reaches the curve check)', async (_name, r, s) => {
    const { verifier, header } = await material();
    const token = `${b64(header)}.${b64(claims)}.${Buffer.concat([int32(r), int32(s)]).toString('base64url')}`;

    expect(verifier.verify(token)).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('refuses s = n (zero mod n) and s ≥ n as non-canonical before any curve arithmetic', async () => {
    const { verifier, header } = await material();
    for (const s of [P256_ORDER, P256_ORDER + 1n, (1n << 256n) - 1n]) {
      const token = `${b64(header)}.${b64(claims)}.${Buffer.concat([int32(1n), int32(s)]).toString('base64url')}`;
      expect(verifier.verify(token)).toMatchObject({ ok: false, reason: 'non_canonical' });
    }
  });

  it('refuses the genuine signature moved onto an attacker-chosen payload or header', async () => {
    const { verifier, header, real } = await material();
    const genuine = real(header, claims);
    const signature = genuine.split('.')[2]!;

    const wider = `${b64(header)}.${b64({ ...claims, scope: 'jobs:read jobs:write' })}.${signature}`;
    const otherTenant = `${b64(header)}.${b64({ ...claims, tid: 'globex' })}.${signature}`;
    expect(verifier.verify(wider)).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(verifier.verify(otherTenant)).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(verifier.verify(genuine)).toMatchObject({ ok: true });
  });
});

describe('hot-path verifier: spelling of the compact form', () => {
  it.each([
    ['a trailing dot', (t: string) => `${t}.`],
    ['a leading dot', (t: string) => `.${t}`],
    ['a space inside the payload', (t: string) => t.replace('.', '. ')],
    ['a tab at the end', (t: string) => `${t}\t`],
    ['a fullwidth letter in the header (decodes leniently in Buffer)', (t: string) => `Ｅ${t.slice(1)}`],
    ['a combining mark in the payload', (t: string) => t.replace('.', '.\u0301')],
    ['a Cyrillic а in the signature', (t: string) => `${t.slice(0, -1)}а`],
    ['standard base64 in the signature', (t: string) => t.replace(/-/g, '+').replace(/_/g, '/')],
  ])('refuses the genuine token with %s', async (_name, change) => {
    const { verifier, header, real } = await material();
    const genuine = real(header, claims);
    const changed = change(genuine);
    if (changed === genuine) return expect(changed).not.toBe(genuine); // the spelling did not apply: fail loudly

    expect(verifier.verify(changed)).toMatchObject({ ok: false });
  });
});

describe('hot-path verifier: header members', () => {
  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'size', 'get'])(
    'refuses kid %s (a prototype or Map member name), signed by the attacker',
    async (kid) => {
      const { verifier, signWith } = await material();
      const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
      const token = signWith(attacker, JSON.stringify({ alg: 'ES256', typ: 'pat+jwt', kid }), JSON.stringify(claims));

      expect(verifier.verify(token)).toMatchObject({ ok: false, reason: 'unknown_kid' });
    },
  );

  it('does not find the real kid or alg under a __proto__ member of the header', async () => {
    const { verifier, signWith, jwk, real } = await material();
    const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const hiddenKid = `{"alg":"ES256","typ":"pat+jwt","__proto__":{"kid":"${jwk.kid}"}}`;
    const hiddenAlg = `{"typ":"pat+jwt","kid":"${jwk.kid}","__proto__":{"alg":"ES256"}}`;

    expect(verifier.verify(signWith(attacker, hiddenKid, JSON.stringify(claims)))).toMatchObject({ ok: false, reason: 'unknown_kid' });
    expect(verifier.verify(real(hiddenAlg, claims))).toMatchObject({ ok: false, reason: 'wrong_algorithm' });
  });

  it('refuses a header whose duplicate kid names the real key last but is signed by the attacker', async () => {
    const { verifier, signWith, jwk } = await material();
    const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const text = `{"alg":"ES256","typ":"pat+jwt","kid":"attacker","kid":"${jwk.kid}"}`;

    expect(verifier.verify(signWith(attacker, text, JSON.stringify(claims)))).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it.each([
    ['alg es256 (lower case)', { alg: 'es256' }, 'wrong_algorithm'],
    ['alg "ES256 " (trailing space)', { alg: 'ES256 ' }, 'wrong_algorithm'],
    ['alg ES384', { alg: 'ES384' }, 'wrong_algorithm'],
    ['alg none', { alg: 'none' }, 'wrong_algorithm'],
    ['typ jwt (lower case)', { typ: 'jwt' }, 'malformed_token'],
    ['typ application/pat+jwt', { typ: 'application/pat+jwt' }, 'malformed_token'],
    ['typ ["JWT"]', { typ: ['JWT'] }, 'malformed_token'],
    ['typ absent', { typ: undefined }, 'malformed_token'],
    ['crit: [] (empty)', { crit: [] }, 'malformed_token'],
    ['crit: null', { crit: null }, 'malformed_token'],
  ])('refuses %s though signed with the real key', async (_name, change, reason) => {
    const { verifier, header, real } = await material();

    expect(verifier.verify(real({ ...header, ...change }, claims))).toMatchObject({ ok: false, reason });
  });

  it('does not let a refused header, once cached, change the answer for the genuine header', async () => {
    const { verifier, header, real, signWith } = await material();
    const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    // Same header text, the attacker's signature: the header is parsed and cached, then the signature fails.
    expect(verifier.verify(signWith(attacker, JSON.stringify(header), JSON.stringify({ ...claims, tid: 'globex' })))).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    expect(verifier.verify(real(header, claims))).toMatchObject({ ok: true, claims: { tid: 'acme' } });
  });
});

describe('hot-path verifier: JSON tricks in the payload (signed with the real key)', () => {
  const text = (body: string) => `{${body}}`;
  const base = `"iss":"${ISSUER}","jti":"${claims.jti}","sub":"alice","tid":"acme","scope":"jobs:read","iat":${NOW_S}`;

  it.each([
    [
      'claims only under __proto__',
      `"__proto__":{"iss":"${ISSUER}","jti":"x","sub":"a","tid":"acme","scope":"s","iat":${NOW_S}}`,
      'missing_claims',
    ],
    ['exp only under __proto__', `${base},"__proto__":{"exp":${NOW_S + 60}}`, 'missing_claims'],
    ['exp as a string', `${base},"exp":"${NOW_S + 60}"`, 'malformed_claims'],
    ['exp as an array', `${base},"exp":[${NOW_S + 60}]`, 'malformed_claims'],
    ['exp as null', `${base},"exp":null`, 'malformed_claims'],
    ['exp as "NaN"', `${base},"exp":"NaN"`, 'malformed_claims'],
    [
      'iat as a string',
      `"iss":"${ISSUER}","jti":"j","sub":"alice","tid":"acme","scope":"s","iat":"${NOW_S}","exp":${NOW_S + 60}`,
      'malformed_claims',
    ],
    ['nbf as a string', `${base},"exp":${NOW_S + 60},"nbf":"0"`, 'malformed_claims'],
    [
      'tid as an array',
      `"iss":"${ISSUER}","jti":"j","sub":"alice","tid":["acme"],"scope":"s","iat":${NOW_S},"exp":${NOW_S + 60}`,
      'malformed_claims',
    ],
    [
      'scope as an array',
      `"iss":"${ISSUER}","jti":"j","sub":"alice","tid":"acme","scope":["s"],"iat":${NOW_S},"exp":${NOW_S + 60}`,
      'malformed_claims',
    ],
    [
      'iss as an array',
      `"iss":["${ISSUER}"],"jti":"j","sub":"alice","tid":"acme","scope":"s","iat":${NOW_S},"exp":${NOW_S + 60}`,
      'wrong_issuer',
    ],
    ['duplicate exp, the expired one last', `${base},"exp":${NOW_S + 3_600},"exp":${NOW_S - 1}`, 'expired'],
    ['exp -1e309 (-Infinity)', `${base},"exp":-1e309`, 'expired'],
    [
      'iat 1e309 (Infinity)',
      `"iss":"${ISSUER}","jti":"j","sub":"alice","tid":"acme","scope":"s","iat":1e309,"exp":${NOW_S + 60}`,
      'not_yet_valid',
    ],
  ])('refuses %s', async (_name, body, reason) => {
    const { verifier, header, real } = await material();

    expect(verifier.verify(real(header, text(body)))).toMatchObject({ ok: false, reason });
  });

  it('hands the authorizer only own, typed claims: a constructor or __proto__ member does not become one', async () => {
    const { verifier, header, real } = await material();
    const body = `${base},"exp":${NOW_S + 60},"constructor":{"fid":"evil"},"__proto__":{"fid":"evil"}`;

    const verified = verifier.verify(real(header, text(body)));
    expect(verified).toMatchObject({ ok: true });
    expect(verified).not.toHaveProperty('claims.fid');
    expect(Object.getPrototypeOf((verified as { claims: object }).claims)).toBe(Object.prototype);
  });

  it('refuses a header or payload that is a JSON array, string, number or null', async () => {
    const { verifier, header, real } = await material();
    for (const value of ['[]', '"x"', '1', 'null']) {
      expect(verifier.verify(real(header, value))).toMatchObject({ ok: false, reason: 'malformed_token' });
      expect(verifier.verify(real(value, claims))).toMatchObject({ ok: false, reason: 'malformed_token' });
    }
  });
});

describe('hot-path JWKS given at deploy time (SIGNING_PUBLIC_JWKS)', () => {
  async function jwkPair(): Promise<PublicJwk> {
    return publicJwkOf(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey);
  }

  it('refuses a point off the curve, or x and y swapped, whatever kid it claims', async () => {
    const jwk = await jwkPair();
    const swapped = { ...jwk, x: jwk.y, y: jwk.x };
    const offCurve = { ...jwk, y: Buffer.alloc(32, 7).toString('base64url') };

    for (const key of [swapped, offCurve]) {
      expect(() => deployedPublicKeys(JSON.stringify([{ ...key, kid: jwkThumbprint(key) }]))).toThrow(/SIGNING_PUBLIC_JWKS/);
    }
  });

  it('refuses a key that names P-256 but carries 33-byte or 31-byte coordinates', async () => {
    const jwk = await jwkPair();
    const short = { ...jwk, x: Buffer.from(jwk.x, 'base64url').subarray(1).toString('base64url') };
    expect(() => deployedPublicKeys(JSON.stringify([{ ...short, kid: jwkThumbprint(short) }]))).toThrow(/SIGNING_PUBLIC_JWKS/);
  });

  // RFC 7638 hashes the JWK members as RFC 7518 §6.2.1 spells them: unpadded base64url of the full
  // 32-byte coordinate. node:crypto also takes padded, standard-alphabet, whitespace-broken and
  // zero-prefixed spellings of the same point, and the thumbprint is then computed over the odd
  // spelling: the same key loads under a kid that is not its thumbprint (a second name for it).
  it.each([
    ['x with = padding', (x: string) => `${x}=`],
    ['x in the standard alphabet', (x: string) => x.replace(/-/g, '+').replace(/_/g, '/')],
    ['x with a space inside', (x: string) => `${x.slice(0, 10)} ${x.slice(10)}`],
    [
      'x as 33 bytes with a leading zero',
      (x: string) => Buffer.concat([Buffer.alloc(1), Buffer.from(x, 'base64url')]).toString('base64url'),
    ],
  ])('refuses %s: the key would load under a kid that is not its RFC 7638 thumbprint', async (_name, respell) => {
    // A key whose x has a character the respelling changes (most do at once).
    let jwk = await jwkPair();
    for (let tries = 0; respell(jwk.x) === jwk.x && tries < 50; tries++) jwk = await jwkPair();
    const odd = { ...jwk, x: respell(jwk.x) };
    expect(odd.x).not.toBe(jwk.x);
    let loaded: PublicJwk[] | undefined;
    try {
      loaded = await deployedPublicKeys(JSON.stringify([{ ...odd, kid: jwkThumbprint(odd) }])).publicKeys();
    } catch {
      loaded = undefined;
    }
    // Held when refused at load, or when every kid loaded is the canonical thumbprint of its key.
    expect(loaded?.map((key) => key.kid) ?? [jwk.kid]).toStrictEqual([jwk.kid]);
  });
});

import { generateKeyPairSync, sign } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import { describe, expect, it } from 'vitest';
import { Es256JwtVerifier } from '../../functions/adapters/jwt-verifier';
import { LocalKeyRing } from '../../functions/adapters/local-signer';
import { DEPLOYED_PUBLIC_JWKS_ENV, deployedPublicKeys, jwkThumbprint, publicJwkOf } from '../../functions/adapters/public-keys';
import { toLowS } from '../../functions/domain/jws-form';
import { signAccessToken } from '../../functions/service/jws';

// The hot-path verifier's own behaviour (adapters/jwt-verifier.ts) and the public keys a deployment
// hands it at deploy time (adapters/public-keys.ts). Every forged form is in test/security/forged-tokens.test.ts.
const ISSUER = 'https://pat.example';
const clock = { now: () => 1_900_000_000_000 };
const claims = {
  iss: ISSUER,
  jti: '0123456789abcdef0123456789abcdef',
  sub: 'alice',
  tid: 'acme',
  scope: 'jobs:read',
  iat: 1_900_000_000,
  exp: 1_900_003_600,
};

function ring() {
  return new LocalKeyRing(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

async function jws(keys: LocalKeyRing, header: Record<string, unknown>, payload: unknown): Promise<string> {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${Buffer.from(toLowS(await keys.sign(Buffer.from(input)))).toString('base64url')}`;
}

describe('Es256JwtVerifier', () => {
  it('accepts a token of the service with the claims the authorizer needs, and nothing more', async () => {
    const keys = ring();
    const verifier = new Es256JwtVerifier(keys, { issuer: ISSUER, clock, allowNoExpiry: false });

    const verified = await verifier.verify(await signAccessToken(claims, keys));

    expect(verified).toStrictEqual({
      ok: true,
      claims: { jti: claims.jti, sub: 'alice', tid: 'acme', scope: 'jobs:read', exp: claims.exp },
    });
  });

  it('answers synchronously once the keys are loaded, and waits for them only the first time', async () => {
    const keys = ring();
    const verifier = new Es256JwtVerifier(keys, { issuer: ISSUER, clock, allowNoExpiry: false });
    const token = await signAccessToken(claims, keys);

    expect(verifier.verify(token)).toBeInstanceOf(Promise);
    await verifier.verify(token);

    expect(verifier.verify(token)).toMatchObject({ ok: true });
  });

  it('refuses a header with a crit extension it does not implement, though signed with our key', async () => {
    const keys = ring();
    const verifier = new Es256JwtVerifier(keys, { issuer: ISSUER, clock, allowNoExpiry: false });
    const header = { alg: 'ES256', typ: 'pat+jwt', kid: await keys.keyId() };

    expect(await verifier.verify(await jws(keys, { ...header, crit: ['exp'] }, claims))).toMatchObject({
      ok: false,
      reason: 'malformed_token',
    });
    expect(await verifier.verify(await jws(keys, header, claims))).toMatchObject({ ok: true });
  });

  it('refuses a validly signed token that lacks a required claim', async () => {
    const keys = ring();
    const verifier = new Es256JwtVerifier(keys, { issuer: ISSUER, clock, allowNoExpiry: false });
    const header = { alg: 'ES256', typ: 'pat+jwt', kid: await keys.keyId() };
    const { jti: _jti, ...withoutJti } = claims;

    expect(await verifier.verify(await jws(keys, header, withoutJti))).toMatchObject({ ok: false, reason: 'missing_claims' });
  });

  it('fails closed while the keys cannot be loaded, and loads them again on the next call', async () => {
    const keys = ring();
    let failures = 1;
    const source = {
      publicKeys: () => (failures-- > 0 ? Promise.reject(new Error('KMS unreachable')) : keys.publicKeys()),
    };
    const verifier = new Es256JwtVerifier(source, { issuer: ISSUER, clock, allowNoExpiry: false });
    const token = await signAccessToken(claims, keys);

    await expect(Promise.resolve(verifier.verify(token))).rejects.toThrow('KMS unreachable');
    expect(await verifier.verify(token)).toMatchObject({ ok: true });
  });
});

describe('public keys given at deploy time', () => {
  it('computes the RFC 7638 thumbprint jose computes', async () => {
    const jwk = await publicJwkOf(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey);

    expect(jwkThumbprint(jwk)).toBe(await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }));
  });

  it('reads a JWKS as the service publishes it, or the bare array, and verifies with it', async () => {
    const keys = ring();
    const published = await keys.publicKeys();

    for (const text of [JSON.stringify({ keys: published }), JSON.stringify(published)]) {
      const verifier = new Es256JwtVerifier(deployedPublicKeys(text), { issuer: ISSUER, clock, allowNoExpiry: false });
      expect(await verifier.verify(await signAccessToken(claims, keys))).toMatchObject({ ok: true });
    }
  });

  it('refuses a key published under another key’s kid', async () => {
    const [ours] = await ring().publicKeys();
    const [theirs] = await ring().publicKeys();

    expect(() => deployedPublicKeys(JSON.stringify([{ ...theirs, kid: ours!.kid }]))).toThrow(/kid is not the key's thumbprint/);
  });

  it.each([
    ['not JSON', '{keys:'],
    ['no keys', '{"keys":[]}'],
    ['an RSA key', '[{"kty":"RSA","n":"AQAB","e":"AQAB","kid":"k"}]'],
    ['coordinates off the curve', `[{"kty":"EC","crv":"P-256","x":"${'A'.repeat(43)}","y":"${'A'.repeat(43)}","kid":"k"}]`],
  ])('refuses %s at cold start, naming the variable', (_name, text) => {
    expect(() => deployedPublicKeys(text)).toThrow(DEPLOYED_PUBLIC_JWKS_ENV);
  });

  it('is what a token signed by another key fails against', async () => {
    const keys = ring();
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const source = deployedPublicKeys(JSON.stringify(await keys.publicKeys()));
    const verifier = new Es256JwtVerifier(source, { issuer: ISSUER, clock, allowNoExpiry: false });
    const header = { alg: 'ES256', typ: 'pat+jwt', kid: await keys.keyId() };
    const input = `${b64(header)}.${b64(claims)}`;
    const signature = toLowS(sign('sha256', Buffer.from(input), { key: other.privateKey, dsaEncoding: 'ieee-p1363' }));

    expect(await verifier.verify(`${input}.${Buffer.from(signature).toString('base64url')}`)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
  });
});

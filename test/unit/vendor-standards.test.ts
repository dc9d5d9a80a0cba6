import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { bearerChallenge, forbiddenChallenge, tokenRefusalOf, unauthorizedChallenge } from '../../functions/domain/bearer-challenge';
import { refreshableUntilOf } from '../../functions/domain/credential-life';
import { ACCESS_TOKEN_PREFIX, crc32, formatRefreshKey, parseRefreshKey, refreshKeyChecksum } from '../../functions/domain/token';
import { LocalKeyRing } from '../../functions/adapters/local-signer';
import { signAccessToken } from '../../functions/service/jws';
import { Es256JwtVerifier } from '../../functions/adapters/jwt-verifier';
import { toLowS } from '../../functions/domain/jws-form';
import { ISSUER, ManualClock, tokenService, user } from '../support/fixtures';
import { MemoryTokenStore } from '../support/memory-token-store';

const id = '0123456789abcdef0123456789abcdef';
const secret = 'A'.repeat(42) + 'Q';

describe('RFC 6750 challenges', () => {
  it('names realm, error and description, and the scope of an insufficient_scope', () => {
    expect(bearerChallenge(unauthorizedChallenge('expired'))).toBe(
      'Bearer realm="pat", error="invalid_token", error_description="The access token expired: refresh it with its refresh key"',
    );
    expect(bearerChallenge(forbiddenChallenge({ kind: 'scope', scope: 'candidates:write' }))).toBe(
      'Bearer realm="pat", error="insufficient_scope", error_description="This token does not grant candidates:write", scope="candidates:write"',
    );
  });

  it('gives no error code to a request without a bearer credential (RFC 6750 §3.1)', () => {
    expect(bearerChallenge(unauthorizedChallenge(tokenRefusalOf('malformed_header')))).toBe('Bearer realm="pat"');
  });

  it('tells expired, revoked, pending and not-yet-valid apart, and every forgery the same', () => {
    const told = ['expired', 'revoked', 'pending', 'not_yet_valid'].map(
      (reason) => unauthorizedChallenge(tokenRefusalOf(reason)).description,
    );
    expect(new Set(told).size).toBe(4);
    const forged = ['bad_signature', 'unknown_kid', 'wrong_algorithm', 'wrong_issuer', 'unknown_token', 'claims_mismatch'].map(
      (reason) => unauthorizedChallenge(tokenRefusalOf(reason)).description,
    );
    expect(new Set(forged)).toEqual(new Set(['The access token is not valid']));
  });

  it('folds characters a quoted-string cannot carry, so the header always parses', () => {
    const header = bearerChallenge({ error: 'invalid_token', description: 'say "hi"\\ to Zoë\r\n' });
    expect(header).toBe('Bearer realm="pat", error="invalid_token", error_description="say ?hi?? to Zo???"');
  });
});

describe('refresh key checksum', () => {
  it('is CRC32 as zlib computes it', () => {
    for (const text of ['', 'hello', `patr_${id}_${secret}`]) expect(crc32(text)).toBe(zlibCrc32(text));
  });

  it('ends a formatted key in 6 base62 digits over the rest, and parses back', () => {
    const key = formatRefreshKey(id, secret);
    expect(key).toMatch(/^patr_[0-9a-f]{32}_[A-Za-z0-9_-]{43}[0-9A-Za-z]{6}$/);
    expect(key.slice(-6)).toBe(refreshKeyChecksum(key.slice(0, -6)));
    expect(parseRefreshKey(key)).toEqual({ tokenId: id, secret });
  });

  it('refuses a key whose checksum does not match, offline', () => {
    const key = formatRefreshKey(id, secret);
    const wrongLast = key.slice(0, -1) + (key.endsWith('0') ? '1' : '0');
    const typo = key.replace(secret, 'B' + secret.slice(1));
    expect(parseRefreshKey(wrongLast)).toBeUndefined();
    expect(parseRefreshKey(typo)).toBeUndefined();
  });

  it('still parses a key issued before the checksum', () => {
    expect(parseRefreshKey(`patr_${id}_${secret}`)).toEqual({ tokenId: id, secret });
  });
});

describe('access token header', () => {
  it('starts every issued token with the documented prefix (typ pat+jwt)', async () => {
    const ring = new LocalKeyRing(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
    const token = await signAccessToken({ iss: 'i', sub: 's', tid: 't', jti: id, scope: 'jobs:read', iat: 1 }, ring);
    expect(token.startsWith(ACCESS_TOKEN_PREFIX)).toBe(true);
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())).toEqual({
      alg: 'ES256',
      typ: 'pat+jwt',
      kid: await ring.keyId(),
    });
  });
});

describe('refreshableUntil', () => {
  const day = 86_400_000;
  const policy = { refreshWindowDays: 30 };
  it('is the expiry plus the refresh window, until that passes', () => {
    const record = { state: 'active' as const, expiresAt: 10 * day, createdAt: 0 };
    expect(refreshableUntilOf(record, policy, 5 * day)).toBe(40 * day);
    expect(refreshableUntilOf(record, policy, 40 * day - 1)).toBe(40 * day);
    expect(refreshableUntilOf(record, policy, 40 * day)).toBeNull();
  });

  it('is null for a rotated, revoked or pending token', () => {
    expect(refreshableUntilOf({ state: 'revoked', expiresAt: 10 * day, createdAt: 0, rotatedAt: 1 }, policy, 1)).toBeNull();
    expect(refreshableUntilOf({ state: 'revoked', expiresAt: 10 * day, createdAt: 0 }, policy, 1)).toBeNull();
    expect(refreshableUntilOf({ state: 'pending', expiresAt: 10 * day, createdAt: 0 }, policy, 1)).toBeNull();
  });
});

describe('tokens and keys issued before the explicit type and the checksum', () => {
  it('still verify (typ JWT) and refresh (no checksum) until they expire; another typ is refused', async () => {
    const store = new MemoryTokenStore();
    const clock = new ManualClock();
    const { service, keys } = tokenService(store, clock);
    const verifier = new Es256JwtVerifier(keys, { issuer: ISSUER, clock, allowNoExpiry: false });
    const issued = await service.create(user('ann'), { description: 'old', scopes: ['jobs:read'] });
    const [, payload] = issued.accessToken.split('.');
    const signedWith = async (typ: string) => {
      const input = `${Buffer.from(JSON.stringify({ alg: 'ES256', typ, kid: await keys.keyId() })).toString('base64url')}.${payload}`;
      return `${input}.${Buffer.from(toLowS(await keys.sign(new TextEncoder().encode(input)))).toString('base64url')}`;
    };

    expect((await verifier.verify(await signedWith('JWT'))).ok).toBe(true);
    expect(await verifier.verify(await signedWith('at+jwt'))).toMatchObject({ ok: false, reason: 'malformed_token' });
    const oldKey = issued.refreshKey.slice(0, -6);
    const refreshed = await service.refresh(oldKey);
    expect(refreshed.kind).toBe('rotated');
  });
});

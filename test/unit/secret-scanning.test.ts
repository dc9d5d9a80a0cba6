import { createHmac, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalKeyRing } from '../../functions/adapters/local-signer';
import { toLowS } from '../../functions/domain/jws-form';
import { ACCESS_TOKEN_REGEX, REFRESH_KEY_REGEX } from '../../functions/domain/secret-patterns';
import { formatRefreshKey, parseRefreshKey } from '../../functions/domain/token';
import { signAccessToken } from '../../functions/service/jws';

/**
 * The secret-scanning patterns (docs/secret-scanning/): every issued secret matches, nothing else
 * does, every shipped file carries the same expressions, and a real scanner (secretlint, the one
 * that installs here) finds a planted token with the shipped config.
 */
const COUNT = 10_000;
const docs = (file: string) => readFileSync(new URL(`../../docs/secret-scanning/${file}`, import.meta.url), 'utf8');
const accessToken = new RegExp(ACCESS_TOKEN_REGEX);
const refreshKey = new RegExp(REFRESH_KEY_REGEX);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

const ring = new LocalKeyRing(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
async function issuedAccessToken(i: number) {
  const now = Math.floor(Date.now() / 1000);
  return signAccessToken(
    {
      iss: i % 2 ? 'https://tokens.example.com' : 'pat-local',
      sub: `user-${hex(3)}`,
      tid: `tenant-${i % 7}`,
      jti: hex(16),
      fid: hex(16),
      scope: ['candidates:read', 'jobs:write candidates/documents:delete', '*'][i % 3]!,
      iat: now,
      exp: now + 86_400 * (90 + (i % 300)),
    },
    ring,
  );
}

const es256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
/** A JWT that is not ours: another `typ`, another `alg`, another issuer's header order. */
function otherJwt(i: number): string {
  const claims = {
    iss: 'https://login.example.com',
    sub: hex(8),
    jti: hex(16),
    scope: 'candidates:read',
    iat: 1_700_000_000 + i,
    exp: 1_800_000_000,
  };
  const headers = [
    { alg: 'ES256', typ: 'JWT', kid: hex(16) },
    { alg: 'ES256', kid: hex(16) },
    { alg: 'ES256', typ: 'at+jwt', kid: hex(16) },
    { typ: 'pat+jwt', alg: 'ES256', kid: hex(16) },
    { alg: 'HS256', typ: 'pat+jwt' },
    { alg: 'ES384', typ: 'pat+jwt', kid: hex(16) },
    { alg: 'RS256', typ: 'JWT' },
    { kid: hex(16), alg: 'ES256', typ: 'pat+jwt' },
  ];
  const header = headers[i % headers.length]!;
  const input = `${b64(header)}.${b64(claims)}`;
  const signature =
    header.alg === 'ES256'
      ? toLowS(sign('sha256', Buffer.from(input), { key: es256, dsaEncoding: 'ieee-p1363' }))
      : header.alg === 'HS256'
        ? createHmac('sha256', 'secret').update(input).digest()
        : randomBytes(header.alg === 'ES384' ? 96 : 256);
  return `${input}.${Buffer.from(signature).toString('base64url')}`;
}

function randomString(i: number): string {
  const length = 20 + (i % 400);
  const alphabets = ['base64url', 'hex', 'base64'] as const;
  const text = randomBytes(length)
    .toString(alphabets[i % 3]!)
    .slice(0, length);
  // Near misses too: our prefixes followed by random characters.
  if (i % 5 === 0) return `patr_${text}`;
  if (i % 5 === 1) return `eyJhbGciOiJFUzI1NiIsInR5cCI6InBhdCtqd3QiLCJraWQiOi${text}`;
  return text;
}

describe('the access-token pattern', () => {
  it(`matches ${COUNT.toLocaleString('en')} issued access tokens, whole`, async () => {
    const tokens = await Promise.all(Array.from({ length: COUNT }, (_, i) => issuedAccessToken(i)));
    const missed = tokens.filter((token) => accessToken.exec(`token: ${token}\n`)?.[0] !== token);
    expect(missed).toEqual([]);
  });

  it(`matches none of ${COUNT.toLocaleString('en')} other JWTs and random strings`, () => {
    const others = Array.from({ length: COUNT }, (_, i) => (i % 2 ? otherJwt(i) : randomString(i)));
    expect(others.filter((text) => accessToken.test(text) || refreshKey.test(text))).toEqual([]);
  });
});

describe('the refresh-key pattern', () => {
  it(`matches ${COUNT.toLocaleString('en')} issued refresh keys, whole, and old keys without a checksum`, () => {
    const keys = Array.from({ length: COUNT }, (_, i) => {
      const secret = randomBytes(32).toString('base64url');
      return i % 10 === 0 ? `patr_${hex(16)}_${secret}` : formatRefreshKey(hex(16), secret);
    });
    const missed = keys.filter((key) => refreshKey.exec(`"refreshKey": "${key}"`)?.[0] !== key);
    expect(missed).toEqual([]);
  });

  it('has a checksum a scanner verifies offline: a random key of the right shape fails it', () => {
    const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
    const shaped = Array.from({ length: COUNT }, () => {
      const checksum = Array.from(randomBytes(6), (byte) => base62[byte % 62]).join('');
      return `patr_${hex(16)}_${randomBytes(32).toString('base64url')}${checksum}`;
    });
    expect(shaped.every((key) => refreshKey.test(key))).toBe(true);
    // One in 2^32 would pass by chance: none of 10,000 does.
    expect(shaped.filter((key) => parseRefreshKey(key) !== undefined)).toEqual([]);
  });
});

describe('the shipped scanner files', () => {
  const raw = (pattern: string) => pattern;
  it.each([
    ['gitleaks.toml', raw],
    ['gitlab-secret-detection-ruleset.toml', raw],
    ['trufflehog.yaml', raw],
    ['secretlintrc.json', (pattern: string) => JSON.stringify(`/${pattern}/`).slice(1, -1)],
  ])('%s carries both expressions exactly', (file, spelled) => {
    const text = docs(file);
    expect(text).toContain(spelled(ACCESS_TOKEN_REGEX));
    expect(text).toContain(spelled(REFRESH_KEY_REGEX));
  });

  it('README gives GitHub the same expressions, without the word boundaries GitHub takes as before/after fields', () => {
    const readme = docs('README.md');
    expect(readme).toContain(`\`${ACCESS_TOKEN_REGEX.slice(2, -2)}\``);
    expect(readme).toContain(`\`${REFRESH_KEY_REGEX.slice(2, -2)}\``);
  });
});

describe('secretlint with the shipped config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pat-secretlint-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const config = new URL('../../docs/secret-scanning/secretlintrc.json', import.meta.url).pathname;
  const secretlint = (file: string) =>
    spawnSync(process.execPath, ['node_modules/secretlint/bin/secretlint.js', '--secretlintrc', config, '--format', 'json', file], {
      encoding: 'utf8',
    });

  it('finds an access token and a refresh key planted in a file, and nothing in a clean one', async () => {
    const token = await issuedAccessToken(1);
    const key = formatRefreshKey(hex(16), randomBytes(32).toString('base64url'));
    const content = `API_URL=https://api.example.com\nPAT=${token}\nPAT_REFRESH=${key}\n`;
    const planted = join(dir, 'deploy.env');
    const clean = join(dir, 'clean.env');
    writeFileSync(planted, content);
    writeFileSync(clean, `API_URL=https://api.example.com\nOTHER_JWT=${otherJwt(0)}\n`);

    const found = secretlint(planted);
    const none = secretlint(clean);

    expect(found.status).toBe(1);
    // secretlint masks what it found in its output: the ranges say it was exactly the two secrets.
    const ranges = (JSON.parse(found.stdout) as Array<{ messages: Array<{ range: [number, number] }> }>)
      .flatMap((result) => result.messages)
      .map((message) => content.slice(...message.range));
    expect(ranges.sort()).toEqual([token, key].sort());
    expect(none.status).toBe(0);
  });
});

import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calculateJwkThumbprint } from 'jose';
import { joseToDer } from 'ecdsa-sig-formatter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCanonicalEs256Jws } from '../../functions/domain/jws-form';
import { DynamoTokenStore } from '../support/dynamo-token-store';
import { FastJwtVerifier } from '../../functions/adapters/jwt-verifier';
import { LocalKeyRing } from '../../functions/adapters/local-signer';
import { DomainError } from '../../functions/domain/errors';
import { isLowS, toLowS } from '../../functions/domain/jws-form';
import { defaultPolicy } from '../../functions/domain/token-policy';
import { logger } from '../../functions/observability/logger';
import type { Authorizer, DenialReason } from '../../functions/service/authorize';
import { systemClock } from '../../functions/service/ports';
import type { TokenServices } from '../support/token-services';
import { authorizerFor, tokenService } from '../support/fixtures';
import { startTestService, type TestService } from '../support/local-service';
import { report, setHandlerLogLevel, setLogEcho, table } from './support/log-capture';

/**
 * A generated corpus of forged and invalid bearer tokens, each sent to the authorizer directly and
 * through the local HTTP front's example API (which runs the authorizer Lambda handler with API
 * Gateway's result cache). Not one may get in. Tokens signed with the service's own key appear
 * only where the case is about claims or record state: they prove that a valid signature alone
 * does not open the door.
 */

const ISSUER = 'pat-local'; // the local service's issuer
const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const bytes = (segment: string) => Buffer.from(segment, 'base64url');
const decodeJson = (segment: string) => JSON.parse(bytes(segment).toString('utf8')) as Record<string, unknown>;

/** The reason the authorizer must give; two where the verifier's order of checks meets a random signature. */
type Expected = DenialReason | readonly [DenialReason, DenialReason];

interface Case {
  group: string;
  name: string;
  /** Why the authorizer must refuse it (bearer cases; a refresh key is refused as `invalid_grant`). */
  reason?: Expected;
  /** The Authorization header value; `undefined` sends none. */
  authorization?: string;
  /** For cross-purpose cases: a value presented as the refresh key instead of a bearer token. */
  refreshKey?: string;
}

interface Outcome {
  direct: string;
  /** The authorizer's denial reason, when it refused. */
  reason?: string;
  http: string;
  accepted: boolean;
  serverError: boolean;
}

let service: TestService;
let authorizer: Authorizer;
let tokens: TokenServices;
let realKey: KeyObject;
let realKid: string;
let realPem: string;
let corpus: Case[] = [];
const outcomes = new Map<Case, Outcome>();

interface Issued {
  id: string;
  accessToken: string;
  refreshKey: string;
}

let valid: Issued;

beforeAll(async () => {
  // Every log line of the handlers is captured and scanned for the secrets issued here; INFO
  // logs carry the authorizer's refusal reasons, the place a careless message would leak a token.
  setLogEcho(false);
  setHandlerLogLevel(logger, 'INFO');

  const dataDir = mkdtempSync(join(tmpdir(), 'pat-forged-'));
  service = await startTestService({ dataDir, settings: { policy: { rotationGraceSeconds: 1, reuseLeewaySeconds: 0 } } });
  const keyRing = LocalKeyRing.fromFile(join(dataDir, 'signing-key.jwk.json'));
  realKey = createPrivateKey({ key: JSON.parse(readFileSync(join(dataDir, 'signing-key.jwk.json'), 'utf8')), format: 'jwk' });
  realKid = await keyRing.keyId();
  realPem = createPublicKey(realKey).export({ format: 'pem', type: 'spki' }).toString();

  // The authorizer as the Lambda handler builds it, on the same table and key, with a fresh cache.
  const store = new DynamoTokenStore(service.client, { tableName: service.tableName, retentionDays: defaultPolicy.retentionDays });
  authorizer = authorizerFor(store, systemClock, keyRing, {
    verifier: new FastJwtVerifier(keyRing, { issuer: ISSUER, clock: systemClock, allowNoExpiry: false }),
  });
  tokens = tokenService(store, systemClock, { keys: keyRing }).service;

  const alice = await service.session('alice', 'acme');
  const bob = await service.session('bob', 'globex');
  valid = await service.createToken(alice, { scopes: ['*'] });
  const revoked = await service.createToken(alice, { scopes: ['*'] });
  expect((await service.call('DELETE', `/tokens/${revoked.id}`, { token: alice })).status).toBe(200);
  const rotated = await service.createToken(alice, { scopes: ['*'] });
  expect((await service.call('POST', '/tokens/refresh', { body: { refreshKey: rotated.refreshKey } })).status).toBe(200);
  // A family revoked by reuse detection (leeway 0): both the rotated token and its successor.
  const stolen = await service.createToken(alice, { scopes: ['*'] });
  const successor = (await service.call('POST', '/tokens/refresh', { body: { refreshKey: stolen.refreshKey } })).body as Issued;
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect((await service.call('POST', '/tokens/refresh', { body: { refreshKey: stolen.refreshKey } })).status).toBe(401);
  const bobs = await service.createToken(bob, { scopes: ['*'] });
  const otherDeploymentKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const otherDeployment = { key: otherDeploymentKey, kid: await new LocalKeyRing(otherDeploymentKey).keyId() };

  corpus = await generateCorpus({ valid, revoked, rotated, stolen, successor, bobs, aliceSession: alice, otherDeployment });
  // The rotated token's grace (1 s) must be over before the corpus is sent.
  await new Promise((resolve) => setTimeout(resolve, 1_100));
}, 60_000);

afterAll(async () => {
  setHandlerLogLevel(logger, 'WARN');
  await service?.stop();
});

// ---------------------------------------------------------------------------------------------
// Corpus

interface Material {
  valid: Issued;
  revoked: Issued;
  rotated: Issued;
  stolen: Issued;
  successor: Issued;
  bobs: Issued;
  aliceSession: string;
  otherDeployment: { key: KeyObject; kid: string };
}

// In low-S form, as the service signs: a forged case then reaches the check it is about instead of
// stopping, half of the time, at the canonical-spelling check.
const es256 = (key: KeyObject, input: string) =>
  Buffer.from(toLowS(sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })));

/** A compact JWS with the given header and claims, signed by `signer` over the exact segments. */
function jws(header: unknown, claims: unknown, signer: (input: string) => Buffer | string): string {
  const input = `${b64(header)}.${b64(claims)}`;
  const signature = signer(input);
  return `${input}.${typeof signature === 'string' ? signature : signature.toString('base64url')}`;
}

/** Flips the lowest bit of byte `index` of a segment's decoded bytes. */
function flipByte(segment: string, index: number): string {
  const decoded = bytes(segment);
  decoded[index] = decoded[index]! ^ 0x01;
  return decoded.toString('base64url');
}

/** The token with its signature in high-S form (s replaced by n − s unless it already is high). */
function highSOf(token: string, order: bigint): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const raw = bytes(signature);
  const s = BigInt(`0x${raw.subarray(32).toString('hex')}`);
  if (s > order / 2n) return token;
  const twin = Buffer.from((order - s).toString(16).padStart(64, '0'), 'hex');
  return `${header}.${payload}.${Buffer.concat([raw.subarray(0, 32), twin]).toString('base64url')}`;
}

function spread(length: number, count: number): number[] {
  const positions = new Set<number>([0, length - 1]);
  for (let i = 1; positions.size < Math.min(count, length); i++) positions.add(Math.floor((i * length) / count) % length);
  return [...positions].sort((a, b) => a - b);
}

async function generateCorpus(m: Material): Promise<Case[]> {
  const cases: Case[] = [];
  const add = (group: string, name: string, reason: Expected, token: string | undefined, scheme = 'Bearer ') =>
    cases.push({ group, name, reason, authorization: token === undefined ? undefined : `${scheme}${token}` });

  const [header, payload, signature] = m.valid.accessToken.split('.') as [string, string, string];
  const claims = decodeJson(payload);
  const realHeader = { alg: 'ES256', typ: 'JWT', kid: realKid };
  const signReal = (input: string) => es256(realKey, input);
  const now = Math.floor(Date.now() / 1000);

  // A 64-byte signature of another algorithm has s > n/2 half of the time: refused for its spelling
  // before its algorithm is looked at.
  const spellingOrAlgorithm = ['non_canonical', 'wrong_algorithm'] as const;
  const lowSOr = (signatureBytes: Buffer, reason: DenialReason): DenialReason => (isLowS(signatureBytes) ? reason : 'non_canonical');
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
    if (flipped.kid !== realKid) return 'unknown_kid';
    if (flipped.alg !== 'ES256') return 'wrong_algorithm';
    return flipped.typ === 'JWT' || flipped.typ === 'pat+jwt' ? 'bad_signature' : 'malformed_token';
  };
  const signatureFlipReason = (segment: string, index: number) => lowSOr(bytes(flipByte(segment, index)), 'bad_signature');
  // Characters of the bearer syntax (RFC 6750 b64token) pass the header check and are refused as a spelling.
  const characterReason = (character: string): DenialReason => (/^[~+/=]$/.test(character) ? 'non_canonical' : 'malformed_header');

  const attackerEc = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const attackerJwk = attackerEc.publicKey.export({ format: 'jwk' });
  const attackerKid = await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: attackerJwk.x!, y: attackerJwk.y! });
  const signAttacker = (input: string) => es256(attackerEc.privateKey, input);

  // alg none, in every spelling, with and without the original signature.
  for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
    add('alg', `alg ${alg}, empty signature`, 'non_canonical', `${b64({ alg, typ: 'JWT', kid: realKid })}.${payload}.`);
    add(
      'alg',
      `alg ${alg}, original signature kept`,
      'wrong_algorithm',
      `${b64({ alg, typ: 'JWT', kid: realKid })}.${payload}.${signature}`,
    );
  }
  add('alg', 'alg none, no signature segment', 'non_canonical', `${b64({ alg: 'none', typ: 'JWT' })}.${payload}`);

  // HMAC with the public key (in each form an implementation might feed to HMAC) as the secret.
  const jwkText = JSON.stringify((await new LocalKeyRing(realKey).publicKeys())[0]);
  const der = createPublicKey(realKey).export({ format: 'der', type: 'spki' });
  const hmacSecrets: Array<[string, Buffer | string]> = [
    ['PEM', realPem],
    ['PEM without trailing newline', realPem.trim()],
    ['DER', der],
    ['JWK JSON', jwkText],
  ];
  for (const [form, secret] of hmacSecrets) {
    add(
      'alg',
      `HS256 with the public key (${form}) as secret`,
      'non_canonical',
      jws({ alg: 'HS256', typ: 'JWT', kid: realKid }, claims, (i) => createHmac('sha256', secret).update(i).digest()),
    );
  }
  add(
    'alg',
    'HS384 with the public key (PEM) as secret',
    'non_canonical',
    jws({ alg: 'HS384', typ: 'JWT', kid: realKid }, claims, (i) => createHmac('sha384', realPem).update(i).digest()),
  );
  add(
    'alg',
    'HS512 with the public key (PEM) as secret',
    spellingOrAlgorithm,
    jws({ alg: 'HS512', typ: 'JWT', kid: realKid }, claims, (i) => createHmac('sha512', realPem).update(i).digest()),
  );

  // Other algorithms with attacker keys, under our kid.
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  add(
    'alg',
    'RS256 signed by an attacker RSA key',
    'non_canonical',
    jws({ alg: 'RS256', typ: 'JWT', kid: realKid }, claims, (i) => sign('sha256', Buffer.from(i), rsa.privateKey)),
  );
  add(
    'alg',
    'PS256 signed by an attacker RSA key',
    'non_canonical',
    jws({ alg: 'PS256', typ: 'JWT', kid: realKid }, claims, (i) =>
      sign('sha256', Buffer.from(i), { key: rsa.privateKey, padding: 6, saltLength: 32 }),
    ),
  );
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  add(
    'alg',
    'ES384 signed by an attacker P-384 key',
    'non_canonical',
    jws({ alg: 'ES384', typ: 'JWT', kid: realKid }, claims, (i) =>
      sign('sha384', Buffer.from(i), { key: p384.privateKey, dsaEncoding: 'ieee-p1363' }),
    ),
  );
  const p521 = generateKeyPairSync('ec', { namedCurve: 'P-521' });
  add(
    'alg',
    'ES512 signed by an attacker P-521 key',
    'non_canonical',
    jws({ alg: 'ES512', typ: 'JWT', kid: realKid }, claims, (i) =>
      sign('sha512', Buffer.from(i), { key: p521.privateKey, dsaEncoding: 'ieee-p1363' }),
    ),
  );
  const k256 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
  add(
    'alg',
    'ES256K signed by an attacker secp256k1 key',
    spellingOrAlgorithm,
    jws({ alg: 'ES256K', typ: 'JWT', kid: realKid }, claims, (i) =>
      sign('sha256', Buffer.from(i), { key: k256.privateKey, dsaEncoding: 'ieee-p1363' }),
    ),
  );
  const ed = generateKeyPairSync('ed25519');
  add(
    'alg',
    'EdDSA signed by an attacker Ed25519 key',
    spellingOrAlgorithm,
    jws({ alg: 'EdDSA', typ: 'JWT', kid: realKid }, claims, (i) => sign(null, Buffer.from(i), ed.privateKey)),
  );
  add(
    'alg',
    'alg ES256 with a real signature, alg written es256',
    'wrong_algorithm',
    jws({ ...realHeader, alg: 'es256' }, claims, signReal),
  );
  add('alg', 'alg as an array ["ES256"], real signature', 'wrong_algorithm', jws({ ...realHeader, alg: ['ES256'] }, claims, signReal));
  add('alg', 'alg missing, real signature', 'wrong_algorithm', jws({ typ: 'JWT', kid: realKid }, claims, signReal));

  // kid: wrong, missing, of another key, odd types — signed by an attacker P-256 key.
  add('kid', 'our kid, attacker P-256 signature', 'bad_signature', jws(realHeader, claims, signAttacker));
  add('kid', 'kid missing, attacker signature', 'unknown_kid', jws({ alg: 'ES256', typ: 'JWT' }, claims, signAttacker));
  add('kid', 'kid empty, attacker signature', 'unknown_kid', jws({ alg: 'ES256', typ: 'JWT', kid: '' }, claims, signAttacker));
  add(
    'kid',
    "kid of the attacker's key (its thumbprint)",
    'unknown_kid',
    jws({ alg: 'ES256', typ: 'JWT', kid: attackerKid }, claims, signAttacker),
  );
  add(
    'kid',
    'kid as a path (../../dev/null)',
    'unknown_kid',
    jws({ alg: 'ES256', typ: 'JWT', kid: '../../../../dev/null' }, claims, signAttacker),
  );
  add('kid', 'kid as an injection string', 'unknown_kid', jws({ alg: 'ES256', typ: 'JWT', kid: "x' OR '1'='1" }, claims, signAttacker));
  add('kid', 'kid as a number', 'unknown_kid', jws({ alg: 'ES256', typ: 'JWT', kid: 1 }, claims, signAttacker));
  add('kid', 'kid as an array holding our kid', 'unknown_kid', jws({ alg: 'ES256', typ: 'JWT', kid: [realKid] }, claims, signAttacker));
  add('kid', 'kid missing, real signature', 'unknown_kid', jws({ alg: 'ES256', typ: 'JWT' }, claims, signReal));
  add('kid', 'kid of another key, real signature', 'unknown_kid', jws({ ...realHeader, kid: attackerKid }, claims, signReal));
  add('kid', 'our kid with a trailing space, real signature', 'unknown_kid', jws({ ...realHeader, kid: `${realKid} ` }, claims, signReal));
  add(
    'kid',
    "another deployment's key and kid, same claims",
    'unknown_kid',
    jws({ ...realHeader, kid: m.otherDeployment.kid }, claims, (i) => es256(m.otherDeployment.key, i)),
  );

  // Key-bearing headers pointing at (or holding) the attacker's key.
  const attackerPublic = { kty: 'EC', crv: 'P-256', x: attackerJwk.x, y: attackerJwk.y };
  add(
    'jku/x5u/jwk',
    'jwk header with the attacker key, no kid',
    'unknown_kid',
    jws({ alg: 'ES256', typ: 'JWT', jwk: attackerPublic }, claims, signAttacker),
  );
  add(
    'jku/x5u/jwk',
    'jwk header with the attacker key under our kid',
    'bad_signature',
    jws({ ...realHeader, jwk: { ...attackerPublic, kid: realKid } }, claims, signAttacker),
  );
  add(
    'jku/x5u/jwk',
    'jku at an attacker JWKS, attacker kid',
    'unknown_kid',
    jws({ alg: 'ES256', typ: 'JWT', kid: attackerKid, jku: 'http://127.0.0.1:9/jwks.json' }, claims, signAttacker),
  );
  add(
    'jku/x5u/jwk',
    'jku at an attacker JWKS, our kid',
    'bad_signature',
    jws({ ...realHeader, jku: 'http://127.0.0.1:9/jwks.json' }, claims, signAttacker),
  );
  add(
    'jku/x5u/jwk',
    "jku at the service's own JWKS, attacker signature",
    'bad_signature',
    jws({ ...realHeader, jku: `${service.url}/.well-known/jwks.json` }, claims, signAttacker),
  );
  add(
    'jku/x5u/jwk',
    'x5u at an attacker certificate',
    'unknown_kid',
    jws({ alg: 'ES256', typ: 'JWT', kid: attackerKid, x5u: 'http://127.0.0.1:9/cert.pem' }, claims, signAttacker),
  );
  add(
    'jku/x5u/jwk',
    'x5c holding the attacker key',
    'unknown_kid',
    jws(
      { alg: 'ES256', typ: 'JWT', x5c: [attackerEc.publicKey.export({ format: 'der', type: 'spki' }).toString('base64')] },
      claims,
      signAttacker,
    ),
  );

  // One byte altered: the claims, the header, the signature, at positions across each.
  const payloadBytes = bytes(payload);
  for (const index of spread(payloadBytes.length, 16))
    add(
      'one byte',
      `payload byte ${index}/${payloadBytes.length} flipped`,
      payloadFlipReason(payload, index),
      `${header}.${flipByte(payload, index)}.${signature}`,
    );
  const headerBytes = bytes(header);
  for (const index of spread(headerBytes.length, 5))
    add(
      'one byte',
      `header byte ${index}/${headerBytes.length} flipped`,
      headerFlipReason(header, index),
      `${flipByte(header, index)}.${payload}.${signature}`,
    );
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
  const n = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex');
  add(
    'signature',
    'signature r = s = n (curve order)',
    'non_canonical',
    `${header}.${payload}.${Buffer.concat([n, n]).toString('base64url')}`,
  );
  add('signature', "signature of another token's claims", 'bad_signature', `${header}.${payload}.${m.revoked.accessToken.split('.')[2]}`);

  // Claims, signed with the service's own key: the signature is right, the claims are not.
  const realClaims = (overrides: Record<string, unknown>, drop: string[] = []) => {
    const next: Record<string, unknown> = { ...claims, ...overrides };
    for (const name of drop) delete next[name];
    return jws(realHeader, next, signReal);
  };
  add('claims', 'expired one second ago', 'expired', realClaims({ exp: now - 1 }));
  add('claims', 'expired a day ago', 'expired', realClaims({ iat: now - 2 * 86_400, exp: now - 86_400 }));
  add('claims', 'not yet valid: nbf in an hour', 'not_yet_valid', realClaims({ nbf: now + 3_600 }));
  add('claims', 'not yet valid: iat in an hour', 'not_yet_valid', realClaims({ iat: now + 3_600 }));
  add('claims', 'nbf as a string', 'malformed_claims', realClaims({ nbf: String(now + 3_600) }));
  add('claims', 'wrong iss', 'wrong_issuer', realClaims({ iss: 'https://attacker.example' }));
  add('claims', 'iss in other case', 'wrong_issuer', realClaims({ iss: ISSUER.toUpperCase() }));
  add('claims', 'iss missing', 'missing_claims', realClaims({}, ['iss']));
  add('claims', 'iss as an array', 'wrong_issuer', realClaims({ iss: [ISSUER, 'https://attacker.example'] }));
  add('claims', 'exp as a string', 'malformed_claims', realClaims({ exp: String(now + 86_400) }));
  add('claims', 'exp as null', 'malformed_claims', realClaims({ exp: null }));
  add('claims', 'exp missing (no-expiry tokens not allowed)', 'missing_claims', realClaims({}, ['exp']));
  add('claims', 'exp as an array', 'malformed_claims', realClaims({ exp: [now + 86_400] }));
  add('claims', 'iat missing', 'missing_claims', realClaims({}, ['iat']));
  add('claims', 'iat as a string', 'malformed_claims', realClaims({ iat: String(now) }));
  add('claims', 'jti missing', 'missing_claims', realClaims({}, ['jti']));
  add('claims', 'jti of no record', 'unknown_token', realClaims({ jti: 'f'.repeat(32) }));
  add('claims', 'jti as a number', 'malformed_claims', realClaims({ jti: 7 }));
  add('claims', 'scope missing', 'missing_claims', realClaims({}, ['scope']));
  add('claims', 'tid missing', 'missing_claims', realClaims({}, ['tid']));
  add('claims', 'payload is a JSON array', 'malformed_token', jws(realHeader, [claims], signReal));
  add(
    'claims',
    'payload is JSON null',
    'malformed_token',
    `${b64(realHeader)}.${b64('null')}.${es256(realKey, `${b64(realHeader)}.${b64('null')}`).toString('base64url')}`,
  );

  // Record state: real tokens the service issued, then revoked, rotated, or of another tenant.
  add('record', 'valid token of a revoked record', 'revoked', m.revoked.accessToken);
  add('record', 'valid token of a record rotated past its grace', 'revoked', m.rotated.accessToken);
  add('record', 'token of a family revoked by reuse detection (the stolen one)', 'revoked', m.stolen.accessToken);
  add('record', 'token of a family revoked by reuse detection (its successor)', 'revoked', m.successor.accessToken);
  add('record', "another tenant's record under our tenant's tid", 'claims_mismatch', realClaims({ jti: m.bobs.id }));
  add('record', 'our record claimed by another tenant (tid globex)', 'claims_mismatch', realClaims({ tid: 'globex' }));
  add('record', 'our record claimed by another user (sub bob)', 'claims_mismatch', realClaims({ sub: 'bob' }));
  add(
    'record',
    "another tenant's record with its claims and a re-signed tid",
    'claims_mismatch',
    jws(realHeader, { ...decodeJson(m.bobs.accessToken.split('.')[1]!), tid: 'acme', sub: 'alice' }, signReal),
  );

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
  const order = BigInt(`0x${n.toString('hex')}`);
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

  // Cross-purpose credentials.
  add('cross-purpose', 'refresh key used as a bearer token', 'non_canonical', m.valid.refreshKey);
  // An ES256 session token, signed by another key: refused for its kid, or first for its spelling
  // when jose happened to write the high-S twin of its signature (half the time).
  add(
    'cross-purpose',
    'management session ID token used as a bearer token',
    isCanonicalEs256Jws(m.aliceSession) ? 'unknown_kid' : 'non_canonical',
    m.aliceSession,
  );
  cases.push({ group: 'cross-purpose', name: 'access token used as a refresh key', refreshKey: m.valid.accessToken });
  cases.push({ group: 'cross-purpose', name: 'session ID token used as a refresh key', refreshKey: m.aliceSession });
  cases.push({
    group: 'cross-purpose',
    name: "refresh key with its id and the access token's signature",
    refreshKey: `patr_${m.valid.id}_${signature.slice(0, 43)}`,
  });
  return cases;
}

// ---------------------------------------------------------------------------------------------
// Channels

/** A raw HTTP/1.1 GET, so that any header bytes (NUL, non-ASCII, 1 MB) reach the server as written. */
function rawGet(path: string, authorization: string | undefined): Promise<number> {
  const url = new URL(service.url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const status = /^HTTP\/1\.1 (\d{3})/.exec(Buffer.concat(chunks).toString('latin1'))?.[1];
      if (status) resolve(Number(status));
      else reject(new Error('no HTTP status in the answer'));
    });
    const head = [`GET ${path} HTTP/1.1`, `Host: ${url.host}`, 'Connection: close'];
    if (authorization !== undefined) head.push(`Authorization: ${authorization}`);
    socket.write(Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'utf8'));
  });
}

async function viaAuthorizer(forged: Case): Promise<{ direct: string; reason?: string }> {
  if (forged.refreshKey !== undefined) {
    try {
      await tokens.refresh(forged.refreshKey);
      return { direct: 'refreshed' };
    } catch (error) {
      return { direct: error instanceof DomainError ? error.code : `threw ${(error as Error).name}` };
    }
  }
  try {
    const decision = await authorizer.authorize({
      authorization: forged.authorization,
      sourceIp: '127.0.0.1',
      method: 'GET',
      resource: '/api/candidates',
    });
    return decision.effect === 'unauthorized' ? { direct: decision.effect, reason: decision.reason } : { direct: decision.effect };
  } catch (error) {
    return { direct: `threw ${(error as Error).name}` };
  }
}

async function viaHttp(forged: Case): Promise<number> {
  if (forged.refreshKey !== undefined) {
    return (await service.call('POST', '/tokens/refresh', { body: { refreshKey: forged.refreshKey } })).status;
  }
  return rawGet('/api/candidates', forged.authorization);
}

async function inBatches<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

// ---------------------------------------------------------------------------------------------

describe('forged and invalid tokens', () => {
  it('the corpus is generated, at least 50 cases, covering every group of the brief', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(50);
    expect(new Set(corpus.map((c) => c.group))).toEqual(
      new Set([
        'alg',
        'kid',
        'jku/x5u/jwk',
        'one byte',
        'signature',
        'claims',
        'record',
        'size/encoding',
        'spelling',
        'header',
        'cross-purpose',
      ]),
    );
  });

  it('no case is the genuine token itself', () => {
    const genuine = (value: string | undefined) => value !== undefined && value.replace(/^\S+ /, '').trim() === valid.accessToken;
    expect(corpus.filter((c) => genuine(c.authorization) || c.refreshKey === valid.refreshKey)).toEqual([]);
  });

  it('control: the genuine token is accepted by both channels (so a refusal below means something)', async () => {
    expect((await viaAuthorizer({ group: 'control', name: 'valid', authorization: `Bearer ${valid.accessToken}` })).direct).toBe('allow');
    expect(await viaHttp({ group: 'control', name: 'valid', authorization: `Bearer ${valid.accessToken}` })).toBe(200);
  });

  it('accepts none of them, directly or through the local front, and refuses each the same way (401)', async () => {
    await inBatches(corpus, 8, async (forged) => {
      const [{ direct, reason }, http] = await Promise.all([viaAuthorizer(forged), viaHttp(forged)]);
      const accepted =
        forged.refreshKey !== undefined
          ? direct === 'refreshed' || http === 200
          : direct === 'allow' || direct === 'forbidden' || http === 200 || http === 403;
      outcomes.set(forged, { direct, ...(reason === undefined ? {} : { reason }), http: String(http), accepted, serverError: http >= 500 });
    });

    const rows = corpus.map((forged, index) => {
      const outcome = outcomes.get(forged)!;
      return [
        index + 1,
        forged.group,
        forged.name,
        outcome.reason ?? outcome.direct,
        outcome.http,
        outcome.accepted ? 'ACCEPTED' : 'refused',
      ];
    });
    const accepted = corpus.filter((c) => outcomes.get(c)!.accepted);
    const serverErrors = corpus.filter((c) => outcomes.get(c)!.serverError);
    const parserRefusals = corpus.filter((c) => outcomes.get(c)!.http === '400');
    report(
      `\nForged-token corpus\n${table(['#', 'group', 'case', 'authorizer', 'http', 'verdict'], rows)}\n` +
        `forged tokens: ${corpus.length} cases x 2 channels = ${corpus.length * 2} attempts, ${accepted.length} accepted, ` +
        `${serverErrors.length} 5xx, ${parserRefusals.length} refused by the HTTP parser (400) before the authorizer\n`,
    );

    expect(accepted.map((c) => c.name)).toEqual([]);
    expect(serverErrors.map((c) => c.name)).toEqual([]);
    for (const forged of corpus) {
      const outcome = outcomes.get(forged)!;
      if (forged.refreshKey !== undefined) {
        expect({ case: forged.name, ...outcome }).toMatchObject({ direct: 'invalid_grant', http: '401' });
      } else {
        // One answer for every failure; only a header Node's HTTP parser rejects never reaches the authorizer.
        expect({ case: forged.name, direct: outcome.direct }).toEqual({ case: forged.name, direct: 'unauthorized' });

        expect(['401', '400'], forged.name).toContain(outcome.http);
        if (outcome.http === '400') expect(forged.authorization, forged.name).toMatch(/[\u0000\t]|[^\u0000-\u007f]/);
      }
    }
  }, 60_000);

  it('refuses each case for the reason it is about (a case refused for another reason no longer tests its check)', () => {
    const bearerCases = corpus.filter((forged) => forged.refreshKey === undefined);
    const expectedOf = (forged: Case) => (typeof forged.reason === 'string' ? [forged.reason] : [...(forged.reason ?? [])]);

    const mismatches = bearerCases
      .filter((forged) => !expectedOf(forged).includes(outcomes.get(forged)?.reason as DenialReason))
      .map((forged) => `${forged.name}: expected ${expectedOf(forged).join(' or ')}, refused as ${outcomes.get(forged)?.reason}`);

    expect(bearerCases.every((forged) => forged.reason !== undefined)).toBe(true);
    expect(outcomes.size).toBe(corpus.length);
    expect(mismatches).toEqual([]);
    // Every reason of the verifier's and the record's lists is reached by some case.
    expect(new Set(bearerCases.map((forged) => outcomes.get(forged)!.reason))).toEqual(
      new Set([
        'malformed_header',
        'malformed_token',
        'non_canonical',
        'unknown_kid',
        'wrong_algorithm',
        'bad_signature',
        'wrong_issuer',
        'missing_claims',
        'malformed_claims',
        'expired',
        'not_yet_valid',
        'unknown_token',
        'claims_mismatch',
        'revoked',
      ]),
    );
  });
});

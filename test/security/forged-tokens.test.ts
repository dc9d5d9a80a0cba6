import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoTokenStore } from '../support/dynamo-token-store';
import { Es256JwtVerifier } from '../../functions/adapters/jwt-verifier';
import { LocalKeyRing } from '../../functions/adapters/local-signer';
import { DomainError } from '../../functions/domain/errors';
import { defaultPolicy } from '../../functions/domain/token-policy';
import { logger } from '../../functions/observability/logger';
import type { Authorizer, DenialReason } from '../../functions/service/authorize';
import { systemClock } from '../../functions/service/ports';
import type { TokenServices } from '../support/token-services';
import { authorizerFor, tokenService } from '../support/fixtures';
import { startTestService, type TestService } from '../support/local-service';
import { alteredCases, encodingCases } from './support/forged-bytes';
import { claimCases, crossPurposeCases } from './support/forged-claims';
import { algorithmCases, keyCases } from './support/forged-headers';
import { type Case, forgeOf, type Issued, ISSUER, type Material } from './support/jws-forgery';
import { report, setHandlerLogLevel, setLogEcho, table } from './support/log-capture';

/**
 * A generated corpus of forged and invalid bearer tokens, each sent to the authorizer directly and
 * through the local HTTP front's example API (which runs the authorizer Lambda handler with API
 * Gateway's result cache). Not one may get in. Tokens signed with the service's own key appear
 * only where the case is about claims or record state: they prove that a valid signature alone
 * does not open the door. The cases are written in support/forged-*.ts, by what each attacks.
 */

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
let corpus: Case[] = [];
const outcomes = new Map<Case, Outcome>();
let valid: Issued;

beforeAll(async () => {
  // Every log line of the handlers is captured and scanned for the secrets issued here; INFO
  // logs carry the authorizer's refusal reasons, the place a careless message would leak a token.
  setLogEcho(false);
  setHandlerLogLevel(logger, 'INFO');

  const dataDir = mkdtempSync(join(tmpdir(), 'pat-forged-'));
  service = await startTestService({ dataDir, settings: { policy: { rotationGraceSeconds: 1, reuseLeewaySeconds: 0 } } });
  const keyRing = LocalKeyRing.fromFile(join(dataDir, 'signing-key.jwk.json'));
  const realKey = createPrivateKey({ key: JSON.parse(readFileSync(join(dataDir, 'signing-key.jwk.json'), 'utf8')), format: 'jwk' });
  const realKid = await keyRing.keyId();
  const realPem = createPublicKey(realKey).export({ format: 'pem', type: 'spki' }).toString();

  // The authorizer as the Lambda handler builds it, on the same table and key, with a fresh cache.
  const store = new DynamoTokenStore(service.client, { tableName: service.tableName, retentionDays: defaultPolicy.retentionDays });
  authorizer = authorizerFor(store, systemClock, keyRing, {
    verifier: new Es256JwtVerifier(keyRing, { issuer: ISSUER, clock: systemClock, allowNoExpiry: false }),
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

  corpus = await generateCorpus({
    ...{ valid, revoked, rotated, stolen, successor, bobs, aliceSession: alice, otherDeployment },
    ...{ realKey, realKid, realPem, serviceUrl: service.url },
  });
  // The rotated token's grace (1 s) must be over before the corpus is sent.
  await new Promise((resolve) => setTimeout(resolve, 1_100));
}, 60_000);

afterAll(async () => {
  setHandlerLogLevel(logger, 'WARN');
  await service?.stop();
});

/** Every group of cases, in the order the report numbers them. */
async function generateCorpus(m: Material): Promise<Case[]> {
  const cases: Case[] = [];
  const forge = forgeOf(m, cases);
  await algorithmCases(forge);
  await keyCases(forge);
  alteredCases(forge);
  claimCases(forge);
  encodingCases(forge);
  crossPurposeCases(forge, cases);
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

import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { BatchGetItemCommand, GetItemCommand, QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dynamoClient } from '../../functions/adapters/aws-clients';
import { DynamoTokenStore } from '../support/dynamo-token-store';
import { KmsKeyRing } from '../../functions/adapters/kms-signer';
import { Es256JwtVerifier } from '../../functions/adapters/jwt-verifier';
import { DependencyUnavailable } from '../../functions/domain/errors';
import { exampleApiRoutes, exampleCatalogue, resolveRoutes } from '../../functions/domain/routes';
import { Authorizer, type AuthorizeRequest } from '../../functions/service/authorize';
import { freshTable } from '../support/dynamo';
import { authorizerFor, DAY, ISSUER, ManualClock, newKeyRing, tokenService, user } from '../support/fixtures';

let table: Awaited<ReturnType<typeof freshTable>>;
const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const request = (token: string | undefined, overrides: Partial<AuthorizeRequest> = {}): AuthorizeRequest => ({
  authorization: token === undefined ? undefined : `Bearer ${token}`,
  sourceIp: '203.0.113.10',
  method: 'GET',
  resource: '/api/candidates',
  ...overrides,
});

beforeAll(async () => {
  table = await freshTable('authz');
});

async function setup(create: Record<string, unknown> = {}) {
  const clock = new ManualClock();
  const { service, keys } = tokenService(table.store, clock);
  const issued = await service.create(user(`u${Math.random().toString(16).slice(2, 10)}`), {
    description: 'vendor',
    scopes: ['candidates:read'],
    ...create,
  });
  const authorizer = authorizerFor(table.store, clock, keys);
  return { clock, service, keys, issued, authorizer };
}

describe('authorizer: authentication', () => {
  it('allows a valid token and passes its principal', async () => {
    const { authorizer, issued } = await setup();
    const decision = await authorizer.authorize(request(issued.accessToken));
    expect(decision).toMatchObject({
      effect: 'allow',
      principal: { tokenId: issued.id, owner: issued.owner, tenant: 'acme', scopes: ['candidates:read'] },
    });
  });

  it.each([
    ['no header', undefined],
    ['an empty bearer', ''],
    ['a token that is not a JWT', 'not-a-jwt'],
    ['a truncated JWT', 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0'],
  ])('refuses %s with 401', async (_name, token) => {
    const { authorizer } = await setup();
    expect((await authorizer.authorize(request(token))).effect).toBe('unauthorized');
  });

  it('refuses a header without the Bearer scheme', async () => {
    const { authorizer, issued } = await setup();
    expect((await authorizer.authorize({ ...request(undefined), authorization: issued.accessToken })).effect).toBe('unauthorized');
    expect((await authorizer.authorize({ ...request(undefined), authorization: `Basic ${issued.accessToken}` })).effect).toBe(
      'unauthorized',
    );
  });

  it('refuses alg none', async () => {
    const { authorizer, issued } = await setup();
    const [header, payload] = issued.accessToken.split('.') as [string, string];
    const kid = JSON.parse(Buffer.from(header, 'base64url').toString()).kid;
    expect((await authorizer.authorize(request(`${b64({ alg: 'none', typ: 'JWT', kid })}.${payload}.`))).effect).toBe('unauthorized');
  });

  it('refuses HS256 signed with the public key as the secret', async () => {
    const { authorizer, issued, keys } = await setup();
    const jwk = (await keys.publicKeys())[0]!;
    const pem = (await import('node:crypto'))
      .createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, format: 'jwk' })
      .export({ format: 'pem', type: 'spki' });
    const payload = issued.accessToken.split('.')[1]!;
    const input = `${b64({ alg: 'HS256', typ: 'JWT', kid: jwk.kid })}.${payload}`;
    const forged = `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;
    expect((await authorizer.authorize(request(forged))).effect).toBe('unauthorized');
  });

  it('refuses a token signed by another key, under its own kid or under ours', async () => {
    const { authorizer, issued, keys } = await setup();
    const payload = issued.accessToken.split('.')[1]!;
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const ourKid = (await keys.publicKeys())[0]!.kid;
    for (const kid of ['someone-elses-key', ourKid]) {
      const input = `${b64({ alg: 'ES256', typ: 'JWT', kid })}.${payload}`;
      const forged = `${input}.${sign('sha256', Buffer.from(input), { key: other, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
      expect((await authorizer.authorize(request(forged))).effect).toBe('unauthorized');
    }
  });

  it('refuses a token whose payload was altered (scope widened)', async () => {
    const { authorizer, issued } = await setup();
    const [header, payload, signature] = issued.accessToken.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const tampered = `${header}.${b64({ ...claims, scope: '*' })}.${signature}`;
    expect((await authorizer.authorize(request(tampered))).effect).toBe('unauthorized');
  });

  it('refuses a token of another issuer', async () => {
    const clock = new ManualClock();
    const keys = newKeyRing();
    const { service } = tokenService(table.store, clock, { keys });
    const issued = await service.create(user('ivan'), { description: 'iss', scopes: ['candidates:read'] });
    const authorizer = new Authorizer({
      verifier: new Es256JwtVerifier(keys, { issuer: 'https://someone-else', clock, allowNoExpiry: false }),
      store: table.store,
      clock,
      routes: resolveRoutes(exampleApiRoutes, exampleCatalogue),
      statusCacheMs: 10_000,
      lastUsedIntervalMs: 60_000,
    });
    expect((await authorizer.authorize(request(issued.accessToken))).effect).toBe('unauthorized');
  });

  it('allows a token until the second before its exp, and refuses it from exp on', async () => {
    const { authorizer, issued, clock } = await setup({ expiresAt: new Date(new ManualClock().now() + DAY).toISOString() });
    const exp = Date.parse(issued.expiresAt!);
    clock.current = exp - 1;
    expect((await authorizer.authorize(request(issued.accessToken))).effect).toBe('allow');
    clock.current = exp;
    expect((await authorizer.authorize(request(issued.accessToken))).effect).toBe('unauthorized');
  });

  it('refuses a revoked token once the status cache window has passed, and not before (the documented bound)', async () => {
    const { authorizer, issued, service, clock } = await setup();
    expect((await authorizer.authorize(request(issued.accessToken))).effect).toBe('allow');

    await service.revoke(user(issued.owner), issued.id);
    clock.advance(9_999);
    expect((await authorizer.authorize(request(issued.accessToken))).effect).toBe('allow');
    clock.advance(1);
    expect((await authorizer.authorize(request(issued.accessToken))).effect).toBe('unauthorized');
  });

  it('refuses a revoked token at once in a container that had not cached it', async () => {
    const { issued, service, clock, keys } = await setup();
    await service.revoke(user(issued.owner), issued.id);
    expect((await authorizerFor(table.store, clock, keys).authorize(request(issued.accessToken))).effect).toBe('unauthorized');
  });

  it('refuses a validly signed token whose record does not exist', async () => {
    const { issued, keys, clock } = await setup();
    const other = await freshTable('authz-empty');
    expect((await authorizerFor(other.store, clock, keys).authorize(request(issued.accessToken))).effect).toBe('unauthorized');
  });
});

describe('authorizer: scopes', () => {
  it('denies a route of another scope with 403, listing only the routes it allows', async () => {
    const { authorizer, issued } = await setup({ scopes: ['jobs:read'] });
    const decision = await authorizer.authorize(request(issued.accessToken));
    expect(decision.effect).toBe('forbidden');
    if (decision.effect !== 'forbidden') return;
    expect(decision.reason).toBe('scope');
    expect(decision.allowedRoutes.map((r) => `${r.method} ${r.resource}`)).toEqual(['GET /api/jobs']);
  });

  it('lets a parent-area grant through to a sub-area route', async () => {
    const { authorizer, issued } = await setup({ scopes: ['candidates:read'] });
    expect((await authorizer.authorize(request(issued.accessToken, { resource: '/api/candidates/{id}/documents' }))).effect).toBe('allow');
  });

  it('does not let a read grant write', async () => {
    const { authorizer, issued } = await setup({ scopes: ['candidates:read'] });
    expect((await authorizer.authorize(request(issued.accessToken, { method: 'POST' }))).effect).toBe('forbidden');
  });

  it('does not let a sub-area grant reach its parent', async () => {
    const { authorizer, issued } = await setup({ scopes: ['candidates/documents:read'] });
    expect((await authorizer.authorize(request(issued.accessToken, { resource: '/api/candidates/{id}/documents' }))).effect).toBe('allow');
    expect((await authorizer.authorize(request(issued.accessToken, { resource: '/api/candidates/{id}' }))).effect).toBe('forbidden');
  });

  it('denies a route that is not in the route table', async () => {
    const { authorizer, issued } = await setup({ scopes: ['*'] });
    expect((await authorizer.authorize(request(issued.accessToken, { resource: '/api/payroll' }))).effect).toBe('forbidden');
  });
});

describe('authorizer: IP restrictions', () => {
  const cases: Array<[string, string, boolean]> = [
    ['203.0.113.10', '203.0.113.10', true],
    ['203.0.113.10', '203.0.113.11', false],
    ['203.0.113.0/24', '203.0.113.200', true],
    ['203.0.113.0/24', '203.0.114.1', false],
    ['198.51.100.10-198.51.100.20', '198.51.100.20', true],
    ['198.51.100.10-198.51.100.20', '198.51.100.21', false],
    ['2001:db8::10', '2001:db8::10', true],
    ['2001:db8::10', '2001:db8::11', false],
    ['2001:db8:1::/48', '2001:db8:1:ffff::1', true],
    ['2001:db8:1::/48', '2001:db8:2::1', false],
    ['2001:db8::a-2001:db8::f', '2001:db8::c', true],
    ['2001:db8::a-2001:db8::f', '2001:db8::10', false],
  ];
  it.each(cases)('entry %s, client %s → allowed: %s', async (entry, sourceIp, allowed) => {
    const { authorizer, issued } = await setup({ allowedIps: [entry] });
    const decision = await authorizer.authorize(request(issued.accessToken, { sourceIp }));
    expect(decision.effect).toBe(allowed ? 'allow' : 'forbidden');
    if (!allowed && decision.effect === 'forbidden') expect(decision.reason).toBe('ip');
  });
});

describe('authorizer: faults and calls', () => {
  let client: DynamoDBClient | undefined;
  afterEach(() => client?.destroy());

  it('fails closed when DynamoDB cannot be reached', async () => {
    const { issued, keys, clock } = await setup();
    client = dynamoClient('http://127.0.0.1:9');
    const unreachable = new DynamoTokenStore(client, { tableName: table.tableName, retentionDays: 30 });
    await expect(authorizerFor(unreachable, clock, keys).authorize(request(issued.accessToken))).rejects.toBeInstanceOf(
      DependencyUnavailable,
    );
  });

  it('fails closed when the keys cannot be fetched from KMS', async () => {
    const { issued, clock } = await setup();
    const kms = mockClient(KMSClient);
    kms.on(GetPublicKeyCommand).rejects(Object.assign(new Error('down'), { name: 'KMSInternalException' }));
    const ring = new KmsKeyRing(new KMSClient({ region: 'eu-west-1' }), ['alias/pat']);
    const authorizer = new Authorizer({
      verifier: new Es256JwtVerifier(ring, { issuer: ISSUER, clock, allowNoExpiry: false }),
      store: table.store,
      clock,
      routes: resolveRoutes(exampleApiRoutes, exampleCatalogue),
      statusCacheMs: 10_000,
      lastUsedIntervalMs: 60_000,
    });
    await expect(authorizer.authorize(request(issued.accessToken))).rejects.toBeInstanceOf(DependencyUnavailable);
    kms.restore();
  });

  it('makes no KMS call and one DynamoDB read per status-cache window over 1000 authorizations', async () => {
    const { issued, keys, clock } = await setup();
    // A KMS key ring holding the same public key, so that KMS calls can be counted.
    const kms = mockClient(KMSClient);
    const jwk = (await keys.publicKeys())[0]!;
    const der = (await import('node:crypto'))
      .createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, format: 'jwk' })
      .export({ format: 'der', type: 'spki' });
    kms.on(GetPublicKeyCommand).resolves({ KeyId: 'k', KeySpec: 'ECC_NIST_P256', PublicKey: new Uint8Array(der) });
    client = dynamoClient(table.endpoint);
    let reads = 0;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        // Any read request counts: the record and its family come in one BatchGetItem.
        if ([GetItemCommand.name, BatchGetItemCommand.name, QueryCommand.name].includes(context.commandName ?? '')) reads++;
        return next(args);
      },
      { step: 'initialize' },
    );
    const counted = new DynamoTokenStore(client, { tableName: table.tableName, retentionDays: 30 });
    const authorizer = new Authorizer({
      verifier: new Es256JwtVerifier(new KmsKeyRing(new KMSClient({ region: 'eu-west-1' }), ['k']), {
        issuer: ISSUER,
        clock,
        allowNoExpiry: false,
      }),
      store: counted,
      clock,
      routes: resolveRoutes(exampleApiRoutes, exampleCatalogue),
      statusCacheMs: 10_000,
      lastUsedIntervalMs: 60_000,
    });

    await authorizer.authorize(request(issued.accessToken)); // cold start: keys fetched once
    kms.resetHistory();
    reads = 0;
    for (let i = 0; i < 1000; i++) {
      if (i > 0 && i % 250 === 0) clock.advance(10_000); // four windows of 250 authorizations
      expect((await authorizer.authorize(request(issued.accessToken))).effect).toBe('allow');
    }

    expect(kms.commandCalls(GetPublicKeyCommand)).toHaveLength(0);
    expect(kms.commandCalls(SignCommand)).toHaveLength(0);
    expect(reads).toBe(3); // the first window was still cached from the cold start; one read in each of the next three
    kms.restore();
  });

  it('records lastUsedAt at first use and then at most once a minute, and never denies when that write fails', async () => {
    const { issued, keys, clock, service } = await setup();
    let writes = 0;
    let fail = false;
    const store = {
      getWithFamily: (id: string, familyId?: string) => table.store.getWithFamily(id, familyId),
      recordDenial: () => Promise.resolve(),
      recordUse: async (id: string, at: number, ips: string[]) => {
        writes++;
        if (fail) throw new Error('throttled');
        return table.store.recordUse(id, at, ips);
      },
    };
    const errors: unknown[] = [];
    const authorizer = authorizerFor(store, clock, keys, { onUsageWriteError: (error) => errors.push(error) });

    await authorizer.authorize(request(issued.accessToken));
    expect(writes).toBe(1);
    expect((await service.get(user(issued.owner), issued.id)).lastUsedAt).toBe(new Date(clock.now()).toISOString());

    clock.advance(59_999);
    await authorizer.authorize(request(issued.accessToken));
    expect(writes).toBe(1);
    clock.advance(1);
    fail = true;
    expect((await authorizer.authorize(request(issued.accessToken, { sourceIp: '198.51.100.7' }))).effect).toBe('allow');
    expect(writes).toBe(2);
    expect(errors).toHaveLength(1);
  });
});

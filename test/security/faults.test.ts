import { createServer, type Server, type Socket } from 'node:net';
import { generateKeyPairSync, sign } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  DynamoDBServiceException,
  InternalServerError,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import {
  DisabledException,
  GetPublicKeyCommand,
  KMSClient,
  KMSInternalException,
  KMSInvalidStateException,
  KMSServiceException,
  SignCommand,
} from '@aws-sdk/client-kms';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoClient } from '../../functions/adapters/aws-clients';
import { DynamoTokenStore } from '../support/dynamo-token-store';
import { KmsKeyRing } from '../../functions/adapters/kms-signer';
import { FastJwtVerifier } from '../../functions/adapters/jwt-verifier';
import { DependencyUnavailable, DomainError } from '../../functions/domain/errors';
import { defaultPolicy } from '../../functions/domain/token-policy';
import { httpHandler } from '../../functions/http/http-handler';
import { json } from '../../functions/http/responses';
import { lambdaContext } from '../../functions/local/api-gateway-event';
import type { AuthorizeRequest } from '../../functions/service/authorize';
import type { LocalKeyRing } from '../../functions/adapters/local-signer';
import { allItems, freshTable } from '../support/dynamo';
import { authorizerFor, ISSUER, ManualClock, newKeyRing, tokenService, user } from '../support/fixtures';
import { logger } from '../../functions/observability/logger';
import { report, setHandlerLogLevel, setLogEcho, table } from './support/log-capture';

/**
 * Faults injected at the SDK level into the real DynamoTokenStore (a middleware inside the SDK's
 * retry loop, so its retries run as in production) and into the KMS key ring (aws-sdk-client-mock).
 * Management use cases must raise DependencyUnavailable — 503 `unavailable` through the shared
 * HTTP error map — or 409 where a lost race is the truth; nothing may be half-written (checked by
 * reading the table); the authorizer must throw (API Gateway then lets nobody in).
 */

let shared: Awaited<ReturnType<typeof freshTable>>;
const rows: Array<[string, string, string, string, string, string]> = [];

beforeAll(async () => {
  setLogEcho(false); // every failure is logged at ERROR: captured and scanned, not echoed
  setHandlerLogLevel(logger, 'INFO');
  shared = await freshTable('faults');
});
afterAll(() => {
  setHandlerLogLevel(logger, 'WARN');
  const halfWrites = rows.reduce((sum, row) => sum + (Number.parseInt(row[5], 10) || 0), 0);
  const serverErrors = rows.filter((row) => row[4].split('/').includes('500'));
  report(
    `\nFault injection\n${table(['use case', 'fault', 'SDK attempts', 'outcome', 'HTTP', 'half-writes'], rows)}\n` +
      `faults: ${rows.length} scenarios, ${serverErrors.length} answered 500, ` +
      `${rows.filter((row) => row[4] === 'hangs').length} hung, ${halfWrites} half-writes\n`,
  );
});

// ---------------------------------------------------------------------------------------------
// Fault injection on a DynamoDB client

interface Fault {
  command: string;
  error: () => Error;
  /** How many calls fail; the rest pass. */
  times: number;
  /** Fail after the real call went through (the answer is lost, the write happened). */
  afterCall: boolean;
}

class FaultyDynamo {
  readonly client: DynamoDBClient;
  readonly store: DynamoTokenStore;
  private faults: Fault[] = [];
  readonly attempts = new Map<string, number>();

  constructor() {
    this.client = dynamoClient(shared.endpoint);
    this.store = new DynamoTokenStore(this.client, { tableName: shared.tableName, retentionDays: defaultPolicy.retentionDays });
    this.client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = context.commandName ?? '';
        this.attempts.set(command, (this.attempts.get(command) ?? 0) + 1);
        const fault = this.faults.find((f) => f.command === command && f.times > 0);
        if (fault && !fault.afterCall) {
          fault.times--;
          throw fault.error();
        }
        const output = await next(args);
        if (fault && fault.afterCall) {
          fault.times--;
          throw fault.error();
        }
        return output;
      },
      // Inside the retry middleware (finalizeRequest, high priority): each attempt passes here.
      { step: 'finalizeRequest', priority: 'low', name: 'faultInjection' },
    );
  }

  fail(command: string, error: () => Error, options: { times?: number; afterCall?: boolean } = {}): this {
    this.faults.push({ command, error, times: options.times ?? Number.POSITIVE_INFINITY, afterCall: options.afterCall ?? false });
    this.attempts.clear();
    return this;
  }

  heal(): void {
    this.faults = [];
  }
}

const metadata = (httpStatusCode: number) => ({ httpStatusCode, requestId: 'fault-injection', attempts: 1, totalRetryDelay: 0 });
const dynamoFaults: Record<string, () => Error> = {
  throttling: () =>
    new ProvisionedThroughputExceededException({ message: 'Rate of requests exceeds the allowed throughput', $metadata: metadata(400) }),
  '500 InternalServerError': () => new InternalServerError({ message: 'Internal server error', $metadata: metadata(500) }),
  '503 ServiceUnavailable': () =>
    new DynamoDBServiceException({
      name: 'ServiceUnavailable',
      $fault: 'server',
      message: 'Service unavailable',
      $metadata: metadata(503),
    }),
  timeout: () => Object.assign(new Error('the request socket timed out'), { name: 'TimeoutError', code: 'ETIMEDOUT' }),
};
const cancelled =
  (...codes: string[]) =>
  () =>
    new TransactionCanceledException({
      message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
      CancellationReasons: codes.map((Code) => ({ Code, ...(Code === 'None' ? {} : { Message: Code }) })),
      $metadata: metadata(400),
    });

// ---------------------------------------------------------------------------------------------
// Helpers

const keys = newKeyRing();

/** A user of the shared table nobody else uses, with a clean (unfaulted) service for setup and checks. */
function scenario(options: { keys?: LocalKeyRing } = {}) {
  const owner = `u-${Math.random().toString(36).slice(2, 10)}`;
  const clock = new ManualClock(Date.now());
  const clean = tokenService(shared.store, clock, { keys: options.keys ?? keys }).service;
  const faulty = new FaultyDynamo();
  const service = tokenService(faulty.store, clock, { keys: options.keys ?? keys }).service;
  const ownItems = async () =>
    (await allItems(shared.client, shared.tableName))
      .map((item) => JSON.stringify(item))
      .filter((text) => text.includes(owner))
      .sort();
  return { owner, clock, clean, faulty, service, ownItems, caller: user(owner) };
}

interface HttpOutcome {
  status: number;
  body: { error?: { code: string; message: string } } & Record<string, unknown>;
  error: unknown;
}

const event = {
  headers: {},
  multiValueHeaders: {},
  requestContext: {},
  body: null,
  httpMethod: 'POST',
  resource: '/x',
  path: '/x',
} as unknown as APIGatewayProxyEvent;

/** Runs a use case behind the shared middy stack and error map, as every handler does. */
async function viaHttp(useCase: () => Promise<unknown>): Promise<HttpOutcome> {
  let error: unknown;
  const handler = httpHandler(async () => {
    try {
      return json(200, (await useCase()) ?? {});
    } catch (caught) {
      error = caught;
      throw caught;
    }
  });
  const response = await handler(event, lambdaContext('faults', `req-${Math.random().toString(16).slice(2)}`));
  return { status: response.statusCode, body: JSON.parse(response.body), error };
}

function outcomeName(error: unknown): string {
  if (error === undefined) return 'ok';
  if (error instanceof DependencyUnavailable) return `DependencyUnavailable(${error.dependency})`;
  if (error instanceof DomainError) return error.code;
  return `raw ${(error as Error).name}`;
}

function expectUnavailable(outcome: HttpOutcome) {
  expect(outcomeName(outcome.error)).toMatch(/^DependencyUnavailable/);
  expect(outcome.status).toBe(503);
  expect(outcome.body).toEqual({ error: { code: 'unavailable', message: expect.any(String) } });
  // The 5xx body says nothing internal.
  expect(outcome.body.error!.message).not.toMatch(/dynamo|kms|exception|throughput|timed out|stack/i);
}

const authRequest = (token: string): AuthorizeRequest => ({
  authorization: `Bearer ${token}`,
  sourceIp: '203.0.113.7',
  method: 'GET',
  resource: '/api/jobs',
});

// ---------------------------------------------------------------------------------------------

describe.concurrent('DynamoDB faults: management use cases answer 503 and write nothing', () => {
  for (const [kind, fault] of Object.entries(dynamoFaults)) {
    it(`create, ${kind} on the transaction`, async () => {
      const s = scenario();
      s.faulty.fail('TransactWriteItemsCommand', fault);
      const outcome = await viaHttp(() => s.service.create(s.caller, { description: 'new', scopes: ['jobs:read'] }));
      expectUnavailable(outcome);
      expect(await s.ownItems()).toEqual([]);
      expect(s.faulty.attempts.get('TransactWriteItemsCommand')).toBe(3);
      rows.push(['create', `${kind} (TransactWriteItems)`, '3', outcomeName(outcome.error), String(outcome.status), '0']);
    });

    it(`create, ${kind} on the active-token count`, async () => {
      const s = scenario();
      s.faulty.fail('QueryCommand', fault);
      const outcome = await viaHttp(() => s.service.create(s.caller, { description: 'new', scopes: ['jobs:read'] }));
      expectUnavailable(outcome);
      expect(await s.ownItems()).toEqual([]);
      rows.push([
        'create',
        `${kind} (Query)`,
        String(s.faulty.attempts.get('QueryCommand')),
        outcomeName(outcome.error),
        String(outcome.status),
        '0',
      ]);
    });

    it(`create over a stale description lock, ${kind} on the lock read`, async () => {
      const s = scenario();
      const old = await s.clean.create(s.caller, { description: 'reused', scopes: ['jobs:read'] });
      await s.clean.revoke(s.caller, old.id);
      const before = await s.ownItems();
      s.faulty.fail('GetItemCommand', fault);
      const outcome = await viaHttp(() => s.service.create(s.caller, { description: 'reused', scopes: ['jobs:read'] }));
      expectUnavailable(outcome);
      const after = await s.ownItems();
      expect(after).toEqual(before);
      rows.push([
        'create (lock takeover)',
        `${kind} (GetItem)`,
        String(s.faulty.attempts.get('GetItemCommand')),
        outcomeName(outcome.error),
        String(outcome.status),
        String(after.length - before.length),
      ]);
    });

    it(`list and get, ${kind}`, async () => {
      const s = scenario();
      const issued = await s.clean.create(s.caller, { description: 'listed', scopes: ['jobs:read'] });
      s.faulty.fail('QueryCommand', fault).fail('GetItemCommand', fault);
      const listed = await viaHttp(() => s.service.list(s.caller, { status: 'active', limit: 10 }));
      const got = await viaHttp(() => s.service.get(s.caller, issued.id));
      expectUnavailable(listed);
      expectUnavailable(got);
      rows.push([
        'list / get',
        kind,
        String((s.faulty.attempts.get('QueryCommand') ?? 0) + (s.faulty.attempts.get('GetItemCommand') ?? 0)),
        outcomeName(got.error),
        `${listed.status}/${got.status}`,
        '-',
      ]);
    });

    it(`revoke, ${kind} on the transaction: the token stays active`, async () => {
      const s = scenario();
      const issued = await s.clean.create(s.caller, { description: 'kept', scopes: ['jobs:read'] });
      const before = await s.ownItems();
      s.faulty.fail('TransactWriteItemsCommand', fault);
      const outcome = await viaHttp(() => s.service.revoke(s.caller, issued.id));
      expectUnavailable(outcome);
      const after = await s.ownItems();
      expect(after).toEqual(before);
      expect((await s.clean.get(s.caller, issued.id)).status).toBe('active');
      rows.push([
        'revoke',
        `${kind} (TransactWriteItems)`,
        String(s.faulty.attempts.get('TransactWriteItemsCommand')),
        outcomeName(outcome.error),
        String(outcome.status),
        String(after.length - before.length),
      ]);
    });

    it(`refresh, ${kind} on the rotation transaction: old token active, no successor, the key still works afterwards`, async () => {
      const s = scenario();
      const issued = await s.clean.create(s.caller, { description: 'rotating', scopes: ['jobs:read'] });
      const before = await s.ownItems();
      s.faulty.fail('TransactWriteItemsCommand', fault);
      const outcome = await viaHttp(() => s.service.refresh(issued.refreshKey));
      expectUnavailable(outcome);
      const after = await s.ownItems();
      expect(after).toEqual(before);
      expect((await s.clean.get(s.caller, issued.id)).status).toBe('active');
      expect((await s.clean.list(s.caller, { status: 'all', limit: 10 })).items.map((t) => t.id)).toEqual([issued.id]);
      const attempts = String(s.faulty.attempts.get('TransactWriteItemsCommand'));

      s.faulty.heal();
      const retried = await s.service.refresh(issued.refreshKey);
      expect(retried.kind).toBe('rotated');
      rows.push([
        'refresh (mid-transaction)',
        `${kind} (TransactWriteItems)`,
        attempts,
        outcomeName(outcome.error),
        String(outcome.status),
        String(after.length - before.length),
      ]);
    });

    it(`authorizer, ${kind} on the status read: throws, nobody is let in`, async () => {
      const s = scenario();
      const issued = await s.clean.create(s.caller, { description: 'guarded', scopes: ['jobs:read'] });
      s.faulty.fail('BatchGetItemCommand', fault);
      const authorizer = authorizerFor(s.faulty.store, s.clock, keys);
      await expect(authorizer.authorize(authRequest(issued.accessToken))).rejects.toBeInstanceOf(DependencyUnavailable);
      rows.push([
        'authorizer',
        `${kind} (BatchGetItem)`,
        String(s.faulty.attempts.get('BatchGetItemCommand')),
        'threw DependencyUnavailable',
        'deny',
        '-',
      ]);
    });
  }
});

describe.concurrent('DynamoDB conditional failures and ambiguous commits', () => {
  it('refresh that keeps losing the race on the old token (condition of `predecessor`) is 409 conflict after 3 tries and writes nothing', async () => {
    const s = scenario();
    const issued = await s.clean.create(s.caller, { description: 'raced', scopes: ['jobs:read'] });
    const before = await s.ownItems();
    // Rotation items: predecessor, family, successor, lock, event.
    s.faulty.fail('TransactWriteItemsCommand', cancelled('ConditionalCheckFailed', 'None', 'None', 'None', 'None'));
    const outcome = await viaHttp(() => s.service.refresh(issued.refreshKey));
    expect(outcome.status).toBe(409);
    expect(outcome.body.error?.code).toBe('conflict');
    expect(await s.ownItems()).toEqual(before);
    expect(s.faulty.attempts.get('TransactWriteItemsCommand')).toBe(3);
    rows.push([
      'refresh',
      'ConditionalCheckFailed on the old token, every try',
      '3',
      outcomeName(outcome.error),
      String(outcome.status),
      '0',
    ]);
  });

  it('refresh of a family revoked meanwhile (condition of `family`) is 401 invalid_grant and writes nothing', async () => {
    const s = scenario();
    const issued = await s.clean.create(s.caller, { description: 'family gone', scopes: ['jobs:read'] });
    const before = await s.ownItems();
    s.faulty.fail('TransactWriteItemsCommand', cancelled('None', 'ConditionalCheckFailed', 'None', 'None', 'None'));
    const outcome = await viaHttp(() => s.service.refresh(issued.refreshKey));
    expect(outcome.status).toBe(401);
    expect(outcome.body.error?.code).toBe('invalid_grant');
    expect(await s.ownItems()).toEqual(before);
    rows.push(['refresh', 'ConditionalCheckFailed on the family', '1', outcomeName(outcome.error), String(outcome.status), '0']);
  });

  it('refresh whose description lock was taken meanwhile (condition of `lock`) is 409 conflict and writes nothing', async () => {
    const s = scenario();
    const issued = await s.clean.create(s.caller, { description: 'locked', scopes: ['jobs:read'] });
    const before = await s.ownItems();
    s.faulty.fail('TransactWriteItemsCommand', cancelled('None', 'None', 'None', 'ConditionalCheckFailed', 'None'));
    const outcome = await viaHttp(() => s.service.refresh(issued.refreshKey));
    expect(outcome.status).toBe(409);
    expect(await s.ownItems()).toEqual(before);
    rows.push(['refresh', 'ConditionalCheckFailed on the lock', '1', outcomeName(outcome.error), String(outcome.status), '0']);
  });

  it('create whose description lock is held (condition of `lock`) is 409 conflict and writes nothing', async () => {
    const s = scenario();
    // Create items: the owner's places, token, family, lock, event.
    s.faulty.fail('TransactWriteItemsCommand', cancelled('None', 'None', 'None', 'ConditionalCheckFailed', 'None'), { times: 1 });
    const outcome = await viaHttp(() => s.service.create(s.caller, { description: 'held', scopes: ['jobs:read'] }));
    expect(outcome.status).toBe(409);
    expect(await s.ownItems()).toEqual([]);
    rows.push(['create', 'ConditionalCheckFailed on the lock', '1', outcomeName(outcome.error), String(outcome.status), '0']);
  });

  it('revoke that finds the family already revoked (condition of `family`) writes no second event and finishes the sweep', async () => {
    const s = scenario();
    const issued = await s.clean.create(s.caller, { description: 'twice', scopes: ['jobs:read'] });
    const events = async () => (await s.ownItems()).filter((item) => item.includes('"sk":{"S":"AUDIT"}')).length;
    const eventsBefore = await events();
    // Mark items: family, event.
    s.faulty.fail('TransactWriteItemsCommand', cancelled('ConditionalCheckFailed', 'None'), { times: 1 });
    const outcome = await viaHttp(() => s.service.revoke(s.caller, issued.id));
    expect(outcome.status).toBe(200);
    expect(await events()).toBe(eventsBefore);
    expect((await s.clean.get(s.caller, issued.id)).status).toBe('revoked');
    rows.push([
      'revoke',
      'ConditionalCheckFailed (family already revoked)',
      '1',
      `${outcomeName(outcome.error)}: sweep finished, no second event`,
      String(outcome.status),
      '0',
    ]);
  });

  it('a lost usage write (500 on lastUsedAt) never turns into a denial: the write failure is reported', async () => {
    const s = scenario();
    const issued = await s.clean.create(s.caller, { description: 'used', scopes: ['jobs:read'] });
    const reported: string[] = [];
    s.faulty.fail('UpdateItemCommand', dynamoFaults['500 InternalServerError']!);
    const authorizer = authorizerFor(s.faulty.store, s.clock, keys, { onUsageWriteError: (_error, tokenId) => reported.push(tokenId) });
    expect((await authorizer.authorize(authRequest(issued.accessToken))).effect).toBe('allow');
    expect(reported).toEqual([issued.id]);
    rows.push([
      'authorizer',
      '500 on the lastUsedAt write',
      String(s.faulty.attempts.get('UpdateItemCommand')),
      'allow (write reported)',
      '200',
      '-',
    ]);
  });

  it('a refresh whose transaction committed but whose answer was lost is replayed idempotently by the SDK: one successor, the caller gets it', async () => {
    const s = scenario();
    const issued = await s.clean.create(s.caller, { description: 'lost answer', scopes: ['jobs:read'] });
    s.faulty.fail('TransactWriteItemsCommand', dynamoFaults['500 InternalServerError']!, { times: 1, afterCall: true });
    const outcome = await s.service.refresh(issued.refreshKey);
    expect(outcome.kind).toBe('rotated');
    const all = (await s.clean.list(s.caller, { status: 'all', limit: 10 })).items;
    expect(all.map((t) => t.id).sort()).toEqual([issued.id, outcome.kind === 'rotated' ? outcome.token.id : ''].sort());
    expect(all.find((t) => t.id === issued.id)?.revokeReason).toBe('rotated');
    rows.push(['refresh', '500 after commit, once (answer lost)', '2', 'rotated (ClientRequestToken replay)', '200', '0']);
  });

  it('a refresh whose answer is lost on every attempt is a 503, the rotation stands, and a retry within the leeway answers the same successor', async () => {
    const s = scenario();
    const issued = await s.clean.create(s.caller, { description: 'all lost', scopes: ['jobs:read'] });
    s.faulty.fail('TransactWriteItemsCommand', dynamoFaults['500 InternalServerError']!, { afterCall: true });
    const outcome = await viaHttp(() => s.service.refresh(issued.refreshKey));
    expectUnavailable(outcome);
    s.faulty.heal();
    const retry = await viaHttp(() => s.service.refresh(issued.refreshKey));
    expect(retry.status).toBe(200);
    const all = (await s.clean.list(s.caller, { status: 'all', limit: 10 })).items;
    expect(all).toHaveLength(2);
    expect(all.filter((t) => t.status === 'active').map((t) => t.id)).toEqual([(retry.body as { token?: { id?: string } }).token?.id]);
    rows.push([
      'refresh',
      '500 after commit, every attempt',
      '3',
      `${outcomeName(outcome.error)}, then the same successor`,
      `${outcome.status}/${retry.status}`,
      '0',
    ]);
  });
});

describe('authorizer status cache under a DynamoDB outage', () => {
  it('keeps a decision read before the outage for the status-cache window, then throws', async () => {
    const s = scenario();
    const issued = await s.clean.create(s.caller, { description: 'cached', scopes: ['jobs:read'] });
    const authorizer = authorizerFor(s.faulty.store, s.clock, keys);
    expect((await authorizer.authorize(authRequest(issued.accessToken))).effect).toBe('allow');
    s.faulty.fail('BatchGetItemCommand', dynamoFaults['503 ServiceUnavailable']!);
    s.clock.advance(9_999);
    expect((await authorizer.authorize(authRequest(issued.accessToken))).effect).toBe('allow');
    s.clock.advance(1);
    await expect(authorizer.authorize(authRequest(issued.accessToken))).rejects.toBeInstanceOf(DependencyUnavailable);
    rows.push([
      'authorizer',
      '503 after a cached read',
      String(s.faulty.attempts.get('BatchGetItemCommand')),
      'cached 10 s, then threw',
      'deny',
      '-',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// KMS

describe.concurrent('KMS faults', () => {
  const kmsKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = kmsKey.publicKey.export({ format: 'der', type: 'spki' });
  const kmsErrors: Record<string, () => Error> = {
    KMSInternalException: () => new KMSInternalException({ message: 'internal', $metadata: metadata(500) }),
    ThrottlingException: () =>
      new KMSServiceException({ name: 'ThrottlingException', $fault: 'client', message: 'Rate exceeded', $metadata: metadata(400) }),
    DisabledException: () => new DisabledException({ message: 'key disabled', $metadata: metadata(400) }),
    KMSInvalidStateException: () => new KMSInvalidStateException({ message: 'pending deletion', $metadata: metadata(400) }),
    TimeoutError: () => Object.assign(new Error('socket timed out'), { name: 'TimeoutError' }),
  };

  function kmsRing() {
    const client = new KMSClient({ region: 'local' });
    const kms = mockClient(client);
    kms.on(GetPublicKeyCommand).resolves({ KeyId: 'key-1', PublicKey: new Uint8Array(spki), KeySpec: 'ECC_NIST_P256' });
    kms.on(SignCommand).callsFake(async (input: { Message: Uint8Array }) => ({
      KeyId: 'key-1',
      Signature: new Uint8Array(sign('sha256', Buffer.from(input.Message), { key: kmsKey.privateKey, dsaEncoding: 'der' })),
    }));
    return { kms, ring: new KmsKeyRing(client, ['key-1']) };
  }

  function kmsScenario() {
    const { kms, ring } = kmsRing();
    const s = scenario();
    const service = tokenService(shared.store, s.clock, { keys: ring as unknown as LocalKeyRing }).service;
    return { ...s, kms, ring, service };
  }

  for (const [name, error] of Object.entries(kmsErrors)) {
    it(`create with Sign failing (${name}) is 503 and writes nothing`, async () => {
      const s = kmsScenario();
      s.kms.on(SignCommand).rejects(error());
      const outcome = await viaHttp(() => s.service.create(s.caller, { description: 'kms', scopes: ['jobs:read'] }));
      expectUnavailable(outcome);
      expect(await s.ownItems()).toEqual([]);
      rows.push(['create', `KMS Sign ${name}`, '1', outcomeName(outcome.error), String(outcome.status), '0']);
    });
  }

  it('refresh with Sign failing is 503: old token active, no successor', async () => {
    const s = kmsScenario();
    const issued = await s.service.create(s.caller, { description: 'kms refresh', scopes: ['jobs:read'] });
    const before = await s.ownItems();
    s.kms.on(SignCommand).rejects(kmsErrors.KMSInternalException!());
    const outcome = await viaHttp(() => s.service.refresh(issued.refreshKey));
    expectUnavailable(outcome);
    expect(await s.ownItems()).toEqual(before);
    rows.push(['refresh', 'KMS Sign KMSInternalException', '1', outcomeName(outcome.error), String(outcome.status), '0']);
  });

  it('a Sign answer without a signature is 503, not a token', async () => {
    const s = kmsScenario();
    s.kms.on(SignCommand).resolves({ KeyId: 'key-1' });
    const outcome = await viaHttp(() => s.service.create(s.caller, { description: 'kms empty', scopes: ['jobs:read'] }));
    expectUnavailable(outcome);
    expect(await s.ownItems()).toEqual([]);
    rows.push(['create', 'KMS Sign without Signature', '1', outcomeName(outcome.error), String(outcome.status), '0']);
  });

  it('create with GetPublicKey failing is 503 and writes nothing', async () => {
    const s = kmsScenario();
    s.kms.on(GetPublicKeyCommand).rejects(kmsErrors.ThrottlingException!());
    const outcome = await viaHttp(() => s.service.create(s.caller, { description: 'kms kid', scopes: ['jobs:read'] }));
    expectUnavailable(outcome);
    expect(await s.ownItems()).toEqual([]);
    rows.push(['create', 'KMS GetPublicKey ThrottlingException', '1', outcomeName(outcome.error), String(outcome.status), '0']);
  });

  it('the authorizer throws while the public key cannot be fetched, and recovers once KMS answers (a failure is not cached)', async () => {
    const s = kmsScenario();
    const issued = await s.service.create(s.caller, { description: 'kms authz', scopes: ['jobs:read'] });
    const { kms, ring } = kmsRing();
    kms.on(GetPublicKeyCommand).rejects(kmsErrors.KMSInternalException!());
    const authorizer = authorizerFor(shared.store, s.clock, ring as unknown as LocalKeyRing, {
      verifier: new FastJwtVerifier(ring, { issuer: ISSUER, clock: s.clock, allowNoExpiry: false }),
    });
    await expect(authorizer.authorize(authRequest(issued.accessToken))).rejects.toBeInstanceOf(DependencyUnavailable);
    kms.on(GetPublicKeyCommand).resolves({ KeyId: 'key-1', PublicKey: new Uint8Array(spki), KeySpec: 'ECC_NIST_P256' });
    expect((await authorizer.authorize(authRequest(issued.accessToken))).effect).toBe('allow');
    rows.push(['authorizer', 'KMS GetPublicKey KMSInternalException', '1', 'threw, then allowed after recovery', 'deny', '-']);
  });
});

// ---------------------------------------------------------------------------------------------
// Regressions of findings this suite made (and that were fixed): each would fail again without its fix.

describe.concurrent('faults: fixed findings', () => {
  for (const [useCase, codes] of [
    ['refresh', ['TransactionConflict', 'None', 'None', 'None']],
    ['create', ['None', 'TransactionConflict', 'None']],
    ['revoke', ['TransactionConflict', 'None']],
  ] as const) {
    it(`fixed faults-1: ${useCase} cancelled for TransactionConflict (a concurrent transaction on the item) is 409 or 503, not a 500`, async () => {
      const s = scenario();
      const issued = await s.clean.create(s.caller, { description: 'conflicted', scopes: ['jobs:read'] });
      const before = await s.ownItems();
      s.faulty.fail('TransactWriteItemsCommand', cancelled(...codes));
      const outcome = await viaHttp(() =>
        useCase === 'refresh'
          ? s.service.refresh(issued.refreshKey)
          : useCase === 'create'
            ? s.service.create(s.caller, { description: 'another', scopes: ['jobs:read'] })
            : s.service.revoke(s.caller, issued.id),
      );
      expect(await s.ownItems()).toEqual(before);
      rows.push([useCase, `TransactionCanceled [${codes.join(', ')}]`, '1', outcomeName(outcome.error), String(outcome.status), '0']);
      expect([409, 503]).toContain(outcome.status);
    });
  }

  it('fixed faults-2: a DynamoDB endpoint that accepts connections and never answers fails the call within 6 s (the production client sets no timeout)', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const client = dynamoClient(`http://127.0.0.1:${(silent.address() as { port: number }).port}`);
    const store = new DynamoTokenStore(client, { tableName: shared.tableName, retentionDays: 30 });
    const started = Date.now();
    try {
      const settled = await Promise.race([
        store.get('0'.repeat(32)).then(
          () => 'answered',
          (error: unknown) => (error instanceof DependencyUnavailable ? 'unavailable' : 'other error'),
        ),
        new Promise<string>((resolve) => setTimeout(() => resolve('still waiting'), 6_000)),
      ]);
      rows.push([
        'any (GetItem)',
        'endpoint never answers',
        '-',
        `${settled} after ${Math.round((Date.now() - started) / 1000)} s`,
        settled === 'unavailable' ? '503' : 'hangs',
        '-',
      ]);
      expect(settled).toBe('unavailable');
    } finally {
      client.destroy();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  }, 15_000);
});

import { createServer, type Server, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { dynamoClient } from '../../functions/adapters/aws-clients';
import { DynamoTokenStore } from '../support/dynamo-token-store';
import { DependencyUnavailable } from '../../functions/domain/errors';
import { authorizerFor } from '../support/fixtures';
import { authRequest, cancelled, dynamoFaults, expectUnavailable, faultSuite, keys, outcomeName, viaHttp } from './support/fault-injection';

/**
 * DynamoDB refusing a condition, cancelling a transaction, or committing and losing the answer:
 * 409 where a lost race is the truth, 401 where the credential is gone, the committed rotation
 * replayed or answered again within the leeway, and never a half-write or a 500.
 */

const { rows, scenario, table: faultTable } = faultSuite('conditions and ambiguous commits');

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
    const store = new DynamoTokenStore(client, { tableName: faultTable().tableName, retentionDays: 30 });
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

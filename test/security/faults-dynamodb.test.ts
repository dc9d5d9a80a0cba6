import { describe, expect, it } from 'vitest';
import { DependencyUnavailable } from '../../functions/domain/errors';
import { authorizerFor } from '../support/fixtures';
import { authRequest, dynamoFaults, expectUnavailable, faultSuite, keys, outcomeName, viaHttp } from './support/fault-injection';

/**
 * DynamoDB failing outright (throttling, 500, 503, timeouts), injected inside the SDK's retry loop
 * into the real DynamoTokenStore: every management use case answers 503 `unavailable` through the
 * shared HTTP error map and writes nothing (checked by reading the table); the authorizer throws
 * (API Gateway then lets nobody in), except for a decision its status cache already holds.
 */

const { rows, scenario } = faultSuite('DynamoDB outages');

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

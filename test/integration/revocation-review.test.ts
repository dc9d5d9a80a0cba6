import { beforeAll, describe, expect, it } from 'vitest';
import { DependencyUnavailable } from '../../functions/domain/errors';
import { DynamoTokenStore } from '../support/dynamo-token-store';
import { DynamoRevocationFeed } from '../../functions/adapters/dynamodb/dynamo-revocation-feed';
import { DynamoTable } from '../../functions/adapters/dynamodb/dynamo-table';
import { defaultFlushTiming } from '../../functions/domain/revocation-feed';
import type { AuthorizeRequest, AuthorizerOptions } from '../../functions/service/authorize';
import { FeedWatcher } from '../../functions/service/revocation-watch';
import { freshTable } from '../support/dynamo';
import { authorizerFor, ManualClock, tokenService, user } from '../support/fixtures';

/**
 * Attacks on the 5 s revocation bound (issue 14) with the real Authorizer, feed and token store on
 * DynamoDB Local. The stage flusher flushes API Gateway's cache `settleMs` after it sees a change at
 * the earliest; an allow the authorizer hands back after that instant, decided on a status the
 * change made stale, is cached by API Gateway for the whole result TTL (300 s) and no later flush
 * is coming.
 */
let table: Awaited<ReturnType<typeof freshTable>>;
const FEED_POLL_MS = 1_000;

beforeAll(async () => {
  table = await freshTable('revreview');
});

const request = (token: string): AuthorizeRequest => ({
  authorization: `Bearer ${token}`,
  sourceIp: '203.0.113.10',
  method: 'GET',
  resource: '/api/candidates',
});

async function setup(
  store: (real: DynamoTokenStore, clock: ManualClock) => AuthorizerOptions['store'],
  options: Partial<AuthorizerOptions> = {},
) {
  const clock = new ManualClock();
  // Feed entries are stamped by the store's clock: the test's, like every other instant here.
  const real = new DynamoTokenStore(table.client, { tableName: table.tableName, retentionDays: 30, clock });
  const { service, keys } = tokenService(real, clock);
  const owner = user(`u${Math.random().toString(16).slice(2, 10)}`);
  const victim = await service.create(owner, { description: 'victim', scopes: ['candidates:read'] });
  const bystander = await service.create(owner, { description: 'bystander', scopes: ['candidates:read'] });
  const feed = new DynamoRevocationFeed(new DynamoTable(table.client, { tableName: table.tableName, retentionDays: 30 }));
  const authorizer = authorizerFor(store(real, clock), clock, keys, {
    feed: { watcher: new FeedWatcher(feed, FEED_POLL_MS), log: feed, statusCacheMs: 300_000, resultCacheMs: 300_000 },
    ...options,
  });
  return { clock, service, owner, victim, bystander, authorizer };
}

describe('revocation review: a decision must not reach API Gateway after the flush it missed', () => {
  it('refuses a revoked token whose decision was held up by a slow lastUsedAt write past the flusher settle time', async () => {
    let slowWrites = false;
    const t = await setup(
      (real, clock) => ({
        getWithFamily: (id, familyId) => real.getWithFamily(id, familyId),
        recordDenial: (denial) => real.recordDenial(denial),
        // DynamoDB throttling or a timed-out attempt retried by the SDK: the write takes 2 s.
        recordUse: async (id, at, ips) => {
          if (slowWrites) clock.advance(2_000);
          return real.recordUse(id, at, ips);
        },
      }),
      { lastUsedIntervalMs: 2_000 },
    );
    expect((await t.authorizer.authorize(request(t.victim.accessToken))).effect).toBe('allow');
    t.clock.advance(1_500);
    // Another token's request keeps the container's feed view current.
    expect((await t.authorizer.authorize(request(t.bystander.accessToken))).effect).toBe('allow');
    t.clock.advance(500);
    const revokedAt = t.clock.now();
    await t.service.revoke(t.owner, t.victim.id);
    t.clock.advance(400);
    slowWrites = true;
    const decision = await t.authorizer.authorize(request(t.victim.accessToken));
    // The answer leaves the authorizer after the earliest flush: an allow here would be cached 300 s.
    expect(t.clock.now() - revokedAt).toBeGreaterThanOrEqual(defaultFlushTiming.settleMs);
    expect(decision.effect).toBe('unauthorized');
  });

  it('does not keep a status read that overlapped a feed read naming its token (concurrent requests, the local front)', async () => {
    let hold: Promise<void> | undefined;
    const t = await setup((real) => ({
      // The read is served before the revocation commits; its answer arrives after another
      // request has read the feed entry that announces the revocation.
      getWithFamily: async (id, familyId) => {
        const read = await real.getWithFamily(id, familyId);
        await hold;
        return read;
      },
      recordDenial: (denial) => real.recordDenial(denial),
      recordUse: (id, at, ips) => real.recordUse(id, at, ips),
    }));
    expect((await t.authorizer.authorize(request(t.bystander.accessToken))).effect).toBe('allow');
    t.clock.advance(100);
    let release!: () => void;
    hold = new Promise((resolve) => (release = resolve));
    const slow = t.authorizer.authorize(request(t.victim.accessToken));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await t.service.revoke(t.owner, t.victim.id);
    t.clock.advance(1_100);
    hold = undefined;
    expect((await t.authorizer.authorize(request(t.bystander.accessToken))).effect).toBe('allow');
    release();
    await slow;
    t.clock.advance(100);
    // Well past the flush: this container must not answer from the pre-revocation read for 300 s.
    expect((await t.authorizer.authorize(request(t.victim.accessToken))).effect).toBe('unauthorized');
    t.clock.advance(60_000);
    expect((await t.authorizer.authorize(request(t.victim.accessToken))).effect).toBe('unauthorized');
  });
});

describe('revocation review: every change is read by the feed readers, however long the operation ran', () => {
  it('refuses, within the bound, the last token revoked by a long revoke-outside-policy (its entry must not be stamped with the start of the run)', async () => {
    const clock = new ManualClock();
    const tenant = `t${Math.random().toString(16).slice(2, 10)}`;
    // The store stamps feed entries with this clock, as the deployed one does with the system clock.
    const real = new DynamoTokenStore(table.client, { tableName: table.tableName, retentionDays: 30, clock });
    // Each family revocation of a big tenant takes a while (mark, member sweep, audit listing): 8 s here.
    const slow = new Proxy(real, {
      get(target, name, receiver) {
        if (name === 'revokeFamily') {
          return async (...args: Parameters<typeof real.revokeFamily>) => {
            clock.advance(8_000);
            return target.revokeFamily(...args);
          };
        }
        const value = Reflect.get(target, name, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const { service, keys } = tokenService(slow, clock);
    const admin = user('admin', tenant, true);
    const issued: Awaited<ReturnType<typeof service.create>>[] = [];
    for (let index = 0; index < 3; index++)
      issued.push(await service.create(user(`u${index}`, tenant), { description: `open ${index}`, scopes: ['candidates:read'] }));
    const feed = new DynamoRevocationFeed(new DynamoTable(table.client, { tableName: table.tableName, retentionDays: 30 }));
    const authorizer = authorizerFor(real, clock, keys, {
      feed: { watcher: new FeedWatcher(feed, FEED_POLL_MS), log: feed, statusCacheMs: 300_000, resultCacheMs: 300_000 },
    });
    for (const token of issued) expect((await authorizer.authorize(request(token.accessToken))).effect).toBe('allow');
    await service.setPolicy(admin, { requireIpRestriction: true });
    // The container keeps deciding through the run (its feed view stays current).
    const keepDeciding = setInterval(() => void authorizer.authorize(request(issued[0]!.accessToken)).catch(() => undefined), 5);
    try {
      const { revokedTokenIds } = await service.revokeOutsidePolicy(admin);
      expect(revokedTokenIds).toHaveLength(3);
    } finally {
      clearInterval(keepDeciding);
    }
    const done = clock.now();
    clock.advance(2_000);
    for (const token of issued)
      expect((await authorizer.authorize(request(token.accessToken))).effect, `${clock.now() - done} ms after the run`).toBe(
        'unauthorized',
      );
  });
});

describe('revocation review: the fallback while the feed cannot be read', () => {
  it('still decides on a fresh status read when every feed read fails slowly (it must not fail closed for it)', async () => {
    const clock = new ManualClock();
    const real = new DynamoTokenStore(table.client, { tableName: table.tableName, retentionDays: 30, clock });
    const { service, keys } = tokenService(real, clock);
    const issued = await service.create(user('fallback'), { description: 'fallback', scopes: ['candidates:read'] });
    // A timed-out Query retried by the SDK: 1.5 s, then a failure.
    const failing = {
      read: async () => {
        clock.advance(1_500);
        throw new Error('TimeoutError');
      },
      readDue: async () => [],
      append: async () => undefined,
    };
    const authorizer = authorizerFor(real, clock, keys, {
      feed: { watcher: new FeedWatcher(failing, FEED_POLL_MS), log: failing, statusCacheMs: 300_000, resultCacheMs: 300_000 },
    });
    expect((await authorizer.authorize(request(issued.accessToken))).effect).toBe('allow');
    await service.revoke(user('fallback'), issued.id);
    clock.advance(100);
    expect((await authorizer.authorize(request(issued.accessToken))).effect).toBe('unauthorized');
  });
});

describe('revocation review: a container too slow to decide within its feed view', () => {
  it('fails closed (nothing for API Gateway to cache) rather than hand back an allow decided on a view older than the flusher settle time', async () => {
    const clock = new ManualClock();
    const real = new DynamoTokenStore(table.client, { tableName: table.tableName, retentionDays: 30, clock });
    const { service, keys } = tokenService(real, clock);
    const issued = await service.create(user('slow'), {
      description: 'slow',
      scopes: ['candidates:read'],
      expiresAt: new Date(clock.now() + 86_400_000).toISOString(),
    });
    const feed = new DynamoRevocationFeed(new DynamoTable(table.client, { tableName: table.tableName, retentionDays: 30, clock }));
    // Every `due` write times out after 1.5 s: each round of the decision ends too late.
    const log = {
      append: async () => {
        clock.advance(1_500);
        throw new Error('TimeoutError');
      },
    };
    const authorizer = authorizerFor(real, clock, keys, {
      feed: { watcher: new FeedWatcher(feed, FEED_POLL_MS), log, statusCacheMs: 300_000, resultCacheMs: 300_000 },
    });
    clock.advance(86_400_000 - 100_000); // the token ends inside the result TTL: its decision needs a due entry
    await expect(authorizer.authorize(request(issued.accessToken))).rejects.toBeInstanceOf(DependencyUnavailable);
  });
});

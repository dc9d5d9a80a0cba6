import { describe, expect, it, vi } from 'vitest';
import type { DeniedAuthorization } from '../../functions/domain/audit';
import { DependencyUnavailable } from '../../functions/domain/errors';
import { MAX_TOKEN_LENGTH } from '../../functions/domain/jws-form';
import type { FeedEntry } from '../../functions/domain/revocation-feed';
import type { ResolvedRoute } from '../../functions/domain/routes';
import type { TokenFamily, TokenRecord } from '../../functions/domain/token';
import {
  type AccessTokenVerifier,
  type AuthorizeRequest,
  Authorizer,
  type AuthorizerOptions,
  type VerifiedClaims,
} from '../../functions/service/authorize';
import { FeedWatcher } from '../../functions/service/revocation-watch';
import { ManualClock } from '../support/fixtures';

// The authorizer's decision (functions/service/authorize.ts) over in-memory ports: a verifier that
// answers from a table (the signature checks are the verifier's own tests), a store of records and
// families that counts its reads and writes, a clock the test moves, and a revocation feed in memory.
const routes: ResolvedRoute[] = [
  { method: 'GET', resource: '/api/jobs', scope: 'jobs:read' },
  { method: 'POST', resource: '/api/jobs', scope: 'jobs:write' },
  { method: 'GET', resource: '/api/candidates', scope: 'candidates:read' },
];

const TOKEN = 'header.payload.signature';
const tokenId = '0123456789abcdef0123456789abcdef';
const familyId = 'fedcba9876543210fedcba9876543210';

class TableVerifier implements AccessTokenVerifier {
  readonly seen: string[] = [];
  readonly answers = new Map<string, Awaited<ReturnType<AccessTokenVerifier['verify']>>>();
  async verify(token: string) {
    this.seen.push(token);
    return this.answers.get(token) ?? { ok: false as const, reason: 'bad_signature' as const };
  }
  accept(token: string, claims: Partial<VerifiedClaims> = {}) {
    this.answers.set(token, {
      ok: true,
      claims: { jti: tokenId, fid: familyId, sub: 'alice', tid: 'acme', scope: 'jobs:read', ...claims },
    });
  }
}

class MemoryStatusStore {
  readonly records = new Map<string, TokenRecord>();
  readonly families = new Map<string, TokenFamily>();
  readonly uses: { id: string; at: number; lastUsedIps: string[] }[] = [];
  readonly denials: DeniedAuthorization[] = [];
  reads = 0;
  failWrites = false;
  /** Runs while a read is out (a slow DynamoDB, another request). */
  duringRead: () => void | Promise<void> = () => {};

  async getWithFamily(id: string, family?: string) {
    this.reads++;
    await this.duringRead();
    return { record: this.records.get(id), family: family === undefined ? undefined : this.families.get(family) };
  }
  async recordUse(id: string, at: number, lastUsedIps: string[]) {
    if (this.failWrites) throw new Error('ProvisionedThroughputExceededException');
    this.uses.push({ id, at, lastUsedIps });
  }
  async recordDenial(denial: DeniedAuthorization) {
    if (this.failWrites) throw new Error('ProvisionedThroughputExceededException');
    this.denials.push(denial);
  }
}

function tokenRecord(change: Partial<TokenRecord> = {}): TokenRecord {
  return {
    id: tokenId,
    tenant: 'acme',
    owner: 'alice',
    createdBy: 'alice',
    description: 'CI',
    scopes: ['jobs:read'],
    allowedIps: [],
    createdAt: Date.UTC(2026, 10, 1),
    expiresAt: Date.UTC(2027, 10, 1),
    state: 'active',
    familyId,
    generation: 1,
    refreshKeyHash: '00'.repeat(32),
    ...change,
  };
}

function setup(options: Partial<AuthorizerOptions> = {}, record: Partial<TokenRecord> | null = {}) {
  const clock = new ManualClock();
  const verifier = new TableVerifier();
  const store = new MemoryStatusStore();
  verifier.accept(TOKEN);
  if (record !== null) store.records.set(tokenId, tokenRecord(record));
  store.families.set(familyId, { id: familyId, tenant: 'acme', owner: 'alice', state: 'live', headId: tokenId, generation: 1 });
  const usageErrors: string[] = [];
  const authorizer = new Authorizer({
    verifier,
    store,
    clock,
    routes,
    statusCacheMs: 10_000,
    lastUsedIntervalMs: 60_000,
    onUsageWriteError: (_error, id) => usageErrors.push(id),
    ...options,
  });
  const request = (change: Partial<AuthorizeRequest> = {}) =>
    authorizer.authorize({ authorization: `Bearer ${TOKEN}`, sourceIp: '10.1.2.3', method: 'GET', resource: '/api/jobs', ...change });
  return { clock, verifier, store, authorizer, request, usageErrors };
}

describe('the Authorization header', () => {
  it.each([
    ['no header', undefined],
    ['another scheme', `Basic ${TOKEN}`],
    ['a bearer with no token', 'Bearer '],
    ['a token with a space in it', 'Bearer abc def'],
    ['a token with a character no JWS has', 'Bearer abc,def'],
  ])('refuses %s as malformed, without verifying anything', async (_name, authorization) => {
    const { request, verifier } = setup();

    expect(await request({ authorization })).toStrictEqual({ effect: 'unauthorized', reason: 'malformed_header' });
    expect(verifier.seen).toEqual([]);
  });

  it('reads the scheme in any case and ignores surrounding spaces', async () => {
    const { request, verifier } = setup();

    expect((await request({ authorization: `  bEaReR ${TOKEN}  ` })).effect).toBe('allow');
    expect(verifier.seen).toEqual([TOKEN]);
  });

  it('verifies a header of the longest length a token may have, and refuses one character more unread', async () => {
    const { request, verifier } = setup();
    const longest = `Bearer ${'a'.repeat(MAX_TOKEN_LENGTH - 'Bearer '.length)}`;

    await request({ authorization: longest });
    expect(verifier.seen).toHaveLength(1);

    expect(await request({ authorization: `${longest}a` })).toStrictEqual({ effect: 'unauthorized', reason: 'malformed_header' });
    expect(verifier.seen).toHaveLength(1);
  });
});

describe("the verifier's refusal", () => {
  it('is a 401 with its reason and, for the log, its detail', async () => {
    const { request, verifier, store } = setup();
    verifier.answers.set(TOKEN, { ok: false, reason: 'wrong_algorithm', detail: 'alg HS256' });

    expect(await request()).toStrictEqual({ effect: 'unauthorized', reason: 'wrong_algorithm', detail: 'alg HS256' });
    expect(store.reads).toBe(0);
  });

  it('carries no detail field when the verifier gave none', async () => {
    const { request, verifier } = setup();
    verifier.answers.set(TOKEN, { ok: false, reason: 'expired' });

    expect(await request()).toStrictEqual({ effect: 'unauthorized', reason: 'expired' });
  });
});

describe('the token record', () => {
  it('refuses a signed token with no record as unknown', async () => {
    const { request } = setup({}, null);

    expect(await request()).toStrictEqual({ effect: 'unauthorized', reason: 'unknown_token', tokenId });
  });

  it.each([
    ['another tenant', { tid: 'globex' }],
    ['another owner', { sub: 'mallory' }],
    ['another family', { fid: '11111111111111111111111111111111' }],
  ])('refuses claims that name %s than the record', async (_name, claims) => {
    const { request, verifier } = setup();
    verifier.accept(TOKEN, claims);

    expect(await request()).toStrictEqual({ effect: 'unauthorized', reason: 'claims_mismatch', tokenId });
  });

  it('accepts claims without a family (tokens issued before families were items)', async () => {
    const { request, verifier } = setup();
    verifier.accept(TOKEN, { fid: undefined });

    expect((await request()).effect).toBe('allow');
  });

  it('refuses a record that expired, from its expiry millisecond on, and records the denial', async () => {
    const { request, clock, store } = setup({}, { expiresAt: Date.UTC(2026, 10, 23, 12, 0, 1) });

    expect((await request()).effect).toBe('allow');
    clock.advance(1000);
    expect(await request()).toStrictEqual({ effect: 'unauthorized', reason: 'expired', tokenId });
    expect(store.denials).toEqual([
      { tokenId, tenant: 'acme', owner: 'alice', reasons: ['revoked_or_expired'], sourceIp: '10.1.2.3', at: clock.now(), count: 1 },
    ]);
  });

  it('refuses a revoked record as revoked, and a pending one as pending', async () => {
    expect(await setup({}, { state: 'revoked', revokeReason: 'revoked' }).request()).toMatchObject({ reason: 'revoked' });
    expect(await setup({}, { state: 'pending' }).request()).toMatchObject({ reason: 'pending' });
  });

  it('refuses an active member of a revoked family as revoked', async () => {
    const { request, store } = setup();
    store.families.set(familyId, { ...store.families.get(familyId)!, state: 'revoked', revokeReason: 'reuse_detected' });

    expect(await request()).toMatchObject({ effect: 'unauthorized', reason: 'revoked' });
  });

  it('lets a rotated token in during its grace, and until its grace only', async () => {
    const graceUntil = new ManualClock().now() + 60_000;
    const { request } = setup({}, { state: 'revoked', revokeReason: 'rotated', graceUntil });

    expect(await request()).toMatchObject({ effect: 'allow', validUntil: graceUntil });
  });
});

describe('the decision', () => {
  it('allows a route the record scopes cover, naming the principal from the record, not the claim', async () => {
    const { request, verifier } = setup({}, { scopes: ['jobs:read', 'jobs:write'] });
    verifier.accept(TOKEN, { scope: '*' });

    expect(await request()).toStrictEqual({
      effect: 'allow',
      principal: { tokenId, owner: 'alice', tenant: 'acme', scopes: ['jobs:read', 'jobs:write'] },
      allowedRoutes: [routes[0], routes[1]],
      validUntil: Date.UTC(2027, 10, 1),
    });
  });

  it('reads the method in any case', async () => {
    expect((await setup().request({ method: 'get' })).effect).toBe('allow');
  });

  it('forbids a route the scopes do not cover, and records the denial', async () => {
    const { request, store, clock } = setup();

    expect(await request({ method: 'POST' })).toMatchObject({ effect: 'forbidden', reason: 'scope', allowedRoutes: [routes[0]] });
    expect(await request({ resource: '/api/candidates' })).toMatchObject({ effect: 'forbidden', reason: 'scope' });
    expect(store.denials).toEqual([
      { tokenId, tenant: 'acme', owner: 'alice', reasons: ['scope'], sourceIp: '10.1.2.3', at: clock.now(), count: 1 },
    ]);
  });

  it('ends the decision at the claim exp when it comes before the record expiry', async () => {
    const { request, verifier } = setup();
    verifier.accept(TOKEN, { exp: Date.UTC(2027, 0, 1) / 1000 });

    expect(await request()).toMatchObject({ validUntil: Date.UTC(2027, 0, 1) });
  });

  it('never ends the decision of a token without expiry', async () => {
    expect(await setup({}, { expiresAt: null }).request()).toMatchObject({ effect: 'allow', validUntil: Number.POSITIVE_INFINITY });
  });
});

describe('source addresses', () => {
  it('allows an address inside the record IP entries', async () => {
    expect((await setup({}, { allowedIps: ['10.0.0.0/8'] }).request({ sourceIp: '10.200.0.1' })).effect).toBe('allow');
  });

  it('forbids an address outside them, records the denial, and records no use', async () => {
    const { request, store } = setup({}, { allowedIps: ['10.0.0.0/8'] });

    expect(await request({ sourceIp: '192.168.0.1' })).toMatchObject({ effect: 'forbidden', reason: 'ip', allowedRoutes: [routes[0]] });
    expect(store.denials.map((denial) => [denial.reasons, denial.sourceIp])).toEqual([[['ip'], '192.168.0.1']]);
    expect(store.uses).toEqual([]);
  });
});

describe('usage records', () => {
  it('writes the first use at once, then at most once per interval', async () => {
    const { request, store, clock } = setup();
    const start = clock.now();

    await request();
    clock.advance(59_999);
    await request();
    clock.advance(1);
    await request();

    expect(store.uses).toEqual([
      { id: tokenId, at: start, lastUsedIps: ['10.1.2.3'] },
      { id: tokenId, at: start + 60_000, lastUsedIps: ['10.1.2.3'] },
    ]);
  });

  it('keeps the last five distinct addresses, newest first', async () => {
    const { request, store } = setup({}, { lastUsedIps: ['10.0.0.1', '10.0.0.2', '10.1.2.3', '10.0.0.4', '10.0.0.5', '10.0.0.6'] });

    await request({ sourceIp: '10.1.2.3' });

    expect(store.uses[0]?.lastUsedIps).toEqual(['10.1.2.3', '10.0.0.1', '10.0.0.2', '10.0.0.4', '10.0.0.5']);
  });

  it('reports a failed usage write and still allows', async () => {
    const { request, store, usageErrors } = setup();
    store.failWrites = true;

    expect((await request()).effect).toBe('allow');
    expect(usageErrors).toEqual([tokenId]);
  });
});

describe('failed writes without an error callback', () => {
  it('still answer', async () => {
    const { request, store } = setup({ onUsageWriteError: undefined }, { allowedIps: ['10.0.0.0/8'] });
    store.failWrites = true;

    expect((await request()).effect).toBe('allow');
    expect(await request({ sourceIp: '192.168.0.1' })).toMatchObject({ effect: 'forbidden', reason: 'ip' });
  });
});

describe('denial records', () => {
  it('writes the first denial at once, folds the next ones, and writes them with their reasons after the flush interval', async () => {
    const { request, store, clock } = setup({}, { allowedIps: ['10.0.0.0/8'] });
    const start = clock.now();

    await request({ sourceIp: '192.168.0.1' });
    clock.advance(5_000);
    await request({ sourceIp: '192.168.0.2' });
    await request({ sourceIp: '10.0.0.1', method: 'POST' });
    clock.advance(4_999);
    await request({ sourceIp: '192.168.0.3' });
    expect(store.denials).toHaveLength(1);
    clock.advance(1);
    await request({ sourceIp: '192.168.0.4' });

    expect(store.denials).toEqual([
      { tokenId, tenant: 'acme', owner: 'alice', reasons: ['ip'], sourceIp: '192.168.0.1', at: start, count: 1 },
      { tokenId, tenant: 'acme', owner: 'alice', reasons: ['ip', 'scope'], sourceIp: '192.168.0.4', at: start + 10_000, count: 4 },
    ]);
  });

  it('follows a configured flush interval', async () => {
    const { request, store, clock } = setup({ denialFlushMs: 1_000 }, { allowedIps: ['10.0.0.0/8'] });

    await request({ sourceIp: '192.168.0.1' });
    clock.advance(1_000);
    await request({ sourceIp: '192.168.0.1' });

    expect(store.denials.map((denial) => denial.count)).toEqual([1, 1]);
  });

  it('reports a failed denial write and still answers', async () => {
    const { request, store, usageErrors } = setup({}, { state: 'revoked', revokeReason: 'revoked' });
    store.failWrites = true;

    expect(await request()).toMatchObject({ reason: 'revoked' });
    expect(usageErrors).toEqual([tokenId]);
  });
});

describe('the status cache without a feed', () => {
  it('trusts a record read for statusCacheMs, then reads it again', async () => {
    const { request, store, clock } = setup();

    await request();
    store.records.set(tokenId, tokenRecord({ state: 'revoked', revokeReason: 'revoked' }));
    clock.advance(9_999);
    expect((await request()).effect).toBe('allow');
    expect(store.reads).toBe(1);

    clock.advance(1);
    expect(await request()).toMatchObject({ reason: 'revoked' });
    expect(store.reads).toBe(2);
  });

  it('returns a decision at once, however long the read took', async () => {
    const { request, store, clock } = setup();
    store.duringRead = () => clock.advance(60_000);

    expect((await request()).effect).toBe('allow');
  });
});

describe('the status cache with the revocation feed', () => {
  function withFeed(record: Partial<TokenRecord> = {}, change: { resultCacheMs?: number } = {}) {
    const entries: FeedEntry[] = [];
    const appended: FeedEntry[] = [];
    const feedErrors: unknown[] = [];
    let failAppends = false;
    let failReads = false;
    const reads = { count: 0, during: () => {} };
    const feed = {
      read: async (from: number, to: number) => {
        reads.count++;
        reads.during();
        if (failReads) throw new Error('ProvisionedThroughputExceededException');
        return entries.filter((entry) => entry.at >= from && entry.at <= to);
      },
      readDue: async () => [],
      append: async (entry: FeedEntry) => {
        if (failAppends) throw new Error('ConditionalCheckFailed');
        appended.push(entry);
      },
    };
    const watcher = new FeedWatcher(feed, 1_000);
    const context = setup(
      {
        feed: {
          watcher,
          log: feed,
          statusCacheMs: 300_000,
          resultCacheMs: change.resultCacheMs ?? 300_000,
          onFeedError: (error) => feedErrors.push(error),
        },
      },
      record,
    );
    return {
      ...context,
      entries,
      appended,
      feedErrors,
      feedReads: reads,
      failAppends: (fail: boolean) => (failAppends = fail),
      failReads: (fail: boolean) => (failReads = fail),
    };
  }

  it('trusts a status for the long cache while the feed is read', async () => {
    const { request, store, clock } = withFeed();

    await request();
    for (let i = 0; i < 5; i++) {
      clock.advance(5_000);
      await request();
    }

    expect(store.reads).toBe(1);
  });

  it('drops the status of a token the feed names, and reads it again', async () => {
    const { request, store, clock, entries } = withFeed();
    await request();
    clock.advance(2_000);
    await request();

    store.records.set(tokenId, tokenRecord({ state: 'revoked', revokeReason: 'revoked' }));
    entries.push({ id: 'e1', at: clock.now(), kind: 'revoked', tokenId });
    clock.advance(1_000);

    expect(await request()).toMatchObject({ reason: 'revoked' });
    expect(store.reads).toBe(2);
  });

  it('drops the status of every member of a family the feed names', async () => {
    const { request, store, clock, entries } = withFeed();
    await request();
    clock.advance(2_000);
    await request();

    store.families.set(familyId, { ...store.families.get(familyId)!, state: 'revoked', revokeReason: 'leaked' });
    entries.push({ id: 'e1', at: clock.now(), kind: 'revoked', familyId });
    clock.advance(1_000);

    expect(await request()).toMatchObject({ reason: 'revoked' });
  });

  it('keeps the status of a token the feed does not name', async () => {
    const { request, store, clock, entries } = withFeed();
    await request();
    clock.advance(2_000);
    await request();

    entries.push({ id: 'e1', at: clock.now(), kind: 'revoked', tokenId: 'ffffffffffffffffffffffffffffffff', familyId: 'other' });
    clock.advance(1_000);
    await request();

    expect(store.reads).toBe(1);
  });

  it('drops every status after a gap in its view of the feed', async () => {
    const { request, store, clock } = withFeed();
    await request();

    clock.advance(20_000);
    await request();

    expect(store.reads).toBe(2);
  });

  it('reads the record for every decision while the feed cannot be read', async () => {
    const { request, store, clock, feedReads, failReads } = withFeed();
    await request();
    failReads(true);

    clock.advance(1_000);
    await request();
    clock.advance(1_000);
    await request();

    expect(store.reads).toBe(3);
    expect(feedReads.count).toBe(3);
  });

  it('reads the feed at most once per poll interval', async () => {
    const { request, clock, feedReads } = withFeed();

    await request();
    clock.advance(999);
    await request();
    expect(feedReads.count).toBe(1);
    clock.advance(1);
    await request();
    expect(feedReads.count).toBe(2);
  });

  it('decides again on a fresh view when the decision outlived the poll interval, and fails closed after three rounds', async () => {
    const { request, clock, feedReads } = withFeed();
    await request();
    clock.advance(2_000);
    feedReads.during = () => clock.advance(1_000);

    await expect(request()).rejects.toThrow(new DependencyUnavailable('DynamoDB (decision outlived its revocation feed view)'));
    expect(feedReads.count).toBe(1 + 3);
  });

  it('answers a decision whose view is just younger than the poll interval', async () => {
    const { request, clock, feedReads } = withFeed();
    await request();
    clock.advance(2_000);
    feedReads.during = () => clock.advance(999);

    expect((await request()).effect).toBe('allow');
    expect(feedReads.count).toBe(1 + 1);
  });

  it('decides again when the status read took the poll interval, and then answers', async () => {
    const { request, store, clock, feedReads } = withFeed();
    let slow = true;
    store.duringRead = () => {
      if (slow) clock.advance(1_000);
      slow = false;
    };

    expect((await request()).effect).toBe('allow');
    expect(feedReads.count).toBe(2);
    expect(store.reads).toBe(1);
  });

  it('answers a refusal at once, however long its read took', async () => {
    const { request, store, clock, feedReads } = withFeed({ state: 'revoked', revokeReason: 'revoked' });
    store.duringRead = () => clock.advance(5_000);

    expect(await request()).toMatchObject({ reason: 'revoked' });
    expect(feedReads.count).toBe(1);
  });

  describe('due entries for decisions that end inside the result cache TTL', () => {
    const start = new ManualClock().now();

    it('announces the end of a token expiring within the TTL, once', async () => {
      const expiresAt = start + 120_000;
      const { request, appended } = withFeed({ expiresAt });

      await request();
      await request({ method: 'POST' });

      expect(appended).toEqual([{ id: `end:${tokenId}:${expiresAt}`, at: expiresAt, kind: 'due', tokenId }]);
    });

    it('announces nothing for a token that outlives the TTL, just', async () => {
      const { request, appended } = withFeed({ expiresAt: start + 300_000 });

      await request();

      expect(appended).toEqual([]);
    });

    it('announces one millisecond less than the TTL', async () => {
      const { request, appended } = withFeed({ expiresAt: start + 299_999 });

      await request();

      expect(appended).toHaveLength(1);
    });

    it('announces nothing for a token without expiry', async () => {
      const { request, appended } = withFeed({ expiresAt: null }, { resultCacheMs: Number.MAX_SAFE_INTEGER });

      await request();

      expect(appended).toEqual([]);
    });

    it('fails the decision closed when the append fails (nobody would end it at the token’s end), and appends on the next one', async () => {
      const { request, appended, feedErrors, failAppends } = withFeed({ expiresAt: start + 120_000 });
      failAppends(true);

      await expect(request()).rejects.toThrow(/unavailable/);
      expect(feedErrors).toHaveLength(1);
      failAppends(false);
      await request();

      expect(appended).toHaveLength(1);
    });

    it('fails closed when an append fails and nobody listens for feed errors', async () => {
      const watcher = new FeedWatcher({ read: async () => [], readDue: async () => [], append: async () => {} }, 1_000);
      const log = { append: async () => Promise.reject(new Error('ConditionalCheckFailed')) };
      const { request } = setup({ feed: { watcher, log, statusCacheMs: 300_000, resultCacheMs: 300_000 } }, { expiresAt: start + 120_000 });

      await expect(request()).rejects.toThrow(/unavailable/);
    });
  });
});

describe('bounded memory: each per-token map keeps at most 10 000 tokens', () => {
  const many = 10_001;
  const idOf = (n: number) => n.toString(16).padStart(32, '0');

  function crowd(record: Partial<TokenRecord> = {}) {
    const context = setup({}, null);
    for (let n = 0; n < many; n++) {
      const id = idOf(n);
      context.store.records.set(id, tokenRecord({ id, ...record }));
      context.verifier.accept(`t${n}`, { jti: id });
    }
    return context;
  }

  it('forgets the oldest cached status', async () => {
    const { request, store } = crowd();
    for (let n = 0; n < many; n++) await request({ authorization: `Bearer t${n}` });
    expect(store.reads).toBe(many);

    await request({ authorization: 'Bearer t1' });
    expect(store.reads).toBe(many);
    await request({ authorization: 'Bearer t0' });
    expect(store.reads).toBe(many + 1);
  });

  it('forgets the oldest usage write, so that token is written again', async () => {
    const { request, store } = crowd();
    for (let n = 0; n < many; n++) await request({ authorization: `Bearer t${n}` });

    await request({ authorization: 'Bearer t1' });
    expect(store.uses).toHaveLength(many);
    await request({ authorization: 'Bearer t0' });
    expect(store.uses).toHaveLength(many + 1);
  });

  it('forgets the oldest announced end, so that token is announced again', async () => {
    const context = setup({}, null);
    const appended: FeedEntry[] = [];
    const log = { read: async () => [], readDue: async () => [], append: async (entry: FeedEntry) => void appended.push(entry) };
    const authorizer = new Authorizer({
      verifier: context.verifier,
      store: context.store,
      clock: context.clock,
      routes,
      statusCacheMs: 10_000,
      lastUsedIntervalMs: 60_000,
      feed: { watcher: new FeedWatcher(log, 1_000), log, statusCacheMs: 300_000, resultCacheMs: 300_000 },
    });
    const expiresAt = context.clock.now() + 120_000;
    for (let n = 0; n < many; n++) {
      const id = idOf(n);
      context.store.records.set(id, tokenRecord({ id, expiresAt }));
      context.verifier.accept(`t${n}`, { jti: id });
    }
    const request = (n: number) =>
      authorizer.authorize({ authorization: `Bearer t${n}`, sourceIp: '10.1.2.3', method: 'GET', resource: '/api/jobs' });
    for (let n = 0; n < many; n++) await request(n);

    await request(1);
    expect(appended).toHaveLength(many);
    await request(0);
    expect(appended).toHaveLength(many + 1);
  });

  it('forgets the oldest pending denials, so that token is written again', async () => {
    const { request, store } = crowd({ state: 'revoked', revokeReason: 'revoked' });
    for (let n = 0; n < many; n++) await request({ authorization: `Bearer t${n}` });

    await request({ authorization: 'Bearer t1' });
    expect(store.denials).toHaveLength(many);
    await request({ authorization: 'Bearer t0' });
    expect(store.denials).toHaveLength(many + 1);
  });
});

describe('a status read overlapping a feed read of another request', () => {
  it.each([
    ['that dropped statuses, serves its own decision but is not cached', true, 1],
    ['that dropped nothing, is cached', false, 0],
  ])('%s', async (_name, otherChange, extraReads) => {
    const { request, store, clock, entries, verifier } = (() => {
      const entries: FeedEntry[] = [];
      const feed = {
        read: async (from: number, to: number) => entries.filter((e) => e.at >= from && e.at <= to),
        readDue: async () => [],
        append: vi.fn(),
      };
      const context = setup({ feed: { watcher: new FeedWatcher(feed, 1_000), log: feed, statusCacheMs: 300_000, resultCacheMs: 1 } });
      return { ...context, entries };
    })();
    await request();
    clock.advance(2_000);
    await request();
    expect(store.reads).toBe(1);

    // A second token's request reads the feed (which names the first token) while the first token's read is out.
    entries.push({ id: 'e1', at: clock.now(), kind: 'changed', tokenId });
    clock.advance(1_000);
    verifier.accept('other', { jti: 'ffffffffffffffffffffffffffffffff' });
    store.duringRead = async () => {
      store.duringRead = () => {};
      clock.advance(1);
      if (otherChange) entries.push({ id: 'e2', at: clock.now(), kind: 'changed', tokenId: 'ffffffffffffffffffffffffffffffff' });
      clock.advance(1_000);
      await request({ authorization: 'Bearer other' });
    };
    expect((await request()).effect).toBe('allow');
    const readsBefore = store.reads;
    clock.advance(1);
    await request();

    expect(store.reads).toBe(readsBefore + extraReads);
  });
});

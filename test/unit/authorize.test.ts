import { describe, expect, it } from 'vitest';
import { MAX_TOKEN_LENGTH } from '../../functions/domain/jws-form';
import type { FeedEntry } from '../../functions/domain/revocation-feed';
import { Authorizer } from '../../functions/service/authorize';
import { FeedWatcher } from '../../functions/service/revocation-watch';
import { ManualClock } from '../support/fixtures';
import { familyId, idOf, many, routes, setup, TOKEN, tokenId, tokenRecord, withFeed } from './authorize-fixtures';

// The authorizer's decision (functions/service/authorize.ts) over in-memory ports (authorize-fixtures.ts).
// Its status cache and its usage writes have files of their own: authorize-status-cache.test.ts, authorize-usage.test.ts.

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

describe('bounded memory', () => {
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
});

import { describe, expect, it } from 'vitest';
import { authorizerResultOf } from '../../functions/apigateway/authorizer-result';
import { routePolicyOf } from '../../functions/apigateway/route-policy';
import { defaultFlushTiming, type FeedEntry } from '../../functions/domain/revocation-feed';
import type { AccessTokenVerifier, Decision, Verification } from '../../functions/service/authorize';
import { FeedWatcher } from '../../functions/service/revocation-watch';
import { policyAllows } from '../../functions/local/policy-evaluation';
import { familyId, routes, setup, TOKEN, tokenId, tokenRecord, withFeed } from '../unit/authorize-fixtures';

// Review of the authorizer's per-container memories (service/status-cache.ts, usage-recorder.ts,
// lru-cache.ts, authorize.ts) and of the shared IAM result (apigateway/authorizer-result.ts), as a
// holder of one valid token of a tenant would try to get a cached decision reused where it must not be.
const routePolicy = routePolicyOf(routes);
const arn = (stage: string, method: string, path: string) =>
  `arn:aws:execute-api:eu-west-1:111122223333:abcdef1234/${stage}/${method}${path}`;
type Granted = Exclude<Decision, { effect: 'unauthorized' }>;
const granted = (decision: Decision): Granted => {
  if (decision.effect === 'unauthorized') throw new Error(`expected a policy, got ${decision.reason}`);
  return decision;
};

describe('the IP verdicts kept per token status (the last 8 addresses)', () => {
  const outside = Array.from({ length: 9 }, (_, n) => `198.51.100.${n + 1}`);

  it('judges each address on its own, whether its verdict was evicted by 9 others or kept', async () => {
    const { request, store } = setup({}, { allowedIps: ['10.1.2.0/24'] });

    expect((await request({ sourceIp: '10.1.2.3' })).effect).toBe('allow');
    for (const sourceIp of outside) expect(await request({ sourceIp })).toMatchObject({ effect: 'forbidden', reason: 'ip' });
    // 10.1.2.3 was evicted by the nine: judged again, still allowed; one of the nine is still refused.
    expect((await request({ sourceIp: '10.1.2.3' })).effect).toBe('allow');
    expect(await request({ sourceIp: outside[0] })).toMatchObject({ effect: 'forbidden', reason: 'ip' });
    expect(await request({ sourceIp: outside[8] })).toMatchObject({ effect: 'forbidden', reason: 'ip' });
    // Spellings of an allowed address that are not it are not it.
    for (const sourceIp of ['10.1.3.3', '10.1.2.3 ', '010.001.002.003', '::ffff:10.1.2.4x'])
      expect(await request({ sourceIp })).toMatchObject({ effect: 'forbidden', reason: 'ip' });
    expect(store.reads).toBe(1);
  });

  it('does not keep an allowed verdict past a narrowing the feed announces', async () => {
    const { request, store, clock, entries } = withFeed({ allowedIps: ['10.1.2.0/24'] });
    expect((await request({ sourceIp: '10.1.2.3' })).effect).toBe('allow');
    clock.advance(2_000);
    expect((await request({ sourceIp: '10.1.2.3' })).effect).toBe('allow');

    store.records.set(tokenId, tokenRecord({ allowedIps: ['10.1.2.200/32'] }));
    entries.push({ id: 'narrowed', at: clock.now(), kind: 'changed', tokenId });
    clock.advance(1_000);

    expect(await request({ sourceIp: '10.1.2.3' })).toMatchObject({ effect: 'forbidden', reason: 'ip' });
    expect((await request({ sourceIp: '10.1.2.200' })).effect).toBe('allow');
  });

  it('does not keep an allowed verdict past the short status cache without a feed', async () => {
    const { request, store, clock } = setup({}, { allowedIps: ['10.1.2.0/24'] });
    expect((await request({ sourceIp: '10.1.2.3' })).effect).toBe('allow');

    store.records.set(tokenId, tokenRecord({ allowedIps: ['10.1.2.200/32'] }));
    clock.advance(10_000);

    expect(await request({ sourceIp: '10.1.2.3' })).toMatchObject({ effect: 'forbidden', reason: 'ip' });
  });
});

describe('the IAM result shared between requests of one token status', () => {
  it('never hands one source address the result built for another (allow, refused IP, allow)', async () => {
    const { request } = setup({}, { allowedIps: ['10.1.2.0/24'] });
    const resultFor = async (sourceIp: string) =>
      authorizerResultOf(granted(await request({ sourceIp })), arn('prod', 'GET', '/api/jobs'), routePolicy);

    const inside = await resultFor('10.1.2.3');
    const refused = await resultFor('198.51.100.1');
    const insideAgain = await resultFor('10.1.2.4');

    expect(policyAllows(inside, arn('prod', 'GET', '/api/jobs'))).toBe(true);
    expect(policyAllows(refused, arn('prod', 'GET', '/api/jobs'))).toBe(false);
    expect(refused.context).toMatchObject({ deniedIp: 'true' });
    expect(policyAllows(insideAgain, arn('prod', 'GET', '/api/jobs'))).toBe(true);
    expect(insideAgain.context).not.toHaveProperty('deniedIp');
  });

  it('names the stage of each request, and grants no route the scopes lack on any method ARN', async () => {
    const { request } = setup();
    const decision = granted(await request());
    const prod = authorizerResultOf(decision, arn('prod', 'GET', '/api/jobs'), routePolicy);
    const test = authorizerResultOf(granted(await request()), arn('test', 'GET', '/api/jobs'), routePolicy);
    const scopeDenied = granted(await request({ method: 'POST' }));
    const prodAgain = authorizerResultOf(scopeDenied, arn('prod', 'POST', '/api/jobs'), routePolicy);

    expect(policyAllows(prod, arn('prod', 'GET', '/api/jobs'))).toBe(true);
    expect(policyAllows(prod, arn('test', 'GET', '/api/jobs'))).toBe(false);
    expect(policyAllows(test, arn('test', 'GET', '/api/jobs'))).toBe(true);
    expect(policyAllows(test, arn('prod', 'GET', '/api/jobs'))).toBe(false);
    for (const result of [prod, test, prodAgain]) {
      expect(policyAllows(result, arn('prod', 'POST', '/api/jobs'))).toBe(false);
      expect(policyAllows(result, arn('prod', 'GET', '/api/candidates'))).toBe(false);
    }
  });

  it('gives two tokens of two tenants with the same scopes their own principal', async () => {
    const { request, verifier, store } = setup();
    const other = 'ffffffffffffffffffffffffffffffff';
    store.records.set(other, tokenRecord({ id: other, tenant: 'globex', owner: 'mallory' }));
    verifier.accept('other', { jti: other, tid: 'globex', sub: 'mallory' });

    const ours = authorizerResultOf(granted(await request()), arn('prod', 'GET', '/api/jobs'), routePolicy);
    const theirs = authorizerResultOf(
      granted(await request({ authorization: 'Bearer other' })),
      arn('prod', 'GET', '/api/jobs'),
      routePolicy,
    );

    expect(ours.context).toMatchObject({ tokenId, tenant: 'acme', owner: 'alice' });
    expect(theirs.context).toMatchObject({ tokenId: other, tenant: 'globex', owner: 'mallory' });
  });

  it('is not reused once the token is revoked, or its family, and the feed says so', async () => {
    for (const entry of [
      { id: 'token', kind: 'revoked' as const, tokenId },
      { id: 'family', kind: 'revoked' as const, familyId },
    ]) {
      const { request, store, clock, entries } = withFeed();
      authorizerResultOf(granted(await request()), arn('prod', 'GET', '/api/jobs'), routePolicy);
      clock.advance(2_000);
      authorizerResultOf(granted(await request()), arn('prod', 'GET', '/api/jobs'), routePolicy);

      if (entry.tokenId) store.records.set(tokenId, tokenRecord({ state: 'revoked', revokeReason: 'revoked' }));
      else store.families.set(familyId, { id: familyId, tenant: 'acme', owner: 'alice', state: 'revoked', headId: tokenId, generation: 1 });
      entries.push({ ...entry, at: clock.now() });
      clock.advance(1_000);

      expect(await request()).toMatchObject({ effect: 'unauthorized', reason: 'revoked' });
    }
  });

  // authorizer-result.ts hands the same object to every allowed request of a token status and says
  // "callers must not change it"; nothing enforces that. No caller changes it today (the Lambda
  // runtime serializes it, the local front copies `context`), so this is latent: the first caller
  // that decorates a result (a request id in context, a usage plan key) changes every later answer
  // of that token, and a pushed Resource widens every later policy of that token.
  it('does not let one caller’s change to a result reach the next caller of the same token', async () => {
    const { request } = setup();
    const first = authorizerResultOf(granted(await request()), arn('prod', 'GET', '/api/jobs'), routePolicy);
    try {
      (first.context as Record<string, unknown>).tenant = 'globex';
      (first.policyDocument.Statement[0] as { Resource: string[] }).Resource.push(arn('prod', '*', '/*'));
    } catch {
      // A frozen result refuses the change: that holds.
    }

    const second = authorizerResultOf(granted(await request()), arn('prod', 'GET', '/api/jobs'), routePolicy);

    expect(second.context).toMatchObject({ tenant: 'acme' });
    expect(policyAllows(second, arn('prod', 'POST', '/api/jobs'))).toBe(false);
  });
});

describe('floods of distinct tokens against the LRU memories', () => {
  const many = 10_001;
  const idOf = (n: number) => n.toString(16).padStart(32, '0');

  function crowdWithFeed(record: Parameters<typeof tokenRecord>[0] = {}) {
    const context = withFeed(record, { resultCacheMs: 300_000 });
    for (let n = 0; n < many; n++) {
      const id = idOf(n);
      context.store.records.set(id, tokenRecord({ id, ...record }));
      context.verifier.accept(`t${n}`, { jti: id });
    }
    return context;
  }

  it('keeps refusing a revoked token whose status a flood of other tokens evicted', async () => {
    const { request, store } = crowdWithFeed();
    store.records.set(idOf(0), tokenRecord({ id: idOf(0), state: 'revoked', revokeReason: 'leaked' }));
    expect(await request({ authorization: 'Bearer t0' })).toMatchObject({ reason: 'revoked' });

    for (let n = 1; n < many; n++) await request({ authorization: `Bearer t${n}` });

    expect(await request({ authorization: 'Bearer t0' })).toMatchObject({ reason: 'revoked' });
    expect(store.reads).toBe(many + 1);
  });

  it('re-reads a token kept most recently used through a flood once the short status cache is over (no feed)', async () => {
    const context = setup({}, null);
    for (let n = 0; n < many; n++) {
      context.store.records.set(idOf(n), tokenRecord({ id: idOf(n) }));
      context.verifier.accept(`t${n}`, { jti: idOf(n) });
    }
    const hot = () => context.request({ authorization: 'Bearer t0' });
    for (let n = 1; n < many; n++) {
      await context.request({ authorization: `Bearer t${n}` });
      if (n % 100 === 0) expect((await hot()).effect).toBe('allow');
    }
    context.store.records.set(idOf(0), tokenRecord({ id: idOf(0), state: 'revoked', revokeReason: 'leaked' }));
    context.clock.advance(10_000);

    expect(await hot()).toMatchObject({ reason: 'revoked' });
  });

  it('announces the end of every token ending inside the result TTL, a flood of other ends notwithstanding', async () => {
    const { request, appended, clock } = crowdWithFeed({ expiresAt: Date.UTC(2026, 10, 23, 12, 1, 0) });
    for (let n = 0; n < many; n++) expect((await request({ authorization: `Bearer t${n}` })).effect).toBe('allow');
    // t0's announcement left the container's memory; the next decision of t0 announces it again.
    clock.advance(10);
    expect((await request({ authorization: 'Bearer t0' })).effect).toBe('allow');

    const announced = new Set(appended.map((entry) => entry.tokenId));
    for (let n = 0; n < many; n++) expect(announced.has(idOf(n))).toBe(true);
    expect(appended.filter((entry) => entry.tokenId === idOf(0))).toHaveLength(2);
  });

  it('writes the first denial of a token at once again after a flood evicted its pending denials', async () => {
    const context = setup({ denialFlushMs: 10_000 }, null);
    for (let n = 0; n < many; n++) {
      context.store.records.set(idOf(n), tokenRecord({ id: idOf(n), state: 'revoked', revokeReason: 'revoked' }));
      context.verifier.accept(`t${n}`, { jti: idOf(n) });
    }
    const deny = (n: number) => context.request({ authorization: `Bearer t${n}` });
    await deny(0);
    for (let n = 1; n < many; n++) await deny(n);
    context.clock.advance(1);

    await deny(0);

    const written = context.store.denials.filter((denial) => denial.tokenId === idOf(0));
    expect(written.map((denial) => denial.count)).toStrictEqual([1, 1]);
  });
});

/** The verifier of a container whose keys are loaded: it answers at once, as Es256JwtVerifier does. */
class LoadedVerifier implements AccessTokenVerifier {
  verify(token: string): Verification {
    return token === TOKEN
      ? { ok: true, claims: { jti: tokenId, fid: familyId, sub: 'alice', tid: 'acme', scope: 'jobs:read' } }
      : { ok: false, reason: 'bad_signature' };
  }
}

describe('the revocation feed followed without a promise when nothing is due', () => {
  // FeedWatcher.read marks the view current (lastReadStartedAt) as soon as the read returns, but
  // StatusCache.followFeed drops the statuses it names several ticks later (the in-flight promise's
  // finally, refresh's return, followFeed's await). A decision that starts in between finds the view
  // current, takes the no-promise path, and decides on the status the entry it cannot see revoked.
  it('applies a revocation entry read for one request before any other request decides on that view', async () => {
    const entries: FeedEntry[] = [];
    let gate: Promise<void> | undefined;
    let lastRead: Promise<FeedEntry[]> | undefined;
    const feed = {
      read: (from: number, to: number): Promise<FeedEntry[]> => {
        const current = () => entries.filter((entry) => entry.at >= from && entry.at <= to);
        lastRead = gate ? gate.then(current) : Promise.resolve(current());
        return lastRead;
      },
      readDue: async () => [],
      append: async () => {},
    };
    const { request, store, clock } = setup({
      verifier: new LoadedVerifier(),
      feed: { watcher: new FeedWatcher(feed, 1_000), log: feed, statusCacheMs: 300_000, resultCacheMs: 1 },
    });
    expect((await request()).effect).toBe('allow');
    clock.advance(2_000);
    expect((await request()).effect).toBe('allow');

    store.records.set(tokenId, tokenRecord({ state: 'revoked', revokeReason: 'revoked' }));
    entries.push({ id: 'revoked', at: clock.now(), kind: 'revoked', tokenId });
    clock.advance(1_000);
    let open = () => {};
    gate = new Promise<void>((resolve) => (open = resolve));
    // Request A reads the feed (synchronously up to the read); request B starts right after A has
    // the read's answer, in the same turn of the event loop.
    const first = request();
    let second: Promise<Decision> | undefined;
    const answered = lastRead!.then(() => {
      second = request();
    });
    open();
    await answered;

    expect(await first).toMatchObject({ effect: 'unauthorized', reason: 'revoked' });
    expect(await second!).toMatchObject({ effect: 'unauthorized', reason: 'revoked' });
  });
});

describe('the basis of a decision on a fresh status read that another request’s feed read overtook', () => {
  // authorize.ts takes max(status.fetchedAt, viewStartedAt()) as the instant a decision's status was
  // current at. For a CACHED status the view vouches for it (the feed read dropped what it named);
  // for a FRESH read that the view overtook (status-cache.ts: `drops !== this.drops`, not cached) it
  // does not: the read predates the entry that view consumed, yet the decision is dated by the view,
  // so the "decision outlived its feed view" round never fires and a stale allow leaves after the
  // stage flusher's earliest flush (settleMs after the change), to be cached for the whole result TTL.
  // Concurrent requests in one container: the local front (SPEC: same cache and invalidation).
  it('does not date a stale fresh read by a feed view it never saw, and refuses the revoked token', async () => {
    const { request, store, clock, entries, verifier } = withFeed();
    const victim = 'ffffffffffffffffffffffffffffffff';
    store.records.set(victim, tokenRecord({ id: victim }));
    verifier.accept('victim', { jti: victim });
    const original = store.getWithFamily.bind(store);
    let overtake: (() => Promise<void>) | undefined;
    store.getWithFamily = async (id: string, family?: string) => {
      // What a strongly consistent read executed now returns, whenever its answer arrives.
      const answer = await original(id, family);
      const during = overtake;
      overtake = undefined;
      await during?.();
      return answer;
    };
    // The bystander's request reads the feed and keeps the view current.
    expect((await request()).effect).toBe('allow');
    clock.advance(500);

    let revokedAt = 0;
    overtake = async () => {
      clock.advance(100);
      revokedAt = clock.now();
      store.records.set(victim, tokenRecord({ id: victim, state: 'revoked', revokeReason: 'leaked' }));
      entries.push({ id: 'leak', at: revokedAt, kind: 'revoked', tokenId: victim });
      // The view is stale now: the bystander's next request reads the feed, which names the victim.
      clock.advance(1_000);
      expect((await request()).effect).toBe('allow');
      // The victim's read answers late (a slow network, a retried attempt).
      clock.advance(400);
    };
    const decision = await request({ authorization: 'Bearer victim' });

    expect(clock.now() - revokedAt).toBeGreaterThanOrEqual(defaultFlushTiming.settleMs);
    expect(decision).toMatchObject({ effect: 'unauthorized', reason: 'revoked' });
  });
});

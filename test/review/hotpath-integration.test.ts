import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoRevocationFeed } from '../../functions/adapters/dynamodb/dynamo-revocation-feed';
import { DynamoTable } from '../../functions/adapters/dynamodb/dynamo-table';
import type { AuthorizeRequest } from '../../functions/service/authorize';
import { FeedWatcher } from '../../functions/service/revocation-watch';
import { freshTable } from '../support/dynamo';
import { DynamoTokenStore } from '../support/dynamo-token-store';
import { authorizerFor, ManualClock, tokenService, user } from '../support/fixtures';
import { highSOf } from '../security/support/jws-forgery';

// The hot path end to end on DynamoDB Local: the real Es256JwtVerifier, status cache, feed and
// store, attacked by the holder of a valid token (review of this round's authorizer rewrite).
let table: Awaited<ReturnType<typeof freshTable>>;
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

beforeAll(async () => {
  table = await freshTable('hotpath');
});

const request = (authorization: string, change: Partial<AuthorizeRequest> = {}): AuthorizeRequest => ({
  authorization,
  sourceIp: '203.0.113.10',
  method: 'GET',
  resource: '/api/candidates',
  ...change,
});

async function setup() {
  const clock = new ManualClock();
  const store = new DynamoTokenStore(table.client, { tableName: table.tableName, retentionDays: 30, clock });
  const { service, keys } = tokenService(store, clock);
  const owner = user(`u${Math.random().toString(16).slice(2, 10)}`);
  const issued = await service.create(owner, { description: 'vendor', scopes: ['candidates:read'], allowedIps: ['203.0.113.0/24'] });
  const feed = new DynamoRevocationFeed(new DynamoTable(table.client, { tableName: table.tableName, retentionDays: 30 }));
  const authorizer = authorizerFor(store, clock, keys, {
    feed: { watcher: new FeedWatcher(feed, 1_000), log: feed, statusCacheMs: 300_000, resultCacheMs: 300_000 },
  });
  return { clock, service, owner, issued, authorizer };
}

describe('hot path on DynamoDB Local', () => {
  it('refuses every spelling of a token the feed says was revoked, from every address, after one poll interval', async () => {
    const { clock, service, owner, issued, authorizer } = await setup();
    const token = issued.accessToken;
    const spellings = [`Bearer ${token}`, `bearer ${token}`, `BEARER ${token}`, ` Bearer ${token} `];
    const addresses = Array.from({ length: 10 }, (_, n) => `203.0.113.${n + 1}`);
    for (const authorization of spellings)
      for (const sourceIp of addresses) expect((await authorizer.authorize(request(authorization, { sourceIp }))).effect).toBe('allow');

    await service.revoke(owner, issued.id);
    clock.advance(1_000);

    for (const authorization of spellings)
      for (const sourceIp of addresses)
        expect(await authorizer.authorize(request(authorization, { sourceIp }))).toMatchObject({
          effect: 'unauthorized',
          reason: 'revoked',
        });
  });

  it('gives the genuine token no second spelling (high-S twin, padding, a changed unused bit) while it is cached as allowed', async () => {
    const { issued, authorizer } = await setup();
    const token = issued.accessToken;
    const [header, payload, signature] = token.split('.') as [string, string, string];
    expect((await authorizer.authorize(request(`Bearer ${token}`))).effect).toBe('allow');

    const twins = [
      highSOf(token, P256_ORDER),
      `${token}=`,
      `${header}=.${payload}.${signature}`,
      `${header}.${payload}.${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`,
    ];
    for (const twin of twins) {
      expect(twin).not.toBe(token);
      expect((await authorizer.authorize(request(`Bearer ${twin}`))).effect).toBe('unauthorized');
    }
  });

  it('judges a cached token status against each new source address, outside its allowed range refused', async () => {
    const { issued, authorizer } = await setup();
    const decide = async (sourceIp: string) => (await authorizer.authorize(request(`Bearer ${issued.accessToken}`, { sourceIp }))).effect;

    expect(await decide('203.0.113.10')).toBe('allow');
    for (let n = 1; n <= 9; n++) expect(await decide(`198.51.100.${n}`)).toBe('forbidden');
    expect(await decide('203.0.113.10')).toBe('allow');
    expect(await decide('203.0.114.10')).toBe('forbidden');
  });
});

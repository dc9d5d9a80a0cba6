/**
 * The revocation design's cost, counted (issue 14): authorizer invocations and DynamoDB requests per
 * token per hour, at steady state and under a revocation storm (one revocation a second for a
 * minute), with today's defaults (300 s result cache, revocation feed, stage flush) and the old ones
 * (10 s status cache, 20 s result cache, no feed), in the same run.
 *
 * Windows, not a whole simulated hour (each DynamoDB Local request takes real time): the steady
 * state is periodic (every cached decision ends after the result TTL, 20 s or 300 s, and is decided
 * again), so a 10-minute window, a whole number of periods, times six is the hour. The storm hour
 * is a 10-minute window holding the storm minute plus five steady windows. `BENCH_MODEL_WINDOW_S=3600`
 * simulates whole hours instead (slower; same figures).
 *
 * Real parts: the `Authorizer` service class, the `StageFlusher`, the DynamoDB store and feed
 * adapters on DynamoDB Local, tokens issued and revoked by `TokenIssuance` and `TokenManagement`. Emulated: API Gateway's
 * authorizer result cache (per Authorization header and source IP, its TTL, cleared by a stage
 * flush, a thrown `Unauthorized` not cached, as the local front does) and time: every part runs on
 * one simulated clock, so an hour takes seconds. DynamoDB requests are counted by command on the
 * SDK clients of the authorizer and of the flusher (what they cost), KMS calls on the key source the
 * authorizer's verifier holds (GetPublicKey in AWS; Sign is never reachable from it).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoClient } from '../functions/adapters/aws-clients';
import { DynamoRevocationFeed } from '../functions/adapters/dynamodb/dynamo-revocation-feed';
import { DynamoTable } from '../functions/adapters/dynamodb/dynamo-table';
import { DynamoTokenStore } from '../test/support/dynamo-token-store';
import { Es256JwtVerifier } from '../functions/adapters/jwt-verifier';
import type { LocalKeyRing } from '../functions/adapters/local-signer';
import { defaultPolicy } from '../functions/domain/token-policy';
import { exampleApiRoutes, exampleCatalogue, resolveRoutes } from '../functions/domain/routes';
import { ensureTable } from '../functions/local/dynamodb-local';
import { Authorizer } from '../functions/service/authorize';
import type { Clock, PublicKeySource } from '../functions/service/ports';
import { FeedWatcher } from '../functions/service/revocation-watch';
import { StageFlusher } from '../functions/service/stage-flusher';
import { TokenIssuance } from '../functions/service/token-issuance';
import { TokenManagement } from '../functions/service/token-management';

export interface ModelDefaults {
  name: string;
  statusCacheMs: number;
  resultCacheMs: number;
  /** Revocation feed followed by the containers, and the stage flusher. */
  feedAndFlush: boolean;
}

export const newDefaults: ModelDefaults = {
  name: 'new: 300 s result cache + feed + flush',
  statusCacheMs: 10_000,
  resultCacheMs: 300_000,
  feedAndFlush: true,
};
export const oldDefaults: ModelDefaults = {
  name: 'old: 10 s status + 20 s result cache',
  statusCacheMs: 10_000,
  resultCacheMs: 20_000,
  feedAndFlush: false,
};

export interface ModelRow {
  defaults: string;
  scenario: 'steady' | 'storm';
  /** Per active token per measured hour. */
  invocations: number;
  statusReads: number;
  feedReads: number;
  writes: number;
  /** Per hour, not per token: the flusher's own feed reads, and the stage flushes. */
  flusherReads: number;
  flushes: number;
  /** KMS calls (GetPublicKey, Sign) by the authorizer's verifier in the measured hour. */
  kmsCalls: number;
  /** KMS calls at cold start (before the measured hour). */
  kmsColdStart: number;
  /** Requests answered: the emulated API Gateway's cache hits plus authorizer decisions. */
  requests: number;
}

/** DynamoDB requests by command name, counted in the client's own middleware (each real request once). */
function countedClient(endpoint: string): { client: DynamoDBClient; counts: Map<string, number> } {
  const client = dynamoClient(endpoint);
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName ?? 'unknown').replace(/Command$/, '');
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'benchRequestCounter' },
  );
  return { client, counts };
}

const sum = (counts: Map<string, number>, names: string[]) => names.reduce((total, name) => total + (counts.get(name) ?? 0), 0);

interface ScenarioOptions {
  endpoint: string;
  keys: LocalKeyRing;
  defaults: ModelDefaults;
  storm: boolean;
  tableName: string;
  /** Active tokens, each sending one request a second from one IP. */
  activeTokens: number;
  /** The measured window; a storm starts a minute into it. */
  windowMs: number;
}

/** Counts over one measured window, totals (not per token). */
type WindowCounts = Omit<ModelRow, 'defaults' | 'scenario'>;

const SECOND = 1_000;
const HOUR = 3_600 * SECOND;
/** Caches filled, the flusher's first flush of a newly registered stage done: counting starts after this. */
const WARM_UP = 30 * SECOND;
const STEP = 100;
const FLUSHER_POLL = 500;
const REQUEST = { method: 'GET', resource: '/api/candidates' };

export async function runScenario(options: ScenarioOptions): Promise<WindowCounts> {
  const { defaults } = options;
  let now = Math.floor(Date.now() / HOUR) * HOUR;
  const clock: Clock = { now: () => now };

  const admin = dynamoClient(options.endpoint);
  await ensureTable(admin, options.tableName);
  const tableOptions = { tableName: options.tableName, retentionDays: 30, clock };
  const store = new DynamoTokenStore(admin, tableOptions);
  const settings = { clock, policy: defaultPolicy, catalogue: exampleCatalogue, issuer: 'pat-bench' };
  const issuance = new TokenIssuance({ records: store, tenantPolicies: store, signer: options.keys, ...settings });
  const management = new TokenManagement({ records: store, families: store, tenantPolicies: store, ...settings });
  const caller = (index: number) => ({ userId: `bench-${index}`, tenant: 'acme', isAdmin: false });
  const request = { description: 'bench', scopes: ['candidates:read'], allowedIps: [] };
  const active = await Promise.all(
    Array.from({ length: options.activeTokens }, (_, index) =>
      issuance.create(caller(index), { ...request, description: `active ${index}` }),
    ),
  );
  // The storm's victims: tokens of other clients, idle here, so the figures show what a storm costs everyone else.
  const victims = options.storm
    ? await Promise.all(
        Array.from({ length: 60 }, (_, index) => issuance.create(caller(1_000 + index), { ...request, description: `victim ${index}` })),
      )
    : [];

  const authorizerSide = countedClient(options.endpoint);
  const flusherSide = countedClient(options.endpoint);
  const kms = { calls: 0 };
  const keySource: PublicKeySource = {
    publicKeys: () => {
      kms.calls++;
      return options.keys.publicKeys();
    },
  };
  const feed = new DynamoRevocationFeed(new DynamoTable(authorizerSide.client, tableOptions));
  const authorizer = new Authorizer({
    verifier: new Es256JwtVerifier(keySource, { issuer: 'pat-bench', clock, allowNoExpiry: false }),
    store: new DynamoTokenStore(authorizerSide.client, tableOptions),
    clock,
    routes: resolveRoutes(exampleApiRoutes, exampleCatalogue),
    statusCacheMs: defaults.statusCacheMs,
    lastUsedIntervalMs: 60_000,
    feed: defaults.feedAndFlush
      ? { watcher: new FeedWatcher(feed, SECOND), log: feed, statusCacheMs: 300_000, resultCacheMs: defaults.resultCacheMs }
      : undefined,
  });

  // API Gateway's result cache: key → decision end (allow or deny policy); a flush clears the stage.
  const resultCache = new Map<string, number>();
  let flushes = 0;
  const flusher = defaults.feedAndFlush
    ? new StageFlusher({
        feed: new DynamoRevocationFeed(new DynamoTable(flusherSide.client, tableOptions)),
        registry: { list: async () => [{ restApiId: 'bench', stage: 'prod' }] },
        cache: {
          flush: async () => {
            flushes++;
            resultCache.clear();
          },
        },
        clock,
      })
    : undefined;

  let invocations = 0;
  let requests = 0;
  const start = now;
  const measuredFrom = start + WARM_UP;
  const end = measuredFrom + options.windowMs;
  const stormFrom = measuredFrom + 60 * SECOND;
  let counting = false;
  let nextFlusherTick = now;
  let revoked = 0;
  // Each token's requests are spread over the second, as independent clients' are.
  const phaseOf = (index: number) => Math.floor((index * SECOND) / options.activeTokens / STEP) * STEP;
  let kmsColdStart = 0;

  for (; now < end; now += STEP) {
    if (!counting && now >= measuredFrom) {
      counting = true;
      invocations = 0;
      requests = 0;
      flushes = 0;
      kmsColdStart = kms.calls;
      kms.calls = 0;
      authorizerSide.counts.clear();
      flusherSide.counts.clear();
    }
    if (options.storm && now >= stormFrom && revoked < victims.length && (now - stormFrom) % SECOND === 0) {
      const victim = victims[revoked]!;
      await management.revoke(caller(1_000 + revoked), victim.id);
      revoked++;
    }
    if (flusher && now >= nextFlusherTick) {
      await flusher.tick();
      nextFlusherTick = now + FLUSHER_POLL;
    }
    for (const [index, token] of active.entries()) {
      if (now % SECOND !== phaseOf(index)) continue;
      requests++;
      const key = `${token.accessToken} 198.51.100.${index % 250}`;
      if ((resultCache.get(key) ?? 0) > now) continue;
      invocations++;
      const decision = await authorizer.authorize({
        authorization: `Bearer ${token.accessToken}`,
        sourceIp: `198.51.100.${index % 250}`,
        ...REQUEST,
      });
      if (decision.effect !== 'allow') throw new Error(`${defaults.name}: an active token was refused (${decision.effect})`);
      if (defaults.resultCacheMs > 0) resultCache.set(key, now + defaults.resultCacheMs);
    }
  }

  const counts = authorizerSide.counts;
  const window: WindowCounts = {
    requests,
    invocations,
    statusReads: sum(counts, ['GetItem', 'BatchGetItem']),
    feedReads: sum(counts, ['Query']),
    writes: sum(counts, ['UpdateItem', 'PutItem', 'TransactWriteItems']),
    flusherReads: sum(flusherSide.counts, ['Query']),
    flushes,
    kmsCalls: kms.calls,
    kmsColdStart,
  };
  for (const client of [admin, authorizerSide.client, flusherSide.client]) client.destroy();
  return window;
}

/** The four runs: old and new defaults, steady and storm, each as counts per hour. */
export async function runRevocationModel(
  endpoint: string,
  keys: LocalKeyRing,
  activeTokens = Number(process.env.BENCH_MODEL_TOKENS ?? 10),
  windowMs = Number(process.env.BENCH_MODEL_WINDOW_S ?? 600) * SECOND,
): Promise<ModelRow[]> {
  if (windowMs % (300 * SECOND) !== 0 || HOUR % windowMs !== 0)
    throw new Error('the window must be a multiple of 300 s that divides the hour');
  const rows: ModelRow[] = [];
  let table = 0;
  for (const defaults of [oldDefaults, newDefaults]) {
    const run = (storm: boolean) =>
      runScenario({ endpoint, keys, defaults, storm, activeTokens, windowMs, tableName: `bench-revocation-${table++}` });
    const steady = await run(false);
    const storm = await run(true);
    const windowsPerHour = HOUR / windowMs;
    const hourOf = (scenario: 'steady' | 'storm'): ModelRow => {
      const field = (name: keyof WindowCounts) =>
        scenario === 'steady' ? steady[name] * windowsPerHour : storm[name] + steady[name] * (windowsPerHour - 1);
      const perToken = (name: keyof WindowCounts) => field(name) / activeTokens;
      return {
        defaults: defaults.name,
        scenario,
        requests: perToken('requests'),
        invocations: perToken('invocations'),
        statusReads: perToken('statusReads'),
        feedReads: perToken('feedReads'),
        writes: perToken('writes'),
        flusherReads: field('flusherReads'),
        flushes: field('flushes'),
        kmsCalls: field('kmsCalls'),
        kmsColdStart: (scenario === 'steady' ? steady : storm).kmsColdStart,
      };
    };
    rows.push(hourOf('steady'), hourOf('storm'));
  }
  return rows;
}

export function printRevocationModel(rows: ModelRow[], activeTokens: number): void {
  const pad = (text: string | number, width: number) => String(text).padEnd(width);
  const figure = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(1));
  console.log(
    `\nRevocation model: ${activeTokens} active tokens, 1 request/s each from one IP, one authorizer container, simulated clock;` +
      '\nper active token per hour (storm: 60 other, idle tokens revoked, 1/s for a minute, within the hour); flusher figures per hour for the stage',
  );
  console.log(
    `${pad('defaults', 40)}${pad('scenario', 9)}${pad('requests', 10)}${pad('invocations', 13)}${pad('status reads', 14)}${pad('feed reads', 12)}${pad('writes', 8)}${pad('flusher reads/h', 17)}${pad('flushes/h', 11)}KMS (hot / cold start)`,
  );
  for (const row of rows) {
    console.log(
      `${pad(row.defaults, 40)}${pad(row.scenario, 9)}${pad(figure(row.requests), 10)}${pad(figure(row.invocations), 13)}${pad(figure(row.statusReads), 14)}${pad(figure(row.feedReads), 12)}${pad(figure(row.writes), 8)}${pad(row.flusherReads, 17)}${pad(row.flushes, 11)}${row.kmsCalls} / ${row.kmsColdStart}`,
    );
  }
  console.log(
    'DynamoDB requests as sent: status = GetItem/BatchGetItem; feed = Query (one per 10 s bucket read); writes = lastUsedAt, due entries.',
  );
}

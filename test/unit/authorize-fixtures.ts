import type { DeniedAuthorization } from '../../functions/domain/audit';
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

// Fixtures of the authorizer's tests (test/unit/authorize*.test.ts), over in-memory ports: a verifier that
// answers from a table (the signature checks are the verifier's own tests), a store of records and
// families that counts its reads and writes, a clock the test moves, and a revocation feed in memory.
export const routes: ResolvedRoute[] = [
  { method: 'GET', resource: '/api/jobs', scope: 'jobs:read' },
  { method: 'POST', resource: '/api/jobs', scope: 'jobs:write' },
  { method: 'GET', resource: '/api/candidates', scope: 'candidates:read' },
];

export const TOKEN = 'header.payload.signature';
export const tokenId = '0123456789abcdef0123456789abcdef';
export const familyId = 'fedcba9876543210fedcba9876543210';

export class TableVerifier implements AccessTokenVerifier {
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

export class MemoryStatusStore {
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

export function tokenRecord(change: Partial<TokenRecord> = {}): TokenRecord {
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

export function setup(options: Partial<AuthorizerOptions> = {}, record: Partial<TokenRecord> | null = {}) {
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

/** The authorizer with an in-memory revocation feed (a poll interval of 1 s, 300 s caches). */
export function withFeed(record: Partial<TokenRecord> = {}, change: { resultCacheMs?: number } = {}) {
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

/** One more token than a container remembers, each with its record and an accepted token `t<n>`. */
export const many = 10_001;
export const idOf = (n: number) => n.toString(16).padStart(32, '0');

export function crowd(record: Partial<TokenRecord> = {}) {
  const context = setup({}, null);
  for (let n = 0; n < many; n++) {
    const id = idOf(n);
    context.store.records.set(id, tokenRecord({ id, ...record }));
    context.verifier.accept(`t${n}`, { jti: id });
  }
  return context;
}

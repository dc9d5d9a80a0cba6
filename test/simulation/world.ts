import { generateKeyPairSync } from 'node:crypto';
import { keys } from '../../functions/adapters/dynamodb/table-layout';
import { LocalKeyRing } from '../../functions/adapters/local-signer';
import { DependencyUnavailable, DomainError } from '../../functions/domain/errors';
import { compileIpEntries, isIpAllowed } from '../../functions/domain/ip-entries';
import { defaultPolicy, type TokenPolicy } from '../../functions/domain/token-policy';
import { exampleApiRoutes, exampleCatalogue } from '../../functions/domain/routes';
import type { TenantPolicyOverrides } from '../../functions/domain/tenant-policy';
import type { Caller } from '../../functions/service/caller';
import type { TokenEdit } from '../../functions/service/ports';
import { entropy } from '../../functions/service/audit-events';
import type { IssuedToken } from '../../functions/service/token-reads';
import { authorizerHandler } from '../../infra/handlers';
import { FeedAttacker, grantOf } from './attacker';
import { calmProfile, FaultCounters, SimulatedNetwork, type FaultProfile } from './dynamodb-client';
import { SimulatedDynamoDb } from './dynamodb-model';
import { ApiGatewayModel, REST_API_ID, STAGE } from './gateway';
import { Invariants, short, type Violation } from './invariants';
import { operationsOf, type Operations } from './operations';
import { Random } from './random';
import { Scheduler } from './scheduler';
import { RESULT_CACHE_MS, ServiceSystem } from './system';
import { Trace } from './trace';

/** `1 revocation bound` matches every violation of that invariant; `1 revocation bound (re-allowed after a flush)` that kind only. */
export const matches = (violation: Violation, name: string) =>
  violation.invariant === name || `${violation.invariant} (${violation.kind})` === name;

export const START = Date.UTC(2026, 11, 7, 9, 0, 0);

/** The deployment's policy in the simulation: small caps, a short grace, a one-day refresh window. */
export const simulatedPolicy: TokenPolicy = {
  ...defaultPolicy,
  maxActiveTokensPerOwner: 3,
  rotationGraceSeconds: 20,
  refreshWindowDays: 1,
};

/** Each tenant's tightening, fixed for the run (caps and IP restriction are not toggled: see README). */
const tenantOverrides: Record<string, TenantPolicyOverrides> = {
  acme: { maxActiveTokensPerOwner: 2, requireApproval: true, requireIpRestriction: true },
  globex: {},
};
const people: Record<string, { users: string[]; admin: string }> = {
  acme: { users: ['alice', 'bob'], admin: 'ada' },
  globex: { users: ['gus', 'gina'], admin: 'gil' },
};
const descriptions = ['ci', 'deploy', 'backup', 'sync', 'report'];
const scopePool = [
  'candidates:read',
  'candidates:write',
  'candidates/documents:read',
  'jobs:read',
  'assessments:read',
  'candidates:delete',
];
const ipEntryPool = ['203.0.113.7', '203.0.113.0/24', '198.51.100.0/24', '10.0.0.0/8', '2001:db8::/32', '0.0.0.0/0', '::/0'];
const clientIps = ['203.0.113.7', '203.0.113.9', '198.51.100.4', '10.1.2.3', '2001:db8::5', '192.0.2.50'];

/** What varies between seeds besides the order of things. */
export interface Profile {
  name: string;
  faults: FaultProfile;
  /** The stage flusher's SSM registry read stalls this often (1–2.5 s). */
  registryStall: number;
  attacker: boolean;
  opMeanMs: number;
  trafficMeanMs: number;
  /** Revocations (revoke, leak reports) this many times as often as usual. */
  revocationWeight: number;
  /** How late the flusher's schedule may start a run. */
  scheduleJitterMs: number;
}

export type ProfileName = 'calm' | 'lagging' | 'stalls' | 'faulty' | 'harsh';

function profileOf(random: Random, forced?: ProfileName): Profile {
  const drawn = random.weighted<ProfileName>({ calm: 1, lagging: 2, stalls: 2, faulty: 3, harsh: 2 });
  const name = forced ?? drawn;
  const faults: FaultProfile =
    name === 'calm'
      ? calmProfile
      : name === 'stalls'
        ? // Nothing fails, but some calls take a second or two: the timing assumptions' test.
          { ...calmProfile, slowProbability: 0.04, slowWriteProbability: 0.25, slowMs: [700, 1_800] }
        : name === 'lagging'
          ? { ...calmProfile, indexLagMaxMs: 3_000, slowProbability: 0.02, slowMs: [200, 1_500] }
          : name === 'faulty'
            ? {
                slowProbability: 0.04,
                slowMs: [300, 2_500],
                failBefore: 0.01,
                timeoutAfterCommit: 0.01,
                retryAfterCommit: 0.02,
                crash: 0.001,
                transactionConflict: 0.01,
                indexLagMaxMs: 2_000,
              }
            : {
                slowProbability: 0.1,
                slowMs: [500, 3_000],
                failBefore: 0.02,
                timeoutAfterCommit: 0.02,
                retryAfterCommit: 0.04,
                crash: 0.002,
                transactionConflict: 0.02,
                indexLagMaxMs: 4_000,
              };
  return {
    name,
    faults,
    registryStall: name === 'calm' ? 0 : name === 'harsh' || name === 'stalls' ? 0.5 : 0.2,
    attacker: random.chance(0.3),
    opMeanMs: random.int(800, 2_500),
    // In `stalls`, four times the requests: containers read the feed often, so some hold a view
    // that is current but older than a commit (the window of issue 20's first hole).
    trafficMeanMs: Math.round(random.int(120, 500) / (name === 'stalls' ? 4 : 1)),
    revocationWeight: name === 'stalls' ? 3 : 1,
    scheduleJitterMs: name === 'calm' ? 0 : name === 'stalls' ? 8_000 : 3_000,
  };
}

let keyRing: LocalKeyRing | undefined;
/** One signing key per process: ECDSA signatures differ per run, but nothing the simulation decides depends on their bytes. */
const signingKeys = () => (keyRing ??= new LocalKeyRing(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey));

interface Held {
  id: string;
  tenant: string;
  owner: string;
  familyId: string;
  accessToken: string;
  refreshKey: string;
  scopes: string[];
  allowedIps: string[];
  /** Refresh keys this vendor used before (a retry, or a thief, presents them again). */
  oldKeys: string[];
  pending: boolean;
}

export interface RunResult {
  seed: number;
  /** What the run was given: a replay passes the same. */
  options: RunOptions;
  profile: Profile;
  violations: Violation[];
  trace: Trace;
  steps: number;
  simulatedMs: number;
  faults: Map<string, number>;
  checks: number;
  requests: number;
  operations: number;
}

export interface RunOptions {
  durationMs: number;
  /** Stop at the first violation (the default), or go on and keep the first of each invariant. */
  keepGoing?: boolean;
  /** With `keepGoing`: stop as soon as this invariant is violated (a regression seed's check). */
  stopOn?: string;
  /** Force the seed's profile (the rest of the seed's draws stay the same). */
  profile?: ProfileName;
  /** Force the attacker on or off. */
  attacker?: boolean;
  /** Operations left out of the workload (e.g. `burst`, to see what sequential creates do). */
  without?: string[];
}

export async function runSeed(seed: number, options: RunOptions): Promise<RunResult> {
  const world = new World(seed, options);
  const saved = entropy.randomBytes;
  entropy.randomBytes = (size) => world.entropy.bytes(size);
  try {
    return { ...(await world.run(options.durationMs, options.keepGoing ?? false, options.stopOn)), options };
  } finally {
    entropy.randomBytes = saved;
  }
}

class World {
  readonly random: Random;
  readonly entropy: Random;
  private readonly workload: Random;
  private readonly traffic: Random;
  private readonly flushRandom: Random;
  readonly profile: Profile;
  readonly scheduler = new Scheduler(START);
  readonly trace = new Trace(this.scheduler, START);
  readonly faults = new FaultCounters();
  readonly db = new SimulatedDynamoDb(() => this.scheduler.now());
  readonly invariants: Invariants;
  private readonly network: SimulatedNetwork;
  private readonly system: ServiceSystem;
  private readonly ops: Operations;
  private readonly gateway: ApiGatewayModel;
  private readonly held = new Map<string, Held>();
  private actors = 0;
  private requests = 0;
  private operations = 0;
  private quietUntil = 0;

  constructor(
    readonly seed: number,
    private readonly options: Pick<RunOptions, 'profile' | 'attacker' | 'without'> = {},
  ) {
    this.random = new Random(seed);
    this.profile = profileOf(this.random.fork('profile'), options.profile);
    if (options.attacker !== undefined) this.profile.attacker = options.attacker;
    this.entropy = this.random.fork('entropy');
    this.workload = this.random.fork('workload');
    this.traffic = this.random.fork('traffic');
    this.flushRandom = this.random.fork('flusher');
    this.network = new SimulatedNetwork(this.db, this.scheduler, this.random.fork('network'), this.faults, (actor, text) => {
      this.trace.log(actor, text);
      // A flusher run that dies is a Lambda error: its Errors metric raises the FlusherErrors alarm at once.
      if (actor.startsWith('flusher-') && text.startsWith('fault crash')) {
        this.trace.log(actor, 'reported: run crashed (Lambda Errors → FlusherErrors alarm)');
        this.invariants.flusherReported(this.scheduler.now(), 'crash');
      }
    });
    this.invariants = new Invariants(this.db, simulatedPolicy, RESULT_CACHE_MS, 10_000, (actor) => this.createContext(actor));
    this.db.listeners.push((changes, at, actor) => this.invariants.onCommit(changes, at, actor));
    // A vendor does not know its token was revoked: it goes on calling, often quickly. That is
    // when a stale decision can be cached, so the requests of the next seconds test the bound.
    this.invariants.onFamilyRevoked = (familyId) => {
      const members = [...this.held.values()].filter((token) => token.familyId === familyId);
      if (members.length > 0) void this.hammer(this.traffic.pick(members), this.scheduler.now() + 4_000);
    };
    this.system = new ServiceSystem({
      scheduler: this.scheduler,
      network: this.network,
      faults: this.profile.faults,
      policy: simulatedPolicy,
      catalogue: exampleCatalogue,
      routes: exampleApiRoutes,
      keyRing: signingKeys(),
      refreshMacKey: Buffer.alloc(32, 7),
      issuer: 'pat-sim',
    });
    this.ops = operationsOf(this.system);
    this.gateway = new ApiGatewayModel(
      this.scheduler,
      this.random.fork('gateway'),
      this.trace,
      this.faults,
      (name) => this.system.authorizerContainer(name),
      RESULT_CACHE_MS,
      (request, via, cachedAt) =>
        this.invariants.onAllowed(request.tokenId, this.scheduler.now(), (end) => {
          // What a reader of the trace needs to tell the holes apart: was the stage flushed after
          // the end, and was this result cached before that flush or (re-allowed) after it?
          const flushes = this.gateway.flushedAt.filter((at) => at >= end);
          const since = (at: number) => `+${((at - end) / 1000).toFixed(3)} s`;
          const kind =
            flushes.length === 0
              ? 'no flush since the end'
              : cachedAt > flushes[0]!
                ? 're-allowed after a flush'
                : 'cached before the end, flush late';
          return {
            kind,
            text: `${request.method} ${request.path} from ${request.sourceIp} (${via}); result cached at ${since(cachedAt)}, stage flushed since the end at ${flushes.map(since).join(', ') || 'never'}`,
          };
        }),
    );
  }

  async run(durationMs: number, keepGoing: boolean, stopOn: string | undefined): Promise<Omit<RunResult, 'options'>> {
    const p = this.profile;
    this.trace.log(
      'sim',
      `seed ${this.seed}: profile ${p.name}, attacker ${p.attacker ? 'on' : 'off'}, ops every ~${p.opMeanMs} ms, requests every ~${p.trafficMeanMs} ms`,
    );
    for (const [tenant, overrides] of Object.entries(tenantOverrides))
      this.db.write('Put', { Item: { ...keys.tenantPolicy(tenant), tenant, ...overrides, updatedAt: START } }, 'setup');
    const end = START + durationMs;
    void this.workloadLoop();
    void this.trafficLoop();
    // The flusher's schedule has been running for long: a run is under way when the simulation starts.
    this.scheduler.after(this.flushRandom.int(0, 500), () => void this.flusherSchedule());
    if (p.attacker) {
      const attacker = new FeedAttacker(
        this.systemTableWithGrant(),
        authorizerHandler.table!,
        this.scheduler,
        this.random.fork('attacker'),
        this.trace,
      );
      this.scheduler.after(this.random.fork('attacker-start').int(0, 120_000), () => void attacker.run(end));
    }
    this.invariants.firstOfEach = keepGoing;
    let told = 0;
    await this.scheduler.run(end, () => {
      this.invariants.settle(this.scheduler.now());
      const { violations } = this.invariants;
      for (; told < violations.length; told++) {
        this.trace.log('VIOLATION', `${violations[told]!.invariant}: ${violations[told]!.message.split('\n')[0]}`);
        violations[told]!.traceLine = this.trace.lines.length;
      }
      if (stopOn !== undefined && violations.some((violation) => matches(violation, stopOn))) return false;
      return keepGoing || violations.length === 0;
    });
    // Requests past the bound whose report could still come after the end are left open, not failed.
    this.invariants.settle(this.scheduler.now());
    return {
      seed: this.seed,
      profile: p,
      violations: this.invariants.violations,
      trace: this.trace,
      steps: this.scheduler.steps,
      simulatedMs: this.scheduler.now() - START,
      faults: this.faults.counts,
      checks: this.invariants.checks,
      requests: this.requests,
      operations: this.operations,
    };
  }

  /** The attacker's table: the authorizer role's grant, as infra/handlers.ts states it, enforced on every call. */
  private systemTableWithGrant() {
    const grant = grantOf(authorizerHandler.table!);
    const table = this.system.table('attacker', calmProfile);
    const documents = this.network.documentsFor({ actor: 'attacker', faults: calmProfile, authorize: grant });
    Object.defineProperty(table, 'documents', { value: documents });
    return table;
  }

  // The stage flusher: the schedule starts a run a minute, each following the feed for 65 s, in a
  // warm container if one is free (consecutive runs overlap, so two containers take turns).
  private readonly flushers: { name: string; busy: boolean; gone: boolean; flusher: ReturnType<ServiceSystem['stageFlusher']> }[] = [];

  /**
   * A rate(1 minute) schedule fires once a minute, but not on the second: each invocation starts up
   * to `scheduleJitterMs` late, so two runs overlap by less than their 5 s, or not at all.
   */
  private async flusherSchedule(): Promise<void> {
    for (;;) {
      const jitter = this.flushRandom.int(0, this.profile.scheduleJitterMs);
      if (jitter > 0) this.faults.add('schedule_jitter');
      this.scheduler.after(jitter, () => void this.flusherRun());
      await this.scheduler.sleep(60_000);
    }
  }

  private async flusherRun(): Promise<void> {
    let container = this.flushers.find((candidate) => !candidate.busy && !candidate.gone);
    if (!container) {
      const name = `flusher-${this.flushers.length + 1}`;
      const random = this.flushRandom;
      const flusher = this.system.stageFlusher(
        name,
        {
          list: async () => {
            const stall = random.chance(this.profile.registryStall);
            const latency = stall ? random.int(1_000, 2_500) : random.int(20, 80);
            if (stall) {
              this.faults.add('registry_stall');
              this.trace.log(name, `SSM registry read stalls ${latency} ms`);
            }
            await this.scheduler.sleep(latency);
            return [{ restApiId: REST_API_ID, stage: STAGE }];
          },
        },
        {
          flush: async () => {
            await this.scheduler.sleep(random.int(20, 150));
            if (random.chance(this.profile.faults.failBefore)) {
              this.faults.add('flush_failed');
              throw new Error('TooManyRequestsException');
            }
            this.gateway.flush();
            const close = this.invariants.commitsWithin(this.scheduler.now(), 1_000);
            if (close.length > 0) {
              this.faults.add('flush_within_1s_of_a_revocation');
              this.trace.log(
                'apigateway',
                `flushed within 1 s of the revocation of famil${close.length > 1 ? 'ies' : 'y'} ${close.join(', ')}`,
              );
            }
            await this.scheduler.sleep(random.int(10, 80));
          },
        },
        {
          failed: (what) => {
            this.trace.log(name, `reported: ${what} failed`);
            this.invariants.flusherReported(this.scheduler.now());
          },
          late: (what) => {
            this.trace.log(name, `reported: ${what} late`);
            this.invariants.flusherReported(this.scheduler.now());
          },
        },
      );
      container = { name, busy: false, gone: false, flusher };
      this.flushers.push(container);
    }
    container.busy = true;
    const deadline = this.scheduler.now() + 65_000;
    const finished = await Promise.race([
      container.flusher.run(() => this.scheduler.now() < deadline, 500, this.scheduler.sleep).then(() => true),
      this.scheduler.sleep(90_000).then(() => false),
    ]);
    if (!finished) {
      container.gone = true;
      this.trace.log(container.name, 'timed out (a call never answered): container replaced');
      return;
    }
    container.busy = false;
  }

  private async trafficLoop(): Promise<void> {
    for (;;) {
      await this.scheduler.sleep(this.traffic.exponential(this.profile.trafficMeanMs));
      void this.vendorRequest();
    }
  }

  private async hammer(token: Held, until: number): Promise<void> {
    while (this.scheduler.now() < until) {
      await this.scheduler.sleep(this.traffic.exponential(200));
      void this.send(token);
    }
  }

  private async vendorRequest(): Promise<void> {
    const random = this.traffic;
    const candidates = [...this.held.values()];
    if (candidates.length === 0) return;
    const now = this.scheduler.now();
    // Most requests come from tokens that just ended or are about to: that is where the bound is tested.
    const endingWithin = (before: number, after: number) =>
      candidates.filter((token) => {
        const end = this.invariants.endOf(token.id);
        return end !== undefined && end.at > now - before && end.at < now + after;
      });
    const justEnded = endingWithin(10_000, 2_000);
    const ending = endingWithin(120_000, 10_000);
    // Vendors mostly use tokens that work (so containers hold their statuses), and keep calling
    // with those that just ended (where a stale decision would be cached).
    const usable = candidates.filter((token) => {
      const end = this.invariants.endOf(token.id);
      return !token.pending && (end === undefined || end.at > now);
    });
    const draw = random.float();
    const token =
      usable.length > 0 && draw < 0.4
        ? random.pick(usable)
        : justEnded.length > 0 && draw < 0.7
          ? random.pick(justEnded)
          : ending.length > 0 && draw < 0.85
            ? random.pick(ending)
            : random.pick(candidates);
    await this.send(token);
  }

  private async send(token: Held): Promise<void> {
    const random = this.traffic;
    const fitting = clientIps.filter((ip) => isIpAllowed(ip, compileIpEntries(token.allowedIps), token.allowedIps.length));
    const sourceIp = fitting.length > 0 && random.chance(0.85) ? random.pick(fitting) : random.pick(clientIps);
    const route = random.pick(exampleApiRoutes);
    this.requests++;
    await this.gateway.request({
      tokenId: token.id,
      authorization: `Bearer ${token.accessToken}`,
      sourceIp,
      method: route.method,
      resource: route.resource,
      path: route.resource.replace('{id}', String(random.int(1, 99))),
    });
  }

  private async workloadLoop(): Promise<void> {
    for (;;) {
      await this.scheduler.sleep(this.workload.exponential(this.profile.opMeanMs));
      if (this.scheduler.now() < this.quietUntil) continue;
      const weights: Record<string, number> = {
        create: 14,
        burst: 2,
        refresh: 10,
        replay: 3,
        revoke: 7 * this.profile.revocationWeight,
        leak: 2 * this.profile.revocationWeight,
        regenerate: 5,
        edit: 6,
        review: 7,
        policy: 1,
        quiet: 2,
      };
      for (const left of this.options.without ?? []) delete weights[left];
      const kind = this.workload.weighted(weights);
      void this.operation(kind);
    }
  }

  private caller(tenant: string, userId: string): Caller {
    return { tenant, userId, isAdmin: userId === people[tenant]!.admin, sourceIp: '192.0.2.10' };
  }

  /** Per owner: creates under way, and when the last one answered (to tell a race from index lag). */
  private readonly creates = new Map<string, { inFlight: number; lastAnswered?: number }>();
  private readonly createOf = new Map<string, { key: string; owner: string; lastAnsweredBefore?: number }>();

  private async creating<T>(tenant: string, owner: string, actor: string, run: () => Promise<T>): Promise<T> {
    const key = `${tenant}#${owner}`;
    const state = this.creates.get(key) ?? { inFlight: 0 };
    this.creates.set(key, state);
    const now = this.scheduler.now();
    this.createOf.set(actor, { key, owner, ...(state.lastAnswered === undefined ? {} : { lastAnsweredBefore: now - state.lastAnswered }) });
    state.inFlight++;
    try {
      return await run();
    } finally {
      state.inFlight--;
      state.lastAnswered = this.scheduler.now();
    }
  }

  /** For a cap violation: were other creates of the owner under way at the commit (a race), or none (index lag)? */
  private createContext(actor: string): string | undefined {
    const create = this.createOf.get(actor);
    if (!create) return undefined;
    const others = this.creates.get(create.key)!.inFlight - 1;
    return others > 0
      ? `${others} other create(s) of ${create.owner} under way at its commit`
      : `no other create of ${create.owner} under way at its commit${create.lastAnsweredBefore === undefined ? '' : `; the previous one had answered ${(create.lastAnsweredBefore / 1000).toFixed(3)} s before it started`}`;
  }

  private actor(kind: string): string {
    this.operations++;
    return `op${++this.actors}:${kind}`;
  }

  /** Runs one use case, tracing its start and its answer; a 500 (anything but a domain error or a 503) is a violation. */
  private async call<T>(actor: string, what: string, run: () => Promise<T>, describe: (value: T) => string): Promise<T | undefined> {
    this.trace.log(actor, what);
    try {
      const value = await run();
      this.trace.log(actor, `→ ${describe(value)}`);
      return value;
    } catch (error) {
      if (error instanceof DomainError) this.trace.log(actor, `→ ${error.status} ${error.code}: ${error.message}`);
      else if (error instanceof DependencyUnavailable) this.trace.log(actor, '→ 503 unavailable');
      else {
        this.trace.log(actor, `→ 500 ${(error as Error).name}: ${(error as Error).message}`);
        this.invariants.violate('0 no 500', this.scheduler.now(), `${actor}: ${(error as Error).stack}`);
      }
      return undefined;
    }
  }

  private hold(token: IssuedToken, previous?: Held): void {
    this.held.set(token.id, {
      id: token.id,
      tenant: token.tenant,
      owner: token.owner,
      familyId: token.familyId,
      accessToken: token.accessToken,
      refreshKey: token.refreshKey,
      scopes: token.scopes,
      allowedIps: token.allowedIps,
      oldKeys: previous ? [...previous.oldKeys, previous.refreshKey] : [],
      pending: token.status === 'pending',
    });
  }

  private pickHeld(filter: (token: Held) => boolean = () => true): Held | undefined {
    const candidates = [...this.held.values()].filter(filter);
    return candidates.length > 0 ? this.workload.pick(candidates) : undefined;
  }

  /** Mostly a token that still works (the one whose revocation matters), now and then any. */
  private pickUsable(): Held | undefined {
    const now = this.scheduler.now();
    const usable = (token: Held) => {
      const end = this.invariants.endOf(token.id);
      return !token.pending && (end === undefined || end.at > now);
    };
    return this.workload.chance(0.85) ? (this.pickHeld(usable) ?? this.pickHeld()) : this.pickHeld();
  }

  private newRequest(tenant: string, owner: string, byAdmin: boolean, description: string) {
    const random = this.workload;
    const scopes = scopePool.filter(() => random.chance(0.4));
    if (scopes.length === 0) scopes.push(random.pick(scopePool));
    const restrict = tenant === 'acme' || random.chance(0.5);
    // Mostly narrow entries; now and then one that allows every address.
    const allowedIps = restrict
      ? [...new Set([random.pick(ipEntryPool.slice(0, 5)), ...(random.chance(0.3) ? [random.pick(ipEntryPool)] : [])])]
      : [];
    const expiry = random.chance(0.75)
      ? { expiresAt: new Date(Math.floor((this.scheduler.now() + random.int(40_000, 900_000)) / 1000) * 1000).toISOString() }
      : { expiresInDays: 90 };
    return { description, scopes, allowedIps, ...expiry, ...(byAdmin ? { owner } : {}) };
  }

  private async operation(kind: string): Promise<void> {
    const random = this.workload;
    const tenant = random.pick(Object.keys(people));
    const { users, admin } = people[tenant]!;
    switch (kind) {
      case 'create': {
        const owner = random.pick(users);
        const byAdmin = random.chance(0.2);
        const request = this.newRequest(tenant, owner, byAdmin, random.pick(descriptions));
        const actor = this.actor('create');
        const token = await this.call(
          actor,
          `create for ${owner}@${tenant}${byAdmin ? ` by ${admin}` : ''}: ${request.scopes.join(' ')} ips [${request.allowedIps.join(', ')}] ${request.expiresAt ?? '90 days'}`,
          () => this.creating(tenant, owner, actor, () => this.ops.create(actor, this.caller(tenant, byAdmin ? admin : owner), request)),
          (value) => `201 ${short(value.id)} ${value.status}`,
        );
        if (token) this.hold(token);
        return;
      }
      case 'burst': {
        const owner = random.pick(users);
        const count = random.int(3, 6);
        await Promise.all(
          Array.from({ length: count }, async (_, index) => {
            const request = this.newRequest(tenant, owner, false, `burst ${index}`);
            const actor = this.actor('create');
            const token = await this.call(
              actor,
              `create (burst ${index + 1}/${count}) for ${owner}@${tenant}`,
              () => this.creating(tenant, owner, actor, () => this.ops.create(actor, this.caller(tenant, owner), request)),
              (value) => `201 ${short(value.id)} ${value.status}`,
            );
            if (token) this.hold(token);
          }),
        );
        return;
      }
      case 'refresh':
      case 'replay': {
        const token = this.pickHeld((held) => kind === 'refresh' || held.oldKeys.length > 0);
        if (!token) return;
        const key = kind === 'refresh' ? token.refreshKey : random.pick(token.oldKeys);
        const actor = this.actor('refresh');
        const outcome = await this.call(
          actor,
          `${kind === 'refresh' ? 'refresh' : 'refresh with an old key'} of ${short(token.id)}`,
          () => this.ops.refresh(actor, key),
          (value) =>
            value.kind === 'reuse_detected'
              ? `401 reuse detected, revoked ${value.revokedIds.map(short).join(', ')}`
              : `200 ${value.kind} → ${short(value.token.id)}`,
        );
        if (outcome && outcome.kind !== 'reuse_detected') this.hold(outcome.token, token);
        return;
      }
      case 'revoke': {
        const token = this.pickUsable();
        if (!token) return;
        const by = random.chance(0.3) ? people[token.tenant]!.admin : token.owner;
        const actor = this.actor('revoke');
        await this.call(
          actor,
          `revoke ${short(token.id)} by ${by}`,
          () => this.ops.revoke(actor, this.caller(token.tenant, by), token.id),
          (value) => `200 revoked ${value.revokedTokenIds.map(short).join(', ') || 'nothing new'}`,
        );
        return;
      }
      case 'leak': {
        const token = this.pickUsable();
        if (!token) return;
        const secret = random.chance(0.5)
          ? token.accessToken
          : token.oldKeys.length > 0 && random.chance(0.5)
            ? random.pick(token.oldKeys)
            : token.refreshKey;
        const actor = this.actor('leak');
        await this.call(
          actor,
          `leak report naming ${short(token.id)}'s ${secret === token.accessToken ? 'access token' : 'refresh key'}`,
          () => this.ops.revokeLeaked(actor, [secret]),
          (count) => `revoked ${count}`,
        );
        return;
      }
      case 'regenerate': {
        const token = this.pickHeld();
        if (!token) return;
        const by = random.chance(0.3) ? people[token.tenant]!.admin : token.owner;
        const actor = this.actor('regenerate');
        const issued = await this.call(
          actor,
          `regenerate ${short(token.id)} by ${by}`,
          () => this.ops.regenerate(actor, this.caller(token.tenant, by), token.id),
          (value) => `200 → ${short(value.id)} ${value.status} until ${value.expiresAt}`,
        );
        if (issued) this.hold(issued, token);
        return;
      }
      case 'edit': {
        const token = this.pickHeld();
        if (!token) return;
        const by = random.chance(0.2) ? people[token.tenant]!.admin : token.owner;
        const what = random.weighted({ ips: 3, scopes: 1, description: 1 });
        const changes: TokenEdit =
          what === 'ips'
            ? { allowedIps: [...new Set([random.pick(ipEntryPool), ...(random.chance(0.3) ? [random.pick(ipEntryPool)] : [])])] }
            : what === 'scopes'
              ? { scopes: token.scopes.filter(() => random.chance(0.6)).concat(token.scopes.slice(0, 1)) }
              : { description: random.pick(descriptions) };
        const actor = this.actor('edit');
        // An admin's edit is an admin's grant: what it writes is what an admin saw and chose.
        if (by === people[token.tenant]!.admin) this.invariants.adminEdits(actor);
        const view = await this.call(
          actor,
          `PATCH ${short(token.id)} by ${by}: ${JSON.stringify(changes)}`,
          () => this.ops.edit(actor, this.caller(token.tenant, by), token.id, changes),
          (value) => `200 ${value.status} ips [${value.allowedIps.join(', ')}] scopes ${value.scopes.join(' ')}`,
        );
        if (view) Object.assign(token, { scopes: view.scopes, allowedIps: view.allowedIps });
        return;
      }
      case 'review': {
        const token = this.pickHeld((held) => held.pending);
        if (!token) return;
        const reviewer = this.caller(token.tenant, people[token.tenant]!.admin);
        const lookActor = this.actor('look');
        const shown = await this.call(
          lookActor,
          `admin ${reviewer.userId} looks at ${short(token.id)}`,
          () => this.ops.look(lookActor, reviewer, token.id),
          (value) => `200 ${value.status} ips [${value.allowedIps.join(', ')}] scopes ${value.scopes.join(' ')}`,
        );
        if (shown?.status !== 'pending') return;
        await this.scheduler.sleep(random.int(200, 4_000));
        const approve = random.chance(0.8);
        const actor = this.actor('decide');
        this.invariants.showed(actor, {
          tokenId: shown.id,
          scopes: shown.scopes,
          allowedIps: shown.allowedIps,
          lifetimeMs: shown.expiresAt ? Date.parse(shown.expiresAt) - Date.parse(shown.createdAt!) : null,
        });
        const decided = await this.call(
          actor,
          `${approve ? 'approve' : 'reject'} ${short(token.id)} by ${reviewer.userId}`,
          () => this.ops.decide(actor, reviewer, token.id, approve, shown),
          (value) => `200 ${value.status}`,
        );
        if (decided) token.pending = false;
        return;
      }
      case 'policy': {
        const change: TenantPolicyOverrides = random.chance(0.5)
          ? { requireApproval: random.chance(0.5) }
          : { creators: random.chance(0.7) ? 'everyone' : 'admins' };
        const actor = this.actor('policy');
        await this.call(
          actor,
          `set globex policy ${JSON.stringify(change)}`,
          () => this.ops.setPolicy(actor, this.caller('globex', 'gil'), change),
          () => '200',
        );
        return;
      }
      case 'quiet': {
        const pause = random.int(30_000, 360_000);
        this.quietUntil = this.scheduler.now() + pause;
        this.trace.log('sim', `quiet for ${Math.round(pause / 1000)} s (time passes: tokens expire, graces end)`);
        return;
      }
    }
  }
}

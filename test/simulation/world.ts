import { generateKeyPairSync } from 'node:crypto';
import { keys } from '../../functions/adapters/dynamodb/table-layout';
import { LocalKeyRing } from '../../functions/adapters/local-signer';
import { compileIpEntries, isIpAllowed } from '../../functions/domain/ip-entries';
import { exampleApiRoutes, exampleCatalogue } from '../../functions/domain/routes';
import { entropy } from '../../functions/service/audit-events';
import { authorizerHandler } from '../../infra/handlers';
import { FeedAttacker, grantOf } from './attacker';
import { calmProfile, FaultCounters, SimulatedNetwork } from './dynamodb-client';
import { SimulatedDynamoDb } from './dynamodb-model';
import { ApiGatewayModel, REST_API_ID, STAGE } from './gateway';
import { Invariants, type Violation } from './invariants';
import { operationsOf } from './operations';
import { clientIps, profileOf, START, simulatedPolicy, tenantOverrides, type Profile, type ProfileName } from './profiles';
import { Random } from './random';
import { Scheduler } from './scheduler';
import { RESULT_CACHE_MS, ServiceSystem } from './system';
import { Trace } from './trace';
import { Workload, type Held } from './workload';

/** `1 revocation bound` matches every violation of that invariant; `1 revocation bound (re-allowed after a flush)` that kind only. */
export const matches = (violation: Violation, name: string) =>
  violation.invariant === name || `${violation.invariant} (${violation.kind})` === name;

let keyRing: LocalKeyRing | undefined;
/** One signing key per process: ECDSA signatures differ per run, but nothing the simulation decides depends on their bytes. */
const signingKeys = () => (keyRing ??= new LocalKeyRing(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey));

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
  private readonly workload: Workload;
  private readonly gateway: ApiGatewayModel;
  private requests = 0;

  constructor(
    readonly seed: number,
    options: Pick<RunOptions, 'profile' | 'attacker' | 'without'> = {},
  ) {
    this.random = new Random(seed);
    this.profile = profileOf(this.random.fork('profile'), options.profile);
    if (options.attacker !== undefined) this.profile.attacker = options.attacker;
    this.entropy = this.random.fork('entropy');
    const workloadRandom = this.random.fork('workload');
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
    this.invariants = new Invariants(this.db, simulatedPolicy, RESULT_CACHE_MS, 10_000, (actor) => this.workload.createContext(actor));
    this.db.listeners.push((changes, at, actor) => this.invariants.onCommit(changes, at, actor));
    // A vendor does not know its token was revoked: it goes on calling, often quickly. That is
    // when a stale decision can be cached, so the requests of the next seconds test the bound.
    this.invariants.onFamilyRevoked = (familyId) => {
      const members = [...this.workload.held.values()].filter((token) => token.familyId === familyId);
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
    this.workload = new Workload({
      random: workloadRandom,
      scheduler: this.scheduler,
      trace: this.trace,
      invariants: this.invariants,
      ops: operationsOf(this.system),
      profile: this.profile,
      without: options.without,
    });
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
    void this.workload.loop();
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
      operations: this.workload.operations,
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
    const candidates = [...this.workload.held.values()];
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
}

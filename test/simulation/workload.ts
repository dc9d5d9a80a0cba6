import { DependencyUnavailable, DomainError } from '../../functions/domain/errors';
import type { TenantPolicyOverrides } from '../../functions/domain/tenant-policy';
import type { Caller } from '../../functions/service/caller';
import type { TokenEdit } from '../../functions/service/ports';
import type { IssuedToken } from '../../functions/service/token-reads';
import { short, type Invariants } from './invariants';
import type { Operations } from './operations';
import { descriptions, ipEntryPool, people, scopePool, type Profile } from './profiles';
import type { Random } from './random';
import type { Scheduler } from './scheduler';
import type { Trace } from './trace';

/** A token a vendor holds: what it sends, and the keys it used before. */
export interface Held {
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

export interface WorkloadDeps {
  /** The workload's own stream of draws. */
  random: Random;
  scheduler: Scheduler;
  trace: Trace;
  invariants: Invariants;
  ops: Operations;
  profile: Profile;
  /** Operations left out of the workload. */
  without?: string[];
}

/**
 * The people of the simulation: creates, refreshes, replays, revocations, leak reports, edits,
 * approvals and policy changes, drawn at random and run through the real use cases, each traced
 * with its answer. The tokens they obtain are `held`, for the vendors' traffic.
 */
export class Workload {
  readonly held = new Map<string, Held>();
  operations = 0;
  private actors = 0;
  private quietUntil = 0;
  private readonly random: Random;

  constructor(private readonly deps: WorkloadDeps) {
    this.random = deps.random;
  }

  async loop(): Promise<void> {
    for (;;) {
      await this.deps.scheduler.sleep(this.random.exponential(this.deps.profile.opMeanMs));
      if (this.deps.scheduler.now() < this.quietUntil) continue;
      const weights: Record<string, number> = {
        create: 14,
        burst: 2,
        refresh: 10,
        replay: 3,
        revoke: 7 * this.deps.profile.revocationWeight,
        leak: 2 * this.deps.profile.revocationWeight,
        regenerate: 5,
        edit: 6,
        review: 7,
        policy: 1,
        quiet: 2,
      };
      for (const left of this.deps.without ?? []) delete weights[left];
      const kind = this.random.weighted(weights);
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
    const now = this.deps.scheduler.now();
    this.createOf.set(actor, { key, owner, ...(state.lastAnswered === undefined ? {} : { lastAnsweredBefore: now - state.lastAnswered }) });
    state.inFlight++;
    try {
      return await run();
    } finally {
      state.inFlight--;
      state.lastAnswered = this.deps.scheduler.now();
    }
  }

  /** For a cap violation: were other creates of the owner under way at the commit (a race), or none (index lag)? */
  createContext(actor: string): string | undefined {
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
    this.deps.trace.log(actor, what);
    try {
      const value = await run();
      this.deps.trace.log(actor, `→ ${describe(value)}`);
      return value;
    } catch (error) {
      if (error instanceof DomainError) this.deps.trace.log(actor, `→ ${error.status} ${error.code}: ${error.message}`);
      else if (error instanceof DependencyUnavailable) this.deps.trace.log(actor, '→ 503 unavailable');
      else {
        this.deps.trace.log(actor, `→ 500 ${(error as Error).name}: ${(error as Error).message}`);
        this.deps.invariants.violate('0 no 500', this.deps.scheduler.now(), `${actor}: ${(error as Error).stack}`);
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
    return candidates.length > 0 ? this.random.pick(candidates) : undefined;
  }

  /** Mostly a token that still works (the one whose revocation matters), now and then any. */
  private pickUsable(): Held | undefined {
    const now = this.deps.scheduler.now();
    const usable = (token: Held) => {
      const end = this.deps.invariants.endOf(token.id);
      return !token.pending && (end === undefined || end.at > now);
    };
    return this.random.chance(0.85) ? (this.pickHeld(usable) ?? this.pickHeld()) : this.pickHeld();
  }

  private newRequest(tenant: string, owner: string, byAdmin: boolean, description: string) {
    const random = this.random;
    const scopes = scopePool.filter(() => random.chance(0.4));
    if (scopes.length === 0) scopes.push(random.pick(scopePool));
    const restrict = tenant === 'acme' || random.chance(0.5);
    // Mostly narrow entries; now and then one that allows every address.
    const allowedIps = restrict
      ? [...new Set([random.pick(ipEntryPool.slice(0, 5)), ...(random.chance(0.3) ? [random.pick(ipEntryPool)] : [])])]
      : [];
    const expiry = random.chance(0.75)
      ? { expiresAt: new Date(Math.floor((this.deps.scheduler.now() + random.int(40_000, 900_000)) / 1000) * 1000).toISOString() }
      : { expiresInDays: 90 };
    return { description, scopes, allowedIps, ...expiry, ...(byAdmin ? { owner } : {}) };
  }

  private async operation(kind: string): Promise<void> {
    const random = this.random;
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
          () =>
            this.creating(tenant, owner, actor, () => this.deps.ops.create(actor, this.caller(tenant, byAdmin ? admin : owner), request)),
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
              () => this.creating(tenant, owner, actor, () => this.deps.ops.create(actor, this.caller(tenant, owner), request)),
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
          () => this.deps.ops.refresh(actor, key),
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
          () => this.deps.ops.revoke(actor, this.caller(token.tenant, by), token.id),
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
          () => this.deps.ops.revokeLeaked(actor, [secret]),
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
          () => this.deps.ops.regenerate(actor, this.caller(token.tenant, by), token.id),
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
        if (by === people[token.tenant]!.admin) this.deps.invariants.adminEdits(actor);
        const view = await this.call(
          actor,
          `PATCH ${short(token.id)} by ${by}: ${JSON.stringify(changes)}`,
          () => this.deps.ops.edit(actor, this.caller(token.tenant, by), token.id, changes),
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
          () => this.deps.ops.look(lookActor, reviewer, token.id),
          (value) => `200 ${value.status} ips [${value.allowedIps.join(', ')}] scopes ${value.scopes.join(' ')}`,
        );
        if (shown?.status !== 'pending') return;
        await this.deps.scheduler.sleep(random.int(200, 4_000));
        const approve = random.chance(0.8);
        const actor = this.actor('decide');
        this.deps.invariants.showed(actor, {
          tokenId: shown.id,
          scopes: shown.scopes,
          allowedIps: shown.allowedIps,
          lifetimeMs: shown.expiresAt ? Date.parse(shown.expiresAt) - Date.parse(shown.createdAt!) : null,
        });
        const decided = await this.call(
          actor,
          `${approve ? 'approve' : 'reject'} ${short(token.id)} by ${reviewer.userId}`,
          () => this.deps.ops.decide(actor, reviewer, token.id, approve, shown),
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
          () => this.deps.ops.setPolicy(actor, this.caller('globex', 'gil'), change),
          () => '200',
        );
        return;
      }
      case 'quiet': {
        const pause = random.int(30_000, 360_000);
        this.quietUntil = this.deps.scheduler.now() + pause;
        this.deps.trace.log('sim', `quiet for ${Math.round(pause / 1000)} s (time passes: tokens expire, graces end)`);
        return;
      }
    }
  }
}

import { keys } from '../../functions/adapters/dynamodb/table-layout';
import { parseIpEntry, type IpRange } from '../../functions/domain/ip-entries';
import type { TokenPolicy } from '../../functions/domain/token-policy';
import { covers } from '../../functions/domain/scopes';
import {
  effectivePolicy,
  tenantPolicyFields,
  type EffectivePolicy,
  type TenantPolicyOverrides,
} from '../../functions/domain/tenant-policy';
import type { ItemChange, SimulatedDynamoDb } from './dynamodb-model';
import type { Item } from './expressions';

/** The revocation bound the product promises (docs/revocation.md): 5 s. */
export const REVOCATION_BOUND_MS = 5_000;

export interface Violation {
  invariant: string;
  /** A finer kind, for keeping the first of each kind when a run goes on (the bound's: how the stale result got cached). */
  kind?: string;
  at: number;
  message: string;
  /** How many trace lines there were when it was found (its line is the last of them). */
  traceLine?: number;
}

/** The terms an approving admin was shown (their GET before the decision). */
export interface ShownTerms {
  tokenId: string;
  scopes: string[];
  allowedIps: string[];
  /** ms from creation to expiry; null: no expiry. */
  lifetimeMs: number | null;
}

const isToken = (item: Item | undefined): item is Item => item !== undefined && typeof item.pk === 'string' && item.pk.startsWith('TOKEN#');
const isFamily = (item: Item | undefined): item is Item =>
  item !== undefined && typeof item.pk === 'string' && item.pk.startsWith('FAMILY#');
/** Usable or waiting: state active or pending, not expired. */
const live = (item: Item | undefined, at: number): boolean =>
  isToken(item) && (item.state === 'active' || item.state === 'pending') && (typeof item.expiresAt !== 'number' || item.expiresAt > at);
const kindOf = (actor: string) => actor.split(':')[1] ?? actor;

/** Whether IP ranges together cover every address of a family (IPv4 or IPv6). */
export function coversEveryAddress(entries: readonly string[]): boolean {
  const ranges = entries.map(parseIpEntry).flatMap((parsed) => (parsed.ok ? [parsed.range] : []));
  return (['ipv4', 'ipv6'] as const).some((kind) => {
    const width = kind === 'ipv4' ? 4 : 16;
    const spans = ranges
      .filter((range) => range.kind === kind)
      .map((range) => [toBig(range.from), toBig(range.to)] as const)
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    let next = 0n;
    for (const [from, to] of spans) {
      if (from > next) return false;
      if (to + 1n > next) next = to + 1n;
    }
    return next === 1n << BigInt(8 * width);
  });
}

const toBig = (bytes: number[]) => bytes.reduce((value, byte) => (value << 8n) | BigInt(byte), 0n);
const within = (inner: IpRange, outer: IpRange) =>
  inner.kind === outer.kind && toBig(inner.from) >= toBig(outer.from) && toBig(inner.to) <= toBig(outer.to);

/** Is every entry of `entries` within one of `shown`? (No entries: every address, so only within "no entries".) */
export function ipsWithin(entries: readonly string[], shown: readonly string[]): boolean {
  if (shown.length === 0) return true;
  if (entries.length === 0) return false;
  const outer = shown.map(parseIpEntry).flatMap((parsed) => (parsed.ok ? [parsed.range] : []));
  return entries.every((entry) => {
    const parsed = parseIpEntry(entry);
    return parsed.ok && outer.some((range) => within(parsed.range, range));
  });
}

/**
 * The promises of issue 20, checked where the state they are about changes: at every commit of the
 * simulated DynamoDB (2, 3, 4, 5) and at every request the gateway model lets through (1). Between
 * two such events nothing they read changes, so this is the same as checking after every step.
 */
/** How long an alarm raised by a flusher report stays in ALARM (its one-minute evaluation period). */
const ALARM_PERIOD_MS = 60_000;
/** A late flush reports itself when it lands: a request past the bound waits this long for that report. */
const REPORT_WAIT_MS = 30_000;

export class Invariants {
  checks = 0;
  readonly violations: Violation[] = [];
  /** First commit that revoked a token other than by rotation (a revoke, a rejection, a family sweep). */
  private readonly revokedAt = new Map<string, number>();
  private readonly familyRevokedAt = new Map<string, number>();
  private readonly tokensOfFamily = new Map<string, Set<string>>();
  private readonly tokensOfOwner = new Map<string, Set<string>>();
  /** Per family: what the admin who approved it was shown. */
  private readonly approvedTerms = new Map<string, ShownTerms>();
  /** Per decide invocation (actor): what its admin was shown. */
  private readonly shownTo = new Map<string, ShownTerms>();
  /** When the stage flusher reported a failed flush or read, or a late flush. */
  private readonly flusherReports: { at: number; windowMs: number }[] = [];
  /** Told when a family's revocation commits (the workload's vendors then keep calling with it). */
  onFamilyRevoked: (familyId: string, at: number) => void = () => undefined;

  constructor(
    private readonly db: SimulatedDynamoDb,
    private readonly deployment: TokenPolicy,
    private readonly resultCacheMs: number,
    private readonly fallbackStatusCacheMs: number,
    /** What the workload knows of a writer (for a create: were others under way?), for the messages. */
    private readonly writerContext: (actor: string) => string | undefined = () => undefined,
  ) {}

  /** Family revocation commits in the `ms` before `at`: a flush this soon after one is the race of issue 20's first hole. */
  commitsWithin(at: number, ms: number): string[] {
    const found: string[] = [];
    for (const [id, committed] of this.familyRevokedAt)
      if (committed <= at && committed > at - ms) found.push(`${short(id)} (${at - committed} ms before)`);
    return found;
  }

  /** The writes of `actor` are an admin's edit: the terms it writes become what an admin approved. */
  adminEdits(actor: string): void {
    this.adminEditors.add(actor);
  }

  private readonly adminEditors = new Set<string>();

  showed(actor: string, terms: ShownTerms): void {
    this.shownTo.set(actor, terms);
  }

  /**
   * The flusher (or the platform, for a crashed run) reported trouble at `at`. A crashed run raises
   * the FlusherErrors alarm at once (Lambda's Errors metric), which stays in ALARM for its minute; a
   * failed read or flush, or a late flush, is reported when it happens.
   */
  flusherReported(at: number, kind: 'failure' | 'crash' = 'failure'): void {
    this.flusherReports.push({ at, windowMs: kind === 'crash' ? ALARM_PERIOD_MS : 0 });
  }

  /** Keeps only the first violation of each invariant (a run that goes on after its first one). */
  firstOfEach = false;

  violate(invariant: string, at: number, message: string, kind?: string): void {
    if (this.firstOfEach && this.violations.some((violation) => violation.invariant === invariant && violation.kind === kind)) return;
    this.violations.push({ invariant, at, message, ...(kind === undefined ? {} : { kind }) });
  }

  policyOf(tenant: string): EffectivePolicy {
    const item = this.db.current(`${keys.tenantPolicy(tenant).pk}\u0000${keys.tenantPolicy(tenant).sk}`);
    const overrides: Record<string, unknown> = {};
    for (const field of tenantPolicyFields) if (item?.[field] !== undefined) overrides[field] = item[field];
    return effectivePolicy(this.deployment, overrides as TenantPolicyOverrides);
  }

  private token(id: string): Item | undefined {
    return this.db.current(`TOKEN#${id}\u0000TOKEN`);
  }

  /**
   * The instant from which the token must no longer get through, and why: its `exp`, the end of
   * its grace, the commit of its revocation or of its family's. Undefined while it may.
   */
  endOf(tokenId: string): { at: number; why: string } | undefined {
    const item = this.token(tokenId);
    if (!item) return undefined;
    const ends: { at: number; why: string }[] = [];
    if (typeof item.expiresAt === 'number') ends.push({ at: item.expiresAt, why: 'exp' });
    if (item.state === 'revoked' && item.revokeReason === 'rotated' && typeof item.graceUntil === 'number')
      ends.push({ at: item.graceUntil, why: 'graceUntil' });
    const revoked = this.revokedAt.get(tokenId);
    if (revoked !== undefined) ends.push({ at: revoked, why: `revocation (${item.revokeReason})` });
    const family = this.familyRevokedAt.get(item.familyId as string);
    if (family !== undefined) ends.push({ at: family, why: 'family revocation' });
    return ends.sort((a, b) => a.at - b.at)[0];
  }

  /**
   * 1. Nothing gets through more than the bound after its end. Precisely: a request the gateway
   * lets through at `at` for a token whose end (above) is E violates the bound when
   * at > E + 5 s, unless the stage flusher reports a failed or late flush at some instant from E
   * on (a crashed run: from a minute before E), at the latest `REPORT_WAIT_MS` after the request (a
   * late flush reports itself when it lands, after the requests it was late for); even then,
   * at > E + the result TTL + the fallback status cache is a violation at once.
   */
  onAllowed(tokenId: string, at: number, detail: (end: number) => { kind: string; text: string }): void {
    this.checks++;
    const end = this.endOf(tokenId);
    if (!end || at <= end.at + REVOCATION_BOUND_MS) return;
    const late = at - end.at;
    const message = `${short(tokenId)} let through ${(late / 1000).toFixed(3)} s after its ${end.why} at ${iso(end.at)} (bound ${REVOCATION_BOUND_MS / 1000} s`;
    const { kind, text } = detail(end.at);
    if (late > this.resultCacheMs + this.fallbackStatusCacheMs) {
      this.violate('1 revocation bound', at, `${message}, past even the degraded bound): ${text}`, kind);
      return;
    }
    if (this.flusherReports.some((report) => this.covers(report, end.at, at))) return;
    this.suspects.push({ at, endAt: end.at, kind, message: `${message}, no flusher report within ${REPORT_WAIT_MS / 1000} s): ${text}` });
  }

  /** Does a flusher report at `report.at` cover a request at `at` for a token that ended at `endAt`? */
  private covers(report: { at: number; windowMs: number }, endAt: number, at: number): boolean {
    return report.at >= endAt - report.windowMs && report.at <= at + REPORT_WAIT_MS;
  }

  /** Requests past the bound still waiting for the flusher's report; each is a violation if none comes in time. */
  private suspects: { at: number; endAt: number; kind: string; message: string }[] = [];

  /** Turns suspects whose report did not come within `REPORT_WAIT_MS` into violations (each step, and at the end). */
  settle(now: number): void {
    const still: typeof this.suspects = [];
    for (const suspect of this.suspects) {
      if (this.flusherReports.some((report) => this.covers(report, suspect.endAt, suspect.at))) continue;
      if (now - suspect.at > REPORT_WAIT_MS) this.violate('1 revocation bound', suspect.at, suspect.message, suspect.kind);
      else still.push(suspect);
    }
    this.suspects = still;
  }

  onCommit(changes: ItemChange[], at: number, actor: string): void {
    for (const change of changes) {
      if (isFamily(change.after) || isFamily(change.before)) this.familyChanged(change, at);
    }
    for (const change of changes) {
      if (isToken(change.after)) this.tokenChanged(change, changes, at, actor);
    }
  }

  private familyChanged(change: ItemChange, at: number): void {
    this.checks++;
    const familyId = (change.after ?? change.before)!.id as string;
    if (change.after?.state === 'revoked' && change.before?.state !== 'revoked' && !this.familyRevokedAt.has(familyId)) {
      this.familyRevokedAt.set(familyId, at);
      this.onFamilyRevoked(familyId, at);
    }
    if (change.before?.state === 'revoked' && change.after?.state !== 'revoked')
      this.violate('2 family', at, `family ${short(familyId)} went from revoked back to ${change.after?.state ?? 'nothing'}`);
  }

  private tokenChanged(change: ItemChange, changes: ItemChange[], at: number, actor: string): void {
    const after = change.after!;
    const before = change.before;
    const id = after.id as string;
    const familyId = after.familyId as string;
    const ownerKey = `${after.tenant}#${after.owner}`;
    set(this.tokensOfFamily, familyId).add(id);
    set(this.tokensOfOwner, ownerKey).add(id);
    if (after.state === 'revoked' && after.revokeReason !== 'rotated' && !this.revokedAt.has(id)) this.revokedAt.set(id, at);
    const nowLive = live(after, at);
    const wasLive = live(before, at);

    // 5. Nothing becomes usable again from revoked or expired, except a refresh inside its window.
    this.checks++;
    if (before?.state === 'revoked' && (after.state === 'active' || after.state === 'pending'))
      this.violate('5 no revival', at, `${short(id)} went from revoked (${before.revokeReason}) back to ${after.state} by ${actor}`);
    if (!before && typeof after.predecessorId === 'string') {
      const predecessorId = after.predecessorId;
      const predecessor =
        changes.find((other) => other.after?.id === predecessorId && isToken(other.after))?.before ?? this.token(predecessorId);
      const expiredAt = typeof predecessor?.expiresAt === 'number' && predecessor.expiresAt <= at ? predecessor.expiresAt : undefined;
      const window = this.deployment.refreshWindowDays * 86_400_000;
      if (expiredAt !== undefined && !(kindOf(actor) === 'refresh' && at < expiredAt + window))
        this.violate(
          '5 no revival',
          at,
          `${kindOf(actor)} made successor ${short(id)} of ${short(predecessorId)}, expired since ${iso(expiredAt)} (${((at - expiredAt) / 1000).toFixed(1)} s): only a refresh within its window may`,
        );
      if (predecessor && predecessor.state !== 'active')
        this.violate('5 no revival', at, `successor ${short(id)} of ${short(predecessorId)}, which was ${predecessor.state}, by ${actor}`);
    }

    // 2. At most one live member per family; none once the family is revoked.
    this.checks++;
    if (nowLive) {
      const liveMembers = [...this.tokensOfFamily.get(familyId)!].filter((member) => live(this.token(member), at));
      if (liveMembers.length > 1)
        this.violate(
          '2 family',
          at,
          `family ${short(familyId)} has ${liveMembers.length} live members: ${liveMembers.map(short).join(', ')}`,
        );
      const familyRevoked = this.familyRevokedAt.get(familyId);
      if (familyRevoked !== undefined && !wasLive)
        this.violate(
          '2 family',
          at,
          `${short(id)} became ${after.state} in family ${short(familyId)}, revoked at ${iso(familyRevoked)}, by ${actor}`,
        );
    }

    // 3. An owner never holds more live tokens than the cap.
    this.checks++;
    const policy = this.policyOf(after.tenant as string);
    if (nowLive && !wasLive) {
      const held = [...this.tokensOfOwner.get(ownerKey)!].filter((member) => {
        const item = this.token(member);
        return live(item, at) && !this.familyRevokedAt.has(item!.familyId as string);
      });
      if (held.length > policy.maxActiveTokensPerOwner)
        this.violate(
          '3 cap',
          at,
          `${after.owner} (${after.tenant}) holds ${held.length} live tokens, cap ${policy.maxActiveTokensPerOwner}, after ${actor} wrote ${short(id)}: ${held.map(short).join(', ')} (${this.writerContext(actor) ?? 'not a create'})`,
        );
    }

    // 4. Never wider than the approving admin saw; no all-address entry where IP restriction is required.
    this.checks++;
    if (before?.state === 'pending' && after.state === 'active') {
      const shown = this.shownTo.get(actor);
      if (shown) this.approvedTerms.set(familyId, shown);
      else this.violate('4 approval', at, `${short(id)} approved by ${actor} with no record of what the admin was shown`);
    }
    if (this.adminEditors.has(actor) && this.approvedTerms.has(familyId)) {
      const approved = this.approvedTerms.get(familyId)!;
      this.approvedTerms.set(familyId, { ...approved, scopes: after.scopes as string[], allowedIps: after.allowedIps as string[] });
    }
    const shown = this.approvedTerms.get(familyId);
    if (shown && after.state === 'active' && nowLive) {
      const wider: string[] = [];
      const scopes = after.scopes as string[];
      if (!scopes.every((scope) => covers(shown.scopes, scope))) wider.push(`scopes ${scopes.join(' ')} ⊄ ${shown.scopes.join(' ')}`);
      if (!ipsWithin(after.allowedIps as string[], shown.allowedIps))
        wider.push(`allowedIps [${(after.allowedIps as string[]).join(', ')}] ⊄ [${shown.allowedIps.join(', ')}]`);
      const lifetime = typeof after.expiresAt === 'number' ? after.expiresAt - (after.createdAt as number) : null;
      if (shown.lifetimeMs !== null && (lifetime === null || lifetime > shown.lifetimeMs + 1_000))
        wider.push(`lifetime ${lifetime === null ? 'none' : `${lifetime / 1000} s`} > ${shown.lifetimeMs / 1000} s`);
      if (wider.length > 0)
        this.violate(
          '4 approval',
          at,
          `${short(id)} is active and wider than its approver saw (${short(shown.tokenId)}), after ${actor}: ${wider.join('; ')}`,
        );
    }
    if ((nowLive || after.state === 'pending') && policy.requireIpRestriction) {
      const ips = after.allowedIps as string[];
      if (ips.length === 0 || coversEveryAddress(ips))
        this.violate(
          '4 ip restriction',
          at,
          `${short(id)} in ${after.tenant} (requires IP restriction) allows every address: [${ips.join(', ')}], by ${actor}`,
        );
    }
  }
}

function set<K, V>(map: Map<K, Set<V>>, key: K): Set<V> {
  let value = map.get(key);
  if (!value) map.set(key, (value = new Set()));
  return value;
}

export const short = (id: string) => id.slice(0, 6);
export const iso = (millis: number) => new Date(millis).toISOString().slice(11, 23);

import type { FieldProblem } from './errors';
import { entriesOutside, familiesCoveredEntirely, parseIpEntry } from './ip-entries';
import { DAY_SECONDS, policyProblems, policyView, type TokenPolicy } from './token-policy';
import { ALL_SCOPES, isWithinArea, parseScope, type ScopeCatalogue } from './scopes';
import type { TokenRecord } from './token';

/**
 * Tenant governance: each tenant's admins may tighten the deployment's token policy for their
 * tenant, never widen it. A tenant starts with the deployment's policy; what it changed is stored as
 * overrides, and every rule reads the effective policy (deployment merged with overrides).
 */
export type Creators = 'everyone' | 'admins';

export interface TenantRules {
  /** Who may create tokens: any user for themselves, or only admins. @default 'everyone' */
  creators: Creators;
  /** Every new token must carry at least one IP entry. @default false */
  requireIpRestriction: boolean;
  /** Catalogue areas a token may be granted (sub-areas included); null: every area. @default null */
  allowedAreas: string[] | null;
  /** Tokens created by non-admins are `pending` until an admin approves them. @default false */
  requireApproval: boolean;
  /**
   * The network ranges every IP entry of every token must lie within (null: any). With it, a token
   * must carry entries, since no entries means "any address".
   * @default null
   */
  allowedIpRanges: string[] | null;
}

/** The policy fields a tenant may set, each only tighter than the deployment's. */
export const tenantPolicyFields = [
  'lifetimesDays',
  'defaultLifetimeDays',
  'maxLifetimeDays',
  'allowNoExpiry',
  'creators',
  'requireIpRestriction',
  'allowedAreas',
  'maxActiveTokensPerOwner',
  'requireApproval',
  'allowedIpRanges',
  'maxCredentialAgeDays',
  'idleExpiryDays',
] as const;

export type TenantPolicyOverrides = Partial<
  Pick<
    TokenPolicy,
    | 'lifetimesDays'
    | 'defaultLifetimeDays'
    | 'maxLifetimeDays'
    | 'allowNoExpiry'
    | 'maxActiveTokensPerOwner'
    | 'maxCredentialAgeDays'
    | 'idleExpiryDays'
  > &
    TenantRules
>;

export type EffectivePolicy = TokenPolicy & TenantRules;

export const defaultTenantRules: TenantRules = {
  creators: 'everyone',
  requireIpRestriction: false,
  allowedAreas: null,
  requireApproval: false,
  allowedIpRanges: null,
};

export function effectivePolicy(deployment: TokenPolicy, overrides: TenantPolicyOverrides = {}): EffectivePolicy {
  return { ...deployment, ...defaultTenantRules, ...overrides };
}

/** What `GET /policy` and `PUT /tenant/policy` answer. */
export function effectivePolicyView(policy: EffectivePolicy) {
  return {
    ...policyView(policy),
    creators: policy.creators,
    requireIpRestriction: policy.requireIpRestriction,
    allowedAreas: policy.allowedAreas,
    maxActiveTokensPerOwner: policy.maxActiveTokensPerOwner,
    requireApproval: policy.requireApproval,
    allowedIpRanges: policy.allowedIpRanges,
  };
}

/**
 * Applies a change to a tenant's overrides; returns the new overrides, or the problems (each naming
 * its field) when the change would widen the deployment's policy or leave it incoherent.
 */
export function changedOverrides(
  deployment: TokenPolicy,
  catalogue: ScopeCatalogue,
  current: TenantPolicyOverrides,
  change: TenantPolicyOverrides,
): { ok: true; overrides: TenantPolicyOverrides; policy: EffectivePolicy } | { ok: false; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const wider = (field: string, message: string) => problems.push({ field, message });
  if (change.maxLifetimeDays !== undefined && change.maxLifetimeDays > deployment.maxLifetimeDays) {
    wider('maxLifetimeDays', `must be at most the deployment's ${deployment.maxLifetimeDays}`);
  }
  for (const days of change.lifetimesDays ?? []) {
    if (!deployment.lifetimesDays.includes(days))
      wider('lifetimesDays', `${days} is not offered by the deployment (${deployment.lifetimesDays.join(', ')})`);
  }
  if (change.lifetimesDays !== undefined && change.lifetimesDays.length === 0) wider('lifetimesDays', 'must offer at least one lifetime');
  if (change.allowNoExpiry === true && !deployment.allowNoExpiry)
    wider('allowNoExpiry', 'the deployment does not allow tokens without expiry');
  if (change.maxActiveTokensPerOwner !== undefined && change.maxActiveTokensPerOwner > deployment.maxActiveTokensPerOwner) {
    wider('maxActiveTokensPerOwner', `must be at most the deployment's ${deployment.maxActiveTokensPerOwner}`);
  }
  // Credential life: off (null) is the widest; a tenant may set a bound or a shorter one, never lift one.
  for (const field of ['maxCredentialAgeDays', 'idleExpiryDays'] as const) {
    const bound = deployment[field];
    if (change[field] === undefined || bound === null) continue;
    if (change[field] === null) wider(field, `the deployment bounds it at ${bound} days`);
    else if (change[field] > bound) wider(field, `must be at most the deployment's ${bound}`);
  }
  const known = new Set(catalogue.map((area) => area.name));
  for (const area of change.allowedAreas ?? []) if (!known.has(area)) wider('allowedAreas', `${area} is not an area of the catalogue`);
  if (change.allowedIpRanges !== undefined && change.allowedIpRanges !== null) {
    if (change.allowedIpRanges.length === 0) wider('allowedIpRanges', 'must name at least one range (or be null for any)');
    for (const entry of change.allowedIpRanges) {
      const parsed = parseIpEntry(entry);
      if (!parsed.ok) wider('allowedIpRanges', `${entry}: ${parsed.reason}`);
    }
  }
  if (problems.length > 0) return { ok: false, problems };

  const overrides = { ...current, ...change };
  // Stored and shown in canonical form, as a token's own entries are.
  if (change.allowedIpRanges)
    overrides.allowedIpRanges = change.allowedIpRanges.map((entry) => (parseIpEntry(entry) as { canonical: string }).canonical);
  // A lifetime list that the tenant did not set follows the maximum it did set.
  const policy = effectivePolicy(deployment, overrides);
  if (change.maxLifetimeDays !== undefined && overrides.lifetimesDays === undefined) {
    policy.lifetimesDays = deployment.lifetimesDays.filter((days) => days <= policy.maxLifetimeDays);
    if (policy.lifetimesDays.length > 0) overrides.lifetimesDays = policy.lifetimesDays;
  }
  if (
    overrides.defaultLifetimeDays === undefined &&
    !policy.lifetimesDays.includes(policy.defaultLifetimeDays) &&
    policy.lifetimesDays.length > 0
  ) {
    policy.defaultLifetimeDays = Math.min(...policy.lifetimesDays);
    overrides.defaultLifetimeDays = policy.defaultLifetimeDays;
  }
  for (const problem of policyProblems(policy)) {
    const field = tenantPolicyFields.find((name) => problem.startsWith(name) || problem.includes(`(${name}`)) ?? fieldOf(problem);
    problems.push({ field, message: problem });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, overrides, policy };
}

function fieldOf(problem: string): string {
  return tenantPolicyFields.find((name) => problem.includes(name)) ?? 'policy';
}

/** The scopes of a request that the tenant's allowed areas do not permit (`*` covers every area). */
export function scopesOutsideAreas(scopes: readonly string[], allowedAreas: readonly string[] | null): string[] {
  if (allowedAreas === null) return [];
  return scopes.filter((scope) => {
    if (scope === ALL_SCOPES) return true;
    const parsed = parseScope(scope);
    return parsed === undefined || !allowedAreas.some((area) => isWithinArea(parsed.area, area));
  });
}

/**
 * Does the policy allow these grants as they stand: scopes within the allowed areas, an IP
 * restriction where one is required? A successor (refresh, regenerate) may only carry such terms.
 */
export function allowsTerms(policy: EffectivePolicy, terms: Pick<TokenRecord, 'scopes' | 'allowedIps'>): boolean {
  if (scopesOutsideAreas(terms.scopes, policy.allowedAreas).length > 0) return false;
  return ipProblems(policy, terms.allowedIps).length === 0;
}

/**
 * What the tenant's IP rules say of a token's entries (each problem a sentence; none: allowed):
 * with `requireIpRestriction`, at least one entry and none that allows every address; with
 * `allowedIpRanges`, every entry within one of them (so at least one entry).
 */
export function ipProblems(
  policy: Pick<EffectivePolicy, 'requireIpRestriction' | 'allowedIpRanges'>,
  allowedIps: readonly string[],
): string[] {
  const problems: string[] = [];
  if (policy.requireIpRestriction) {
    if (allowedIps.length === 0) problems.push('this tenant requires at least one IP entry');
    // Entries that together allow every address of a family restrict nothing either (0.0.0.0/1 and 128.0.0.0/1).
    const families = familiesCoveredEntirely(allowedIps);
    if (families.length > 0)
      problems.push(
        `this tenant requires an IP restriction: the entries allow every ${families.map((family) => (family === 'ipv4' ? 'IPv4' : 'IPv6')).join(' and ')} address`,
      );
  }
  if (policy.allowedIpRanges !== null) {
    const outside = entriesOutside(allowedIps, policy.allowedIpRanges);
    if (outside.length > 0)
      problems.push(`not within this tenant's allowed ranges (${policy.allowedIpRanges.join(', ')}): ${outside.join(', ')}`);
  }
  return problems;
}

/**
 * May `next` replace `current` as a token's IP entries without widening it: every new entry within
 * an old one? No entries means any address, so from no entries everything is a narrowing, and to
 * no entries is a widening (unless the old entries already allowed everything).
 */
export function narrowsIpEntries(current: readonly string[], next: readonly string[]): boolean {
  return current.length === 0 || entriesOutside(next, current).length === 0;
}

/** Would this token be refused if it were created today? Then it is kept, but flagged. */
export function isOutsidePolicy(
  record: Pick<TokenRecord, 'scopes' | 'allowedIps' | 'createdAt' | 'expiresAt'>,
  policy: EffectivePolicy,
): boolean {
  if (!allowsTerms(policy, record)) return true;
  if (record.expiresAt === null) return !policy.allowNoExpiry;
  return record.expiresAt - Math.floor(record.createdAt / 1000) * 1000 > policy.maxLifetimeDays * DAY_SECONDS * 1000;
}

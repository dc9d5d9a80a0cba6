import type { Creators, TenantPolicy, TenantPolicyChange } from './governance';

/**
 * The tenant policy as the admin edits it on the policy page, and what the admin changed: checked
 * here first, the service having the last word on what the deployment allows.
 */

/** Lifetimes an admin may offer; the service refuses any above the deployment's maximum, naming the field. */
export const COMMON_LIFETIMES = [30, 60, 90, 180, 365];

export type PolicyField = keyof TenantPolicyChange;

export interface PolicyDraft {
  lifetimesDays: number[];
  defaultLifetimeDays: number;
  maxLifetimeDays: string;
  allowNoExpiry: boolean;
  creators: Creators;
  requireIpRestriction: boolean;
  allowedAreas: string[] | null;
  maxActiveTokensPerOwner: string;
  requireApproval: boolean;
  /** Empty: no limit. */
  maxCredentialAgeDays: string;
  /** Empty: no limit. */
  idleExpiryDays: string;
}

export const draftOf = (policy: TenantPolicy): PolicyDraft => ({
  lifetimesDays: [...policy.lifetimesDays],
  defaultLifetimeDays: policy.defaultLifetimeDays,
  maxLifetimeDays: String(policy.maxLifetimeDays),
  allowNoExpiry: policy.allowNoExpiry,
  creators: policy.creators,
  requireIpRestriction: policy.requireIpRestriction,
  allowedAreas: policy.allowedAreas === null ? null : [...policy.allowedAreas],
  maxActiveTokensPerOwner: String(policy.maxActiveTokensPerOwner),
  requireApproval: policy.requireApproval,
  maxCredentialAgeDays: policy.maxCredentialAgeDays == null ? '' : String(policy.maxCredentialAgeDays),
  idleExpiryDays: policy.idleExpiryDays == null ? '' : String(policy.idleExpiryDays),
});

/** The policy field a service detail names (`lifetimesDays[2]` → `lifetimesDays`), if the form has it. */
export function policyFieldOf(detailField: string): PolicyField | undefined {
  const field = detailField.replace(/\[\d+\]$/, '');
  return field in draftFields ? (field as PolicyField) : undefined;
}
const draftFields: Record<keyof PolicyDraft, true> = {
  lifetimesDays: true,
  defaultLifetimeDays: true,
  maxLifetimeDays: true,
  allowNoExpiry: true,
  creators: true,
  requireIpRestriction: true,
  allowedAreas: true,
  maxActiveTokensPerOwner: true,
  requireApproval: true,
  maxCredentialAgeDays: true,
  idleExpiryDays: true,
};

const wholeNumber = (text: string): number | undefined => (/^\s*\d+\s*$/.test(text) && Number(text) >= 1 ? Number(text) : undefined);
const sameList = (a: readonly unknown[] | null, b: readonly unknown[] | null) =>
  a === null || b === null ? a === b : a.length === b.length && a.every((x, i) => x === b[i]);

/** What the admin changed from `policy`, and the problems found on the way (by field). */
export function changeOf(
  draft: PolicyDraft,
  policy: TenantPolicy,
): { change: TenantPolicyChange; problems: Partial<Record<PolicyField, string>> } {
  const problems: Partial<Record<PolicyField, string>> = {};
  const change: TenantPolicyChange = {};
  const lifetimes = [...draft.lifetimesDays].sort((a, b) => a - b);
  if (lifetimes.length === 0) problems.lifetimesDays = 'Offer at least one lifetime.';
  else if (!sameList(lifetimes, policy.lifetimesDays)) change.lifetimesDays = lifetimes;
  if (!lifetimes.includes(draft.defaultLifetimeDays)) problems.defaultLifetimeDays = 'The default must be one of the lifetimes offered.';
  else if (draft.defaultLifetimeDays !== policy.defaultLifetimeDays) change.defaultLifetimeDays = draft.defaultLifetimeDays;
  const maxLifetime = wholeNumber(draft.maxLifetimeDays);
  if (maxLifetime === undefined) problems.maxLifetimeDays = 'Enter a whole number of days, at least 1.';
  else if (maxLifetime !== policy.maxLifetimeDays) change.maxLifetimeDays = maxLifetime;
  const maxActive = wholeNumber(draft.maxActiveTokensPerOwner);
  if (maxActive === undefined) problems.maxActiveTokensPerOwner = 'Enter a whole number, at least 1.';
  else if (maxActive !== policy.maxActiveTokensPerOwner) change.maxActiveTokensPerOwner = maxActive;
  if (draft.allowedAreas !== null && draft.allowedAreas.length === 0) problems.allowedAreas = 'Allow at least one area, or every area.';
  else if (!sameList(draft.allowedAreas && [...draft.allowedAreas].sort(), policy.allowedAreas && [...policy.allowedAreas].sort()))
    change.allowedAreas = draft.allowedAreas;
  // A credential's life: empty is no limit; the service refuses a limit the deployment's is tighter than.
  for (const key of ['maxCredentialAgeDays', 'idleExpiryDays'] as const) {
    const text = draft[key].trim();
    const days = text === '' ? null : wholeNumber(text);
    if (days === undefined) problems[key] = 'Enter a whole number of days, at least 1, or leave it empty for no limit.';
    else if (days !== (policy[key] ?? null)) (change as Record<string, unknown>)[key] = days;
  }
  for (const key of ['allowNoExpiry', 'creators', 'requireIpRestriction', 'requireApproval'] as const) {
    if (draft[key] !== policy[key]) (change as Record<string, unknown>)[key] = draft[key];
  }
  return { change, problems };
}

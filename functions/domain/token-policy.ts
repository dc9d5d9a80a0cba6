import { invalidRequest } from './errors';

/** The token policy a deployment configures. Times in days unless named otherwise. */
export interface TokenPolicy {
  /** Lifetimes offered by `expiresInDays`. @default [90, 180, 365] */
  lifetimesDays: number[];
  /** Lifetime when neither `expiresInDays` nor `expiresAt` is given. @default 90 */
  defaultLifetimeDays: number;
  /** Upper bound of any lifetime, on create and on refresh. @default 365 */
  maxLifetimeDays: number;
  /** Whether a token may be created without expiry (`"expiresAt": null`). @default false */
  allowNoExpiry: boolean;
  /** @default 20 */
  maxIpEntries: number;
  /** @default 100 */
  maxDescriptionLength: number;
  /** Active tokens one owner may hold. @default 100 */
  maxActiveTokensPerOwner: number;
  /** How long a rotated token keeps working after a refresh, 0–3600. @default 60 */
  rotationGraceSeconds: number;
  /** How soon after its rotation a reused refresh key is a retry (409) rather than a theft (family revoked). @default 30 */
  reuseLeewaySeconds: number;
  /** How long after expiry a token can still be refreshed. @default 30 */
  refreshWindowDays: number;
  /** How long a dead record stays before DynamoDB TTL removes it. @default 30 */
  retentionDays: number;
  /**
   * Bounded credential life (Auth0/Okta's absolute lifetime of a rotating chain): no refresh past
   * the family's creation plus this many days. `null`: a credential refreshed on schedule lives on. @default null
   */
  maxCredentialAgeDays: number | null;
  /**
   * Idle timeout: a credential unused this many days (no authorized request, no refresh) stops
   * working and cannot be refreshed. `null`: off. @default null
   */
  idleExpiryDays: number | null;
}

export const defaultPolicy: TokenPolicy = {
  lifetimesDays: [90, 180, 365],
  defaultLifetimeDays: 90,
  maxLifetimeDays: 365,
  allowNoExpiry: false,
  maxIpEntries: 20,
  maxDescriptionLength: 100,
  maxActiveTokensPerOwner: 100,
  rotationGraceSeconds: 60,
  reuseLeewaySeconds: 30,
  refreshWindowDays: 30,
  retentionDays: 30,
  maxCredentialAgeDays: null,
  idleExpiryDays: null,
};

export const DAY_SECONDS = 86_400;

/** Problems with a policy, as sentences; empty when it is coherent. Used at synth time and at cold start. */
export function policyProblems(policy: TokenPolicy): string[] {
  const problems: string[] = [];
  const positiveInt = (name: keyof TokenPolicy, value: number) => {
    if (!Number.isInteger(value) || value < 1) problems.push(`${name} must be a positive integer (got ${value})`);
  };
  positiveInt('defaultLifetimeDays', policy.defaultLifetimeDays);
  positiveInt('maxLifetimeDays', policy.maxLifetimeDays);
  positiveInt('maxIpEntries', policy.maxIpEntries);
  positiveInt('maxDescriptionLength', policy.maxDescriptionLength);
  positiveInt('maxActiveTokensPerOwner', policy.maxActiveTokensPerOwner);
  if (policy.lifetimesDays.length === 0) problems.push('lifetimesDays must offer at least one lifetime');
  for (const days of policy.lifetimesDays) {
    if (!Number.isInteger(days) || days < 1 || days > policy.maxLifetimeDays) {
      problems.push(`lifetime ${days} must be a whole number of days between 1 and maxLifetimeDays (${policy.maxLifetimeDays})`);
    }
  }
  if (!policy.lifetimesDays.includes(policy.defaultLifetimeDays)) {
    problems.push(`defaultLifetimeDays (${policy.defaultLifetimeDays}) must be one of lifetimesDays`);
  }
  if (!Number.isInteger(policy.rotationGraceSeconds) || policy.rotationGraceSeconds < 0 || policy.rotationGraceSeconds > 3600) {
    problems.push('rotationGraceSeconds must be an integer between 0 and 3600');
  }
  if (!Number.isInteger(policy.reuseLeewaySeconds) || policy.reuseLeewaySeconds < 0 || policy.reuseLeewaySeconds > 3600) {
    problems.push('reuseLeewaySeconds must be an integer between 0 and 3600');
  }
  if (!Number.isInteger(policy.refreshWindowDays) || policy.refreshWindowDays < 0) {
    problems.push('refreshWindowDays must be a non-negative integer');
  }
  if (!Number.isInteger(policy.retentionDays) || policy.retentionDays < policy.refreshWindowDays) {
    problems.push('retentionDays must be an integer at least refreshWindowDays, or expired tokens vanish before they can be refreshed');
  }
  for (const name of ['maxCredentialAgeDays', 'idleExpiryDays'] as const) {
    const value = policy[name];
    if (value !== null && (!Number.isInteger(value) || value < 1))
      problems.push(`${name} must be a positive integer or null (got ${value})`);
  }
  return problems;
}

/** What `GET /policy` shows. */
export function policyView(policy: TokenPolicy) {
  return {
    lifetimesDays: policy.lifetimesDays,
    defaultLifetimeDays: policy.defaultLifetimeDays,
    maxLifetimeDays: policy.maxLifetimeDays,
    allowNoExpiry: policy.allowNoExpiry,
    maxIpEntries: policy.maxIpEntries,
    maxDescriptionLength: policy.maxDescriptionLength,
    maxCredentialAgeDays: policy.maxCredentialAgeDays,
    idleExpiryDays: policy.idleExpiryDays,
  };
}

export interface ExpiryRequest {
  expiresInDays?: number;
  /** ISO 8601; `null` asks for a token without expiry. */
  expiresAt?: string | null;
}

/**
 * The expiry of a new token, in epoch seconds, or `null` for no expiry.
 * Whole seconds, so that the record's `expiresAt` equals the JWT's `exp`.
 */
export function resolveExpiry(request: ExpiryRequest, policy: TokenPolicy, nowSeconds: number): number | null {
  const { expiresInDays, expiresAt } = request;
  if (expiresInDays !== undefined && expiresAt !== undefined) {
    throw invalidRequest('Give either expiresInDays or expiresAt, not both', [
      { field: 'expiresAt', message: 'cannot be combined with expiresInDays' },
    ]);
  }
  if (expiresAt === null) {
    if (!policy.allowNoExpiry) {
      throw invalidRequest('Tokens without expiry are not allowed', [{ field: 'expiresAt', message: 'must be a date' }]);
    }
    return null;
  }
  if (expiresAt !== undefined) {
    const millis = parseIsoDate(expiresAt);
    if (millis === undefined) {
      throw invalidRequest('expiresAt must be an ISO 8601 date-time', [{ field: 'expiresAt', message: 'not an ISO 8601 date-time' }]);
    }
    const seconds = Math.floor(millis / 1000);
    if (seconds <= nowSeconds) {
      throw invalidRequest('expiresAt must be in the future', [{ field: 'expiresAt', message: 'must be in the future' }]);
    }
    if (seconds > nowSeconds + policy.maxLifetimeDays * DAY_SECONDS) {
      throw invalidRequest(`expiresAt must be at most ${policy.maxLifetimeDays} days from now`, [
        { field: 'expiresAt', message: `at most ${policy.maxLifetimeDays} days from now` },
      ]);
    }
    return seconds;
  }
  const days = expiresInDays ?? policy.defaultLifetimeDays;
  if (!policy.lifetimesDays.includes(days)) {
    throw invalidRequest(`expiresInDays must be one of ${policy.lifetimesDays.join(', ')}`, [
      { field: 'expiresInDays', message: `must be one of ${policy.lifetimesDays.join(', ')}` },
    ]);
  }
  return nowSeconds + days * DAY_SECONDS;
}

const isoDateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const isoDate = /^\d{4}-\d{2}-\d{2}$/;

/** An ISO 8601 date-time with a zone, or a calendar date (midnight UTC). */
function parseIsoDate(value: string): number | undefined {
  if (!isoDateTime.test(value) && !isoDate.test(value)) return undefined;
  if (isoDate.test(value) && new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value) return undefined;
  const millis = Date.parse(value);
  return Number.isNaN(millis) ? undefined : millis;
}

/** A successor keeps its predecessor's lifetime, capped by the maximum. */
export function successorExpiry(
  predecessor: { issuedAt: number; expiresAt: number | null },
  policy: TokenPolicy,
  nowSeconds: number,
): number | null {
  if (predecessor.expiresAt === null) return policy.allowNoExpiry ? null : nowSeconds + policy.maxLifetimeDays * DAY_SECONDS;
  const lifetime = Math.min(predecessor.expiresAt - predecessor.issuedAt, policy.maxLifetimeDays * DAY_SECONDS);
  return nowSeconds + Math.max(lifetime, 1);
}

/**
 * The expiry (epoch ms, or null for none) of a token's successor rotated at `now` (ms): the
 * predecessor's lifetime again, from now, capped by the policy ({@link successorExpiry}). Refresh
 * gives it; regenerate measures a requested lifetime against it.
 */
export function successorExpiresAt(
  predecessor: { createdAt: number; expiresAt: number | null },
  policy: TokenPolicy,
  now: number,
): number | null {
  const seconds = successorExpiry(
    { issuedAt: Math.floor(predecessor.createdAt / 1000), expiresAt: predecessor.expiresAt === null ? null : predecessor.expiresAt / 1000 },
    policy,
    Math.floor(now / 1000),
  );
  return seconds === null ? null : seconds * 1000;
}

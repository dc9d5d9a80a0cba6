import { describe, expect, it } from 'vitest';
import { DAY_SECONDS, defaultPolicy, type TokenPolicy } from '../../functions/domain/token-policy';
import { exampleCatalogue } from '../../functions/domain/routes';
import {
  allowsTerms,
  changedOverrides,
  defaultTenantRules,
  type EffectivePolicy,
  effectivePolicy,
  effectivePolicyView,
  isOutsidePolicy,
  scopesOutsideAreas,
  type TenantPolicyOverrides,
} from '../../functions/domain/tenant-policy';

// The rules of functions/domain/tenant-policy.ts, called directly: a tenant's admins may only
// tighten the deployment's policy. The deployment here offers 90/180/365 days, 365 at most, 100
// active tokens per owner, and no tokens without expiry (defaultPolicy).
const deployment: TokenPolicy = defaultPolicy;

function change(overrides: TenantPolicyOverrides, current: TenantPolicyOverrides = {}, base: TokenPolicy = deployment) {
  return changedOverrides(base, exampleCatalogue, current, overrides);
}

function problemsOf(result: ReturnType<typeof change>) {
  if (result.ok) throw new Error(`expected problems, got overrides ${JSON.stringify(result.overrides)}`);
  return result.problems;
}

function accepted(result: ReturnType<typeof change>) {
  if (!result.ok) throw new Error(`expected the change to be accepted, got ${JSON.stringify(result.problems)}`);
  return result;
}

describe('effectivePolicy', () => {
  it('starts a tenant with the deployment policy and the default tenant rules', () => {
    expect(effectivePolicy(deployment)).toEqual({ ...deployment, ...defaultTenantRules });
    expect(defaultTenantRules).toEqual({
      creators: 'everyone',
      requireIpRestriction: false,
      allowedAreas: null,
      requireApproval: false,
      allowedIpRanges: null,
    });
  });

  it('lets the overrides win over the deployment and the default rules', () => {
    const policy = effectivePolicy(deployment, { maxLifetimeDays: 90, lifetimesDays: [90], creators: 'admins' });

    expect(policy.maxLifetimeDays).toBe(90);
    expect(policy.lifetimesDays).toEqual([90]);
    expect(policy.creators).toBe('admins');
    expect(policy.rotationGraceSeconds).toBe(deployment.rotationGraceSeconds);
  });
});

describe('effectivePolicyView', () => {
  it('shows the lifetime policy and every tenant rule', () => {
    const policy = effectivePolicy(deployment, {
      creators: 'admins',
      requireIpRestriction: true,
      allowedAreas: ['jobs'],
      maxActiveTokensPerOwner: 5,
      requireApproval: true,
    });

    expect(effectivePolicyView(policy)).toMatchObject({
      lifetimesDays: [90, 180, 365],
      defaultLifetimeDays: 90,
      maxLifetimeDays: 365,
      allowNoExpiry: false,
      maxIpEntries: 20,
      maxDescriptionLength: 100,
      creators: 'admins',
      requireIpRestriction: true,
      allowedAreas: ['jobs'],
      maxActiveTokensPerOwner: 5,
      requireApproval: true,
    });
  });

  it("leaves out the deployment's rotation settings, which a tenant cannot change", () => {
    expect(effectivePolicyView(effectivePolicy(deployment))).not.toHaveProperty('rotationGraceSeconds');
  });
});

describe('changedOverrides: a tenant may only tighten', () => {
  describe('maxLifetimeDays', () => {
    it("accepts the deployment's maximum itself", () => {
      expect(accepted(change({ maxLifetimeDays: 365 })).policy.maxLifetimeDays).toBe(365);
    });

    it("refuses one day more than the deployment's maximum, naming the field and the limit", () => {
      expect(problemsOf(change({ maxLifetimeDays: 366 }))).toEqual([
        { field: 'maxLifetimeDays', message: "must be at most the deployment's 365" },
      ]);
    });

    it('narrows the offered lifetimes to the new maximum, the maximum itself included', () => {
      const result = accepted(change({ maxLifetimeDays: 180 }));

      expect(result.policy.lifetimesDays).toEqual([90, 180]);
      expect(result.overrides.lifetimesDays).toEqual([90, 180]);
      expect(result.overrides.defaultLifetimeDays).toBeUndefined();
    });

    it('keeps lifetimes the tenant set earlier instead of deriving them from the maximum', () => {
      const result = accepted(change({ maxLifetimeDays: 180 }, { lifetimesDays: [90] }));

      expect(result.overrides).toEqual({ lifetimesDays: [90], maxLifetimeDays: 180 });
      expect(result.policy.lifetimesDays).toEqual([90]);
    });

    it('refuses a maximum below every offered lifetime, since no lifetime would be left', () => {
      expect(problemsOf(change({ maxLifetimeDays: 30 }))).toEqual([
        { field: 'lifetimesDays', message: 'lifetimesDays must offer at least one lifetime' },
        { field: 'defaultLifetimeDays', message: 'defaultLifetimeDays (90) must be one of lifetimesDays' },
      ]);
    });

    it('refuses a maximum of zero as no positive integer', () => {
      expect(problemsOf(change({ maxLifetimeDays: 0 }))).toContainEqual({
        field: 'maxLifetimeDays',
        message: 'maxLifetimeDays must be a positive integer (got 0)',
      });
    });

    it('names maxLifetimeDays when an offered lifetime is longer than the new maximum', () => {
      expect(problemsOf(change({ lifetimesDays: [365], maxLifetimeDays: 180 }))).toEqual([
        { field: 'maxLifetimeDays', message: 'lifetime 365 must be a whole number of days between 1 and maxLifetimeDays (180)' },
      ]);
    });
  });

  describe('lifetimesDays', () => {
    it('accepts a subset of what the deployment offers', () => {
      expect(accepted(change({ lifetimesDays: [90, 180] })).overrides.lifetimesDays).toEqual([90, 180]);
    });

    it('refuses a lifetime the deployment does not offer, listing what it offers', () => {
      expect(problemsOf(change({ lifetimesDays: [90, 30] }))).toEqual([
        { field: 'lifetimesDays', message: '30 is not offered by the deployment (90, 180, 365)' },
      ]);
    });

    it('refuses an empty list', () => {
      expect(problemsOf(change({ lifetimesDays: [] }))).toEqual([{ field: 'lifetimesDays', message: 'must offer at least one lifetime' }]);
    });

    it('moves the default to the shortest remaining lifetime when the old default is no longer offered', () => {
      const result = accepted(change({ lifetimesDays: [365, 180] }));

      expect(result.policy.defaultLifetimeDays).toBe(180);
      expect(result.overrides.defaultLifetimeDays).toBe(180);
    });

    it('leaves the default alone while it is still offered', () => {
      const result = accepted(change({ lifetimesDays: [90, 365] }));

      expect(result.policy.defaultLifetimeDays).toBe(90);
      expect(result.overrides).toEqual({ lifetimesDays: [90, 365] });
    });

    it('keeps a default the tenant chose, and refuses one that is not offered', () => {
      expect(accepted(change({ lifetimesDays: [180, 365], defaultLifetimeDays: 365 })).policy.defaultLifetimeDays).toBe(365);
      expect(problemsOf(change({ lifetimesDays: [180, 365], defaultLifetimeDays: 90 }))).toEqual([
        { field: 'defaultLifetimeDays', message: 'defaultLifetimeDays (90) must be one of lifetimesDays' },
      ]);
    });
  });

  describe('allowNoExpiry', () => {
    it('refuses tokens without expiry when the deployment does not allow them', () => {
      expect(problemsOf(change({ allowNoExpiry: true }))).toEqual([
        { field: 'allowNoExpiry', message: 'the deployment does not allow tokens without expiry' },
      ]);
    });

    it('accepts them when the deployment allows them, and accepts forbidding them always', () => {
      expect(accepted(change({ allowNoExpiry: true }, {}, { ...deployment, allowNoExpiry: true })).policy.allowNoExpiry).toBe(true);
      expect(accepted(change({ allowNoExpiry: false })).policy.allowNoExpiry).toBe(false);
    });
  });

  describe('maxActiveTokensPerOwner', () => {
    it("accepts the deployment's cap itself and a lower one", () => {
      expect(accepted(change({ maxActiveTokensPerOwner: 100 })).policy.maxActiveTokensPerOwner).toBe(100);
      expect(accepted(change({ maxActiveTokensPerOwner: 3 })).overrides.maxActiveTokensPerOwner).toBe(3);
    });

    it("refuses one more than the deployment's cap", () => {
      expect(problemsOf(change({ maxActiveTokensPerOwner: 101 }))).toEqual([
        { field: 'maxActiveTokensPerOwner', message: "must be at most the deployment's 100" },
      ]);
    });

    it('refuses a cap of zero as no positive integer', () => {
      expect(problemsOf(change({ maxActiveTokensPerOwner: 0 }))).toEqual([
        { field: 'maxActiveTokensPerOwner', message: 'maxActiveTokensPerOwner must be a positive integer (got 0)' },
      ]);
    });
  });

  describe('allowedAreas', () => {
    it('accepts areas of the catalogue, sub-areas included', () => {
      expect(accepted(change({ allowedAreas: ['jobs', 'candidates/documents'] })).policy.allowedAreas).toEqual([
        'jobs',
        'candidates/documents',
      ]);
    });

    it('refuses an area the catalogue does not have', () => {
      expect(problemsOf(change({ allowedAreas: ['jobs', 'payroll'] }))).toEqual([
        { field: 'allowedAreas', message: 'payroll is not an area of the catalogue' },
      ]);
    });
  });

  it('reports every widening at once, and changes nothing', () => {
    const problems = problemsOf(change({ maxLifetimeDays: 400, allowNoExpiry: true, maxActiveTokensPerOwner: 1000 }));

    expect(problems.map((problem) => problem.field)).toEqual(['maxLifetimeDays', 'allowNoExpiry', 'maxActiveTokensPerOwner']);
  });

  it('merges a change into the current overrides', () => {
    const result = accepted(change({ requireApproval: true }, { creators: 'admins' }));

    expect(result.overrides).toEqual({ creators: 'admins', requireApproval: true });
    expect(result.policy).toMatchObject({ creators: 'admins', requireApproval: true, maxLifetimeDays: 365 });
  });
});

describe('scopesOutsideAreas', () => {
  it('finds nothing outside when the tenant allows every area, even for *', () => {
    expect(scopesOutsideAreas(['*', 'payroll:read'], null)).toEqual([]);
  });

  it('counts * as outside any list of areas', () => {
    expect(scopesOutsideAreas(['*'], ['jobs', 'candidates'])).toEqual(['*']);
  });

  it('lets an area cover its sub-areas but not a sibling with the same prefix', () => {
    expect(scopesOutsideAreas(['candidates/documents:read', 'candidates:write', 'candidatesx:read'], ['jobs', 'candidates'])).toEqual([
      'candidatesx:read',
    ]);
  });

  it('does not let a sub-area cover its parent', () => {
    expect(scopesOutsideAreas(['candidates:read'], ['candidates/documents'])).toEqual(['candidates:read']);
  });

  it('counts a scope it cannot parse as outside', () => {
    expect(scopesOutsideAreas(['jobs', 'jobs:read'], ['jobs'])).toEqual(['jobs']);
  });
});

describe('allowsTerms (what a successor may carry)', () => {
  const open: EffectivePolicy = effectivePolicy(deployment);
  const strict: EffectivePolicy = effectivePolicy(deployment, { allowedAreas: ['jobs'], requireIpRestriction: true });

  it('allows any grant under an open policy', () => {
    expect(allowsTerms(open, { scopes: ['*'], allowedIps: [] })).toBe(true);
  });

  it('refuses scopes outside the allowed areas', () => {
    expect(allowsTerms(strict, { scopes: ['jobs:read', 'candidates:read'], allowedIps: ['10.0.0.1'] })).toBe(false);
  });

  it('refuses a grant without IP entries where one is required, and allows it with one', () => {
    expect(allowsTerms(strict, { scopes: ['jobs:read'], allowedIps: [] })).toBe(false);
    expect(allowsTerms(strict, { scopes: ['jobs:read'], allowedIps: ['10.0.0.1'] })).toBe(true);
  });
});

describe('isOutsidePolicy (a token that would be refused if created today)', () => {
  const createdAt = Date.UTC(2026, 0, 1, 0, 0, 0, 500);
  const createdSecond = Math.floor(createdAt / 1000) * 1000;
  const record = (expiresAt: number | null, extra: { scopes?: string[]; allowedIps?: string[] } = {}) => ({
    scopes: ['jobs:read'],
    allowedIps: [],
    createdAt,
    expiresAt,
    ...extra,
  });
  const policy = effectivePolicy(deployment, { maxLifetimeDays: 180 });

  it('keeps a token whose lifetime is exactly the maximum, counted from its creation second', () => {
    expect(isOutsidePolicy(record(createdSecond + 180 * DAY_SECONDS * 1000), policy)).toBe(false);
  });

  it('flags a token one second longer than the maximum', () => {
    expect(isOutsidePolicy(record(createdSecond + 180 * DAY_SECONDS * 1000 + 1000), policy)).toBe(true);
  });

  it('flags a token without expiry unless the policy allows it', () => {
    expect(isOutsidePolicy(record(null), policy)).toBe(true);
    expect(isOutsidePolicy(record(null), { ...policy, allowNoExpiry: true })).toBe(false);
  });

  it('flags a token whose terms the policy no longer allows, whatever its lifetime', () => {
    const strict = { ...policy, requireIpRestriction: true, allowNoExpiry: true };

    expect(isOutsidePolicy(record(null), strict)).toBe(true);
    expect(isOutsidePolicy(record(null, { allowedIps: ['10.0.0.1'] }), strict)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { exampleCatalogue } from '../../functions/domain/routes';
import {
  allowsTerms,
  changedOverrides,
  defaultTenantRules,
  effectivePolicy,
  ipProblems,
  narrowsIpEntries,
} from '../../functions/domain/tenant-policy';
import { defaultPolicy, type TokenPolicy } from '../../functions/domain/token-policy';

/** The tenant rules added with credential life and allowed IP ranges: each refusal exact, each bound on both sides. */
const bounded: TokenPolicy = { ...defaultPolicy, maxCredentialAgeDays: 365, idleExpiryDays: 90 };
const change = (overrides: Parameters<typeof changedOverrides>[3], deployment = bounded) =>
  changedOverrides(deployment, exampleCatalogue, {}, overrides);

describe('changedOverrides: credential life only tightens', () => {
  it('accepts a bound equal to the deployment’s, or shorter', () => {
    expect(change({ maxCredentialAgeDays: 365, idleExpiryDays: 90 })).toMatchObject({ ok: true });
    expect(change({ maxCredentialAgeDays: 1, idleExpiryDays: 1 })).toMatchObject({
      ok: true,
      overrides: { maxCredentialAgeDays: 1, idleExpiryDays: 1 },
    });
  });

  it('refuses a longer bound, or lifting it, naming each field', () => {
    expect(change({ maxCredentialAgeDays: 366, idleExpiryDays: 91 })).toStrictEqual({
      ok: false,
      problems: [
        { field: 'maxCredentialAgeDays', message: "must be at most the deployment's 365" },
        { field: 'idleExpiryDays', message: "must be at most the deployment's 90" },
      ],
    });
    expect(change({ maxCredentialAgeDays: null, idleExpiryDays: null })).toStrictEqual({
      ok: false,
      problems: [
        { field: 'maxCredentialAgeDays', message: 'the deployment bounds it at 365 days' },
        { field: 'idleExpiryDays', message: 'the deployment bounds it at 90 days' },
      ],
    });
  });

  it('lets a tenant set any bound, or none, where the deployment has none', () => {
    expect(change({ maxCredentialAgeDays: 10_000, idleExpiryDays: null }, defaultPolicy)).toMatchObject({ ok: true });
  });
});

describe('changedOverrides: allowed IP ranges', () => {
  it('stores the ranges in canonical form', () => {
    expect(change({ allowedIpRanges: ['10.1.2.3/8', '2001:DB8::/32'] })).toMatchObject({
      ok: true,
      overrides: { allowedIpRanges: ['10.0.0.0/8', '2001:db8::/32'] },
      policy: { allowedIpRanges: ['10.0.0.0/8', '2001:db8::/32'] },
    });
  });

  it('takes null as any address, and leaves ranges it was not given alone', () => {
    expect(change({ allowedIpRanges: null })).toMatchObject({ ok: true, overrides: { allowedIpRanges: null } });
    expect(changedOverrides(bounded, exampleCatalogue, { allowedIpRanges: ['10.0.0.0/8'] }, { requireApproval: true })).toMatchObject({
      ok: true,
      overrides: { allowedIpRanges: ['10.0.0.0/8'], requireApproval: true },
    });
  });

  it('refuses an empty list, and names each entry that does not parse with its reason', () => {
    expect(change({ allowedIpRanges: [] })).toStrictEqual({
      ok: false,
      problems: [{ field: 'allowedIpRanges', message: 'must name at least one range (or be null for any)' }],
    });
    expect(change({ allowedIpRanges: ['10.0.0.0/8', '10.0.0.0/33', 'x'] })).toStrictEqual({
      ok: false,
      problems: [
        { field: 'allowedIpRanges', message: '10.0.0.0/33: prefix length must be at most 32' },
        { field: 'allowedIpRanges', message: 'x: not an IPv4 or IPv6 address, CIDR or range' },
      ],
    });
  });
});

describe('ipProblems', () => {
  const open = { requireIpRestriction: false, allowedIpRanges: null };

  it('has nothing to say without IP rules', () => {
    expect(ipProblems(open, [])).toStrictEqual([]);
    expect(ipProblems(open, ['0.0.0.0/0'])).toStrictEqual([]);
  });

  it('requires an entry, and entries that restrict, when the tenant requires IP restriction', () => {
    const required = { ...open, requireIpRestriction: true };
    expect(ipProblems(required, ['10.0.0.0/8'])).toStrictEqual([]);
    expect(ipProblems(required, [])).toStrictEqual(['this tenant requires at least one IP entry']);
    expect(ipProblems(required, ['0.0.0.0/1', '128.0.0.0/1'])).toStrictEqual([
      'this tenant requires an IP restriction: the entries allow every IPv4 address',
    ]);
    expect(ipProblems(required, ['::/0'])).toStrictEqual(['this tenant requires an IP restriction: the entries allow every IPv6 address']);
    expect(ipProblems(required, ['::/0', '0.0.0.0/0'])).toStrictEqual([
      'this tenant requires an IP restriction: the entries allow every IPv4 and IPv6 address',
    ]);
  });

  it('requires every entry within the allowed ranges, naming those outside', () => {
    const ranged = { ...open, allowedIpRanges: ['10.0.0.0/8', '192.168.0.0/16'] };
    expect(ipProblems(ranged, ['10.1.0.0/16', '192.168.1.1'])).toStrictEqual([]);
    expect(ipProblems(ranged, ['10.1.0.0/16', '172.16.0.1', '11.0.0.0/8'])).toStrictEqual([
      "not within this tenant's allowed ranges (10.0.0.0/8, 192.168.0.0/16): 172.16.0.1, 11.0.0.0/8",
    ]);
    expect(ipProblems(ranged, [])).toStrictEqual(["not within this tenant's allowed ranges (10.0.0.0/8, 192.168.0.0/16): (any address)"]);
  });
});

describe('allowsTerms', () => {
  const policy = effectivePolicy(defaultPolicy, { allowedAreas: ['jobs'], allowedIpRanges: ['10.0.0.0/8'] });

  it('allows terms within the areas and the ranges, and nothing else', () => {
    expect(allowsTerms(policy, { scopes: ['jobs:read'], allowedIps: ['10.0.0.1'] })).toBe(true);
    expect(allowsTerms(policy, { scopes: ['candidates:read'], allowedIps: ['10.0.0.1'] })).toBe(false);
    expect(allowsTerms(policy, { scopes: ['jobs:read'], allowedIps: ['11.0.0.1'] })).toBe(false);
    expect(allowsTerms(effectivePolicy(defaultPolicy), { scopes: ['*'], allowedIps: [] })).toBe(true);
    expect(defaultTenantRules.allowedIpRanges).toBeNull();
  });
});

describe('narrowsIpEntries', () => {
  it('takes anything as a narrowing of no entries', () => {
    expect(narrowsIpEntries([], ['10.0.0.1'])).toBe(true);
    expect(narrowsIpEntries([], [])).toBe(true);
  });

  it('takes entries within the old ones as a narrowing, and any other as a widening', () => {
    expect(narrowsIpEntries(['10.0.0.0/8'], ['10.1.0.0/16', '10.0.0.1'])).toBe(true);
    expect(narrowsIpEntries(['10.0.0.0/8'], ['10.1.0.0/16', '11.0.0.1'])).toBe(false);
  });

  it('takes no entries as a widening, unless the old ones allowed every address', () => {
    expect(narrowsIpEntries(['10.0.0.0/8'], [])).toBe(false);
    expect(narrowsIpEntries(['0.0.0.0/0', '::/0'], [])).toBe(true);
  });
});

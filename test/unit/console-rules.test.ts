import { describe, expect, it } from 'vitest';
import { type AuditEvent, auditCsv, filterEvents } from '../../web/src/audit';
import { ipEntryPolicyProblem, ipEntryWithin } from '../../web/src/validation';

/** The console's pure rules behind the pages of issue 23: what a form refuses, what the audit log keeps and exports. */
describe('IP entries under the tenant’s rules', () => {
  it('tells whether an entry lies within one of a list, for addresses, CIDRs and ranges', () => {
    expect(ipEntryWithin('127.0.0.1', ['127.0.0.0/8'])).toBe(true);
    expect(ipEntryWithin('10.0.0.0/16', ['10.0.0.0/8'])).toBe(true);
    expect(ipEntryWithin('10.0.0.0/7', ['10.0.0.0/8'])).toBe(false);
    expect(ipEntryWithin('192.0.2.10-192.0.2.20', ['192.0.2.0/24'])).toBe(true);
    expect(ipEntryWithin('192.0.2.10-192.0.3.1', ['192.0.2.0/24'])).toBe(false);
    expect(ipEntryWithin('::1', ['127.0.0.0/8'])).toBe(false);
    expect(ipEntryWithin('not an entry', ['0.0.0.0/0'])).toBe(false);
  });

  it('refuses an entry that allows every address where restrictions are required, and one outside the allowed ranges', () => {
    const required = { requireIpRestriction: true, allowedIpRanges: null };
    expect(ipEntryPolicyProblem('0.0.0.0/0', required)).toMatch(/allows every address/);
    expect(ipEntryPolicyProblem('::/0', required)).toMatch(/allows every address/);
    expect(ipEntryPolicyProblem('0.0.0.0/0', { requireIpRestriction: false, allowedIpRanges: null })).toBeUndefined();
    const ranged = { requireIpRestriction: false, allowedIpRanges: ['10.0.0.0/8'] };
    expect(ipEntryPolicyProblem('10.1.2.3', ranged)).toBeUndefined();
    expect(ipEntryPolicyProblem('11.0.0.1', ranged)).toMatch(/Outside the ranges the tenant allows \(10\.0\.0\.0\/8\)/);
  });
});

describe('the audit log', () => {
  const event = (id: string, action: AuditEvent['action'], at: string, details?: AuditEvent['details']): AuditEvent => ({
    id,
    at,
    action,
    tenant: 'acme',
    tokenId: 'f'.repeat(32),
    owner: 'uma',
    actor: { type: 'user', id: 'ada' },
    sourceIp: '127.0.0.1',
    details,
  });

  it('keeps the events of the chosen type within the chosen UTC days, both ends included', () => {
    const events = [
      event('1', 'token.created', '2026-12-01T00:00:00.000Z'),
      event('2', 'token.refreshed', '2026-12-02T23:59:59.000Z'),
      event('3', 'token.refreshed', '2026-12-03T00:00:00.000Z'),
    ];

    expect(filterEvents(events, { owner: '', tokenId: '', action: 'token.refreshed', from: '', to: '' }).map((kept) => kept.id)).toEqual([
      '2',
      '3',
    ]);
    expect(
      filterEvents(events, { owner: '', tokenId: '', action: '', from: '2026-12-02', to: '2026-12-02' }).map((kept) => kept.id),
    ).toEqual(['2']);
  });

  it('exports CSV with a header, quoting commas and quotes, and defusing spreadsheet formulas', () => {
    const csv = auditCsv([event('1', 'token.edited', '2026-12-01T00:00:00.000Z', { description: '=HYPERLINK("x"), evil' })]);

    const [header, row] = csv.split('\r\n');
    expect(header).toBe('time,event,action,owner,tokenId,actorType,actorId,sourceIp,details');
    expect(row).toBe(
      `2026-12-01T00:00:00.000Z,Edited,token.edited,uma,${'f'.repeat(32)},user,ada,127.0.0.1,"description: =HYPERLINK(""x""), evil"`,
    );
    const hostileOwner = { ...event('2', 'token.edited', '2026-12-01T00:00:00.000Z'), owner: '=cmd|calc' };
    expect(auditCsv([hostileOwner]).split('\r\n')[1]).toContain(",'=cmd|calc,");
  });
});

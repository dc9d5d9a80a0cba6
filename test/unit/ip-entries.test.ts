import { describe, expect, it } from 'vitest';
import { compileIpEntries, isIpAllowed, parseIpEntry } from '../../functions/domain/ip-entries';

const allowed = (ip: string, entries: string[]) => isIpAllowed(ip, compileIpEntries(entries), entries.length);

describe('IP entries', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['10.1.2.3/8', '10.0.0.0/8'],
    ['2001:DB8::1', '2001:db8::1'],
    ['2001:db8::/32', '2001:db8::/32'],
    ['10.0.0.1-10.0.0.9', '10.0.0.1-10.0.0.9'],
    ['2001:db8::1 - 2001:db8::ff', '2001:db8::1-2001:db8::ff'],
    ['::ffff:192.0.2.1', '192.0.2.1'],
  ])('parses %s as %s', (entry, canonical) => {
    expect(parseIpEntry(entry)).toMatchObject({ ok: true, canonical });
  });

  it.each([
    '',
    'localhost',
    '10.0.0',
    '010.0.0.1',
    '0x0a.0.0.1',
    '10.0.0.1/33',
    '2001:db8::/129',
    '10.0.0.9-10.0.0.1',
    '10.0.0.1-2001:db8::1',
    'fe80::1%eth0',
    '1.2.3.4/',
    '1.2.3.4/x',
    '10.0.0.0/8/9',
    '::ffff:10.1.2.3/8',
  ])('rejects %j', (entry) => {
    expect(parseIpEntry(entry).ok).toBe(false);
  });

  it('allows everyone when there are no entries', () => {
    expect(allowed('198.51.100.1', [])).toBe(true);
  });

  it.each([
    ['203.0.113.7', ['203.0.113.7'], true],
    ['203.0.113.8', ['203.0.113.7'], false],
    ['10.255.255.255', ['10.0.0.0/8'], true],
    ['11.0.0.0', ['10.0.0.0/8'], false],
    ['10.0.0.9', ['10.0.0.1-10.0.0.9'], true],
    ['10.0.0.1', ['10.0.0.1-10.0.0.9'], true],
    ['10.0.0.10', ['10.0.0.1-10.0.0.9'], false],
    ['10.0.0.0', ['10.0.0.1-10.0.0.9'], false],
    ['2001:db8:ffff::1', ['2001:db8::/32'], true],
    ['2001:db9::1', ['2001:db8::/32'], false],
    ['2001:db8::80', ['2001:db8::1-2001:db8::ff'], true],
    ['2001:db8::100', ['2001:db8::1-2001:db8::ff'], false],
    ['2001:db8::1', ['2001:db8::1'], true],
    ['::ffff:10.0.0.5', ['10.0.0.0/8'], true],
    ['10.0.0.5', ['::ffff:10.0.0.0/104'], false],
    ['not-an-ip', ['10.0.0.0/8'], false],
  ])('%s against %j → %s', (ip, entries, expected) => {
    expect(allowed(ip, entries as string[])).toBe(expected);
  });

  it('denies everyone when every entry is unreadable (fail closed)', () => {
    expect(isIpAllowed('10.0.0.1', compileIpEntries(['garbage']), 1)).toBe(false);
  });
});

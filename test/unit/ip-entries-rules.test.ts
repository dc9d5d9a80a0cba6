import { describe, expect, it } from 'vitest';
import {
  allowsEveryAddress,
  compileIpEntries,
  entriesOutside,
  familiesCoveredEntirely,
  isIpAllowed,
  parseAddress,
  parseIpEntry,
  rangeWithin,
  type IpRange,
} from '../../functions/domain/ip-entries';

/** The IP-entry rules as examples: the exact refusal of each bad entry, each range edge on both sides. */
const v4 = (from: number[], to: number[] = from): IpRange => ({ kind: 'ipv4', from, to });

describe('parseAddress', () => {
  it('reads IPv4-mapped IPv6 as IPv4, and an IPv4-compatible address as the IPv6 it is', () => {
    expect(parseAddress('::ffff:1.2.3.4')?.toString()).toBe('1.2.3.4');
    expect(parseAddress('::1.2.3.4')?.kind()).toBe('ipv6');
    expect(parseAddress('::1.2.3.4')?.toByteArray()).toEqual([...new Array(12).fill(0), 1, 2, 3, 4]);
    expect(parseAddress('0::1.2.3.4')?.toByteArray()).toEqual([...new Array(12).fill(0), 1, 2, 3, 4]);
    expect(parseAddress('1.2.3.4')?.kind()).toBe('ipv4');
  });

  it('refuses a zone id, short and octal IPv4 forms', () => {
    expect(parseAddress('fe80::1%eth0')).toBeUndefined();
    expect(parseAddress('10.1')).toBeUndefined();
    expect(parseAddress('010.0.0.1')).toBeUndefined();
    expect(parseAddress('')).toBeUndefined();
  });
});

describe('parseIpEntry', () => {
  it('stores a CIDR as its network and range, trimmed, in RFC 5952 form', () => {
    expect(parseIpEntry(' 10.1.2.3/8 ')).toStrictEqual({
      ok: true,
      canonical: '10.0.0.0/8',
      range: v4([10, 0, 0, 0], [10, 255, 255, 255]),
    });
    expect(parseIpEntry('2001:DB8:0:0:0:0:0:1/127')).toStrictEqual({
      ok: true,
      canonical: '2001:db8::/127',
      range: { kind: 'ipv6', from: [32, 1, 13, 184, ...new Array(12).fill(0)], to: [32, 1, 13, 184, ...new Array(11).fill(0), 1] },
    });
  });

  it('takes a prefix up to the family’s width, and refuses one past it', () => {
    expect(parseIpEntry('0.0.0.0/0')).toMatchObject({ ok: true, canonical: '0.0.0.0/0' });
    expect(parseIpEntry('1.2.3.4/32')).toMatchObject({ ok: true, canonical: '1.2.3.4/32' });
    expect(parseIpEntry('1.2.3.4/33')).toStrictEqual({ ok: false, reason: 'prefix length must be at most 32' });
    expect(parseIpEntry('::1/128')).toMatchObject({ ok: true, canonical: '::1/128' });
    expect(parseIpEntry('::1/129')).toStrictEqual({ ok: false, reason: 'prefix length must be at most 128' });
  });

  it.each(['1.2.3.4/', '1.2.3.4/x', '10.0.0.0/8/9', '1.2.3.4/1234', '1.2.3.4/+8', 'x/8', '/8', '1.2.3.4/8 9'])(
    'refuses %j as not a valid CIDR',
    (entry) => {
      expect(parseIpEntry(entry)).toStrictEqual({ ok: false, reason: 'not a valid CIDR' });
    },
  );

  it('asks for the IPv4 form of an IPv4-mapped CIDR', () => {
    expect(parseIpEntry('::ffff:10.1.2.3/8')).toStrictEqual({ ok: false, reason: 'write an IPv4-mapped CIDR in IPv4 form' });
  });

  it('stores a range as its two ends, a one-address range included', () => {
    expect(parseIpEntry('10.0.0.1 - 10.0.0.9')).toStrictEqual({
      ok: true,
      canonical: '10.0.0.1-10.0.0.9',
      range: v4([10, 0, 0, 1], [10, 0, 0, 9]),
    });
    expect(parseIpEntry('10.0.0.1-10.0.0.1')).toMatchObject({ ok: true, canonical: '10.0.0.1-10.0.0.1' });
    expect(parseIpEntry('::ffff:10.0.0.1-10.0.0.2')).toMatchObject({ ok: true, canonical: '10.0.0.1-10.0.0.2' });
  });

  it('refuses a range with a bad end, mixed families, or its start after its end', () => {
    expect(parseIpEntry('10.0.0.1-')).toStrictEqual({ ok: false, reason: 'not a valid range (expected from-to)' });
    expect(parseIpEntry('x-10.0.0.1')).toStrictEqual({ ok: false, reason: 'not a valid range (expected from-to)' });
    expect(parseIpEntry('10.0.0.1-2001:db8::1')).toStrictEqual({ ok: false, reason: 'range mixes IPv4 and IPv6' });
    expect(parseIpEntry('10.0.0.2-10.0.0.1')).toStrictEqual({ ok: false, reason: 'range start is after its end' });
    expect(parseIpEntry('10.1.0.0-10.0.255.255')).toStrictEqual({ ok: false, reason: 'range start is after its end' });
  });

  it('reads a leading dash as no range at all', () => {
    expect(parseIpEntry('-10.0.0.1')).toStrictEqual({ ok: false, reason: 'not an IPv4 or IPv6 address, CIDR or range' });
  });

  it('stores one address as a range of one', () => {
    expect(parseIpEntry('203.0.113.7')).toStrictEqual({ ok: true, canonical: '203.0.113.7', range: v4([203, 0, 113, 7]) });
    expect(parseIpEntry('localhost')).toStrictEqual({ ok: false, reason: 'not an IPv4 or IPv6 address, CIDR or range' });
  });
});

describe('compileIpEntries and isIpAllowed', () => {
  it('keeps the entries that parse, in order', () => {
    expect(compileIpEntries(['garbage', '10.0.0.1', '10.0.0.0/31'])).toStrictEqual([v4([10, 0, 0, 1]), v4([10, 0, 0, 0], [10, 0, 0, 1])]);
  });

  it('allows any address, even an unreadable one, when there are no entries', () => {
    expect(isIpAllowed('not-an-ip', [v4([10, 0, 0, 1])], 0)).toBe(true);
  });

  it('matches a range from its first to its last address, and its family only', () => {
    const ranges = [v4([10, 0, 0, 4], [10, 0, 0, 8])];
    expect(isIpAllowed('10.0.0.3', ranges, 1)).toBe(false);
    expect(isIpAllowed('10.0.0.4', ranges, 1)).toBe(true);
    expect(isIpAllowed('10.0.0.8', ranges, 1)).toBe(true);
    expect(isIpAllowed('10.0.0.9', ranges, 1)).toBe(false);
    expect(isIpAllowed('::a00:6', [{ ...ranges[0]!, kind: 'ipv6' }], 1)).toBe(false);
  });
});

describe('rangeWithin', () => {
  const outer = v4([10, 0, 0, 0], [10, 0, 0, 255]);

  it('holds for the outer range itself and for ranges inside it', () => {
    expect(rangeWithin(outer, outer)).toBe(true);
    expect(rangeWithin(v4([10, 0, 0, 1], [10, 0, 0, 254]), outer)).toBe(true);
  });

  it('fails for a range crossing either end, or of the other family', () => {
    expect(rangeWithin(v4([9, 255, 255, 255], [10, 0, 0, 5]), outer)).toBe(false);
    expect(rangeWithin(v4([10, 0, 0, 5], [10, 0, 1, 0]), outer)).toBe(false);
    expect(rangeWithin({ ...outer, kind: 'ipv6' }, outer)).toBe(false);
  });
});

describe('allowsEveryAddress', () => {
  it.each(['0.0.0.0/0', '::/0', '0.0.0.0-255.255.255.255', ':: - ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'])('holds for %j', (entry) => {
    expect(allowsEveryAddress(entry)).toBe(true);
  });

  it.each([
    '0.0.0.0/1',
    '0.0.0.1-255.255.255.255',
    '0.0.0.0-255.255.255.254',
    '::/1',
    '8000::/1',
    'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    ':: - ffff:ffff::',
    'garbage',
  ])('fails for %j', (entry) => {
    expect(allowsEveryAddress(entry)).toBe(false);
  });
});

describe('familiesCoveredEntirely', () => {
  it.each([
    [['0.0.0.0/1', '128.0.0.0/1'], ['ipv4']],
    [['128.0.0.0/1', 'garbage', '0.0.0.0/1'], ['ipv4']],
    [
      ['::/1', '8000::/1', '0.0.0.0/0'],
      ['ipv4', 'ipv6'],
    ],
    [['::/0'], ['ipv6']],
    [['0.0.0.0-10.0.0.0', '10.0.0.1-255.255.255.255'], ['ipv4']],
    [['0.0.0.0-10.0.0.0', '5.0.0.0-6.0.0.0', '10.0.0.1-255.255.255.255'], ['ipv4']],
    [['0.0.0.0-10.0.0.0', '10.0.0.1', '10.0.0.2-255.255.255.255'], ['ipv4']],
    [['0.0.0.0-0.0.0.255', '0.0.1.0-255.255.255.255'], ['ipv4']],
    [['0.0.0.0/0', '10.0.0.0/8'], ['ipv4']],
  ])('%j together allow every address of %j', (entries, families) => {
    expect(familiesCoveredEntirely(entries)).toStrictEqual(families);
  });

  it.each([
    [[]],
    [['0.0.0.1-255.255.255.255']],
    [['0.0.0.0-255.255.255.254']],
    [['0.0.0.0-10.0.0.0', '10.0.0.2-255.255.255.255']],
    [['0.0.0.0/1', '128.0.0.1-255.255.255.255']],
    [['0.0.0.0/1', '::/1', '8000::1-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff']],
  ])('%j leave a hole', (entries) => {
    expect(familiesCoveredEntirely(entries)).toStrictEqual([]);
  });
});

describe('entriesOutside', () => {
  it('returns the entries within no bound, an unparsable one included, in order', () => {
    expect(entriesOutside(['10.1.0.0/16', '192.168.0.1', 'garbage', '10.0.0.0/8', '10.0.0.0-11.0.0.0'], ['10.0.0.0/8'])).toStrictEqual([
      '192.168.0.1',
      'garbage',
      '10.0.0.0-11.0.0.0',
    ]);
    expect(entriesOutside(['192.168.0.1'], ['garbage', '192.168.0.0/24'])).toStrictEqual([]);
  });

  it('takes "any address" as within the bounds only when they allow every address of both families', () => {
    expect(entriesOutside([], ['0.0.0.0/0', '::/0'])).toStrictEqual([]);
    expect(entriesOutside([], ['0.0.0.0/0'])).toStrictEqual(['(any address)']);
    expect(entriesOutside([], ['::/0'])).toStrictEqual(['(any address)']);
    expect(entriesOutside([], [])).toStrictEqual(['(any address)']);
  });
});

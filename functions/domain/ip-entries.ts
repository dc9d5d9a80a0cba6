import ipaddr from 'ipaddr.js';

/**
 * IP restrictions of a token: each entry an IPv4 or IPv6 address, a CIDR, or a range `from-to`.
 * Parsing and prefix math are ipaddr.js's; we only compare byte arrays for ranges.
 */
type Address = ipaddr.IPv4 | ipaddr.IPv6;

export interface IpRange {
  kind: 'ipv4' | 'ipv6';
  from: number[];
  to: number[];
}

/** An address of a client, IPv4-mapped IPv6 read as IPv4. Strict: no octal, hex or short IPv4 forms, no zone ids. */
export function parseAddress(text: string): Address | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  if (!text.includes('%') && ipaddr.IPv6.isValid(text)) {
    // ipaddr.js reads exactly `::a.b.c.d` (IPv4-compatible, in ::/96) as `::ffff:a.b.c.d`; `0::a.b.c.d` reads right.
    const address = ipaddr.IPv6.parse(/^::\d{1,3}(\.\d{1,3}){3}$/.test(text) ? `0${text}` : text);
    return address.isIPv4MappedAddress() ? address.toIPv4Address() : address;
  }
  return undefined;
}

function canonical(address: Address): string {
  return address.kind() === 'ipv6' ? (address as ipaddr.IPv6).toRFC5952String() : address.toString();
}

function compareBytes(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

export type ParsedIpEntry = { ok: true; canonical: string; range: IpRange } | { ok: false; reason: string };

/** Parses one entry; `canonical` is the form stored and shown (e.g. `10.0.0.0/8`, `2001:db8::/32`). */
export function parseIpEntry(entry: string): ParsedIpEntry {
  const text = entry.trim();
  if (text.includes('/')) {
    const [addressText = '', prefixText = '', ...extra] = text.split('/');
    const address = parseAddress(addressText);
    if (!address || extra.length > 0 || !/^\d{1,3}$/.test(prefixText)) return { ok: false, reason: 'not a valid CIDR' };
    // `::ffff:10.1.2.3/8` is ambiguous (an IPv6 /8, or the IPv4 /8 it maps?): ask for the IPv4 form.
    if (address.kind() === 'ipv4' && addressText.includes(':')) return { ok: false, reason: 'write an IPv4-mapped CIDR in IPv4 form' };
    const prefix = Number(prefixText);
    const bits = address.kind() === 'ipv4' ? 32 : 128;
    if (prefix > bits) return { ok: false, reason: `prefix length must be at most ${bits}` };
    const cidr = `${canonical(address)}/${prefix}`;
    const network = address.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(cidr) : ipaddr.IPv6.networkAddressFromCIDR(cidr);
    const broadcast = address.kind() === 'ipv4' ? ipaddr.IPv4.broadcastAddressFromCIDR(cidr) : ipaddr.IPv6.broadcastAddressFromCIDR(cidr);
    return {
      ok: true,
      canonical: `${canonical(network)}/${prefix}`,
      range: { kind: address.kind(), from: network.toByteArray(), to: broadcast.toByteArray() },
    };
  }
  const dash = text.indexOf('-');
  if (dash > 0) {
    const from = parseAddress(text.slice(0, dash).trim());
    const to = parseAddress(text.slice(dash + 1).trim());
    if (!from || !to) return { ok: false, reason: 'not a valid range (expected from-to)' };
    if (from.kind() !== to.kind()) return { ok: false, reason: 'range mixes IPv4 and IPv6' };
    const fromBytes = from.toByteArray();
    const toBytes = to.toByteArray();
    if (compareBytes(fromBytes, toBytes) > 0) return { ok: false, reason: 'range start is after its end' };
    return { ok: true, canonical: `${canonical(from)}-${canonical(to)}`, range: { kind: from.kind(), from: fromBytes, to: toBytes } };
  }
  const address = parseAddress(text);
  if (!address) return { ok: false, reason: 'not an IPv4 or IPv6 address, CIDR or range' };
  const bytes = address.toByteArray();
  return { ok: true, canonical: canonical(address), range: { kind: address.kind(), from: bytes, to: bytes } };
}

/** Compiles stored (canonical) entries for matching. Entries that no longer parse match nothing. */
export function compileIpEntries(entries: readonly string[]): IpRange[] {
  const ranges: IpRange[] = [];
  for (const entry of entries) {
    const parsed = parseIpEntry(entry);
    if (parsed.ok) ranges.push(parsed.range);
  }
  return ranges;
}

/**
 * Is a client address allowed? No entries means no restriction. An entry list whose entries all
 * failed to compile allows nobody (fail closed), which is why callers pass the entry count.
 */
export function isIpAllowed(sourceIp: string, ranges: readonly IpRange[], entryCount: number): boolean {
  if (entryCount === 0) return true;
  const address = parseAddress(sourceIp);
  if (!address) return false;
  const kind = address.kind();
  const bytes = address.toByteArray();
  return ranges.some((range) => range.kind === kind && compareBytes(bytes, range.from) >= 0 && compareBytes(bytes, range.to) <= 0);
}

const fullRange = (kind: IpRange['kind']): IpRange =>
  kind === 'ipv4'
    ? { kind, from: [0, 0, 0, 0], to: [255, 255, 255, 255] }
    : { kind, from: new Array(16).fill(0), to: new Array(16).fill(255) };

/** Does `inner` lie wholly within `outer` (same address family)? */
export function rangeWithin(inner: IpRange, outer: IpRange): boolean {
  return inner.kind === outer.kind && compareBytes(inner.from, outer.from) >= 0 && compareBytes(inner.to, outer.to) <= 0;
}

/**
 * Does this entry allow every address of its family (`0.0.0.0/0`, `::/0`, `0.0.0.0-255.255.255.255`)?
 * Such an entry restricts nothing: a tenant that requires IP restriction refuses it.
 */
export function allowsEveryAddress(entry: string): boolean {
  const parsed = parseIpEntry(entry);
  return parsed.ok && rangeWithin(fullRange(parsed.range.kind), parsed.range);
}

/**
 * The address families (`ipv4`, `ipv6`) that `entries` together allow entirely: `0.0.0.0/1` and
 * `128.0.0.0/1` allow every IPv4 address as surely as `0.0.0.0/0` does.
 */
export function familiesCoveredEntirely(entries: readonly string[]): IpRange['kind'][] {
  const covered: IpRange['kind'][] = [];
  for (const kind of ['ipv4', 'ipv6'] as const) {
    const ranges = compileIpEntries(entries)
      .filter((range) => range.kind === kind)
      .sort((a, b) => compareBytes(a.from, b.from));
    const full = fullRange(kind);
    // Walk the ranges in order: every address up to `reached` is allowed; a hole ends the walk.
    let next: number[] | undefined = full.from;
    for (const range of ranges) {
      if (next === undefined || compareBytes(range.from, next) > 0) break;
      if (compareBytes(range.to, next) >= 0) next = successorOf(range.to);
    }
    if (next === undefined) covered.push(kind);
  }
  return covered;
}

/** The address after `bytes`, or undefined after the last one. */
function successorOf(bytes: number[]): number[] | undefined {
  const next = [...bytes];
  for (let i = next.length - 1; i >= 0; i--) {
    if (next[i]! < 255) {
      next[i]!++;
      return next;
    }
    next[i] = 0;
  }
  return undefined;
}

/**
 * The entries of `entries` that lie within none of `bounds` (an unparsable entry lies within nothing).
 * An empty `entries` list means "any address": it lies within `bounds` only when a bound allows every address.
 */
export function entriesOutside(entries: readonly string[], bounds: readonly string[]): string[] {
  const boundRanges = compileIpEntries(bounds);
  if (entries.length === 0) {
    const coversAll = (['ipv4', 'ipv6'] as const).every((kind) => boundRanges.some((bound) => rangeWithin(fullRange(kind), bound)));
    return coversAll ? [] : ['(any address)'];
  }
  return entries.filter((entry) => {
    const parsed = parseIpEntry(entry);
    return !parsed.ok || !boundRanges.some((bound) => rangeWithin(parsed.range, bound));
  });
}

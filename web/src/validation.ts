/**
 * Live checks of the create form, mirroring the service's rules so people see problems as they type.
 * The service stays authoritative: whatever it answers is shown next to the field it names.
 */

import {
  codePointName,
  descriptionFault,
  descriptionKey,
  normalizeDescription,
  principalIdFault,
} from '../../functions/domain/description';
import { parseIpEntry } from '../../functions/domain/ip-entries';

// The rules themselves are the service's (functions/domain/description.ts, bundled as is): only the
// wording here is the console's, written for the person at the form rather than for an API client.
export { descriptionKey, normalizeDescription };

/**
 * `activeDescriptions`: the owner's active tokens' descriptions by `descriptionKey`, so a duplicate is
 * named as the existing token is described ("Payroll feed"), not as typed ("payroll FEED").
 */
export function descriptionProblem(
  description: string,
  maxLength: number,
  activeDescriptions: ReadonlySet<string> | ReadonlyMap<string, string>,
  ownerLabel: string,
): string | undefined {
  const fault = descriptionFault(description, maxLength);
  switch (fault?.kind) {
    case 'empty':
      return 'Enter a description, e.g. the name of the vendor or program that will use the token.';
    case 'lone_surrogate':
      return `Remove the broken character (${codePointName(fault.codePoint)}, half of an emoji or symbol).`;
    case 'control':
      return `Remove the control characters (tabs, line breaks; here ${codePointName(fault.codePoint)}).`;
    case 'invisible':
      return `Remove the invisible character ${codePointName(fault.codePoint)} (zero-width, direction or format characters are not allowed).`;
    case 'too_long':
      return `Use at most ${fault.maxLength} characters (this one has ${fault.length}).`;
  }
  const key = descriptionKey(description);
  if (activeDescriptions.has(key)) {
    const existing = activeDescriptions instanceof Map ? activeDescriptions.get(key) : undefined;
    return duplicateDescriptionMessage(ownerLabel, existing ?? normalizeDescription(description));
  }
  return undefined;
}

/** User and tenant ids, checked as typed (surrounding spaces are dropped before sending). */
export function principalIdProblem(value: string, noun: 'user id' | 'tenant id'): string | undefined {
  switch (principalIdFault(value.trim())) {
    case 'empty':
      return `Enter a ${noun}.`;
    case 'too_long':
      return `A ${noun} has at most 128 characters.`;
    case 'forbidden_character':
      return `A ${noun} cannot contain # or control characters.`;
    case undefined:
      return undefined;
  }
}

type Bytes = number[];
interface ParsedAddress {
  kind: 'IPv4' | 'IPv6';
  bytes: Bytes;
}

function parseIPv4(text: string): ParsedAddress | undefined {
  // Four decimal parts only: no octal, hex or short forms (the service refuses them too).
  if (!/^(0|[1-9]\d{0,2})(\.(0|[1-9]\d{0,2})){3}$/.test(text)) return undefined;
  const bytes = text.split('.').map(Number);
  return bytes.every((part) => part <= 255) ? { kind: 'IPv4', bytes } : undefined;
}

function parseIPv6(text: string): ParsedAddress | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || !text.includes(':')) return undefined;
  let host: string;
  try {
    // The URL parser implements IPv6 address syntax exactly; it answers the compressed form.
    host = new URL(`http://[${text}]/`).hostname;
  } catch {
    return undefined;
  }
  const inner = host.slice(1, -1);
  const [head = '', tail] = inner.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups =
    tail === undefined ? headGroups : [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  const bytes = groups.flatMap((group) => {
    const value = parseInt(group, 16);
    return [value >> 8, value & 0xff];
  });
  // An IPv4-mapped address is the IPv4 client it stands for.
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return { kind: 'IPv4', bytes: bytes.slice(12) };
  return { kind: 'IPv6', bytes };
}

function parseAddress(text: string): ParsedAddress | undefined {
  return parseIPv4(text) ?? parseIPv6(text);
}

function compare(a: Bytes, b: Bytes): number {
  for (let i = 0; i < a.length; i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** An entry as it will be sent: trimmed, an en or em dash of a range read as the ASCII hyphen. */
export function normaliseIpEntry(entry: string): string {
  return entry.trim().replace(/\s*[\u2013\u2014-]\s*/, '-');
}

/** Why an IP entry is not an address, a CIDR or a from-to range, or undefined when it is one. */
export function ipEntryProblem(entry: string): string | undefined {
  const text = normaliseIpEntry(entry);
  if (text === '') return 'Enter an address, a CIDR or a range, or remove this entry.';
  if (text.includes('/')) {
    const [addressText = '', prefixText = '', ...rest] = text.split('/');
    const address = parseAddress(addressText);
    if (!address || rest.length > 0 || !/^\d{1,3}$/.test(prefixText))
      return 'Not a valid CIDR: write an address, a slash and a prefix length, e.g. 10.0.0.0/8.';
    // `::ffff:10.0.0.0/8` is ambiguous (an IPv4 prefix or an IPv6 one?): ask for the IPv4 spelling.
    if (address.kind === 'IPv4' && addressText.includes(':')) return 'Write an IPv4 CIDR in IPv4 form, e.g. 10.0.0.0/8.';
    const bits = address.kind === 'IPv4' ? 32 : 128;
    if (Number(prefixText) > bits) return `The prefix length of an ${address.kind} CIDR must be at most ${bits}.`;
    return undefined;
  }
  const dash = text.indexOf('-');
  if (dash > 0) {
    const from = parseAddress(text.slice(0, dash));
    const to = parseAddress(text.slice(dash + 1));
    if (!from || !to) return 'Not a valid range: write two addresses joined by a dash, e.g. 192.0.2.10-192.0.2.20.';
    if (from.kind !== to.kind) return 'A range cannot mix an IPv4 and an IPv6 address.';
    if (compare(from.bytes, to.bytes) > 0) return 'The range starts after it ends: put the lower address first.';
    return undefined;
  }
  if (!parseAddress(text)) return 'Not an IPv4 or IPv6 address, a CIDR or a range (e.g. 203.0.113.7, 10.0.0.0/8, 192.0.2.10-192.0.2.20).';
  return undefined;
}

/** The description of the owner's existing active token is quoted: that is the one to find and revoke. */
export function duplicateDescriptionMessage(ownerLabel: string, existingDescription: string): string {
  return `${ownerLabel} already ${ownerLabel === 'You' ? 'have' : 'has'} an active token described “${existingDescription}”. Choose another description, or revoke that token first.`;
}

/** Entries that allow every address: refused where the tenant requires IP restrictions. */
const EVERY_ADDRESS = new Set(['0.0.0.0/0', '::/0']);

/**
 * What the tenant's IP rules say of one (otherwise valid) entry, with the service's own parser
 * (functions/domain/ip-entries.ts): it must not allow every address when restrictions are
 * required, and must lie within one of the tenant's `allowedIpRanges` when it has any.
 */
export function ipEntryPolicyProblem(
  entry: string,
  rules: { requireIpRestriction: boolean; allowedIpRanges: readonly string[] | null },
): string | undefined {
  const parsed = parseIpEntry(normaliseIpEntry(entry));
  if (!parsed.ok) return undefined; // the entry's own problem is shown instead
  if (rules.requireIpRestriction && EVERY_ADDRESS.has(parsed.canonical))
    return 'The tenant policy requires IP restrictions: an entry that allows every address is not one.';
  if (!rules.allowedIpRanges || rules.allowedIpRanges.length === 0) return undefined;
  return ipEntryWithin(entry, rules.allowedIpRanges)
    ? undefined
    : `Outside the ranges the tenant allows (${rules.allowedIpRanges.join(', ')}).`;
}

/** Whether every address `entry` allows is allowed by one of `outer` (false for an entry that does not parse). */
export function ipEntryWithin(entry: string, outer: readonly string[]): boolean {
  const parsed = parseIpEntry(normaliseIpEntry(entry));
  if (!parsed.ok) return false;
  return outer.some((allowed) => {
    const range = parseIpEntry(allowed);
    return (
      range.ok &&
      range.range.kind === parsed.range.kind &&
      compareBytes(range.range.from, parsed.range.from) <= 0 &&
      compareBytes(parsed.range.to, range.range.to) <= 0
    );
  });
}

function compareBytes(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

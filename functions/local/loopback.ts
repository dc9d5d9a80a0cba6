import { isIP } from 'node:net';
import { parseAddress } from '../domain/ip-entries';

/** 127.0.0.0/8, ::1, or an IPv4-mapped loopback address (how Java reports a 127.0.0.1 bind). */
export function isLoopbackAddress(text: string): boolean {
  const address = parseAddress(text);
  return address !== undefined && address.range() === 'loopback';
}

/** What local mode may listen on: a loopback address, or `localhost` (which only resolves to one). */
export function isLoopbackBindHost(host: string): boolean {
  return host === 'localhost' || (isIP(host) !== 0 && isLoopbackAddress(host));
}

/**
 * Whether a `Host` header names this machine's loopback interface: `127.x.y.z`, `localhost` or `[::1]`,
 * with an optional port. A browser sends the name it resolved, so a DNS-rebound page on
 * `evil.example` (now pointing at 127.0.0.1) says `Host: evil.example` and is refused.
 */
export function isLoopbackHostHeader(header: string | undefined): boolean {
  if (header === undefined) return false;
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(header);
  if (!match) return false;
  const [, bracketed, name] = match;
  if (bracketed !== undefined) return isIP(bracketed) === 6 && isLoopbackAddress(bracketed);
  const lower = name!.toLowerCase();
  return lower === 'localhost' || (isIP(lower) === 4 && isLoopbackAddress(lower));
}

import { type KeyObject, sign } from 'node:crypto';
import { toLowS } from '../../../functions/domain/jws-form';
import type { DenialReason } from '../../../functions/service/authorize';

/**
 * The forged-token corpus's vocabulary: a case, the material a suite issues for it (real tokens in
 * each record state, the real key), and the tools that write a JWS byte by byte. The cases
 * themselves are forged-headers.ts, forged-bytes.ts and forged-claims.ts, by what each attacks.
 */

export const ISSUER = 'pat-local'; // the local service's issuer
export const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
export const bytes = (segment: string) => Buffer.from(segment, 'base64url');
export const decodeJson = (segment: string) => JSON.parse(bytes(segment).toString('utf8')) as Record<string, unknown>;

/** The curve order n of P-256: an ECDSA signature (r, s) has a twin (r, n − s). */
export const P256_ORDER_BYTES = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex');

/** The reason the authorizer must give; two where the verifier's order of checks meets a random signature. */
export type Expected = DenialReason | readonly [DenialReason, DenialReason];

export interface Case {
  group: string;
  name: string;
  /** Why the authorizer must refuse it (bearer cases; a refresh key is refused as `invalid_grant`). */
  reason?: Expected;
  /** The Authorization header value; `undefined` sends none. */
  authorization?: string;
  /** For cross-purpose cases: a value presented as the refresh key instead of a bearer token. */
  refreshKey?: string;
}

export interface Issued {
  id: string;
  accessToken: string;
  refreshKey: string;
}

/** What the suite issued and holds before the corpus is written. */
export interface Material {
  valid: Issued;
  revoked: Issued;
  rotated: Issued;
  stolen: Issued;
  successor: Issued;
  bobs: Issued;
  aliceSession: string;
  otherDeployment: { key: KeyObject; kid: string };
  realKey: KeyObject;
  realKid: string;
  realPem: string;
  serviceUrl: string;
}

// In low-S form, as the service signs: a forged case then reaches the check it is about instead of
// stopping, half of the time, at the canonical-spelling check.
export const es256 = (key: KeyObject, input: string) =>
  Buffer.from(toLowS(sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })));

/** A compact JWS with the given header and claims, signed by `signer` over the exact segments. */
export function jws(header: unknown, claims: unknown, signer: (input: string) => Buffer | string): string {
  const input = `${b64(header)}.${b64(claims)}`;
  const signature = signer(input);
  return `${input}.${typeof signature === 'string' ? signature : signature.toString('base64url')}`;
}

/** Flips the lowest bit of byte `index` of a segment's decoded bytes. */
export function flipByte(segment: string, index: number): string {
  const decoded = bytes(segment);
  decoded[index] = decoded[index]! ^ 0x01;
  return decoded.toString('base64url');
}

/** The token with its signature in high-S form (s replaced by n − s unless it already is high). */
export function highSOf(token: string, order: bigint): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const raw = bytes(signature);
  const s = BigInt(`0x${raw.subarray(32).toString('hex')}`);
  if (s > order / 2n) return token;
  const twin = Buffer.from((order - s).toString(16).padStart(64, '0'), 'hex');
  return `${header}.${payload}.${Buffer.concat([raw.subarray(0, 32), twin]).toString('base64url')}`;
}

export function spread(length: number, count: number): number[] {
  const positions = new Set<number>([0, length - 1]);
  for (let i = 1; positions.size < Math.min(count, length); i++) positions.add(Math.floor((i * length) / count) % length);
  return [...positions].sort((a, b) => a - b);
}

/** The genuine token taken apart, and a way to add a case: what every group of cases starts from. */
export interface Forge {
  m: Material;
  add: (group: string, name: string, reason: Expected, token: string | undefined, scheme?: string) => void;
  header: string;
  payload: string;
  signature: string;
  claims: Record<string, unknown>;
  realHeader: { alg: string; typ: string; kid: string };
  signReal: (input: string) => Buffer;
  /** The genuine claims with overrides (and some dropped), signed with the service's own key. */
  realClaims: (overrides: Record<string, unknown>, drop?: string[]) => string;
  now: number;
}

export function forgeOf(m: Material, cases: Case[]): Forge {
  const [header, payload, signature] = m.valid.accessToken.split('.') as [string, string, string];
  const claims = decodeJson(payload);
  const realHeader = { alg: 'ES256', typ: 'JWT', kid: m.realKid };
  const signReal = (input: string) => es256(m.realKey, input);
  return {
    m,
    add: (group, name, reason, token, scheme = 'Bearer ') =>
      cases.push({ group, name, reason, authorization: token === undefined ? undefined : `${scheme}${token}` }),
    header,
    payload,
    signature,
    claims,
    realHeader,
    signReal,
    realClaims: (overrides, drop = []) => {
      const next: Record<string, unknown> = { ...claims, ...overrides };
      for (const name of drop) delete next[name];
      return jws(realHeader, next, signReal);
    },
    now: Math.floor(Date.now() / 1000),
  };
}

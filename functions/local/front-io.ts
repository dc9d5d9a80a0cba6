import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { bearerChallenge, type BearerChallenge } from '../domain/bearer-challenge';
import { errorBody } from '../http/responses';
import { isLoopbackHostHeader } from './loopback';

export const MAX_BODY_BYTES = 1_048_576;
export const NO_BODY = Buffer.alloc(0);

export function send(response: ServerResponse, result: APIGatewayProxyResult): void {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  response.writeHead(result.statusCode, headers);
  response.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
}

export function sendError(
  response: ServerResponse,
  status: number,
  code: Parameters<typeof errorBody>[0],
  message: string,
  challenge?: BearerChallenge,
): void {
  send(response, {
    statusCode: status,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      ...(challenge ? { 'www-authenticate': bearerChallenge(challenge) } : {}),
    },
    body: JSON.stringify(errorBody(code, message)),
  });
}

/**
 * The client address a chain of `hops` appending proxies reports: the `hops`-th entry from the right
 * of every X-Forwarded-For entry (Node joins repeated headers with `, `). Fewer entries than hops
 * means only our proxies wrote the header, so its first entry is the client.
 */
export function forwardedClientOf(header: string, hops: number): string {
  const entries = header.split(',').map((entry) => entry.trim());
  return entries[Math.max(0, entries.length - hops)]!;
}

/** No Content-Length and no Transfer-Encoding: HTTP/1.1 says there is no body (a GET, mostly). */
export const hasBody = (request: IncomingMessage) =>
  request.headers['content-length'] !== undefined || request.headers['transfer-encoding'] !== undefined;

/** The request's body, or `undefined` when it is larger than MAX_BODY_BYTES. */
export async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  if (!hasBody(request)) return NO_BODY;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}

/** Path characters the URL parser leaves as they are: no percent-escapes, no `\`, no characters it would escape. */
// `//x` is a scheme-relative reference (host `x`), so a plain path starts with one slash only.
const plainPath = /^\/(?!\/)[A-Za-z0-9\-_~!$&'()*+,;=:@./]*$/;
const dotSegment = /\/\.\.?(?:\/|$)/;

/**
 * The path and query of a request target, as `new URL(target, 'http://localhost')` reads them
 * (dot segments resolved, characters escaped), parsing only the targets that need it.
 */
export function requestTarget(target: string): { path: string; query: URLSearchParams } {
  const queryAt = target.indexOf('?');
  const path = queryAt === -1 ? target : target.slice(0, queryAt);
  if (plainPath.test(path) && !dotSegment.test(path) && !target.includes('#')) {
    return { path, query: new URLSearchParams(queryAt === -1 ? '' : target.slice(queryAt + 1)) };
  }
  const url = new URL(target, 'http://localhost');
  return { path: url.pathname, query: url.searchParams };
}

const hostVerdicts = new Map<string, boolean>();

/** `isLoopbackHostHeader`, remembered: a client sends the same few Host values on every request. */
export function isLoopbackHost(header: string | undefined): boolean {
  if (header === undefined) return false;
  let verdict = hostVerdicts.get(header);
  if (verdict === undefined) {
    verdict = isLoopbackHostHeader(header);
    if (hostVerdicts.size >= 256) hostVerdicts.clear();
    hostVerdicts.set(header, verdict);
  }
  return verdict;
}

/** How many Authorization headers the request carried (Node keeps only the first in `headers`). */
export function authorizationHeaderCount(rawHeaders: readonly string[]): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length === 13 && name.toLowerCase() === 'authorization') count++;
  }
  return count;
}

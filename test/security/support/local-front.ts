import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What the local-mode suites send the local HTTP front, byte for byte. */

export const identity = { adminGroup: 'pat-admins', tenantClaim: 'custom:tenant', userIdClaim: 'sub' };
export const sessionKeyFile = join(mkdtempSync(join(tmpdir(), 'pat-sessions-')), 'session-key.jwk.json');
export const sessionBody = JSON.stringify({ user: 'mallory', tenant: 'acme', admin: true });

export interface RawRequest {
  method: string;
  path: string;
  host?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** A request with a Host header of our choosing (fetch may not set Host). */
export function rawCall(baseUrl: string, init: RawRequest) {
  const url = new URL(baseUrl);
  return new Promise<{ status: number; body: any }>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: url.port,
        method: init.method,
        path: init.path,
        setHost: false,
        headers: {
          host: init.host ?? url.host,
          ...init.headers,
          ...(init.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(init.body)) }),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk) => (text += chunk));
        res.on('end', () => {
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // Not JSON: kept as text for the assertion to show.
          }
          resolve({ status: res.statusCode!, body });
        });
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

/** The local sign-in (`POST /local/session`) with a well-formed body, addressed to `host`, sent as `contentType`. */
export function signIn(baseUrl: string, options: { host?: string; contentType?: string } = {}) {
  return rawCall(baseUrl, {
    method: 'POST',
    path: '/local/session',
    ...(options.host === undefined ? {} : { host: options.host }),
    headers: { 'content-type': options.contentType ?? 'application/json' },
    body: sessionBody,
  });
}

import { existsSync, readFileSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { serviceRoutes } from '../domain/service-routes';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/**
 * Paths of the API: never answered with the console's page, so that a miss there is a JSON 404. The
 * first segment of each route of the table, local mode's sign-in and the example API.
 */
const apiPrefixes = [...new Set(serviceRoutes.map((route) => `/${route.path.split('/')[1]}`)), '/local/', '/api/'];

/**
 * Serves the built web console (`web/dist`): its files, `/` and, for a browser asking for a page
 * (`Accept: text/html`), the single-page-app fallback to `index.html`. Answers false when there is
 * no build or the request is not the console's, so that API clients get the spec's JSON 404.
 */
export function serveWebConsole(path: string, accept: string | undefined, response: ServerResponse, root = resolve('web/dist')): boolean {
  const index = join(root, 'index.html');
  if (!existsSync(index)) return false;
  const candidate = normalize(join(root, decodeURIComponent(path)));
  const isFile = candidate.startsWith(root + sep) && existsSync(candidate) && statSync(candidate).isFile();
  const wantsPage =
    path === '/' ||
    (extname(path) === '' && (accept ?? '').includes('text/html') && !apiPrefixes.some((prefix) => path.startsWith(prefix)));
  if (!isFile && !wantsPage) return false;
  const file = isFile ? candidate : index;
  response.writeHead(200, {
    'content-type': contentTypes[extname(file)] ?? 'application/octet-stream',
    'cache-control': file === index ? 'no-store' : 'public, max-age=31536000, immutable',
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
  });
  response.end(readFileSync(file));
  return true;
}

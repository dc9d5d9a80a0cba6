import { existsSync, readFileSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';

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
 * Serves the built web console (`web/dist`) as static files, with the single-page-app fallback to
 * `index.html`. Answers false when there is no build or the path is not the console's.
 */
export function serveWebConsole(path: string, response: ServerResponse, root = resolve('web/dist')): boolean {
  const index = join(root, 'index.html');
  if (!existsSync(index)) return false;
  const candidate = normalize(join(root, decodeURIComponent(path)));
  const file = candidate.startsWith(root) && existsSync(candidate) && statSync(candidate).isFile() ? candidate : index;
  if (file === index && extname(path) !== '' && path !== '/index.html') return false;
  response.writeHead(200, {
    'content-type': contentTypes[extname(file)] ?? 'application/octet-stream',
    'cache-control': file === index ? 'no-store' : 'public, max-age=31536000, immutable',
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
  });
  response.end(readFileSync(file));
  return true;
}

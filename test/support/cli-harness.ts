import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import { startLocalService } from '../../functions/local/service';
import { createTableFirst } from './dynamo';

/**
 * What the CLI suites share: importing this module starts the local service (same handlers and
 * authorizer as in AWS) for the importing file and stops it after, and gives the helpers that run
 * `pat` as a real child process against it, fake services and spoiling proxies.
 */
// The CLI runs as a real child process against the local server (same handlers and authorizer as
// in AWS), with the service's defaults: 60 s grace for a rotated token, 30 s reuse leeway.

export const patBin = fileURLToPath(new URL('../../bin/pat.js', import.meta.url));
export const isRoot = process.getuid?.() === 0;
/** Root reads any file, so "unreadable" and "read-only directory" are tested as an unprivileged user. */
export const nobody = { uid: 65534, gid: 65534 };

export let service: Awaited<ReturnType<typeof startLocalService>>;
export let root: string;
/** A byte-identical copy of a directory tree that every user may read (and enter). */
export async function copyReadableByAll(from: string, to: string): Promise<void> {
  await mkdir(to, { mode: 0o755 });
  await chmod(to, 0o755);
  for (const entry of await readdir(from, { withFileTypes: true })) {
    if (entry.isDirectory()) await copyReadableByAll(join(from, entry.name), join(to, entry.name));
    else if (entry.isFile()) {
      await copyFile(join(from, entry.name), join(to, entry.name));
      await chmod(join(to, entry.name), 0o644);
    }
  }
}

/**
 * The CLI as the unprivileged user runs it: a byte-identical copy (with its modules) in a world-readable directory, since
 * the checkout itself may live where only its owner can go (e.g. a 0700 home directory).
 */
export let patBinForOthers: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pat-cli-'));
  await chmod(root, 0o755);
  await copyReadableByAll(dirname(patBin), join(root, 'bin'));
  // bin/pat/version.js reads the package.json of the package holding bin/.
  await copyFile(join(dirname(patBin), '..', 'package.json'), join(root, 'package.json'));
  await chmod(join(root, 'package.json'), 0o644);
  patBinForOthers = join(root, 'bin', 'pat.js');
  const tableName = `cli-${randomBytes(6).toString('hex')}`;
  await createTableFirst(inject('dynamoEndpoint'), tableName);
  service = await startLocalService({
    port: 0,
    dataDir: join(root, 'service'),
    dynamoEndpoint: inject('dynamoEndpoint'),
    tableName,
  });
});

afterAll(async () => {
  await service?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `pat` with a clean environment (no PAT_* leaking in from the developer's shell). */
export function pat(args: string[], options: { env?: Record<string, string>; as?: { uid: number; gid: number } } = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [options.as ? patBinForOthers : patBin, ...args],
      // cwd: the checkout may be unreadable to options.as.
      { env: { PATH: process.env.PATH ?? '', ...options.env }, timeout: 20_000, cwd: root, ...options.as },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export async function signIn(user: string, tenant = 'acme', admin = false): Promise<string> {
  const response = await fetch(`${service.url}/local/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user, tenant, admin }),
  });
  return ((await response.json()) as { idToken: string }).idToken;
}

let tenantCount = 0;
/** A tenant of its own, with an admin (ada) and a user (uma) signed in: a policy is per tenant, so a test gets one. */
export async function newTenant() {
  const name = `cli-gov${++tenantCount}-${randomBytes(3).toString('hex')}`;
  return { name, admin: await signIn('ada', name, true), user: await signIn('uma', name) };
}

export const userEnv = (idToken: string): Record<string, string> => ({ PAT_API_URL: service.url, PAT_ID_TOKEN: idToken });

export interface IssuedToken {
  id: string;
  accessToken: string;
  refreshKey: string;
  expiresAt: string;
}

export async function issueToken(idToken: string, body: Record<string, unknown>): Promise<IssuedToken> {
  const response = await fetch(`${service.url}/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${idToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as IssuedToken;
}

export let vendorCount = 0;

/** A fresh directory holding a vendor's credentials file (mode 0600) for a new candidates:read token. */
export async function vendorCredentials(extra: Record<string, unknown> = {}) {
  vendorCount += 1;
  const idToken = await signIn(`owner-${vendorCount}`);
  const token = await issueToken(idToken, { description: `vendor ${vendorCount}`, scopes: ['candidates:read'] });
  const directory = await mkdtemp(join(root, 'vendor-'));
  await chmod(directory, 0o755);
  const file = join(directory, 'credentials.json');
  const credentials = {
    apiUrl: service.url,
    tokenId: token.id,
    accessToken: token.accessToken,
    refreshKey: token.refreshKey,
    expiresAt: token.expiresAt,
    ...extra,
  };
  await writeFile(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  return { directory, file, token, idToken, credentials };
}

export async function readJson(file: string) {
  return JSON.parse(await readFile(file, 'utf8')) as Record<string, string>;
}

export async function fingerprint(file: string) {
  const info = await stat(file);
  return { bytes: await readFile(file), inode: info.ino, mode: info.mode & 0o777, mtimeMs: info.mtimeMs };
}

export async function callExampleApi(accessToken: string) {
  const response = await fetch(`${service.url}/api/candidates`, { headers: { authorization: `Bearer ${accessToken}` } });
  return { status: response.status, body: (await response.json()) as { principal?: { tokenId: string } } };
}

export async function refreshWithApi(refreshKey: string) {
  const response = await fetch(`${service.url}/tokens/refresh`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refreshKey }),
  });
  return response.status;
}

/** A port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export type FakeAnswer = { status: number; json?: unknown; raw?: string };

/** A stand-in for the service on a real socket: `answer` sees each request and its parsed body. */
export async function fakeService(answer: (request: { method: string; path: string; url: URL; body: any }) => FakeAnswer) {
  const requests: { method: string; path: string; body: any }[] = [];
  const server = createHttpServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://fake');
      const body = text === '' ? undefined : JSON.parse(text);
      requests.push({ method: request.method ?? '', path: url.pathname, body });
      const reply = answer({ method: request.method ?? '', path: url.pathname, url, body });
      response.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.raw ?? JSON.stringify(reply.json));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The refresh contract of the service (SPEC, "Refresh"): a refresh key presented again within the
 * leeway answers the same successor (same id, same refresh key, same claims).
 */
export async function fakeRefreshService() {
  const successors = new Map<string, Record<string, unknown>>();
  return fakeService(({ method, path, body }) => {
    if (method !== 'POST' || path !== '/tokens/refresh')
      return { status: 404, json: { error: { code: 'not_found', message: 'no such route' } } };
    const key = String(body?.refreshKey);
    if (!successors.has(key)) {
      const id = randomBytes(16).toString('hex');
      successors.set(key, {
        id,
        owner: 'vendor-owner',
        description: 'Vendor A',
        status: 'active',
        familyId: 'f'.repeat(32),
        generation: successors.size + 2,
        expiresAt: '2099-01-01T00:00:00Z',
        accessToken: `eyJhbGciOiJFUzI1NiJ9.eyJqdGkiOiIke2lkfSJ9.${randomBytes(32).toString('base64url')}`,
        refreshKey: `patr_${id}_${randomBytes(32).toString('base64url')}`,
      });
    }
    return { status: 200, json: successors.get(key) };
  });
}

/**
 * A TCP proxy in front of `upstream` that spoils the answer to the first connection after forwarding
 * its request whole: `reset` cuts the connection (RST) as the answer arrives, `silence` swallows the
 * answer and keeps the connection open (the client times out). Later connections pass untouched.
 */
export async function spoilingProxy(upstream: string, spoil: 'reset' | 'silence') {
  const target = new URL(upstream);
  let connections = 0;
  const sockets = new Set<import('node:net').Socket>();
  const proxy = createServer((client) => {
    connections += 1;
    const spoilThis = connections === 1;
    const server = connect(Number(target.port), target.hostname);
    sockets.add(client).add(server);
    client.on('error', () => server.destroy());
    server.on('error', () => client.destroy());
    client.pipe(server);
    server.on('data', (chunk: Buffer) => {
      if (!spoilThis) client.write(chunk);
      else if (spoil === 'reset') client.resetAndDestroy();
    });
    server.on('end', () => (spoilThis ? undefined : client.end()));
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(proxy.address() as { port: number }).port}`,
    connections: () => connections,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}

/**
 * Reads `file` over and over until `until` settles: every read must be a complete credentials file
 * (the old one or the new one, never a mix or a truncated write). Answers the distinct contents seen.
 */
export async function watchFile<T>(file: string, until: Promise<T>) {
  const seen = new Set<string>();
  const torn: string[] = [];
  let done = false;
  void until.finally(() => (done = true));
  const look = async () => {
    const text = await readFile(file, 'utf8').catch(() => 'missing');
    try {
      JSON.parse(text);
      seen.add(text);
    } catch {
      torn.push(text);
    }
  };
  while (!done) {
    await look();
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  // Once more when it has settled: on a busy machine the last look may come before the last write.
  await look();
  return { result: await until, seen: [...seen], torn };
}

/** A failure is reported on exactly one line of stderr, and never quotes a secret. */
export function expectOneLineFailure(run: Run, exitCode: number, reason: RegExp, secrets: string[]) {
  expect(run.code).toBe(exitCode);
  expect(run.stdout).toBe('');
  const lines = run.stderr.split('\n').filter((line) => line !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(reason);
  for (const secret of secrets) expect(run.stderr).not.toContain(secret);
  expect(run.stderr).not.toMatch(/eyJ[\w-]+\.|patr_/);
}

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalService } from '../../functions/local/service';

// The CLI runs as a real child process against the local server (same handlers and authorizer as
// in AWS), with the service's defaults: 60 s grace for a rotated token, 30 s reuse leeway.

const patBin = fileURLToPath(new URL('../../bin/pat.js', import.meta.url));
const isRoot = process.getuid?.() === 0;
/** Root reads any file, so "unreadable" and "read-only directory" are tested as an unprivileged user. */
const nobody = { uid: 65534, gid: 65534 };

let service: Awaited<ReturnType<typeof startLocalService>>;
let root: string;
/**
 * The CLI as the unprivileged user runs it: a byte-identical copy in a world-readable directory, since
 * the checkout itself may live where only its owner can go (e.g. a 0700 home directory).
 */
let patBinForOthers: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pat-cli-'));
  await chmod(root, 0o755);
  await mkdir(join(root, 'bin'), { mode: 0o755 });
  patBinForOthers = join(root, 'bin', 'pat.js');
  await copyFile(patBin, patBinForOthers);
  await chmod(patBinForOthers, 0o644);
  service = await startLocalService({
    port: 0,
    dataDir: join(root, 'service'),
    dynamoEndpoint: inject('dynamoEndpoint'),
    tableName: `cli-${randomBytes(6).toString('hex')}`,
  });
});

afterAll(async () => {
  await service?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `pat` with a clean environment (no PAT_* leaking in from the developer's shell). */
function pat(args: string[], options: { env?: Record<string, string>; as?: { uid: number; gid: number } } = {}): Promise<Run> {
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

async function signIn(user: string, tenant = 'acme', admin = false): Promise<string> {
  const response = await fetch(`${service.url}/local/session`, { method: 'POST', body: JSON.stringify({ user, tenant, admin }) });
  return ((await response.json()) as { idToken: string }).idToken;
}

const userEnv = (idToken: string): Record<string, string> => ({ PAT_API_URL: service.url, PAT_ID_TOKEN: idToken });

interface IssuedToken {
  id: string;
  accessToken: string;
  refreshKey: string;
  expiresAt: string;
}

async function issueToken(idToken: string, body: Record<string, unknown>): Promise<IssuedToken> {
  const response = await fetch(`${service.url}/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${idToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as IssuedToken;
}

let vendorCount = 0;

/** A fresh directory holding a vendor's credentials file (mode 0600) for a new candidates:read token. */
async function vendorCredentials(extra: Record<string, unknown> = {}) {
  vendorCount += 1;
  const idToken = await signIn(`owner-${vendorCount}`);
  const token = await issueToken(idToken, { description: `vendor ${vendorCount}`, scopes: ['candidates:read'] });
  const directory = await mkdtemp(join(root, 'vendor-'));
  await chmod(directory, 0o755);
  const file = join(directory, 'credentials.json');
  const credentials = { apiUrl: service.url, tokenId: token.id, accessToken: token.accessToken, refreshKey: token.refreshKey, expiresAt: token.expiresAt, ...extra };
  await writeFile(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  return { directory, file, token, idToken, credentials };
}

async function readJson(file: string) {
  return JSON.parse(await readFile(file, 'utf8')) as Record<string, string>;
}

async function fingerprint(file: string) {
  const info = await stat(file);
  return { bytes: await readFile(file), inode: info.ino, mode: info.mode & 0o777, mtimeMs: info.mtimeMs };
}

async function callExampleApi(accessToken: string) {
  const response = await fetch(`${service.url}/api/candidates`, { headers: { authorization: `Bearer ${accessToken}` } });
  return { status: response.status, body: (await response.json()) as { principal?: { tokenId: string } } };
}

async function refreshWithApi(refreshKey: string) {
  const response = await fetch(`${service.url}/tokens/refresh`, { method: 'POST', body: JSON.stringify({ refreshKey }) });
  return response.status;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A failure is reported on exactly one line of stderr, and never quotes a secret. */
function expectOneLineFailure(run: Run, exitCode: number, reason: RegExp, secrets: string[]) {
  expect(run.code).toBe(exitCode);
  expect(run.stdout).toBe('');
  const lines = run.stderr.split('\n').filter((line) => line !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(reason);
  for (const secret of secrets) expect(run.stderr).not.toContain(secret);
  expect(run.stderr).not.toMatch(/eyJ[\w-]+\.|patr_/);
}

describe('pat refresh', () => {
  it('replaces the credentials file through a temporary file and a rename with a working token and key', async () => {
    const { directory, file, token } = await vendorCredentials({ note: 'kept across refreshes' });
    const before = await fingerprint(file);

    const run = await pat(['refresh', '--credentials', file]);

    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const after = await fingerprint(file);
    const renewed = await readJson(file);
    expect(after.inode).not.toBe(before.inode);
    expect(after.mode).toBe(0o600);
    expect(await readdir(directory)).toEqual(['credentials.json']);
    expect(renewed.refreshKey).toMatch(/^patr_/);
    expect(renewed.refreshKey).not.toBe(token.refreshKey);
    expect(renewed.accessToken).not.toBe(token.accessToken);
    expect(renewed.tokenId).not.toBe(token.id);
    expect(renewed).toMatchObject({ apiUrl: service.url, note: 'kept across refreshes' });
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    expect(run.stdout).toContain(renewed.tokenId);
    expect(run.stdout).not.toContain(renewed.accessToken);
    expect(run.stdout).not.toContain(renewed.refreshKey);
    const call = await callExampleApi(renewed.accessToken!);
    expect(call.status).toBe(200);
    expect(call.body.principal?.tokenId).toBe(renewed.tokenId);
  });

  it('rotates the same file again and again with the key each refresh wrote', async () => {
    const { file } = await vendorCredentials();
    const ids = [(await readJson(file)).tokenId];

    for (let round = 0; round < 3; round++) {
      const run = await pat(['refresh', '--credentials', file]);
      expect(run.code).toBe(0);
      ids.push((await readJson(file)).tokenId);
    }

    expect(new Set(ids).size).toBe(4);
    expect((await callExampleApi((await readJson(file)).accessToken!)).status).toBe(200);
  });

  it('replaces the file a symlink points to and keeps the symlink', async () => {
    const { directory, file } = await vendorCredentials();
    const link = join(directory, 'current.json');
    await symlink(file, link);

    const run = await pat(['refresh', '--credentials', link]);

    expect(run.code).toBe(0);
    expect((await readJson(link)).refreshKey).toBe((await readJson(file)).refreshKey);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readdir(directory)).sort()).toEqual(['credentials.json', 'current.json']);
  });

  it('leaves the file untouched and exits non-zero when the server is down', async () => {
    const { directory, file, credentials } = await vendorCredentials();
    await writeFile(file, JSON.stringify({ ...credentials, apiUrl: `http://127.0.0.1:${await closedPort()}` }), { mode: 0o600 });
    const before = await fingerprint(file);

    const run = await pat(['refresh', '--credentials', file]);

    expectOneLineFailure(run, 1, /cannot reach .*ECONNREFUSED.*left unchanged/, [credentials.refreshKey, credentials.accessToken]);
    expect(await fingerprint(file)).toEqual(before);
    expect(await readdir(directory)).toEqual(['credentials.json']);
    expect(await refreshWithApi(credentials.refreshKey)).toBe(200); // the key was not spent
  });

  it('leaves the file untouched and exits non-zero when the refresh key is garbage (401)', async () => {
    const { directory, file, credentials } = await vendorCredentials();
    const garbageKey = `patr_${randomBytes(16).toString('hex')}_${randomBytes(32).toString('base64url')}`;
    await writeFile(file, JSON.stringify({ ...credentials, refreshKey: garbageKey }), { mode: 0o600 });
    const before = await fingerprint(file);

    const run = await pat(['refresh', '--credentials', file]);

    expectOneLineFailure(run, 3, /401 invalid_grant.*left unchanged/, [garbageKey, credentials.accessToken]);
    expect(await fingerprint(file)).toEqual(before);
    expect(await readdir(directory)).toEqual(['credentials.json']);
  });

  it('leaves the file untouched and exits non-zero when the token was revoked (401)', async () => {
    const { file, credentials, idToken } = await vendorCredentials();
    expect((await pat(['revoke', credentials.tokenId], { env: userEnv(idToken) })).code).toBe(0);
    const before = await fingerprint(file);

    const run = await pat(['refresh', '--credentials', file]);

    expectOneLineFailure(run, 3, /refresh key rejected \(401 invalid_grant/, [credentials.refreshKey, credentials.accessToken]);
    expect(await fingerprint(file)).toEqual(before);
  });

  it('leaves the file untouched and exits non-zero when its key was just used by another refresh (409 within the leeway)', async () => {
    const { directory, file, credentials } = await vendorCredentials();
    const staleCopy = join(directory, 'stale-copy.json');
    await writeFile(staleCopy, await readFile(file), { mode: 0o600 });
    expect((await pat(['refresh', '--credentials', file])).code).toBe(0);
    const winner = await readJson(file);
    const before = await fingerprint(staleCopy);

    const run = await pat(['refresh', '--credentials', staleCopy]);

    expectOneLineFailure(run, 4, /409 conflict.*left unchanged.*Do not retry/, [credentials.refreshKey, credentials.accessToken]);
    expect(await fingerprint(staleCopy)).toEqual(before);
    expect((await readdir(directory)).sort()).toEqual(['credentials.json', 'stale-copy.json']);
    // Within the leeway nothing is revoked: the winner's token still works.
    expect((await callExampleApi(winner.accessToken!)).status).toBe(200);
  });

  it('leaves the file holding the newest working credentials when several refreshes of it race', async () => {
    const { directory, file } = await vendorCredentials();

    const runs = await Promise.all(Array.from({ length: 4 }, () => pat(['refresh', '--credentials', file])));

    expect(runs.filter((run) => run.code === 0).length).toBeGreaterThanOrEqual(1);
    for (const run of runs.filter((run) => run.code !== 0)) expectOneLineFailure(run, 4, /409 conflict/, []);
    expect(await readdir(directory)).toEqual(['credentials.json']);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const final = await readJson(file);
    expect((await callExampleApi(final.accessToken!)).status).toBe(200);
    expect((await pat(['refresh', '--credentials', file])).code).toBe(0);
  });

  it('leaves the file untouched when a gateway fails or answers nonsense, and says the refresh may have happened', async () => {
    const answers = [
      { status: 504, type: 'application/json', body: '{"message": "Endpoint request timed out"}' },
      { status: 502, type: 'text/html', body: '<html>Bad Gateway</html>' },
      { status: 503, type: 'application/json', body: '{"error": {"code": "unavailable", "message": "DynamoDB is unavailable"}}' },
      { status: 200, type: 'application/json', body: '{"ok": true}' },
    ];
    const gateway = createHttpServer((request, response) => {
      const answer = answers.shift()!;
      request.resume();
      response.writeHead(answer.status, { 'content-type': answer.type }).end(answer.body);
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    const { directory, file, credentials } = await vendorCredentials();
    await writeFile(file, JSON.stringify({ ...credentials, apiUrl: `http://127.0.0.1:${(gateway.address() as { port: number }).port}` }), { mode: 0o600 });
    const before = await fingerprint(file);

    const runs = [];
    for (let i = 0; i < 4; i++) runs.push(await pat(['refresh', '--credentials', file]));
    await new Promise<void>((resolve) => gateway.close(() => resolve()));

    expectOneLineFailure(runs[0]!, 1, /HTTP 504, not the service's JSON.*left unchanged, but the refresh may have happened/, [credentials.refreshKey]);
    expectOneLineFailure(runs[1]!, 1, /HTTP 502, not the service's JSON.*may have happened/, [credentials.refreshKey]);
    expectOneLineFailure(runs[2]!, 1, /the service failed \(503 unavailable: DynamoDB is unavailable\).*may have happened/, [credentials.refreshKey]);
    expectOneLineFailure(runs[3]!, 1, /HTTP 200 without a new token.*may have happened/, [credentials.refreshKey]);
    expect(await fingerprint(file)).toEqual(before);
    expect(await readdir(directory)).toEqual(['credentials.json']);
  });

  it('leaves the file untouched and exits non-zero when the file cannot be read', async () => {
    const { file, credentials } = await vendorCredentials();
    await chmod(file, 0o000);
    const before = await fingerprint(file);

    const run = await pat(['refresh', '--credentials', file], { as: isRoot ? nobody : undefined });

    expectOneLineFailure(run, 1, /cannot read the credentials file .*permission denied/, [credentials.refreshKey]);
    expect(await fingerprint(file)).toEqual(before);
  });

  it('exits non-zero when the file does not exist or is a directory', async () => {
    const { directory } = await vendorCredentials();

    const missing = await pat(['refresh', '--credentials', join(directory, 'missing.json')]);
    const aDirectory = await pat(['refresh', '--credentials', directory]);

    expectOneLineFailure(missing, 1, /cannot read the credentials file .*no such file/, []);
    expectOneLineFailure(aDirectory, 1, /cannot read the credentials file .*directory/, []);
    expect(await readdir(directory)).toEqual(['credentials.json']);
  });

  it('leaves the file untouched and never quotes it when it is not valid JSON', async () => {
    const { directory, file, credentials } = await vendorCredentials();
    // A JSON parser's message quotes the text around the mistake: here, the refresh key.
    await writeFile(file, `{"apiUrl": "${service.url}", "refreshKey": "${credentials.refreshKey}" oops}`, { mode: 0o600 });
    const before = await fingerprint(file);

    const run = await pat(['refresh', '--credentials', file]);

    expectOneLineFailure(run, 1, /is not valid JSON/, [credentials.refreshKey, credentials.refreshKey.slice(-20)]);
    expect(await fingerprint(file)).toEqual(before);
    expect(await readdir(directory)).toEqual(['credentials.json']);
    expect(await refreshWithApi(credentials.refreshKey)).toBe(200); // nothing was sent
  });

  it('leaves the file untouched when it lacks a refresh key or an API URL', async () => {
    const { file, credentials } = await vendorCredentials();
    await writeFile(file, JSON.stringify({ apiUrl: service.url, accessToken: credentials.accessToken }), { mode: 0o600 });
    const noKey = await fingerprint(file);
    const withoutKey = await pat(['refresh', '--credentials', file]);
    expectOneLineFailure(withoutKey, 1, /invalid: "refreshKey" must be a non-empty string/, [credentials.accessToken]);
    expect(await fingerprint(file)).toEqual(noKey);

    await writeFile(file, JSON.stringify({ refreshKey: credentials.refreshKey }), { mode: 0o600 });
    const noUrl = await fingerprint(file);
    const withoutUrl = await pat(['refresh', '--credentials', file]);
    expectOneLineFailure(withoutUrl, 2, /missing the API URL/, [credentials.refreshKey]);
    expect(await fingerprint(file)).toEqual(noUrl);
  });

  it('fails before spending the key when it could not write the new file next to the old one', async () => {
    const { directory, file, credentials } = await vendorCredentials();
    await chmod(file, 0o644); // readable by the unprivileged user when running as root
    await chmod(directory, 0o555);
    const before = await fingerprint(file);

    const run = await pat(['refresh', '--credentials', file], { as: isRoot ? nobody : undefined });

    await chmod(directory, 0o755);
    expectOneLineFailure(run, 1, /cannot create a file next to .*nothing was sent/, [credentials.refreshKey]);
    expect(await fingerprint(file)).toEqual(before);
    expect(await refreshWithApi(credentials.refreshKey)).toBe(200);
  });

  it('refuses to run without --credentials', async () => {
    const run = await pat(['refresh']);

    expectOneLineFailure(run, 2, /missing --credentials FILE/, []);
  });
});

describe('pat create, list, revoke', () => {
  it('create --save writes a 0600 credentials file for a vendor and prints no secret', async () => {
    const idToken = await signIn('carol');
    const directory = await mkdtemp(join(root, 'create-'));
    const file = join(directory, 'vendor.json');

    const run = await pat(['create', '--description', 'Vendor A', '--scope', 'candidates:read', '--scope', 'jobs:read', '--expires-in-days', '180', '--save', file], {
      env: userEnv(idToken),
    });

    expect(run.code).toBe(0);
    const saved = await readJson(file);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(saved).toMatchObject({ apiUrl: `${service.url}/`, tokenId: expect.stringMatching(/^[0-9a-f]{32}$/), refreshKey: expect.stringMatching(/^patr_/) });
    expect(run.stdout).toContain(saved.tokenId);
    expect(run.stdout).not.toContain(saved.accessToken);
    expect(run.stdout).not.toContain(saved.refreshKey);
    expect(await readdir(directory)).toEqual(['vendor.json']);
    expect((await callExampleApi(saved.accessToken!)).status).toBe(200);
    expect((await pat(['refresh', '--credentials', file])).code).toBe(0);
  });

  it('create --save refuses to overwrite an existing file before creating anything', async () => {
    const idToken = await signIn('carol-2');
    const directory = await mkdtemp(join(root, 'create-'));
    const file = join(directory, 'vendor.json');
    await writeFile(file, 'precious');

    const run = await pat(['create', '-d', 'Vendor B', '-s', 'candidates:read', '--save', file], { env: userEnv(idToken) });

    expectOneLineFailure(run, 1, /already exists; pass --force/, [idToken]);
    expect(await readFile(file, 'utf8')).toBe('precious');
    expect((await pat(['list', '--json'], { env: userEnv(idToken) })).stdout).toContain('"items": []');
  });

  it('create without --save prints the access token and the refresh key, once', async () => {
    const idToken = await signIn('dave');

    const run = await pat(['create', '-d', 'Laptop script', '-s', 'candidates:read,assessments:read', '--allow-ip', '127.0.0.1'], { env: userEnv(idToken) });

    expect(run.code).toBe(0);
    const accessToken = /access token:\s+(\S+)/.exec(run.stdout)?.[1];
    const refreshKey = /refresh key:\s+(\S+)/.exec(run.stdout)?.[1];
    expect(accessToken).toMatch(/^eyJ/);
    expect(refreshKey).toMatch(/^patr_/);
    expect(run.stdout).toMatch(/scopes:\s+candidates:read assessments:read\n/); // in the order given
    expect((await callExampleApi(accessToken!)).status).toBe(200);
  });

  it('list prints the caller’s active tokens as a table and as JSON', async () => {
    const idToken = await signIn('erin');
    const first = await issueToken(idToken, { description: 'CI pipeline', scopes: ['jobs:read'] });
    const second = await issueToken(idToken, { description: 'Reporting', scopes: ['candidates:read', 'assessments:read'] });

    const asTable = await pat(['list'], { env: userEnv(idToken) });
    const asJson = await pat(['list', '--json'], { env: userEnv(idToken) });

    expect(asTable.code).toBe(0);
    const [heading, ...rows] = asTable.stdout.trim().split('\n');
    expect(heading).toMatch(/^ID\s+STATUS\s+EXPIRES\s+LAST USED\s+OWNER\s+DESCRIPTION\s+SCOPES$/);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(new RegExp(`^${second.id}\\s+active\\s+.*erin\\s+Reporting\\s+candidates:read assessments:read$`));
    expect(rows[1]).toMatch(new RegExp(`^${first.id}\\s+active\\s+.*CI pipeline\\s+jobs:read$`));
    expect(asJson.code).toBe(0);
    const listed = JSON.parse(asJson.stdout) as { items: { id: string }[]; nextCursor: string | null };
    expect(listed.items.map((item) => item.id)).toEqual([second.id, first.id]);
    expect(asJson.stdout).not.toContain(first.accessToken);
  });

  it('list --all-pages follows the cursor through every page', async () => {
    const idToken = await signIn('frank');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await issueToken(idToken, { description: `token ${i}`, scopes: ['jobs:read'] })).id);

    const firstPage = await pat(['list', '--limit', '2'], { env: userEnv(idToken) });
    const everything = await pat(['list', '--limit', '2', '--all-pages', '--json'], { env: userEnv(idToken) });

    expect(firstPage.code).toBe(0);
    expect(firstPage.stdout).toMatch(/More tokens: pat list --cursor \S+/);
    expect(everything.code).toBe(0);
    const listed = JSON.parse(everything.stdout) as { items: { id: string }[]; nextCursor: string | null };
    expect(listed.items.map((item) => item.id)).toEqual(ids.reverse());
    expect(listed.nextCursor).toBeNull();
  });

  it('list --owner lets an admin see one user’s tokens, --status all includes revoked ones', async () => {
    const admin = await signIn('grace-admin', 'acme', true);
    const heidi = await signIn('heidi');
    const kept = await issueToken(heidi, { description: 'kept', scopes: ['jobs:read'] });
    const dropped = await issueToken(heidi, { description: 'dropped', scopes: ['jobs:read'] });
    expect((await pat(['revoke', dropped.id], { env: userEnv(heidi) })).code).toBe(0);

    const active = await pat(['list', '--owner', 'heidi', '--json'], { env: userEnv(admin) });
    const all = await pat(['list', '--owner', 'heidi', '--status', 'all'], { env: userEnv(admin) });

    expect(JSON.parse(active.stdout).items.map((item: { id: string }) => item.id)).toEqual([kept.id]);
    expect(all.stdout).toMatch(new RegExp(`${dropped.id}\\s+revoked`));
    expect(all.stdout).toContain(kept.id);
  });

  it('revoke revokes the token: its access token and its refresh key stop working', async () => {
    const { file, credentials, idToken } = await vendorCredentials();

    const run = await pat(['revoke', credentials.tokenId], { env: userEnv(idToken) });

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^Revoked token ${credentials.tokenId} "vendor \\d+" \\(revoked at `));
    expect((await callExampleApi(credentials.accessToken)).status).toBe(401);
    expect((await pat(['refresh', '--credentials', file])).code).toBe(3);
  });

  it('explains a rejected call in one line with the server’s message and a non-zero exit', async () => {
    const idToken = await signIn('ivan');
    const env = userEnv(idToken);

    const unknownScope = await pat(['create', '-d', 'x', '-s', 'payroll:read'], { env });
    const unknownToken = await pat(['revoke', '0123456789abcdef0123456789abcdef'], { env });
    const badIdToken = await pat(['list'], { env: userEnv('not-a-real-id-token') });
    const othersTokens = await pat(['list', '--owner', 'someone-else'], { env });

    expectOneLineFailure(unknownScope, 1, /could not create the token \(400 invalid_request: .*payroll:read/, [idToken]);
    expectOneLineFailure(unknownToken, 1, /no token 0123456789abcdef0123456789abcdef .*404 not_found/, [idToken]);
    expectOneLineFailure(badIdToken, 3, /ID token was rejected \(401 unauthorized/, ['not-a-real-id-token']);
    expectOneLineFailure(othersTokens, 1, /403 forbidden/, [idToken]);
  });

  it('explains a missing option, a missing URL or ID token, and a server that is down', async () => {
    const idToken = await signIn('judy');

    const noScope = await pat(['create', '-d', 'x'], { env: userEnv(idToken) });
    const noUrl = await pat(['list'], { env: { PAT_ID_TOKEN: idToken } });
    const noIdToken = await pat(['list'], { env: { PAT_API_URL: service.url } });
    const down = await pat(['list', '--url', `http://127.0.0.1:${await closedPort()}`, '--id-token', idToken]);
    const unknownOption = await pat(['list', '--colour'], { env: userEnv(idToken) });

    expectOneLineFailure(noScope, 2, /missing --scope/, [idToken]);
    expectOneLineFailure(noUrl, 2, /missing the API URL: pass --url URL or set PAT_API_URL/, [idToken]);
    expectOneLineFailure(noIdToken, 2, /missing the ID token/, []);
    expectOneLineFailure(down, 1, /cannot reach GET http:\/\/127\.0\.0\.1:\d+\/tokens \(ECONNREFUSED\)/, [idToken]);
    expectOneLineFailure(unknownOption, 2, /Unknown option '--colour'/, [idToken]);
  });

  it('prints help for pat help, --help and each command', async () => {
    const runs = await Promise.all([pat(['help']), pat(['--help']), pat(['refresh', '--help']), pat(['help', 'create'])]);

    for (const run of runs) expect(run.code).toBe(0);
    expect(runs[0]!.stdout).toMatch(/pat refresh --credentials FILE/);
    expect(runs[1]!.stdout).toBe(runs[0]!.stdout);
    expect(runs[2]!.stdout).toMatch(/replaces FILE/);
    expect(runs[3]!.stdout).toMatch(/--save FILE/);
  });
});

import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { projectRoot } from '../../infra/constructs/prebuilt-assets';
import { createTableFirst } from '../support/dynamo';
import { startLocalService } from '../../functions/local/service';
import { cliBundle, packCli } from '../../scripts/pack-packages';

/**
 * The CLI as a vendor gets it: `npm install -g` of its packed tarball into a prefix outside this
 * repository (no dependency beside it), then `pat --version` and a `pat refresh` of a credentials
 * file against the service `npm start` runs (the same `startLocalService`, on the tests' DynamoDB Local).
 */
const work = mkdtempSync(join(tmpdir(), 'pat-cli-package-'));
const prefix = join(work, 'global');
const installedPat = join(prefix, 'bin', 'pat');
let service: Awaited<ReturnType<typeof startLocalService>>;
let tarball: string;

beforeAll(async () => {
  const tableName = `cli-package-${randomBytes(6).toString('hex')}`;
  await createTableFirst(inject('dynamoEndpoint'), tableName);
  service = await startLocalService({ port: 0, dataDir: join(work, 'service'), dynamoEndpoint: inject('dynamoEndpoint'), tableName });
  tarball = packCli();
  execFileSync('npm', ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], {
    cwd: work,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}, 120_000);

afterAll(async () => {
  await service?.stop();
  rmSync(work, { recursive: true, force: true });
});

const packageVersion = (dir: string): string =>
  (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;

/**
 * A vendor's credentials file (mode 0600) for a new candidates:read token of `user` in acme, made
 * through the service's API; without its "expiresAt" unless `withExpiry`.
 */
async function vendorFile(user: string, description: string, name: string, withExpiry = true) {
  const session = await fetch(`${service.url}/local/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user, tenant: 'acme' }),
  });
  const { idToken } = (await session.json()) as { idToken: string };
  const created = await fetch(`${service.url}/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${idToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ description, scopes: ['candidates:read'] }),
  });
  expect(created.status).toBe(201);
  const token = (await created.json()) as { id: string; accessToken: string; refreshKey: string; expiresAt: string };
  const { id: tokenId, accessToken, refreshKey, expiresAt } = token;
  const credentials = { apiUrl: service.url, tokenId, accessToken, refreshKey, ...(withExpiry ? { expiresAt } : {}) };
  const file = join(work, name);
  writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  return { token, file };
}

/** The installed `pat`, run from outside the repository with nothing of the developer's shell. */
function pat(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(installedPat, args, { cwd: work, env: { PATH: process.env.PATH ?? '' }, timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

describe('the CLI, installed globally from its tarball', () => {
  it('runs `pat --version`, with no dependency installed beside it, and ships every module of bin/', async () => {
    const run = await pat(['--version']);

    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout.trim()).toBe(JSON.parse(readFileSync(join(projectRoot, 'packages', 'cli', 'package.json'), 'utf8')).version);
    expect(readdirSync(join(prefix, 'lib', 'node_modules', '@pat-service', 'pat-cli'))).not.toContain('node_modules');
    const packed = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n');
    const binFiles = (readdirSync(join(projectRoot, 'bin'), { recursive: true }) as string[]).filter(
      (file) => file.endsWith('.js') && !file.endsWith('.test.js'),
    );
    for (const file of binFiles) expect(packed).toContain(`package/bin/${file}`);
  });

  it('rotates a vendor credentials file with `pat refresh` against the local service: a new token that works, a new key, the file still 0600', async () => {
    const { token, file } = await vendorFile('alice', 'vendor from the packaged CLI', 'credentials.json');

    const run = await pat(['refresh', '--credentials', file]);

    expect(run).toMatchObject({ code: 0, stderr: '' });
    const renewed = JSON.parse(readFileSync(file, 'utf8')) as { tokenId: string; accessToken: string; refreshKey: string };
    expect(renewed.tokenId).not.toBe(token.id);
    expect(run.stdout).toContain(renewed.tokenId);
    expect(run.stdout).not.toContain(renewed.refreshKey);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const call = await fetch(`${service.url}/api/candidates`, { headers: { authorization: `Bearer ${renewed.accessToken}` } });
    expect(call.status).toBe(200);
    expect(((await call.json()) as { principal?: { tokenId: string } }).principal?.tokenId).toBe(renewed.tokenId);
    expect(renewed.refreshKey).not.toBe(token.refreshKey);
  });
});

describe('pat --version', () => {
  it('is the version of the package.json of the package bin/ is in, read from it, not written in the code', () => {
    const checkout = execFileSync(process.execPath, [join(projectRoot, 'bin', 'pat.js'), '--version'], { encoding: 'utf8' });
    const elsewhere = join(work, 'versioned');
    cpSync(join(projectRoot, 'bin'), join(elsewhere, 'bin'), { recursive: true });
    writeFileSync(join(elsewhere, 'package.json'), JSON.stringify({ name: 'pat-version-probe', version: '9.8.7-probe', type: 'module' }));

    const probed = execFileSync(process.execPath, [join(elsewhere, 'bin', 'pat.js'), '--version'], { encoding: 'utf8' });

    expect(checkout.trim()).toBe(packageVersion(projectRoot));
    expect(probed.trim()).toBe('9.8.7-probe');
  });
});

describe('the one-file CLI (pat.js), copied alone as docs/vendors.md says', () => {
  /** Its own directory, like /opt/pat: nothing of this repository beside it, no node_modules anywhere up. */
  const opt = join(work, 'opt', 'pat');
  const copied = join(opt, 'pat.js');

  function node(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(process.execPath, args, { cwd: work, env: { PATH: process.env.PATH ?? '' }, timeout: 20_000 }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
      });
    });
  }

  it('is built by npm run pack into the package and dist/packages, and imports nothing but node: built-ins', () => {
    const packed = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n');
    const source = readFileSync(cliBundle, 'utf8');

    expect(packed).toContain('package/pat.js');
    expect(source.startsWith('#!/usr/bin/env node')).toBe(true);
    const imports = [...source.matchAll(/^\s*import\s[^;]*?from\s+["']([^"']+)["']/gm)].map((match) => match[1]);
    expect(imports.length).toBeGreaterThan(0);
    for (const specifier of imports) expect(specifier).toMatch(/^node:/);
    expect(source).not.toMatch(/\bimport\(\s*["']\.{1,2}\//);
  });

  it('refreshes a vendor credentials file with `node /opt/pat/pat.js refresh --credentials FILE`', async () => {
    mkdirSync(opt, { recursive: true });
    copyFileSync(cliBundle, copied);
    const { token, file } = await vendorFile('bob', 'vendor from the one-file CLI', 'vendor-credentials.json', false);

    const version = await node([copied, '--version']);
    const run = await node([copied, 'refresh', '--credentials', file]);

    expect(version).toMatchObject({ code: 0, stderr: '' });
    expect(version.stdout.trim()).toBe(packageVersion(join(projectRoot, 'packages', 'cli')));
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const renewed = JSON.parse(readFileSync(file, 'utf8')) as { tokenId: string; accessToken: string; refreshKey: string };
    expect(renewed.tokenId).not.toBe(token.id);
    expect(run.stdout).toContain(`${token.id} → ${renewed.tokenId}`);
    const call = await fetch(`${service.url}/api/candidates`, { headers: { authorization: `Bearer ${renewed.accessToken}` } });
    expect(call.status).toBe(200);
    expect(readdirSync(opt)).toEqual(['pat.js']);
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../infra/constructs/prebuilt-assets';

/**
 * `npm start -- --config <file>` (functions/local/main.ts, as `npm start` runs it, with its own
 * DynamoDB Local): the file `cdk deploy -c config=<file>` reads, declaring a catalogue and example
 * routes of its own, is what the local service serves.
 */
const work = mkdtempSync(join(tmpdir(), 'pat-local-config-'));
const configFile = join(work, 'pat.config.json');
let child: ChildProcess;
const tsx = join(projectRoot, 'node_modules', '.bin', 'tsx');
let url: string;

async function call(method: string, path: string, init: { token?: string; body?: unknown } = {}) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as any) };
}

beforeAll(async () => {
  writeFileSync(
    configFile,
    JSON.stringify({
      catalogue: [
        { name: 'orders', description: 'Customer orders' },
        { name: 'invoices', description: 'Invoices' },
      ],
      exampleApi: {
        routes: [
          { method: 'GET', resource: '/shop/orders', scope: 'orders:read' },
          { method: 'POST', resource: '/shop/invoices/{id}', scope: 'invoices:write' },
        ],
      },
    }),
  );
  child = spawn(tsx, [join(projectRoot, 'functions', 'local', 'main.ts'), '--config', configFile], {
    cwd: work,
    env: { ...process.env, PORT: '0', PAT_DATA_DIR: join(work, 'data'), PAT_CONFIG: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  url = await new Promise<string>((resolve, reject) => {
    let output = '';
    const seen = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on('data', seen);
    child.stderr!.on('data', seen);
    child.on('exit', (code) => reject(new Error(`npm start exited with ${code}: ${output}`)));
  });
}, 120_000);

afterAll(async () => {
  if (child.exitCode === null) {
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  rmSync(work, { recursive: true, force: true });
}, 30_000);

describe('npm start with a configuration file', () => {
  it("offers the file's catalogue", async () => {
    const { body: session } = await call('POST', '/local/session', { body: { user: 'ada', tenant: 'acme' } });

    const scopes = await call('GET', '/scopes', { token: session.idToken });

    expect(scopes.status).toBe(200);
    expect(JSON.stringify(scopes.body)).toContain('orders');
    expect(JSON.stringify(scopes.body)).not.toContain('candidates');
  });

  it("serves the file's routes behind the authorizer, each with its scope, and not the built-in example routes", async () => {
    const { body: session } = await call('POST', '/local/session', { body: { user: 'ada', tenant: 'acme' } });
    const created = await call('POST', '/tokens', {
      token: session.idToken,
      body: { description: 'orders reader', scopes: ['orders:read'] },
    });
    expect(created.status).toBe(201);
    const token = created.body.accessToken as string;

    const orders = await call('GET', '/shop/orders', { token });
    const invoice = await call('POST', '/shop/invoices/7', { token });
    const builtIn = await call('GET', '/api/candidates', { token });

    expect(orders).toMatchObject({ status: 200, body: { ok: true, principal: { owner: 'ada', tenant: 'acme' } } });
    expect(invoice.status).toBe(403);
    expect(builtIn.status).toBe(404);
  });
});

describe('a configuration file that does not hold', () => {
  it('stops npm start with the problem named by its path in the file', async () => {
    const bad = join(work, 'bad.config.json');
    writeFileSync(
      bad,
      JSON.stringify({
        catalogue: [{ name: 'orders', description: 'Orders' }],
        exampleApi: { routes: [{ method: 'GET', resource: '/shop/invoices', scope: 'invoices:read' }] },
      }),
    );

    const result = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const failing = spawn(tsx, [join(projectRoot, 'functions', 'local', 'main.ts')], {
        cwd: work,
        env: { ...process.env, PORT: '0', PAT_DATA_DIR: join(work, 'bad-data'), PAT_CONFIG: bad },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      failing.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      failing.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      failing.on('exit', (code) => resolve({ code, output }));
      // A service that started after all must not outlive the test.
      setTimeout(() => failing.kill('SIGTERM'), 45_000).unref();
    });

    expect(result.code).toBe(1);
    expect(result.output).toMatch(/exampleApi\.routes/);
  }, 60_000);
});

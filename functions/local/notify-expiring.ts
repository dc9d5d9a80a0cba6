import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { databaseKeyOf, ensureTable, localDynamoClient, startDynamoDbLocal, type RunningDynamoDb } from './dynamodb-local';
import { applyLocalEnvironment, endpointFileOf } from './service';

/**
 * `npm run notify-expiring`: runs the scheduled expiry-notification Lambda once against the local
 * data (the running `npm start`'s DynamoDB Local, or its files) and prints what it would send.
 */
const dataDir = resolve(process.env.PAT_DATA_DIR ?? '.local');
const tableName = 'pat-tokens';
mkdirSync(dataDir, { recursive: true, mode: 0o700 });
const region = databaseKeyOf(dataDir);

async function reachable(endpoint: string): Promise<boolean> {
  const client = localDynamoClient(endpoint, region);
  try {
    await client.send(new ListTablesCommand({}));
    return true;
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}

let dynamo: RunningDynamoDb | undefined;
let endpoint = existsSync(endpointFileOf(dataDir)) ? readFileSync(endpointFileOf(dataDir), 'utf8').trim() : undefined;
if (!endpoint || !(await reachable(endpoint))) {
  const dbPath = join(dataDir, 'dynamodb');
  mkdirSync(dbPath, { recursive: true, mode: 0o700 });
  dynamo = await startDynamoDbLocal({ dbPath, region });
  endpoint = dynamo.endpoint;
}
try {
  const client = localDynamoClient(endpoint, region);
  await ensureTable(client, tableName);
  client.destroy();
  applyLocalEnvironment({ dataDir, endpoint, region, tableName });
  delete process.env.EVENT_BUS_NAME;
  delete process.env.SNS_TOPIC_ARN;
  const { handler } = await import('../handlers/notify-expiring');
  const result = await handler();
  console.log(`${result.notified} token(s) notified`);
} finally {
  await dynamo?.stop();
}

import { dynamoClient } from '../adapters/aws-clients';
import { loadConfig, required, type ServiceConfig } from '../adapters/config';
import { DynamoTokenStore } from '../adapters/dynamo-token-store';

/**
 * The parts every handler's composition root starts from, read from the environment when the
 * module loads: a bad configuration fails the cold start, never a request.
 */
export function baseParts(env: Record<string, string | undefined> = process.env): { config: ServiceConfig; store: DynamoTokenStore } {
  const config = loadConfig(env);
  const store = new DynamoTokenStore(dynamoClient(config.dynamoEndpoint), {
    tableName: required(config.tableName, 'TABLE_NAME'),
    retentionDays: config.policy.retentionDays,
  });
  return { config, store };
}

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * The DynamoDB client of a function, built once per container. Locally it points at DynamoDB Local;
 * short timeouts and few retries keep a faulty dependency from eating the Lambda's whole budget.
 */
export function dynamoClient(endpoint?: string): DynamoDBClient {
  return new DynamoDBClient({
    maxAttempts: 3,
    ...(endpoint
      ? { endpoint, region: process.env.AWS_REGION ?? 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
  });
}

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * The DynamoDB client of a function, built once per container. Locally it points at DynamoDB Local;
 * short timeouts and few retries keep a faulty dependency from eating the Lambda's whole budget.
 */
export function dynamoClient(endpoint?: string): DynamoDBClient {
  return new DynamoDBClient({
    maxAttempts: 3,
    // The SDK's own default is to wait up to 5 minutes for an answer: a hung connection would eat
    // the Lambda's budget and API Gateway's 29 s. Three attempts of at most 1 s each, then a 503.
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 1_000, throwOnRequestTimeout: true },
    ...(endpoint
      ? { endpoint, region: process.env.AWS_REGION ?? 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
  });
}

import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../functions/local/dynamodb-local';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}

/**
 * One in-memory DynamoDB Local for the whole integration run, on 127.0.0.1 only (as every DynamoDB
 * Local that `startDynamoDbLocal` starts); tests `inject('dynamoEndpoint')`. It keeps one shared
 * database (`-sharedDb`): its data is throwaway, and every test client may reach it with any key.
 */
export default async function setup(project: TestProject) {
  const dynamo = await startDynamoDbLocal();
  project.provide('dynamoEndpoint', dynamo.endpoint);
  return () => dynamo.stop();
}

import { beforeAll } from 'vitest';
import type { DynamoTokenStore } from '../support/dynamo-token-store';
import { tokenStoreContract } from '../contract/token-store.contract';
import { freshTable } from '../support/dynamo';

let store: DynamoTokenStore;

beforeAll(async () => {
  store = (await freshTable('contract')).store;
});

tokenStoreContract('DynamoDB', () => store);

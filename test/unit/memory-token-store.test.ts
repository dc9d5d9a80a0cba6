import { MemoryTokenStore } from '../support/memory-token-store';
import { tokenStoreContract } from '../contract/token-store.contract';

// The in-memory store the use-case unit tests run on must behave as the DynamoDB store does.
tokenStoreContract('in memory', () => new MemoryTokenStore());

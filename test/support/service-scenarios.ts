import type { TokenPolicy } from '../../functions/domain/token-policy';
import { authorizerFor, candidatesRead, ManualClock, tokenService } from './fixtures';
import { MemoryTokenStore } from './memory-token-store';

/**
 * The setup of the use cases' lifecycle scenarios (test/unit/token-*.test.ts,
 * tenant-governance.test.ts) over the in-memory store (which passes the DynamoDB store's contract
 * tests): `npm run test:unit` covers them without DynamoDB Local. The same rules over DynamoDB are
 * in test/integration.
 */
export function setup(policy: Partial<TokenPolicy> = {}) {
  const store = new MemoryTokenStore();
  const clock = new ManualClock();
  const { service, keys } = tokenService(store, clock, { policy });
  const authorizer = authorizerFor(store, clock, keys, { statusCacheMs: 0 });
  const authorize = candidatesRead(authorizer);
  return { store, clock, service, authorize };
}

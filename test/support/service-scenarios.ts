import type { TokenPolicy } from '../../functions/domain/token-policy';
import { authorizerFor, ManualClock, tokenService } from './fixtures';
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
  const authorize = async (accessToken: string) =>
    (
      await authorizer.authorize({
        authorization: `Bearer ${accessToken}`,
        sourceIp: '203.0.113.5',
        method: 'GET',
        resource: '/api/candidates',
      })
    ).effect;
  return { store, clock, service, authorize };
}

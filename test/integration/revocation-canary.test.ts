import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../functions/service/ports';
import { measureRevocation } from '../../functions/service/revocation-canary';
import { startTestService, type TestService } from '../support/local-service';

// The canary against `npm start`'s service: the local front emulates the stage (the REST
// authorizer's result cache, 300 s, ended by the local stage flusher), so what it measures is the
// bound a client of the deployed stage would see.
let service: TestService;
let canary: string;

beforeAll(async () => {
  service = await startTestService();
  canary = await service.session('pat-canary', 'pat-canary');
});
afterAll(() => service?.stop());

describe('revocation canary', () => {
  it('measures the time from a revocation to the stage refusing the token, within the 5 s bound', async () => {
    const outcome = await measureRevocation(
      {
        issue: () => service.createToken(canary, { scopes: ['jobs:read'] }),
        probe: async (accessToken) => (await service.call('GET', '/api/jobs', { token: accessToken })).status,
        revoke: async (id) => {
          const answer = await service.call('DELETE', `/tokens/${id}`, { token: canary });
          if (answer.status !== 200) throw new Error(`revoke answered ${answer.status}`);
        },
        clock: systemClock,
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      },
      { pollMs: 50, timeoutMs: 10_000 },
    );

    // The metric the deployed canary publishes, as a line (EMF is off locally).
    console.log(`METRIC PatService RevocationCanaryBoundMs=${outcome.kind === 'not_allowed' ? 'n/a' : outcome.boundMs} (${outcome.kind})`);
    expect(outcome.kind).toBe('measured');
    expect(outcome.kind === 'measured' && outcome.boundMs).toBeLessThanOrEqual(5_000);
  });

  it('reports a route that does not let a fresh token in, instead of measuring nothing', async () => {
    const outcome = await measureRevocation({
      issue: () => service.createToken(canary, { scopes: ['jobs:read'] }),
      probe: async (accessToken) => (await service.call('GET', '/api/candidates', { token: accessToken })).status,
      revoke: async () => {
        throw new Error('must not be reached');
      },
      clock: systemClock,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    });

    expect(outcome).toEqual({ kind: 'not_allowed', status: 403 });
  });
});

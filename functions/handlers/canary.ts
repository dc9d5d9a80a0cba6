import { keyRingOf } from '../adapters/key-ring';
import { logger } from '../observability/logger';
import { metrics } from '../observability/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { systemClock } from '../service/ports';
import { measureRevocation } from '../service/revocation-canary';
import { baseParts, issuanceOf, managementOf } from './compose';

// The revocation canary (opt-in, scheduled): a token of the canary tenant, the canary route through
// the real stage, a revocation, and the time until the gateway refuses the token.
const { config, table } = baseParts();
const issuance = issuanceOf(config, table, keyRingOf(config));
const management = managementOf(config, table);
const canaryUrl = process.env.CANARY_URL;
const canaryScope = process.env.CANARY_SCOPE;
if (!canaryUrl || !canaryScope) throw new Error('CANARY_URL and CANARY_SCOPE are required');
const canary = { userId: 'pat-canary', tenant: process.env.CANARY_TENANT ?? 'pat-canary', isAdmin: false };

export const handler = async (): Promise<void> => {
  const outcome = await measureRevocation({
    issue: () =>
      issuance.create(canary, {
        description: `revocation canary ${new Date().toISOString()}`,
        scopes: [canaryScope],
        // Short-lived: it dies by itself if the revocation below never happens.
        expiresAt: new Date(Math.ceil(Date.now() / 1000) * 1000 + 15 * 60_000).toISOString(),
      }),
    probe: async (accessToken) => (await fetch(canaryUrl, { headers: { authorization: `Bearer ${accessToken}` } })).status,
    revoke: async (id) => {
      await management.revoke(canary, id);
    },
    clock: systemClock,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  });
  logger.info('Revocation canary', { ...outcome });
  if (outcome.kind === 'not_allowed') metrics.addMetric('RevocationCanaryFailures', MetricUnit.Count, 1);
  else metrics.addMetric('RevocationCanaryBoundMs', MetricUnit.Milliseconds, outcome.boundMs);
  metrics.publishStoredMetrics();
};

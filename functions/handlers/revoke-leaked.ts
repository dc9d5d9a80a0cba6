import { Es256JwtVerifier } from '../adapters/jwt-verifier';
import { keyRingOf } from '../adapters/key-ring';
import { httpHandler } from '../http/http-handler';
import { logger } from '../observability/logger';
import { count } from '../observability/metrics';
import { json } from '../http/responses';
import { leakReportBody, parseInput } from '../http/validation';
import { systemClock } from '../service/ports';
import { revokeLeaked } from '../service/leak-revocation';
import { baseParts, leakRevocationOf } from './compose';

const { config, table } = baseParts();
const leaks = leakRevocationOf(
  table,
  new Es256JwtVerifier(keyRingOf(config), {
    issuer: config.issuer,
    clock: systemClock,
    allowNoExpiry: config.policy.allowNoExpiry,
  }),
);

/**
 * POST /tokens/revoke-leaked: unauthenticated, like GitHub's credential revocation API — holding a
 * leaked secret is proof enough to kill it. The answer is the same whatever was valid.
 */
export const handler = httpHandler(
  async (event) => {
    const { tokens: secrets } = parseInput(leakReportBody, event.body, 'body');
    const revoked = await revokeLeaked(leaks, secrets, { sourceIp: event.requestContext?.identity?.sourceIp });
    logger.info('Leak report processed', { reported: secrets.length, revoked });
    count('LeakedTokensRevoked', revoked);
    return json(202, { received: secrets.length });
  },
  { jsonBody: true },
);

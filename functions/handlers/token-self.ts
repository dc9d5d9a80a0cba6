import { Es256JwtVerifier } from '../adapters/jwt-verifier';
import { keyRingOf } from '../adapters/key-ring';
import { httpHandler } from '../http/http-handler';
import { json } from '../http/responses';
import { systemClock } from '../service/ports';
import { selfCheck } from '../service/self-check';
import { baseParts } from './compose';

const { config, table } = baseParts();
// Everything but `exp`: the holder of an expired token is answered too (docs/vendors.md).
const verifier = new Es256JwtVerifier(keyRingOf(config), {
  issuer: config.issuer,
  clock: systemClock,
  allowNoExpiry: config.policy.allowNoExpiry,
  ignoreExpiry: true,
});

/** GET /tokens/self: the access token's own state, authenticated by the token itself (no user session). */
export const handler = httpHandler(async (event) =>
  json(
    200,
    await selfCheck(
      { verifier, status: table.records, tenantPolicies: table.tenantPolicies, clock: systemClock, policy: config.policy },
      event.headers?.authorization,
    ),
  ),
);

import { keyRingOf } from '../adapters/key-ring';
import { httpHandler } from '../http/http-handler';
import { logger } from '../observability/logger';
import { count } from '../observability/metrics';
import { json } from '../http/responses';
import { parseInput, regenerateBody } from '../http/validation';
import { baseParts, issuanceOf } from './compose';

const { config, table, identify } = baseParts();
const tokens = issuanceOf(config, table, keyRingOf(config));

/** POST /tokens/{id}/regenerate: a rotation started by the owner or an admin; new secrets shown once. */
export const handler = httpHandler(
  async (event) => {
    const caller = await identify(event);
    // Optionally a new lifetime, by the create rules and the tenant's policy.
    const lifetime = event.body ? parseInput(regenerateBody, event.body, 'body') : {};
    const issued = await tokens.regenerate(caller, event.pathParameters?.id ?? '', lifetime);
    logger.info('Token regenerated', {
      tokenId: issued.id,
      familyId: issued.familyId,
      tenant: issued.tenant,
      regeneratedBy: caller.userId,
    });
    count('TokensRegenerated');
    return json(200, issued);
  },
  { jsonBody: 'optional' },
);

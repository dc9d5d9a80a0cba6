import { httpHandler } from '../http/http-handler';
import { logger } from '../observability/logger';
import { count } from '../observability/metrics';
import { json } from '../http/responses';
import { baseParts, managementOf } from './compose';

const { config, table, identify } = baseParts();
const tokens = managementOf(config, table);

/** DELETE /tokens/{id}: revokes the credential (every live member of the token's family). */
export const handler = httpHandler(async (event) => {
  const caller = await identify(event);
  const revoked = await tokens.revoke(caller, event.pathParameters?.id ?? '');
  logger.info('Credential revoked', {
    tokenId: revoked.id,
    familyId: revoked.familyId,
    revokedTokenIds: revoked.revokedTokenIds,
    tenant: revoked.tenant,
    revokedBy: caller.userId,
  });
  count('TokensRevoked', revoked.revokedTokenIds.length);
  return json(200, revoked);
});

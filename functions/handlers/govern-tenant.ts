import { approvalEventOf, approvalEventsOf } from '../adapters/approval-events';
import { notFound } from '../domain/errors';
import { httpHandler } from '../http/http-handler';
import { logger } from '../observability/logger';
import { count } from '../observability/metrics';
import { json } from '../http/responses';
import { decisionBody, editTokenBody, parseInput, tenantPolicyBody } from '../http/validation';
import { baseParts, governanceOf } from './compose';

const { config, table, identify } = baseParts();
// Changes records and policies, never signs: no signer, no KMS.
const tokens = governanceOf(config, table);
const approvals = approvalEventsOf(process.env.EVENT_BUS_NAME);

/**
 * Tenant governance: PUT /tenant/policy, POST /tenant/revoke-outside-policy (admins), PATCH
 * /tokens/{id} (owner or admin), POST /tokens/{id}/approve and /reject (admins).
 */
export const handler = httpHandler(
  async (event) => {
    const caller = await identify(event);
    const id = event.pathParameters?.id ?? '';
    switch (`${event.httpMethod} ${event.resource}`) {
      case 'PUT /tenant/policy': {
        const policy = await tokens.setPolicy(caller, parseInput(tenantPolicyBody, event.body, 'body'));
        logger.info('Tenant policy changed', { tenant: caller.tenant, changedBy: caller.userId });
        return json(200, policy);
      }
      case 'POST /tenant/revoke-outside-policy': {
        const revoked = await tokens.revokeOutsidePolicy(caller);
        logger.info('Tokens outside the tenant policy revoked', {
          tenant: caller.tenant,
          revokedBy: caller.userId,
          revokedTokenIds: revoked.revokedTokenIds,
        });
        count('TokensRevoked', revoked.revokedTokenIds.length);
        return json(200, revoked);
      }
      case 'PATCH /tokens/{id}': {
        const edited = await tokens.edit(caller, id, parseInput(editTokenBody, event.body, 'body'));
        logger.info('Token edited', { tokenId: edited.id, tenant: edited.tenant, editedBy: caller.userId });
        return json(200, edited);
      }
      case 'POST /tokens/{id}/approve':
      case 'POST /tokens/{id}/reject': {
        const approve = event.resource.endsWith('/approve');
        const seen = parseInput(decisionBody, event.body, 'body');
        const decided = await tokens.decide(caller, id, approve, seen);
        logger.info(approve ? 'Token approved' : 'Token rejected', {
          tokenId: decided.id,
          tenant: decided.tenant,
          decidedBy: caller.userId,
        });
        // Best effort, after the write: the requester learns the decision (and the reason) from the bus.
        await approvals
          .publish(
            approve ? 'Token Approved' : 'Token Rejected',
            approvalEventOf(decided, { decidedBy: caller.userId, reason: seen.reason }),
          )
          .catch((error: unknown) => {
            logger.warn('Could not announce the decision', { tokenId: decided.id, error: error as Error });
            count('ApprovalEventsFailed');
          });
        return json(200, decided);
      }
      default:
        throw notFound('No such route');
    }
  },
  { jsonBody: 'optional' },
);

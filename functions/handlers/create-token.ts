import { approvalEventOf, approvalEventsOf } from '../adapters/approval-events';
import { keyRingOf } from '../adapters/key-ring';
import { httpHandler } from '../http/http-handler';
import { logger } from '../observability/logger';
import { count } from '../observability/metrics';
import { json } from '../http/responses';
import { createTokenBody, parseInput } from '../http/validation';
import { baseParts, issuanceOf } from './compose';

const { config, table, identify } = baseParts();
const tokens = issuanceOf(config, table, keyRingOf(config));
const approvals = approvalEventsOf(process.env.EVENT_BUS_NAME);

/** POST /tokens */
export const handler = httpHandler(
  async (event) => {
    const caller = await identify(event);
    const request = parseInput(createTokenBody, event.body, 'body');
    const issued = await tokens.create(caller, request);
    logger.info('Token created', { tokenId: issued.id, owner: issued.owner, tenant: issued.tenant, createdBy: caller.userId });
    count('TokensCreated');
    if (issued.status === 'pending') {
      // Best effort, after the write: the audit trail is the record; the event lets a team notify its admins.
      await approvals.publish('Token Approval Requested', approvalEventOf(issued)).catch((error: unknown) => {
        logger.warn('Could not announce the approval request', { tokenId: issued.id, error: error as Error });
        count('ApprovalEventsFailed');
      });
    }
    return json(201, issued);
  },
  { jsonBody: true },
);

import { httpHandler } from '../http/http-handler';
import { json } from '../http/responses';
import { auditQuery, listTokensQuery, parseInput, tokenAuditQuery } from '../http/validation';
import { AuditLog } from '../service/audit-log';
import { baseParts, managementOf } from './compose';

const { config, table, identify } = baseParts();
// Read-only: no signer, and its IAM role may only read the table.
const tokens = managementOf(config, table);
const audit = new AuditLog({ records: table.records, audit: table.audit });

/** GET /tokens, GET /tokens/{id}, GET /tokens/{id}/audit and GET /audit */
export const handler = httpHandler(async (event) => {
  const caller = await identify(event);
  const query = event.queryStringParameters ?? {};
  const id = event.pathParameters?.id;
  switch (event.resource) {
    case '/tokens/{id}':
      return json(200, await tokens.get(caller, id ?? ''));
    case '/tokens/{id}/audit': {
      const { limit, cursor } = parseInput(tokenAuditQuery, query, 'query');
      return json(200, await audit.forToken(caller, id ?? '', { limit, cursor }));
    }
    case '/audit':
      return json(200, await audit.forTenant(caller, parseInput(auditQuery, query, 'query')));
    default:
      return json(200, await tokens.list(caller, parseInput(listTokensQuery, query, 'query')));
  }
});

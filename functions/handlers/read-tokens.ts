import { httpHandler } from '../http/http-handler';
import { json } from '../http/responses';
import { dispatch } from '../http/route-dispatch';
import { auditQuery, listTokensQuery, parseInput, tokenAuditQuery } from '../http/validation';
import { AuditLog } from '../service/audit-log';
import { baseParts, managementOf } from './compose';

const { config, table, identify } = baseParts();
// Read-only: no signer, and its IAM role may only read the table.
const tokens = managementOf(config, table);
const audit = new AuditLog({ records: table.records, audit: table.audit });

/** GET /tokens, GET /tokens/{id}, GET /tokens/{id}/audit and GET /audit */
const route = dispatch('read-tokens', {
  'GET /tokens': async (event, caller) =>
    json(200, await tokens.list(caller, parseInput(listTokensQuery, event.queryStringParameters ?? {}, 'query'))),
  'GET /tokens/{id}': async (event, caller) => json(200, await tokens.get(caller, event.pathParameters?.id ?? '')),
  'GET /tokens/{id}/audit': async (event, caller) => {
    const { limit, cursor } = parseInput(tokenAuditQuery, event.queryStringParameters ?? {}, 'query');
    return json(200, await audit.forToken(caller, event.pathParameters?.id ?? '', { limit, cursor }));
  },
  'GET /audit': async (event, caller) =>
    json(200, await audit.forTenant(caller, parseInput(auditQuery, event.queryStringParameters ?? {}, 'query'))),
});

export const handler = httpHandler(async (event) => route(event, await identify(event)));

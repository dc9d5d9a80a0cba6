import { httpHandler } from '../http/http-handler';
import { callerOf } from '../http/identity';
import { json } from '../http/responses';
import { listTokensQuery, parseInput } from '../http/validation';
import { systemClock } from '../service/ports';
import { TokenService } from '../service/token-service';
import { baseParts } from './compose';

const { config, store } = baseParts();
// Read-only: no signer, and its IAM role may only read the table.
const tokens = new TokenService({ store, clock: systemClock, policy: config.policy, catalogue: config.catalogue, issuer: config.issuer });

/** GET /tokens and GET /tokens/{id} */
export const handler = httpHandler(async (event) => {
  const caller = callerOf(event, config.identity);
  const id = event.pathParameters?.id;
  if (id !== undefined) return json(200, await tokens.get(caller, id));
  const query = parseInput(listTokensQuery, event.queryStringParameters ?? {}, 'query');
  return json(200, await tokens.list(caller, query));
});

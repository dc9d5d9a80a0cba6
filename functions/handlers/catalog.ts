import { notFound } from '../domain/errors';
import { catalogueView } from '../domain/scopes';
import { httpHandler } from '../http/http-handler';
import { json } from '../http/responses';
import { baseParts, governanceOf } from './compose';

const { config, table, identify } = baseParts();
// Read-only: the tenant's policy is read from the table; nothing is signed or written.
const tokens = governanceOf(config, table);
const scopes = catalogueView(config.catalogue);

/** GET /scopes and GET /policy (the caller's effective policy): what a create form offers. */
export const handler = httpHandler(async (event) => {
  const caller = await identify(event);
  if (event.resource === '/scopes') return json(200, scopes);
  if (event.resource === '/policy') return json(200, await tokens.policy(caller));
  throw notFound('No such route');
});

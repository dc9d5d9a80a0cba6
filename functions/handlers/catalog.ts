import { catalogueView } from '../domain/scopes';
import { httpHandler } from '../http/http-handler';
import { json } from '../http/responses';
import { dispatch } from '../http/route-dispatch';
import { baseParts, governanceOf } from './compose';

const { config, table, identify } = baseParts();
// Read-only: the tenant's policy is read from the table; nothing is signed or written.
const tokens = governanceOf(config, table);
const scopes = catalogueView(config.catalogue);

/** GET /scopes and GET /policy (the caller's effective policy): what a create form offers. */
const route = dispatch('catalog', {
  'GET /scopes': async () => json(200, scopes),
  'GET /policy': async (_event, caller) => json(200, await tokens.policy(caller)),
});

export const handler = httpHandler(async (event) => route(event, await identify(event)));

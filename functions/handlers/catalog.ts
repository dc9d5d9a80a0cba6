import { loadConfig } from '../adapters/config';
import { notFound } from '../domain/errors';
import { policyView } from '../domain/policy';
import { catalogueView } from '../domain/scopes';
import { httpHandler } from '../http/http-handler';
import { callerOf } from '../http/identity';
import { json } from '../http/responses';

const config = loadConfig(process.env);
const scopes = catalogueView(config.catalogue);
const policy = policyView(config.policy);

/** GET /scopes and GET /policy: what a create form offers. */
export const handler = httpHandler(async (event) => {
  callerOf(event, config.identity);
  if (event.resource === '/scopes') return json(200, scopes);
  if (event.resource === '/policy') return json(200, policy);
  throw notFound('No such route');
});

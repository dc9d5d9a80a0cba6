import { httpHandler } from '../http/http-handler';
import { openApiDocument } from '../http/openapi-document';

// Built once per container from the same schemas the handlers validate with; it needs no table, no key.
const body = JSON.stringify(openApiDocument());

/** GET /openapi.json: the OpenAPI 3.1 description of this API, public and cacheable like the JWKS. */
export const handler = httpHandler(async () => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' },
  body,
}));

// The OpenAPI 3.1 description of the HTTP API: one operation per route of the route table
// (domain/service-routes.ts), with the schemas the handlers validate with and answer with
// (openapi-components.ts): no second copy to keep in step. Built when the module loads (a few
// milliseconds, once per container) rather than at build time, so a deployed document can never be
// older than the code that answers.
import type * as z from 'zod/mini';
import type { ProtectedRoute } from '../domain/routes';
import { serviceRoutes } from '../domain/service-routes';
import { componentsOf, localResponseSchemas, requestSchemas, responseSchemas } from './openapi-components';
import { operationObject, operationOfRoute, type Operation } from './openapi-operations';

const managementOperations: Operation[] = serviceRoutes.map(operationOfRoute);

const localSessionOperation: Operation = {
  method: 'POST',
  path: '/local/session',
  operationId: 'localSignIn',
  summary: 'Local mode only: a development sign-in standing in for Cognito',
  tag: 'local',
  auth: 'none',
  body: 'LocalSessionRequest',
  ok: { status: 200, schema: 'LocalSession', description: 'An ID token for the management routes' },
  errors: ['invalid_request'],
};

function exampleApiOperation(route: ProtectedRoute): Operation {
  const method = route.method.toUpperCase() as Operation['method'];
  const name = route.resource
    .split('/')
    .filter(Boolean)
    .map((part) => part.replace(/[{}]/g, ''))
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
  return {
    method,
    path: route.resource,
    operationId: `example${method[0]}${method.slice(1).toLowerCase()}${name}`,
    summary: `Example protected API${route.scope ? ` (needs \`${route.scope}\`)` : ''}`,
    tag: 'example-api',
    auth: 'token',
    ok: { status: 200, schema: 'ExampleApiAnswer', description: 'Let in by the token authorizer' },
    errors: ['unauthorized', 'forbidden'],
  };
}

export interface OpenApiOptions {
  /**
   * Local mode's extras: its development sign-in (with the schema its request is validated with)
   * and the example protected API it serves. The deployed service API has neither.
   */
  local?: { sessionRequest: z.core.$ZodType; exampleApiRoutes: readonly ProtectedRoute[] };
}

/** The routes a document describes, as `METHOD /path`. */
export function documentedRoutes(options: OpenApiOptions = {}): string[] {
  return operationsOf(options).map((operation) => `${operation.method} ${operation.path}`);
}

function operationsOf(options: OpenApiOptions): Operation[] {
  return [
    ...managementOperations,
    ...(options.local ? [localSessionOperation, ...options.local.exampleApiRoutes.map(exampleApiOperation)] : []),
  ];
}

/** The OpenAPI 3.1 document of the service API (and, with `local`, of local mode's extras). */
export function openApiDocument(options: OpenApiOptions = {}) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of operationsOf(options)) {
    paths[operation.path] ??= {};
    paths[operation.path]![operation.method.toLowerCase()] = operationObject(operation);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Personal access tokens',
      version: '1',
      summary: 'Scoped, expiring, revocable ES256 personal access tokens, their refresh keys and their governance',
      description:
        'Every error has the shape `{"error": {"code", "message", "details"?}}`; `details` lists the offending fields of an `invalid_request`. ' +
        'Management routes need a user\u2019s ID token (Cognito; in local mode `POST /local/session`) as `Authorization: Bearer`. ' +
        'The access token and the refresh key are returned once, by create, refresh and regenerate, and never again.',
      license: { name: 'UNLICENSED', identifier: 'UNLICENSED' },
    },
    // Relative to where the document is served, so it holds under any API Gateway stage or custom domain.
    servers: [{ url: '.', description: 'This API, where this document was fetched from' }],
    tags: [
      { name: 'tokens', description: 'Create, list, read, revoke and regenerate tokens' },
      { name: 'refresh', description: 'Used by vendors with no user session: rotation and leak reports' },
      { name: 'governance', description: 'Tenant policy, approvals, edits' },
      { name: 'audit', description: 'Who did what to which token' },
      { name: 'catalogue', description: 'What a create form offers' },
      { name: 'keys', description: 'Public keys and this document' },
      { name: 'oauth', description: 'OAuth 2.0 (RFC 6749 refresh grant, RFC 7009 revocation, RFC 8414 metadata) beside the JSON routes' },
      ...(options.local
        ? [
            { name: 'local', description: 'Local mode only' },
            { name: 'example-api', description: 'Local mode\u2019s example API guarded by the token authorizer' },
          ]
        : []),
    ],
    paths,
    components: {
      schemas: {
        ...componentsOf({ ...responseSchemas, ...(options.local ? localResponseSchemas : {}) }, 'output'),
        ...componentsOf({ ...requestSchemas, ...(options.local ? { LocalSessionRequest: options.local.sessionRequest } : {}) }, 'input'),
      },
      securitySchemes: {
        idToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'A user\u2019s Cognito ID token (local mode: from `POST /local/session`)',
        },
        // GET /tokens/self takes the personal access token itself, deployed and local.
        accessToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A personal access token' },
      },
    },
  };
}

export type OpenApiDocument = ReturnType<typeof openApiDocument>;

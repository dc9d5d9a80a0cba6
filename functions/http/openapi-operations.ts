// One OpenAPI operation object per route: its parameters, request body and responses, each built
// by a small helper from the route's entry (the route table's, or local mode's own).
import * as z from 'zod/mini';
import { errorStatus, type ErrorCode } from '../domain/errors';
import type { QuerySchemaName, RequestSchemaName, ResponseSchemaName, RouteAccess, RouteTag, ServiceRoute } from '../domain/service-routes';
import { querySchemas, tidy, type JsonSchema, type RequestName, type ResponseName } from './openapi-components';

/** What the document says of one operation: a route of the table, or one of local mode's. */
export interface Operation {
  method: ServiceRoute['method'];
  path: string;
  operationId: string;
  summary: string;
  tag: RouteTag | 'local' | 'example-api';
  /** `user`: a Cognito ID token (local mode: POST /local/session); `token`: a personal access token; `none`: open. */
  auth: 'user' | 'token' | 'none';
  body?: RequestName;
  query?: z.ZodMiniObject;
  ok: { status: 200 | 201 | 202; schema: ResponseName | 'OpenApiDocument' | 'Empty'; description: string };
  oauth?: ServiceRoute['oauth'];
  errors: readonly ErrorCode[];
}

/** The security scheme a caller of each kind presents (the rest carry their credential in the body, or none). */
const authOf: Record<RouteAccess, Operation['auth']> = {
  user: 'user',
  admin: 'user',
  'access-token': 'token',
  vendor: 'none',
  'oauth-client': 'none',
  scanner: 'none',
  public: 'none',
};

/** A route of the table, its schemas named by the names the table uses. */
type NamedRoute = Omit<ServiceRoute, 'body' | 'query' | 'ok'> & {
  body?: RequestSchemaName;
  query?: QuerySchemaName;
  ok: { status: 200 | 201 | 202; schema: ResponseSchemaName | 'OpenApiDocument' | 'Empty'; description: string };
};

/** The operation a route of the table is. */
export function operationOfRoute(route: NamedRoute): Operation {
  const { handler: _handler, access, publicThrottle: _throttle, query, ...described } = route;
  return { ...described, auth: authOf[access], ...(query ? { query: querySchemas[query] } : {}) };
}

const errorMeaning: Record<ErrorCode, string> = {
  invalid_request: 'The request is malformed; `details` names each offending field. Nothing was written.',
  unauthorized: 'No valid credential (a missing, expired or forged ID token or access token).',
  invalid_grant: 'The refresh key does not identify a refreshable token (or was reused: its family is now revoked).',
  forbidden: 'The caller may not do this (not an admin, a tenant policy, a scope or an IP restriction).',
  not_found: 'No such token visible to the caller (another tenant\u2019s or user\u2019s token is answered the same).',
  conflict: 'The request clashes with the current state (a duplicate description, a cap, a concurrent change); retry or change it.',
  too_many_requests: 'Throttled; retry later.',
  internal: 'An internal error; the body says nothing internal, the log has the request id.',
  unavailable: 'A dependency (DynamoDB, KMS) cannot be reached; retry later. Never cached.',
};

const parameterDescriptions: Record<string, string> = {
  status: 'Which tokens: `active` (default), `pending`, `revoked`, `expired` or `all`.',
  limit: 'Page size, a whole number from 1 to 100 (default 50); anything else is a 400.',
  cursor: 'The `nextCursor` of the previous page, opaque; a bad one is a 400.',
  owner: 'Only this user\u2019s (an admin\u2019s filter; a non-admin naming someone else gets 403).',
  tokenId: 'Only the events of this token.',
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const jsonContent = (schema: JsonSchema) => ({ 'application/json': { schema } });

function queryParameters(query: z.ZodMiniObject) {
  const schema = tidy(z.toJSONSchema(query, { io: 'input', unrepresentable: 'any' }) as JsonSchema);
  const properties = schema.properties as Record<string, JsonSchema>;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: 'query',
    required: required.has(name),
    ...(parameterDescriptions[name] ? { description: parameterDescriptions[name] } : {}),
    schema: property,
  }));
}

function parametersOf(operation: Operation) {
  const inPath = [...operation.path.matchAll(/\{([^}]+)\}/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    description: operation.tag === 'example-api' ? 'The resource id' : 'A token id (32 hex digits); another id answers 404',
    schema: { type: 'string' },
  }));
  const parameters = [...inPath, ...(operation.query ? queryParameters(operation.query) : [])];
  return parameters.length > 0 ? { parameters } : {};
}

function requestBodyOf(operation: Operation) {
  if (operation.body) return { requestBody: { required: true, content: jsonContent(ref(operation.body)) } };
  if (!operation.oauth) return {};
  const form = Object.entries(operation.oauth.form);
  const schema = {
    type: 'object',
    properties: Object.fromEntries(form.map(([name, { description }]) => [name, { type: 'string', description }])),
    required: form.filter(([, { required }]) => required).map(([name]) => name),
  };
  return { requestBody: { required: true, content: { 'application/x-www-form-urlencoded': { schema } } } };
}

function successOf({ ok }: Operation) {
  if (ok.schema === 'Empty') return { description: ok.description };
  const schema = ok.schema === 'OpenApiDocument' ? { type: 'object', description: 'An OpenAPI 3.1 document' } : ref(ok.schema);
  return { description: ok.description, content: jsonContent(schema) };
}

/** The refusals, one response per status (OAuth's in OAuth's shape), every route's 429, 500 and 503 included. */
function refusalsOf(operation: Operation): Record<string, unknown> {
  const failures: ErrorCode[] = [
    ...operation.errors,
    ...(operation.auth === 'none' ? [] : (['unauthorized'] as const)),
    'too_many_requests',
    'internal',
    'unavailable',
  ];
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(failures)) byStatus.set(errorStatus[code], [...(byStatus.get(errorStatus[code]) ?? []), code]);
  const responses: Record<string, unknown> = {};
  for (const status of operation.oauth?.errorStatuses ?? []) {
    responses[status] = { description: 'OAuth\u2019s error shape (RFC 6749 \u00a75.2)', content: jsonContent(ref('OAuthError')) };
    byStatus.delete(status);
  }
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[status] = {
      description: codes.map((code) => `\`${code}\`: ${errorMeaning[code]}`).join(' '),
      content: jsonContent({ allOf: [ref('Error')], properties: { error: { properties: { code: { enum: codes } } } } }),
    };
  }
  return responses;
}

const securityOf = ({ auth }: Operation) => (auth === 'user' ? [{ idToken: [] }] : auth === 'token' ? [{ accessToken: [] }] : []);

export function operationObject(operation: Operation) {
  return {
    operationId: operation.operationId,
    summary: operation.summary,
    tags: [operation.tag],
    security: securityOf(operation),
    ...parametersOf(operation),
    ...requestBodyOf(operation),
    responses: { [operation.ok.status]: successOf(operation), ...refusalsOf(operation) },
  };
}

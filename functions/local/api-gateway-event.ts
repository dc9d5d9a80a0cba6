import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';

export const LOCAL_API_ARN = 'arn:aws:execute-api:local:000000000000:local';
export const LOCAL_STAGE = 'local';

export interface IncomingCall {
  method: string;
  path: string;
  resource: string;
  pathParameters: Record<string, string> | null;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
  sourceIp: string;
  requestId: string;
}

// Built from Maps with Object.fromEntries, which defines own properties: a header or query parameter
// named `__proto__`, `constructor` or `toString` is data, not a way into Object.prototype.
function headerMaps(headers: IncomingMessage['headers']) {
  const entries = Object.entries(headers).flatMap(([name, value]) =>
    value === undefined ? [] : [[name, Array.isArray(value) ? value : [value]] as const],
  );
  return {
    single: Object.fromEntries(entries.map(([name, values]) => [name, values[values.length - 1]!])) as Record<string, string>,
    multi: Object.fromEntries(entries) as Record<string, string[]>,
  };
}

function queryMaps(query: URLSearchParams) {
  const multi = new Map<string, string[]>();
  for (const [name, value] of query) multi.set(name, [...(multi.get(name) ?? []), value]);
  if (multi.size === 0) return { single: null, multi: null };
  return {
    single: Object.fromEntries([...multi].map(([name, values]) => [name, values[values.length - 1]!])) as Record<string, string>,
    multi: Object.fromEntries(multi) as Record<string, string[]>,
  };
}

/** The REST API (v1) proxy event API Gateway would send for this request. */
export function proxyEvent(call: IncomingCall, authorizer: Record<string, unknown> | null): APIGatewayProxyEvent {
  const headers = headerMaps(call.headers);
  const query = queryMaps(call.query);
  return {
    resource: call.resource,
    path: call.path,
    httpMethod: call.method,
    headers: headers.single,
    multiValueHeaders: headers.multi,
    queryStringParameters: query.single,
    multiValueQueryStringParameters: query.multi,
    pathParameters: call.pathParameters,
    stageVariables: null,
    body: call.body === '' ? null : call.body,
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      stage: LOCAL_STAGE,
      requestId: call.requestId,
      resourceId: call.resource,
      resourcePath: call.resource,
      httpMethod: call.method,
      path: `/${LOCAL_STAGE}${call.path}`,
      protocol: 'HTTP/1.1',
      requestTimeEpoch: Date.now(),
      authorizer,
      identity: {
        sourceIp: call.sourceIp,
        userAgent: headers.single['user-agent'] ?? null,
      } as APIGatewayProxyEvent['requestContext']['identity'],
    },
  };
}

export function methodArnOf(method: string, path: string): string {
  return `${LOCAL_API_ARN}/${LOCAL_STAGE}/${method}${path}`;
}

/** The REQUEST authorizer event for this request. */
export function authorizerEvent(call: IncomingCall): APIGatewayRequestAuthorizerEvent {
  const proxy = proxyEvent(call, null);
  return {
    type: 'REQUEST',
    methodArn: methodArnOf(call.method, call.path),
    resource: call.resource,
    path: call.path,
    httpMethod: call.method,
    headers: proxy.headers as Record<string, string>,
    multiValueHeaders: proxy.multiValueHeaders as Record<string, string[]>,
    queryStringParameters: proxy.queryStringParameters as Record<string, string> | null,
    multiValueQueryStringParameters: proxy.multiValueQueryStringParameters as Record<string, string[]> | null,
    pathParameters: proxy.pathParameters,
    stageVariables: null,
    requestContext: proxy.requestContext as APIGatewayRequestAuthorizerEvent['requestContext'],
  };
}

export function lambdaContext(functionName: string, requestId: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 10_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export const newRequestId = () => randomUUID();

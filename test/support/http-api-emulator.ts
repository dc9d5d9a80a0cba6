import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult } from 'aws-lambda';

type SimpleAuthorizer = (
  event: APIGatewayRequestAuthorizerEventV2,
) => Promise<APIGatewaySimpleAuthorizerWithContextResult<Record<string, unknown>>>;

export interface HttpApiCall {
  method: string;
  /** The route's template, as declared on the HTTP API (`/api/candidates/{id}`). */
  route: string;
  path: string;
  sourceIp: string;
  authorization?: string;
}

/**
 * API Gateway HTTP API's side of a Lambda authorizer with payload 2.0, simple responses and the
 * identity sources `$request.header.Authorization`, `$context.identity.sourceIp`, `$context.routeKey`:
 * - a missing identity source is a 401 without invoking the function;
 * - the answer is cached per the three identity source values for the TTL (an allow and a refusal alike);
 * - `isAuthorized: false` is a 403; a thrown error or a malformed answer is a 500 and is not cached.
 */
export class HttpApiAuthorizerEmulator {
  private readonly cache = new Map<
    string,
    { result: APIGatewaySimpleAuthorizerWithContextResult<Record<string, unknown>>; until: number }
  >();
  invocations = 0;

  constructor(
    private readonly authorizer: SimpleAuthorizer,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async call(call: HttpApiCall): Promise<{ status: 200 | 401 | 403 | 500; context?: Record<string, unknown> }> {
    if (!call.authorization) return { status: 401 };
    const routeKey = `${call.method} ${call.route}`;
    const identity = [call.authorization, call.sourceIp, routeKey];
    const key = identity.join('\u0000');
    const cached = this.cache.get(key);
    let result = cached && cached.until > this.now() ? cached.result : undefined;
    if (!result) {
      this.invocations++;
      try {
        result = await this.authorizer(eventOf(call, routeKey, identity));
      } catch {
        return { status: 500 };
      }
      if (typeof result?.isAuthorized !== 'boolean') return { status: 500 };
      if (this.ttlMs > 0) this.cache.set(key, { result, until: this.now() + this.ttlMs });
    }
    return result.isAuthorized ? { status: 200, context: result.context } : { status: 403 };
  }
}

function eventOf(call: HttpApiCall, routeKey: string, identitySource: string[]): APIGatewayRequestAuthorizerEventV2 {
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: `arn:aws:execute-api:local:000000000000:local/$default/${call.method}${call.path}`,
    identitySource,
    routeKey,
    rawPath: call.path,
    rawQueryString: '',
    cookies: [],
    // HTTP API lower-cases header names.
    headers: { authorization: call.authorization },
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method: call.method, path: call.path, protocol: 'HTTP/1.1', sourceIp: call.sourceIp, userAgent: 'test' },
      requestId: `req-${Math.random().toString(16).slice(2)}`,
      routeKey,
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
  } as APIGatewayRequestAuthorizerEventV2;
}

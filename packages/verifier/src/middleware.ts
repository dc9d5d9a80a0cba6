import type { MiddlewareObj } from '@middy/core';
import type { TokenVerifier, VerificationTarget } from './index';

export interface TokenAuthorizerMiddlewareOptions<TEvent> {
  readonly verifier: TokenVerifier;
  /** The header, the target and the client IP of an event. @default Function URL / API Gateway v2 and ALB events */
  readonly requestOf?: (event: TEvent) => { authorization: string | undefined; target: VerificationTarget; sourceIp: string };
}

type HttpEvent = {
  headers?: Record<string, string | undefined>;
  requestContext?: { http?: { method: string; path: string; sourceIp: string } };
  httpMethod?: string;
  path?: string;
};

/**
 * The request of a Lambda Function URL (or API Gateway v2) event, or of an ALB target event. An
 * ALB appends the client's address to X-Forwarded-For: the last entry is the one it saw.
 */
export function httpRequestOf(event: HttpEvent): { authorization: string | undefined; target: VerificationTarget; sourceIp: string } {
  const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
  const http = event.requestContext?.http;
  if (http) return { authorization: headers.authorization, target: { method: http.method, path: http.path }, sourceIp: http.sourceIp };
  const forwarded = (headers['x-forwarded-for'] ?? '').split(',').map((entry) => entry.trim());
  return {
    authorization: headers.authorization,
    target: { method: event.httpMethod ?? '', path: event.path ?? '' },
    sourceIp: forwarded[forwarded.length - 1] ?? '',
  };
}

const errorResponse = (status: number, code: string, message: string, wwwAuthenticate?: string) => ({
  statusCode: status,
  headers: { 'content-type': 'application/json', ...(wwwAuthenticate ? { 'www-authenticate': wwwAuthenticate } : {}) },
  body: JSON.stringify({ error: { code, message } }),
});

/**
 * A middy middleware: verifies the request's token before the handler runs and puts the principal
 * on `context.principal`; answers 401/403 (the service's error shape, RFC 6750 challenge) itself, and
 * 503 when DynamoDB or the JWKS cannot be reached (fails closed).
 */
export function tokenAuthorizer<TEvent = HttpEvent>(options: TokenAuthorizerMiddlewareOptions<TEvent>): MiddlewareObj<TEvent> {
  const requestOf = options.requestOf ?? (httpRequestOf as unknown as (event: TEvent) => ReturnType<typeof httpRequestOf>);
  return {
    before: async (request) => {
      const { authorization, target, sourceIp } = requestOf(request.event);
      let result: Awaited<ReturnType<TokenVerifier['verifyToken']>>;
      try {
        result = await options.verifier.verifyToken(authorization, target, { sourceIp });
      } catch {
        return errorResponse(503, 'unavailable', 'The token service cannot be reached; try again');
      }
      if (!result.ok)
        return errorResponse(
          result.status,
          result.code,
          result.status === 401 ? 'A valid access token is required' : 'The token does not allow this request',
          result.wwwAuthenticate,
        );
      (request.context as unknown as { principal: unknown }).principal = result.principal;
      return undefined;
    },
  };
}

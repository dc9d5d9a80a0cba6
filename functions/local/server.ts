import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  APIGatewayRequestAuthorizerEvent,
  Context,
} from 'aws-lambda';
import { parseAddress } from '../domain/ip-entries';
import { exampleApiRoutes, exampleCatalogue, requiredScopeOf, type ProtectedRoute } from '../domain/routes';
import {
  bearerChallenge,
  forbiddenChallenge,
  unauthorizedChallenge,
  type BearerChallenge,
  type TokenRefusal,
} from '../domain/bearer-challenge';
import type { ScopeCatalogue } from '../domain/scopes';
import { defaultMessage } from '../domain/errors';
import { openApiDocument } from '../http/openapi-document';
import { errorBody } from '../http/responses';
import { parseInput } from '../http/validation';
import { authorizerEvent, lambdaContext, methodArnOf, newRequestId, proxyEvent, type IncomingCall } from './api-gateway-event';
import { LocalSessions, sessionRequest } from './local-sessions';
import { isLoopbackAddress, isLoopbackBindHost, isLoopbackHostHeader } from './loopback';
import { policyAllows } from './policy-evaluation';
import { serveWebConsole } from './web-console';

type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
type AuthorizerHandler = (event: APIGatewayRequestAuthorizerEvent, context: Context) => Promise<APIGatewayAuthorizerResult>;

interface ManagementRoute {
  method: string;
  resource: string;
  handler: string;
  /** Behind the Cognito authorizer (in AWS) / the local session (here). */
  signedIn: boolean;
}

/** The service's routes and the Lambda handler module serving each, as the CDK stack wires them. */
const managementRoutes: ManagementRoute[] = [
  { method: 'GET', resource: '/scopes', handler: 'catalog', signedIn: true },
  { method: 'GET', resource: '/policy', handler: 'catalog', signedIn: true },
  { method: 'POST', resource: '/tokens', handler: 'create-token', signedIn: true },
  { method: 'GET', resource: '/tokens', handler: 'read-tokens', signedIn: true },
  { method: 'POST', resource: '/tokens/refresh', handler: 'refresh-token', signedIn: false },
  { method: 'POST', resource: '/tokens/revoke-leaked', handler: 'revoke-leaked', signedIn: false },
  // Before `/tokens/{id}`, which would take `self` for an id (API Gateway prefers the literal too).
  { method: 'GET', resource: '/tokens/self', handler: 'token-self', signedIn: false },
  { method: 'GET', resource: '/tokens/{id}', handler: 'read-tokens', signedIn: true },
  { method: 'GET', resource: '/tokens/{id}/audit', handler: 'read-tokens', signedIn: true },
  { method: 'GET', resource: '/audit', handler: 'read-tokens', signedIn: true },
  { method: 'DELETE', resource: '/tokens/{id}', handler: 'revoke-token', signedIn: true },
  { method: 'PATCH', resource: '/tokens/{id}', handler: 'govern-tenant', signedIn: true },
  { method: 'POST', resource: '/tokens/{id}/approve', handler: 'govern-tenant', signedIn: true },
  { method: 'POST', resource: '/tokens/{id}/reject', handler: 'govern-tenant', signedIn: true },
  { method: 'POST', resource: '/tokens/{id}/regenerate', handler: 'regenerate-token', signedIn: true },
  { method: 'PUT', resource: '/tenant/policy', handler: 'govern-tenant', signedIn: true },
  { method: 'POST', resource: '/tenant/revoke-outside-policy', handler: 'govern-tenant', signedIn: true },
  { method: 'GET', resource: '/.well-known/jwks.json', handler: 'jwks', signedIn: false },
  { method: 'POST', resource: '/oauth2/token', handler: 'oauth', signedIn: false },
  { method: 'POST', resource: '/oauth2/revoke', handler: 'oauth', signedIn: false },
  { method: 'GET', resource: '/.well-known/oauth-authorization-server', handler: 'oauth', signedIn: false },
  { method: 'POST', resource: '/secret-scanning/github', handler: 'secret-scanning-alert', signedIn: false },
];

const handlerModules: Record<string, () => Promise<{ handler: unknown }>> = {
  catalog: () => import('../handlers/catalog'),
  'create-token': () => import('../handlers/create-token'),
  'read-tokens': () => import('../handlers/read-tokens'),
  'revoke-token': () => import('../handlers/revoke-token'),
  'refresh-token': () => import('../handlers/refresh-token'),
  'revoke-leaked': () => import('../handlers/revoke-leaked'),
  'govern-tenant': () => import('../handlers/govern-tenant'),
  'regenerate-token': () => import('../handlers/regenerate-token'),
  jwks: () => import('../handlers/jwks'),
  'token-self': () => import('../handlers/token-self'),
  oauth: () => import('../handlers/oauth'),
  'secret-scanning-alert': () => import('../handlers/secret-scanning-alert'),
  authorizer: () => import('../handlers/authorizer'),
};

export interface LocalServerOptions {
  port: number;
  host?: string;
  /**
   * API Gateway's authorizer result cache TTL. As in API Gateway, a cached decision lives its whole
   * TTL unless the stage's cache is flushed (`flushAuthorizerCache`, which the local stage flusher
   * calls after each revocation or token end, as the deployed one calls FlushStageAuthorizersCache).
   * @default 300
   */
  authorizerCacheSeconds?: number;
  /** Read the client IP from X-Forwarded-For (only behind a proxy you run). @default false */
  trustForwardedFor?: boolean;
  /**
   * With `trustForwardedFor`: how many proxies of yours each append one address to X-Forwarded-For.
   * The client is the address the outermost of them appended, counted from the right; whatever
   * the client itself sent stands to the left of it and is ignored. @default 1
   */
  trustedProxyHops?: number;
  identity: { adminGroup: string; tenantClaim: string; userIdClaim: string };
  /** The development sign-in's key (ES256 JWK, created on first use): the handlers verify its tokens from the same file. */
  sessionKeyFile: string;
  /** The example API's routes, behind the authorizer. @default `exampleApiRoutes` */
  apiRoutes?: readonly ProtectedRoute[];
  /** The catalogue the example API's scopes derive from (a 403 names the scope the route needs). @default `exampleCatalogue` */
  catalogue?: ScopeCatalogue;
}

interface CachedAuthorization {
  result: APIGatewayAuthorizerResult;
  until: number;
}

function match(pattern: string, path: string): Record<string, string> | null | undefined {
  const patternParts = pattern.split('/');
  const pathParts = path.split('/');
  if (patternParts.length !== pathParts.length) return undefined;
  const parameters: Record<string, string> = {};
  for (let i = 0; i < patternParts.length; i++) {
    const expected = patternParts[i]!;
    const actual = pathParts[i]!;
    if (expected.startsWith('{') && expected.endsWith('}')) {
      if (actual === '') return undefined;
      parameters[expected.slice(1, -1)] = decodeURIComponent(actual);
    } else if (expected !== actual) {
      return undefined;
    }
  }
  return Object.keys(parameters).length > 0 ? parameters : null;
}

function findRoute<T extends { method: string; resource: string }>(routes: readonly T[], method: string, path: string) {
  let pathMatched = false;
  for (const route of routes) {
    const parameters = match(route.resource, path);
    if (parameters === undefined) continue;
    pathMatched = true;
    if (route.method === method) return { route, parameters, pathMatched };
  }
  return { route: undefined, parameters: null, pathMatched };
}

const MAX_BODY_BYTES = 1_048_576;

/**
 * The client address a chain of `hops` appending proxies reports: the `hops`-th entry from the right
 * of every X-Forwarded-For entry (Node joins repeated headers with `, `). Fewer entries than hops
 * means only our proxies wrote the header, so its first entry is the client.
 */
export function forwardedClientOf(header: string, hops: number): string {
  const entries = header.split(',').map((entry) => entry.trim());
  return entries[Math.max(0, entries.length - hops)]!;
}

const METHODS_WITH_JSON_BODY = new Set(['POST', 'PUT', 'PATCH']);
/**
 * OAuth's endpoints take form bodies (RFC 6749 §3.2, RFC 7009 §2.1), which OAuth clients send. A
 * cross-site form reaching them can only rotate or revoke a credential it already holds.
 */
const FORM_BODY_PATHS = new Set(['/oauth2/token', '/oauth2/revoke']);
const isJsonMediaType = (contentType: string | undefined) =>
  contentType !== undefined && /^application\/json[ \t]*(;|$)/i.test(contentType);

/**
 * The local front: turns HTTP requests into API Gateway REST events and calls the same Lambda
 * handlers, the Cognito stand-in on management routes, and the token authorizer (with API
 * Gateway's result cache) on the example protected API.
 */
export async function startLocalServer(options: LocalServerOptions): Promise<{
  server: Server;
  url: string;
  close(): Promise<void>;
  flushAuthorizerCache(): Promise<void>;
  counters: { authorizerInvocations: number; cacheFlushes: number };
}> {
  const host = options.host ?? '127.0.0.1';
  // `POST /local/session` signs anyone in as any admin: reachable from another machine, it would
  // hand the whole service to the network. No opt-out: local mode is for this machine; deploy to share it.
  if (!isLoopbackBindHost(host)) {
    throw new Error(
      `Local mode listens on loopback only (127.0.0.1, ::1 or localhost), not on ${JSON.stringify(host)}: its development sign-in (POST /local/session) would give anyone who can reach it an admin session`,
    );
  }
  const hops = options.trustedProxyHops ?? 1;
  if (!Number.isInteger(hops) || hops < 1 || hops > 16) throw new Error(`trustedProxyHops must be an integer from 1 to 16, not ${hops}`);
  const sessions = new LocalSessions(options.identity, options.sessionKeyFile);
  const cacheMs = (options.authorizerCacheSeconds ?? 300) * 1000;
  const authorizerCache = new Map<string, CachedAuthorization>();
  const counters = { authorizerInvocations: 0, cacheFlushes: 0 };
  let openApiBody: string | undefined;
  const handlers = new Map<string, unknown>();
  const handlerOf = async <T>(name: string): Promise<T> => {
    if (!handlers.has(name)) handlers.set(name, (await handlerModules[name]!()).handler);
    return handlers.get(name) as T;
  };
  // Fail at start, not on the first request, if the configuration is wrong (as a cold start would).
  for (const name of Object.keys(handlerModules)) await handlerOf(name);

  const send = (response: ServerResponse, result: APIGatewayProxyResult) => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
    response.writeHead(result.statusCode, headers);
    response.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
  };
  const sendError = (
    response: ServerResponse,
    status: number,
    code: Parameters<typeof errorBody>[0],
    message: string,
    challenge?: BearerChallenge,
  ) =>
    send(response, {
      statusCode: status,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        ...(challenge ? { 'www-authenticate': bearerChallenge(challenge) } : {}),
      },
      body: JSON.stringify(errorBody(code, message)),
    });

  const sourceIpOf = (request: IncomingMessage): string => {
    const forwarded = options.trustForwardedFor ? request.headers['x-forwarded-for'] : undefined;
    const raw = (typeof forwarded === 'string' ? forwardedClientOf(forwarded, hops) : request.socket.remoteAddress) ?? '';
    const address = parseAddress(raw);
    return address ? address.toString() : raw;
  };

  async function authorize(
    call: IncomingCall,
  ): Promise<
    | { status: 200; context: Record<string, unknown> }
    | { status: 401; refusal: TokenRefusal }
    | { status: 403; deniedIp: boolean }
    | { status: 503 }
  > {
    const cacheKey = `${call.headers.authorization ?? ''}\u0000${call.sourceIp}`;
    const methodArn = methodArnOf(call.method, call.path);
    let cached = authorizerCache.get(cacheKey);
    if (cached && cached.until <= Date.now()) {
      authorizerCache.delete(cacheKey);
      cached = undefined;
    }
    if (!cached) {
      const authorizer = await handlerOf<AuthorizerHandler>('authorizer');
      let result: APIGatewayAuthorizerResult;
      counters.authorizerInvocations++;
      try {
        result = await authorizer(authorizerEvent(call), lambdaContext('authorizer', call.requestId));
      } catch (error) {
        // `Unauthorized` is API Gateway's 401; any other failure of the authorizer lets nobody in.
        if ((error as Error).message !== 'Unauthorized') return { status: 503 };
        // A refusal is not cached here: API Gateway caches only policies (and an absent header never reaches the authorizer).
        return { status: 401, refusal: (error as { refusal?: TokenRefusal }).refusal ?? 'invalid' };
      }
      // Like API Gateway: the TTL is the stage's, whatever the token's exp or grace (the stage
      // flush ends a decision at those instants, as it does after a revocation).
      cached = { result, until: Date.now() + cacheMs };
      if (cacheMs > 0) authorizerCache.set(cacheKey, cached);
      if (authorizerCache.size > 50_000) authorizerCache.delete(authorizerCache.keys().next().value!);
    }
    if (!policyAllows(cached.result, methodArn)) return { status: 403, deniedIp: cached.result.context?.deniedIp === 'true' };
    return { status: 200, context: { ...cached.result.context, principalId: cached.result.principalId } };
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    // DNS rebinding: a web page whose name now resolves to 127.0.0.1 could otherwise call this server
    // as its own origin (and sign in at /local/session). Its requests carry its own name as Host.
    if (!isLoopbackHostHeader(request.headers.host)) {
      return sendError(
        response,
        403,
        'forbidden',
        'This local server answers only requests addressed to 127.0.0.1, localhost or [::1] (the Host header)',
      );
    }
    // Node keeps only the first of repeated Authorization headers; API Gateway would pass them all
    // on. Which one a handler read would not be defined: refuse the request, as the handlers do.
    if (request.rawHeaders.filter((_, index) => index % 2 === 0).filter((name) => name.toLowerCase() === 'authorization').length > 1) {
      return sendError(response, 401, 'unauthorized', 'Send one Authorization header, not several');
    }
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = (request.method ?? 'GET').toUpperCase();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) return sendError(response, 400, 'invalid_request', 'The body is larger than 1 MB');
      chunks.push(chunk as Buffer);
    }
    // A cross-site form or a `text/plain` fetch is sent without asking (no CORS preflight); JSON is not.
    if (
      size > 0 &&
      METHODS_WITH_JSON_BODY.has(method) &&
      !FORM_BODY_PATHS.has(url.pathname) &&
      !isJsonMediaType(request.headers['content-type'])
    ) {
      return send(response, {
        statusCode: 400,
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(
          errorBody('invalid_request', 'Send the body as JSON, with Content-Type: application/json', [
            { field: 'content-type', message: 'must be application/json' },
          ]),
        ),
      });
    }
    try {
      decodeURIComponent(url.pathname);
    } catch {
      // A path API Gateway would refuse; decoding it later (route parameters, console files) would throw.
      return sendError(response, 400, 'invalid_request', 'The path is not valid percent-encoding');
    }
    const base = {
      path: url.pathname,
      method,
      query: url.searchParams,
      headers: request.headers,
      body: Buffer.concat(chunks).toString('utf8'),
      sourceIp: sourceIpOf(request),
      requestId: newRequestId(),
    };

    if (url.pathname === '/local/session' && method === 'POST') {
      let body: unknown;
      try {
        body = JSON.parse(base.body);
      } catch {
        return sendError(response, 400, 'invalid_request', 'The body is not valid JSON');
      }
      try {
        const session = parseInput(sessionRequest, body, 'body');
        return send(response, {
          statusCode: 200,
          headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
          body: JSON.stringify({ idToken: await sessions.issue(session) }),
        });
      } catch (error) {
        const { code, message, details } = error as { code: 'invalid_request'; message: string; details?: [] };
        return send(response, {
          statusCode: 400,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(errorBody(code, message, details)),
        });
      }
    }

    if (url.pathname === '/openapi.json' && method === 'GET') {
      // Local mode's document: the service API's plus its sign-in and example API.
      openApiBody ??= JSON.stringify(openApiDocument({ local: { sessionRequest, exampleApiRoutes } }));
      return send(response, {
        statusCode: 200,
        headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
        body: openApiBody,
      });
    }

    const management = findRoute(managementRoutes, method, url.pathname);
    if (management.route) {
      const call: IncomingCall = { ...base, resource: management.route.resource, pathParameters: management.parameters };
      let authorizerContext: Record<string, unknown> | null = null;
      if (management.route.signedIn) {
        const claims = await sessions.claimsOf(request.headers.authorization);
        if (!claims) {
          const message = await sessions.refusalOf(request.headers.authorization);
          return sendError(
            response,
            401,
            'unauthorized',
            message,
            request.headers.authorization ? { error: 'invalid_token', description: message } : {},
          );
        }
        authorizerContext = { claims };
      }
      const handler = await handlerOf<ProxyHandler>(management.route.handler);
      return send(response, await handler(proxyEvent(call, authorizerContext), lambdaContext(management.route.handler, call.requestId)));
    }

    const api = findRoute(options.apiRoutes ?? exampleApiRoutes, method, url.pathname);
    if (api.route) {
      const call: IncomingCall = { ...base, resource: api.route.resource, pathParameters: api.parameters };
      const decision = await authorize(call);
      if (decision.status !== 200) {
        // API Gateway's answers (infra/constructs/error-responses.ts), from the same table.
        // The body is API Gateway's; the challenge says more than its static one can (docs/authorizer.md).
        if (decision.status === 401)
          return sendError(response, 401, 'unauthorized', defaultMessage('unauthorized'), unauthorizedChallenge(decision.refusal));
        if (decision.status === 403) {
          const challenge = decision.deniedIp
            ? forbiddenChallenge({ kind: 'ip' })
            : forbiddenChallenge({ kind: 'scope', scope: requiredScopeOf(api.route, options.catalogue ?? exampleCatalogue) });
          return sendError(response, 403, 'forbidden', defaultMessage('forbidden'), challenge);
        }
        return sendError(response, 503, 'unavailable', defaultMessage('unavailable'));
      }
      const { tokenId, owner, tenant } = decision.context;
      return send(response, {
        statusCode: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ok: true, principal: { tokenId, owner, tenant } }),
      });
    }

    if (method === 'GET' && !management.pathMatched && !api.pathMatched && !url.pathname.startsWith('/api/')) {
      if (serveWebConsole(url.pathname, request.headers.accept, response)) return;
    }
    if (management.pathMatched || api.pathMatched)
      return sendError(response, 404, 'not_found', `${method} is not supported on ${url.pathname}`);
    return sendError(response, 404, 'not_found', `No route ${method} ${url.pathname}`);
  }

  const server = createServer({ maxHeaderSize: 2 * 1_048_576 }, (request, response) => {
    handle(request, response).catch((error: unknown) => {
      console.error('local front: unexpected error', (error as Error).name, (error as Error).message);
      if (!response.headersSent) sendError(response, 500, 'internal', defaultMessage('internal'));
      else response.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, resolve);
  });
  const { port, address } = server.address() as { port: number; address: string };
  // `localhost` is looked up at listen time; a hosts file could point it elsewhere.
  if (!isLoopbackAddress(address)) {
    server.close();
    throw new Error(`Local mode listens on loopback only, but ${host} resolved to ${address}`);
  }
  return {
    server,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    /** FlushStageAuthorizersCache: the whole stage's cached decisions, as API Gateway does. */
    flushAuthorizerCache: async () => {
      counters.cacheFlushes++;
      authorizerCache.clear();
    },
    counters,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { parseAddress } from '../domain/ip-entries';
import { exampleApiRoutes, exampleCatalogue, requiredScopeOf, type ProtectedRoute } from '../domain/routes';
import { forbiddenChallenge, unauthorizedChallenge } from '../domain/bearer-challenge';
import type { ScopeCatalogue } from '../domain/scopes';
import { defaultMessage } from '../domain/errors';
import { needsSignedInUser } from '../domain/service-routes';
import { openApiDocument } from '../http/openapi-document';
import { errorBody } from '../http/responses';
import { parseInput } from '../http/validation';
import { lambdaContext, newRequestId, proxyEvent, type IncomingCall } from './api-gateway-event';
import { authorizerStep, type AuthorizerHandler } from './authorizer-step';
import {
  authorizationHeaderCount,
  forwardedClientOf,
  hasBody,
  isLoopbackHost,
  NO_BODY,
  readBody,
  requestTarget,
  send,
  sendError,
} from './front-io';
import { LocalSessions, sessionRequest } from './local-sessions';
import { isLoopbackAddress, isLoopbackBindHost } from './loopback';
import { handlerModules, managementRoutes, RouteMatcher } from './routing';
import { serveWebConsole } from './web-console';

export { forwardedClientOf } from './front-io';

type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

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

const METHODS_WITH_JSON_BODY = new Set(['POST', 'PUT', 'PATCH']);
/**
 * OAuth's endpoints take form bodies (RFC 6749 §3.2, RFC 7009 §2.1), which OAuth clients send. A
 * cross-site form reaching them can only rotate or revoke a credential it already holds.
 */
const FORM_BODY_PATHS = new Set(['/oauth2/token', '/oauth2/revoke']);
const isJsonMediaType = (contentType: string | undefined) =>
  contentType !== undefined && /^application\/json[ \t]*(;|$)/i.test(contentType);
const managementMatcher = new RouteMatcher(managementRoutes);
const ALLOWED_HEADERS = { 'content-type': 'application/json' };

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
  const counters = { authorizerInvocations: 0, cacheFlushes: 0 };
  let openApiBody: string | undefined;
  const handlers = new Map<string, unknown>();
  const handlerOf = async <T>(name: keyof typeof handlerModules): Promise<T> => {
    if (!handlers.has(name)) handlers.set(name, (await handlerModules[name]()).handler);
    return handlers.get(name) as T;
  };
  // Fail at start, not on the first request, if the configuration is wrong (as a cold start would).
  for (const name of Object.keys(handlerModules) as Array<keyof typeof handlerModules>) await handlerOf(name);
  const authorizer = authorizerStep({
    authorizer: () => handlerOf<AuthorizerHandler>('authorizer'),
    cacheMs: (options.authorizerCacheSeconds ?? 300) * 1000,
    counters,
  });
  const apiMatcher = new RouteMatcher(options.apiRoutes ?? exampleApiRoutes);
  const catalogue = options.catalogue ?? exampleCatalogue;

  // A socket's peer does not change: its address is parsed once per connection, not per request.
  const peers = new WeakMap<Socket, string>();
  const sourceIpOf = (request: IncomingMessage): string => {
    const forwarded = options.trustForwardedFor ? request.headers['x-forwarded-for'] : undefined;
    if (typeof forwarded !== 'string') {
      let peer = peers.get(request.socket);
      if (peer === undefined) {
        peer = normalisedAddress(request.socket.remoteAddress ?? '');
        peers.set(request.socket, peer);
      }
      return peer;
    }
    return normalisedAddress(forwardedClientOf(forwarded, hops));
  };

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    // DNS rebinding: a web page whose name now resolves to 127.0.0.1 could otherwise call this server
    // as its own origin (and sign in at /local/session). Its requests carry its own name as Host.
    if (!isLoopbackHost(request.headers.host)) {
      return sendError(
        response,
        403,
        'forbidden',
        'This local server answers only requests addressed to 127.0.0.1, localhost or [::1] (the Host header)',
      );
    }
    // Node keeps only the first of repeated Authorization headers; API Gateway would pass them all
    // on. Which one a handler read would not be defined: refuse the request, as the handlers do.
    if (authorizationHeaderCount(request.rawHeaders) > 1) {
      return sendError(response, 401, 'unauthorized', 'Send one Authorization header, not several');
    }
    const { path, query } = requestTarget(request.url ?? '/');
    const method = (request.method ?? 'GET').toUpperCase();
    // Awaited only when there is one: a GET goes on in the same tick.
    const body = hasBody(request) ? await readBody(request) : NO_BODY;
    if (body === undefined) return sendError(response, 400, 'invalid_request', 'The body is larger than 1 MB');
    // A cross-site form or a `text/plain` fetch is sent without asking (no CORS preflight); JSON is not.
    if (
      body.length > 0 &&
      METHODS_WITH_JSON_BODY.has(method) &&
      !FORM_BODY_PATHS.has(path) &&
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
      if (path.includes('%')) decodeURIComponent(path);
    } catch {
      // A path API Gateway would refuse; decoding it later (route parameters, console files) would throw.
      return sendError(response, 400, 'invalid_request', 'The path is not valid percent-encoding');
    }
    const base = {
      path,
      method,
      query,
      headers: request.headers,
      body: body.length === 0 ? '' : body.toString('utf8'),
      sourceIp: sourceIpOf(request),
    };

    if (path === '/local/session' && method === 'POST') return send(response, await sessionAnswer(base.body));

    const segments = path.split('/');
    const management = managementMatcher.find(method, path, segments);
    if (management.route) {
      const { route } = management.route;
      if (route.handler === 'openapi') {
        // Local mode's document: the service API's plus its sign-in and example API.
        openApiBody ??= JSON.stringify(openApiDocument({ local: { sessionRequest, exampleApiRoutes } }));
        return send(response, {
          statusCode: 200,
          headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
          body: openApiBody,
        });
      }
      const call: IncomingCall = { ...base, resource: route.path, pathParameters: management.parameters, requestId: newRequestId() };
      let authorizerContext: Record<string, unknown> | null = null;
      if (needsSignedInUser(route.access)) {
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
      const handler = await handlerOf<ProxyHandler>(route.handler);
      return send(response, await handler(proxyEvent(call, authorizerContext), lambdaContext(route.handler, call.requestId)));
    }

    const api = apiMatcher.find(method, path, segments);
    if (api.route) {
      const call = { ...base, resource: api.route.resource, pathParameters: api.parameters };
      const decision = authorizer.cached(call) ?? (await authorizer.authorize(call));
      if (decision.status === 200) {
        response.writeHead(200, ALLOWED_HEADERS);
        return void response.end(decision.answer);
      }
      // API Gateway's answers (infra/constructs/error-responses.ts), from the same table.
      // The body is API Gateway's; the challenge says more than its static one can (docs/authorizer.md).
      if (decision.status === 401)
        return sendError(response, 401, 'unauthorized', defaultMessage('unauthorized'), unauthorizedChallenge(decision.refusal));
      if (decision.status === 403) {
        const challenge = decision.deniedIp
          ? forbiddenChallenge({ kind: 'ip' })
          : forbiddenChallenge({ kind: 'scope', scope: requiredScopeOf(api.route, catalogue) });
        return sendError(response, 403, 'forbidden', defaultMessage('forbidden'), challenge);
      }
      return sendError(response, 503, 'unavailable', defaultMessage('unavailable'));
    }

    if (method === 'GET' && !management.pathMatched && !api.pathMatched && !path.startsWith('/api/')) {
      if (serveWebConsole(path, request.headers.accept, response)) return;
    }
    if (management.pathMatched || api.pathMatched) return sendError(response, 404, 'not_found', `${method} is not supported on ${path}`);
    return sendError(response, 404, 'not_found', `No route ${method} ${path}`);
  }

  /** POST /local/session: the development sign-in. */
  async function sessionAnswer(text: string): Promise<APIGatewayProxyResult> {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return {
        statusCode: 400,
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(errorBody('invalid_request', 'The body is not valid JSON')),
      };
    }
    try {
      const session = parseInput(sessionRequest, body, 'body');
      return {
        statusCode: 200,
        headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
        body: JSON.stringify({ idToken: await sessions.issue(session) }),
      };
    } catch (error) {
      const { code, message, details } = error as { code: 'invalid_request'; message: string; details?: [] };
      return { statusCode: 400, headers: { 'content-type': 'application/json' }, body: JSON.stringify(errorBody(code, message, details)) };
    }
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
    flushAuthorizerCache: async () => authorizer.flush(),
    counters,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function normalisedAddress(raw: string): string {
  const address = parseAddress(raw);
  return address ? address.toString() : raw;
}

import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { DependencyUnavailable, DomainError, defaultMessage } from '../domain/errors';
import { domainErrorResponse, errorResponse } from './responses';
import { logger } from '../observability/logger';
import { metrics } from '../observability/metrics';

export type Route = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/** The shared middy stack: normalised headers, JSON bodies when asked, one error → response map. */
export function httpHandler(route: Route, options: { jsonBody?: boolean | 'optional' } = {}) {
  const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
    // `logEvent: false` wins over POWERTOOLS_LOGGER_LOG_EVENT: events carry bearer tokens and refresh keys.
    .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
    .use(publishMetrics())
    .use(httpHeaderNormalizer());
  if (options.jsonBody) handler.use(jsonBody(options.jsonBody === 'optional'));
  return handler.use({ onError: mapError }).handler(route);
}

/** Flushes the request's EMF metrics, if it counted any (a read counts none: no empty-metrics warning). */
function publishMetrics(): middy.MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  const publish = async () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return { after: publish, onError: publish };
}

/**
 * middy's JSON parser, made lenient on the content type (curl's `-d` says form-urlencoded) and
 * turning an absent or malformed body into the spec's 400.
 */
function jsonBody(optional: boolean): middy.MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  const parser = httpJsonBodyParser({ disableContentTypeCheck: true } as Parameters<typeof httpJsonBodyParser>[0]);
  return {
    before: async (request) => {
      if (request.event.body === null || request.event.body === undefined || request.event.body === '') {
        // Routes of one handler may take a body or not (POST …/approve takes none): each route's
        // schema then refuses an absent body it needs.
        if (optional) return;
        throw new DomainError('invalid_request', 'A JSON body is required');
      }
      try {
        await parser.before!(request as never);
      } catch {
        throw new DomainError('invalid_request', 'The body is not valid JSON');
      }
    },
  };
}

async function mapError(request: middy.Request<APIGatewayProxyEvent, APIGatewayProxyResult>): Promise<APIGatewayProxyResult> {
  const { error } = request;
  if (error instanceof DomainError) {
    logger.info('Request refused', { code: error.code, status: error.status });
    request.response = domainErrorResponse(error);
  } else if (error instanceof DependencyUnavailable) {
    logger.error('Dependency unavailable', { dependency: error.dependency, error: error.cause as Error });
    request.response = errorResponse('unavailable');
  } else {
    // The body says nothing internal; the log has the details and the request id to find them.
    logger.error('Unexpected error', error as Error);
    request.response = errorResponse('internal', `${defaultMessage('internal')} (request ${request.context.awsRequestId})`);
  }
  return request.response;
}

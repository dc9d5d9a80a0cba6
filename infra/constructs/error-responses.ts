import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { bearerChallenge } from '../../functions/domain/bearer-challenge';
import { defaultMessage, type ErrorCode, errorStatus } from '../../functions/domain/errors';

interface ErrorResponse {
  readonly type: apigateway.ResponseType;
  /** The code's status (`errorStatus`), or `undefined` to keep the one API Gateway chose (the DEFAULT_ families). */
  readonly statusCode?: string;
  readonly code: ErrorCode;
  /** The code's default message, or `undefined` to pass API Gateway's own (a 4xx message says what was wrong). */
  readonly message?: string;
  readonly headers?: Record<string, string>;
}

/** A gateway response that answers as the functions do: the code's status and default message. */
const answer = (type: apigateway.ResponseType, code: ErrorCode, headers?: Record<string, string>): ErrorResponse => ({
  type,
  statusCode: String(errorStatus[code]),
  code,
  message: defaultMessage(code),
  ...(headers ? { headers } : {}),
});

/**
 * RFC 6750 challenges of the deployed API. Gateway response headers take only literals or request
 * parameters (not `$context.authorizer.*`), and a REQUEST authorizer's 401 carries no context at
 * all (the Lambda can only throw `Unauthorized`): one challenge per response type is the truth
 * API Gateway can tell. The local front says which refusal it was (docs/authorizer.md); deployed,
 * a vendor asks `GET /tokens/self`, which answers for an expired or revoked token too.
 */
export const gatewayChallenges = {
  UNAUTHORIZED: bearerChallenge({
    error: 'invalid_token',
    description: 'The access token is missing, malformed, expired, revoked, pending or not valid: GET /tokens/self tells which',
  }),
  ACCESS_DENIED: bearerChallenge({
    error: 'insufficient_scope',
    description: 'This token does not grant the scope this route needs, or is not allowed from this client address',
  }),
} as const;

/**
 * API Gateway's own answers, in the spec's error shape `{"error": {"code", "message"}}`. The
 * authorizer denies the same way whatever the reason (401 `unauthorized`, 403 `forbidden`); an
 * authorizer that cannot decide (DynamoDB or KMS unreachable, a timeout) is a 503: nobody gets in.
 */
export const errorResponses: readonly ErrorResponse[] = [
  answer(apigateway.ResponseType.UNAUTHORIZED, 'unauthorized', { 'WWW-Authenticate': gatewayChallenges.UNAUTHORIZED }),
  answer(apigateway.ResponseType.ACCESS_DENIED, 'forbidden', { 'WWW-Authenticate': gatewayChallenges.ACCESS_DENIED }),
  answer(apigateway.ResponseType.AUTHORIZER_FAILURE, 'unavailable'),
  answer(apigateway.ResponseType.AUTHORIZER_CONFIGURATION_ERROR, 'unavailable'),
  // No IAM-authorized methods here: a missing "authentication token" means no such route.
  answer(apigateway.ResponseType.MISSING_AUTHENTICATION_TOKEN, 'not_found'),
  answer(apigateway.ResponseType.THROTTLED, 'too_many_requests'),
  { type: apigateway.ResponseType.DEFAULT_4XX, code: 'invalid_request' },
  { type: apigateway.ResponseType.DEFAULT_5XX, code: 'internal', message: defaultMessage('internal') },
];

const quoted = (value: string) => `'${value}'`;

/** Adds the error responses to a REST API. */
export function addErrorResponses(api: apigateway.RestApiBase): void {
  for (const response of errorResponses) {
    const message = response.message === undefined ? '$context.error.messageString' : JSON.stringify(response.message);
    api.addGatewayResponse(`Error${response.type.responseType}`, {
      type: response.type,
      // The DEFAULT_ families keep the status API Gateway chose.
      statusCode: response.statusCode,
      responseHeaders: Object.fromEntries(
        Object.entries({ 'Content-Type': 'application/json', ...response.headers }).map(([name, value]) => [name, quoted(value)]),
      ),
      templates: { 'application/json': `{"error":{"code":"${response.code}","message":${message}}}` },
    });
  }
}

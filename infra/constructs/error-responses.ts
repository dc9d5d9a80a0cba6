import * as apigateway from 'aws-cdk-lib/aws-apigateway';
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
 * API Gateway's own answers, in the spec's error shape `{"error": {"code", "message"}}`. The
 * authorizer denies the same way whatever the reason (401 `unauthorized`, 403 `forbidden`); an
 * authorizer that cannot decide (DynamoDB or KMS unreachable, a timeout) is a 503: nobody gets in.
 */
export const errorResponses: readonly ErrorResponse[] = [
  answer(apigateway.ResponseType.UNAUTHORIZED, 'unauthorized', { 'WWW-Authenticate': 'Bearer' }),
  answer(apigateway.ResponseType.ACCESS_DENIED, 'forbidden'),
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

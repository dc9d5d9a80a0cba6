import * as apigateway from 'aws-cdk-lib/aws-apigateway';

interface ErrorResponse {
  readonly type: apigateway.ResponseType;
  readonly statusCode: string;
  readonly code: string;
  /** A literal message, or `undefined` to pass API Gateway's own (a 4xx message says what was wrong). */
  readonly message?: string;
  readonly headers?: Record<string, string>;
}

/**
 * API Gateway's own answers, in the spec's error shape `{"error": {"code", "message"}}`. The
 * authorizer denies the same way whatever the reason (401 `unauthorized`, 403 `forbidden`); an
 * authorizer that cannot decide (DynamoDB or KMS unreachable, a timeout) is a 503: nobody gets in.
 */
export const errorResponses: readonly ErrorResponse[] = [
  {
    type: apigateway.ResponseType.UNAUTHORIZED,
    statusCode: '401',
    code: 'unauthorized',
    message: 'A valid token is required in the Authorization header',
    headers: { 'WWW-Authenticate': 'Bearer' },
  },
  { type: apigateway.ResponseType.ACCESS_DENIED, statusCode: '403', code: 'forbidden', message: 'This token does not allow this request' },
  { type: apigateway.ResponseType.AUTHORIZER_FAILURE, statusCode: '503', code: 'unavailable', message: 'Authorization is temporarily unavailable; retry later' },
  {
    type: apigateway.ResponseType.AUTHORIZER_CONFIGURATION_ERROR,
    statusCode: '503',
    code: 'unavailable',
    message: 'Authorization is temporarily unavailable; retry later',
  },
  // No IAM-authorized methods here: a missing "authentication token" means no such route.
  { type: apigateway.ResponseType.MISSING_AUTHENTICATION_TOKEN, statusCode: '404', code: 'not_found', message: 'No such route' },
  { type: apigateway.ResponseType.THROTTLED, statusCode: '429', code: 'too_many_requests', message: 'Too many requests; retry later' },
  { type: apigateway.ResponseType.DEFAULT_4XX, statusCode: '', code: 'invalid_request' },
  { type: apigateway.ResponseType.DEFAULT_5XX, statusCode: '', code: 'internal', message: 'The service could not answer; retry later' },
];

const quoted = (value: string) => `'${value}'`;

/** Adds the error responses to a REST API. */
export function addErrorResponses(api: apigateway.RestApiBase): void {
  for (const response of errorResponses) {
    const message = response.message === undefined ? '$context.error.messageString' : JSON.stringify(response.message);
    api.addGatewayResponse(`Error${response.type.responseType}`, {
      type: response.type,
      // The DEFAULT_ families keep the status API Gateway chose.
      statusCode: response.statusCode === '' ? undefined : response.statusCode,
      responseHeaders: Object.fromEntries(
        Object.entries({ 'Content-Type': 'application/json', ...response.headers }).map(([name, value]) => [name, quoted(value)]),
      ),
      templates: { 'application/json': `{"error":{"code":"${response.code}","message":${message}}}` },
    });
  }
}

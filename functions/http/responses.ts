import type { APIGatewayProxyResult } from 'aws-lambda';
import { bearerChallenge, type BearerChallenge } from '../domain/bearer-challenge';
import { type DomainError, defaultMessage, type ErrorCode, errorStatus, type FieldProblem } from '../domain/errors';

const headers = {
  'content-type': 'application/json; charset=utf-8',
  // Responses may carry secrets (create, refresh) or tenant data: never cache them.
  'cache-control': 'no-store',
};

export function json(statusCode: number, body: unknown): APIGatewayProxyResult {
  return { statusCode, headers, body: JSON.stringify(body) };
}

/** The spec's error body; the code's default message unless a more specific one is given. */
export function errorBody(code: ErrorCode, message = defaultMessage(code), details?: FieldProblem[]) {
  return { error: { code, message, ...(details && details.length > 0 ? { details } : {}) } };
}

/**
 * RFC 6750 §3 (and RFC 7235: a 401 must challenge): every 401 and 403 says `Bearer` and why. A 401
 * without a more specific challenge is an invalid credential; a 403 a request the credential does
 * not allow. The message is the description: 4xx messages never carry a secret.
 */
function challengeOf(code: ErrorCode, message: string): BearerChallenge | undefined {
  const status = errorStatus[code];
  if (status === 401) return { error: 'invalid_token', description: message };
  if (status === 403) return { error: 'insufficient_scope', description: message };
  return undefined;
}

export function errorResponse(
  code: ErrorCode,
  message = defaultMessage(code),
  details?: FieldProblem[],
  challenge: BearerChallenge | undefined = challengeOf(code, message),
): APIGatewayProxyResult {
  const response = json(errorStatus[code], errorBody(code, message, details));
  return challenge ? { ...response, headers: { ...response.headers, 'www-authenticate': bearerChallenge(challenge) } } : response;
}

export function domainErrorResponse(error: DomainError): APIGatewayProxyResult {
  return errorResponse(error.code, error.message, error.details, error.challenge);
}

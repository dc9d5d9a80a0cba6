import type { APIGatewayProxyResult } from 'aws-lambda';
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

export function errorResponse(code: ErrorCode, message = defaultMessage(code), details?: FieldProblem[]): APIGatewayProxyResult {
  return json(errorStatus[code], errorBody(code, message, details));
}

export function domainErrorResponse(error: DomainError): APIGatewayProxyResult {
  return errorResponse(error.code, error.message, error.details);
}

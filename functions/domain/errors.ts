import type { BearerChallenge } from './bearer-challenge';

/**
 * The one vocabulary of failures the product knows: each code, its one HTTP status, and the message
 * said when nothing more specific is known (the authorizer's denials, 5xx bodies, API Gateway's own
 * answers). The handlers, the CDK gateway responses and the local front all answer from this table.
 */
export const errors = {
  invalid_request: { status: 400, message: 'The request is not valid' },
  // One message for every authentication failure, whatever the reason (the reason is only logged).
  unauthorized: { status: 401, message: 'A valid token is required in the Authorization header' },
  invalid_grant: { status: 401, message: 'The refresh key is not valid' },
  forbidden: { status: 403, message: 'This token does not allow this request' },
  not_found: { status: 404, message: 'No such route' },
  conflict: { status: 409, message: 'The request conflicts with the current state' },
  too_many_requests: { status: 429, message: 'Too many requests; retry later' },
  // Nothing internal: the details are in the log, under the request id.
  internal: { status: 500, message: 'The service could not answer; retry later' },
  unavailable: { status: 503, message: 'The service is temporarily unavailable; retry later' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errors;

/** The HTTP status of each code. */
export const errorStatus = Object.fromEntries(Object.entries(errors).map(([code, { status }]) => [code, status])) as {
  readonly [C in ErrorCode]: (typeof errors)[C]['status'];
};

/** The message of a code when nothing more specific is known. */
export const defaultMessage = (code: ErrorCode): string => errors[code].message;

export interface FieldProblem {
  field: string;
  message: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: FieldProblem[],
    /** The RFC 6750 challenge of a 401/403 when it says more than the message (no credential, a scope). */
    readonly challenge?: BearerChallenge,
  ) {
    super(message);
    this.name = 'DomainError';
  }

  get status(): number {
    return errorStatus[this.code];
  }
}

export const invalidRequest = (message: string, details?: FieldProblem[]) => new DomainError('invalid_request', message, details);
export const notFound = (message = 'Token not found') => new DomainError('not_found', message);
export const conflict = (message: string) => new DomainError('conflict', message);
export const forbidden = (message: string) => new DomainError('forbidden', message);
export const unauthorized = (message = defaultMessage('unauthorized')) => new DomainError('unauthorized', message);
export const invalidGrant = () => new DomainError('invalid_grant', defaultMessage('invalid_grant'));

/** A fault of a dependency (DynamoDB, KMS): the request may be retried later. */
export class DependencyUnavailable extends Error {
  constructor(
    readonly dependency: string,
    options?: { cause?: unknown },
  ) {
    super(`${dependency} is unavailable`, options);
    this.name = 'DependencyUnavailable';
  }
}

/**
 * The one vocabulary of failures the product knows. Each code maps to exactly one HTTP status
 * (see `statusOf`), and every HTTP error body has the spec's shape.
 */
export const errorStatus = {
  invalid_request: 400,
  unauthorized: 401,
  invalid_grant: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_many_requests: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export interface FieldProblem {
  field: string;
  message: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: FieldProblem[],
  ) {
    super(message);
    this.name = 'DomainError';
  }

  get status(): number {
    return errorStatus[this.code];
  }
}

export const invalidRequest = (message: string, details?: FieldProblem[]) =>
  new DomainError('invalid_request', message, details);
export const notFound = (message = 'Token not found') => new DomainError('not_found', message);
export const conflict = (message: string) => new DomainError('conflict', message);
export const forbidden = (message: string) => new DomainError('forbidden', message);
export const unauthorized = (message = 'Authentication required') => new DomainError('unauthorized', message);
export const invalidGrant = () => new DomainError('invalid_grant', 'The refresh key is not valid');

/** A fault of a dependency (DynamoDB, KMS): the request may be retried later. */
export class DependencyUnavailable extends Error {
  constructor(readonly dependency: string, options?: { cause?: unknown }) {
    super(`${dependency} is unavailable`, options);
    this.name = 'DependencyUnavailable';
  }
}

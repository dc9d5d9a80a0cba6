import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { describe, expect, it } from 'vitest';
import { defaultMessage, DomainError, type ErrorCode, errors, errorStatus, unauthorized } from '../../functions/domain/errors';
import { errorBody, errorResponse } from '../../functions/http/responses';
import { errorResponses } from '../../infra/constructs/error-responses';

const codes = Object.keys(errors) as ErrorCode[];

describe('one table of errors', () => {
  it('gives every code one status and a default message, the spec says 4xx or 5xx', () => {
    for (const code of codes) {
      expect(errorStatus[code], code).toBe(errors[code].status);
      expect(errorStatus[code] >= 400 && errorStatus[code] < 600, code).toBe(true);
      expect(defaultMessage(code).length, code).toBeGreaterThan(0);
    }
  });

  it('answers a domain error and a bare code with the status and body the table gives', () => {
    const response = errorResponse('forbidden');

    expect(response.statusCode).toBe(403);
    expect(JSON.parse(response.body)).toEqual({ error: { code: 'forbidden', message: errors.forbidden.message } });
    expect(new DomainError('conflict', 'taken').status).toBe(409);
    expect(unauthorized().message).toBe(errors.unauthorized.message);
  });

  it("answers API Gateway's own errors with the functions' status and message for the same code", () => {
    const fixed = errorResponses.filter((response) => response.statusCode !== undefined);

    for (const response of fixed) {
      expect({ type: response.type.responseType, status: response.statusCode, message: response.message }).toEqual({
        type: response.type.responseType,
        status: String(errorStatus[response.code]),
        message: defaultMessage(response.code),
      });
    }
    expect(fixed.map((response) => response.type)).toEqual(
      expect.arrayContaining([
        apigateway.ResponseType.UNAUTHORIZED,
        apigateway.ResponseType.ACCESS_DENIED,
        apigateway.ResponseType.AUTHORIZER_FAILURE,
      ]),
    );
  });

  it('says the same thing for an authorizer denial through API Gateway and through the handlers', () => {
    const gateway401 = errorResponses.find((response) => response.type === apigateway.ResponseType.UNAUTHORIZED)!;
    const gateway403 = errorResponses.find((response) => response.type === apigateway.ResponseType.ACCESS_DENIED)!;

    expect({ error: { code: gateway401.code, message: gateway401.message } }).toEqual(errorBody('unauthorized'));
    expect({ error: { code: gateway403.code, message: gateway403.message } }).toEqual(errorBody('forbidden'));
  });
});

import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { DependencyUnavailable, DomainError, errors, invalidRequest } from '../../functions/domain/errors';
import { httpHandler, type Route } from '../../functions/http/http-handler';
import { json } from '../../functions/http/responses';
import { lambdaContext } from '../../functions/local/api-gateway-event';

const eventWith = (body: string | null): APIGatewayProxyEvent =>
  ({
    headers: {},
    multiValueHeaders: {},
    requestContext: {},
    body,
    httpMethod: 'POST',
    resource: '/tokens',
    path: '/tokens',
  }) as unknown as APIGatewayProxyEvent;

async function call(route: Route, options: Parameters<typeof httpHandler>[1] = {}, body: string | null = null) {
  const response = await httpHandler(route, options)(eventWith(body), lambdaContext('test', 'req-1234'));
  return { status: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown>, headers: response.headers };
}

const failingWith =
  (error: unknown): Route =>
  async () => {
    throw error;
  };

describe('httpHandler maps errors to responses', () => {
  it('answers a domain error with its status and the spec body, field problems included', async () => {
    const outcome = await call(failingWith(invalidRequest('scopes: must be an array', [{ field: 'scopes', message: 'must be an array' }])));

    expect(outcome.status).toBe(400);
    expect(outcome.body).toEqual({
      error: { code: 'invalid_request', message: 'scopes: must be an array', details: [{ field: 'scopes', message: 'must be an array' }] },
    });
    expect(outcome.headers).toMatchObject({ 'cache-control': 'no-store' });
  });

  it.each(Object.entries(errors))('gives %s the status of the table', async (code, { status }) => {
    const outcome = await call(failingWith(new DomainError(code as keyof typeof errors, 'said')));

    expect(outcome).toMatchObject({ status, body: { error: { code, message: 'said' } } });
  });

  it('answers an unreachable dependency with 503 and nothing of its cause', async () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:443 table pat-tokens'), { name: 'TimeoutError' });

    const outcome = await call(failingWith(new DependencyUnavailable('DynamoDB', { cause })));

    expect(outcome.status).toBe(503);
    expect(outcome.body).toEqual({ error: { code: 'unavailable', message: errors.unavailable.message } });
    expect(JSON.stringify(outcome.body)).not.toMatch(/DynamoDB|ECONNREFUSED|pat-tokens/);
  });

  it('answers an unexpected error with 500 and the request id only', async () => {
    const outcome = await call(
      failingWith(new TypeError("Cannot read properties of undefined (reading 'secret') at /var/task/index.js:12")),
    );

    expect(outcome.status).toBe(500);
    expect(outcome.body).toEqual({ error: { code: 'internal', message: `${errors.internal.message} (request req-1234)` } });
  });

  it('answers a thrown non-error (a string) like any unexpected error', async () => {
    const outcome = await call(failingWith('boom'));

    expect(outcome).toMatchObject({ status: 500, body: { error: { code: 'internal' } } });
  });

  it('answers a malformed JSON body with 400 before the route runs', async () => {
    let ran = false;
    const route: Route = async () => {
      ran = true;
      return json(200, {});
    };

    const outcome = await call(route, { jsonBody: true }, '{"scopes": [');

    expect(outcome).toEqual({
      status: 400,
      body: { error: { code: 'invalid_request', message: 'The body is not valid JSON' } },
      headers: expect.anything(),
    });
    expect(ran).toBe(false);
  });

  it('answers a missing body with 400 when the route needs one, and lets it through when optional', async () => {
    const route: Route = async (event) => json(200, { body: event.body ?? null });

    expect(await call(route, { jsonBody: true }, null)).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_request', message: 'A JSON body is required' } },
    });
    expect(await call(route, { jsonBody: 'optional' }, null)).toMatchObject({ status: 200, body: { body: null } });
  });

  it('passes a parsed body to the route', async () => {
    const route: Route = async (event) => json(201, { got: event.body });

    expect(await call(route, { jsonBody: true }, '{"a":1}')).toMatchObject({ status: 201, body: { got: { a: 1 } } });
  });
});

import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { authorizeRequestOf, simpleResponseOf } from '../../functions/apigateway/simple-response';
import type { Principal } from '../../functions/service/authorize';

/** An HTTP API payload 2.0 authorizer event, as API Gateway documents and sends it. */
function event(overrides: Partial<APIGatewayRequestAuthorizerEventV2> = {}): APIGatewayRequestAuthorizerEventV2 {
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: 'arn:aws:execute-api:eu-west-1:222222222222:abcdef1234/$default/GET/api/candidates/42',
    identitySource: ['Bearer eyJ.x.y', '203.0.113.7', 'GET /api/candidates/{id}'],
    routeKey: 'GET /api/candidates/{id}',
    rawPath: '/api/candidates/42',
    rawQueryString: '',
    cookies: [],
    headers: { authorization: 'Bearer eyJ.x.y', host: 'abcdef1234.execute-api.eu-west-1.amazonaws.com' },
    pathParameters: { id: '42' },
    requestContext: {
      accountId: '222222222222',
      apiId: 'abcdef1234',
      domainName: 'abcdef1234.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'abcdef1234',
      http: { method: 'GET', path: '/api/candidates/42', protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'curl/8' },
      requestId: 'req-1',
      routeKey: 'GET /api/candidates/{id}',
      stage: '$default',
      time: '07/Dec/2026:20:00:00 +0000',
      timeEpoch: 1796760000000,
    },
    ...overrides,
  } as APIGatewayRequestAuthorizerEventV2;
}

const principal: Principal = { tokenId: 'tok1', owner: 'alice', tenant: 'acme', scopes: ['candidates:read', 'jobs:read'] };

describe('HTTP API authorizer event (payload 2.0)', () => {
  it('reads the route from routeKey (the resource template, not the raw path), the client from http.sourceIp', () => {
    expect(authorizeRequestOf(event())).toEqual({
      authorization: 'Bearer eyJ.x.y',
      sourceIp: '203.0.113.7',
      method: 'GET',
      resource: '/api/candidates/{id}',
    });
  });

  it('finds the Authorization header whatever its case', () => {
    expect(authorizeRequestOf(event({ headers: { Authorization: 'Bearer a.b.c' } })).authorization).toBe('Bearer a.b.c');
  });

  it('has no token when the header is missing', () => {
    expect(authorizeRequestOf(event({ headers: {} })).authorization).toBeUndefined();
    expect(authorizeRequestOf(event({ headers: undefined })).authorization).toBeUndefined();
  });

  it.each([['$default'], ['ANY /api/candidates'], ['GET'], ['']])(
    'gives route key %j no route (nothing is declared for it)',
    (routeKey) => {
      const request = authorizeRequestOf(event({ routeKey }));

      expect({ method: request.method, resource: request.resource }).toEqual(
        routeKey === 'ANY /api/candidates' ? { method: 'ANY', resource: '/api/candidates' } : { method: '', resource: '' },
      );
    },
  );
});

describe('HTTP API simple response', () => {
  it('allows with the principal as primitive context values (scopes space-separated)', () => {
    expect(simpleResponseOf({ effect: 'allow', principal, allowedRoutes: [], validUntil: 0 })).toEqual({
      isAuthorized: true,
      context: { tokenId: 'tok1', owner: 'alice', tenant: 'acme', scopes: 'candidates:read jobs:read' },
    });
  });

  it('refuses a 401 and a 403 alike, telling the caller nothing about the token', () => {
    expect(simpleResponseOf({ effect: 'unauthorized', reason: 'revoked', tokenId: 'tok1' })).toEqual({ isAuthorized: false, context: {} });
    expect(simpleResponseOf({ effect: 'forbidden', reason: 'scope', principal, allowedRoutes: [], validUntil: 0 })).toEqual({
      isAuthorized: false,
      context: {},
    });
  });
});

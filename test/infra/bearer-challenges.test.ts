import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { afterAll, describe, expect, it } from 'vitest';
import { addErrorResponses } from '../../infra/constructs/error-responses';

/**
 * The deployed authorizer's RFC 6750 answers, as API Gateway will send them: gateway responses can
 * carry only literal headers (no `$context.authorizer.*`), so one challenge per response type.
 */
const outdir = mkdtempSync(join(tmpdir(), 'pat-bearer-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

function gatewayResponses() {
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Api');
  const api = new apigateway.RestApi(stack, 'Api');
  api.root.addMethod('GET');
  addErrorResponses(api);
  const resources = Template.fromStack(stack).findResources('AWS::ApiGateway::GatewayResponse');
  return Object.fromEntries(Object.values(resources).map(({ Properties: p }) => [p.ResponseType, p])) as Record<string, any>;
}

describe('gateway responses (deployed authorizer)', () => {
  const responses = gatewayResponses();

  it('answers UNAUTHORIZED 401 with an invalid_token challenge and the spec body', () => {
    expect(responses.UNAUTHORIZED).toMatchObject({
      StatusCode: '401',
      ResponseParameters: {
        'gatewayresponse.header.WWW-Authenticate':
          '\'Bearer realm="pat", error="invalid_token", error_description="The access token is missing, malformed, expired, revoked, pending or not valid: GET /tokens/self tells which"\'',
      },
    });
    expect(JSON.parse(responses.UNAUTHORIZED.ResponseTemplates['application/json'])).toEqual({
      error: { code: 'unauthorized', message: 'A valid token is required in the Authorization header' },
    });
  });

  it('answers ACCESS_DENIED 403 with an insufficient_scope challenge and the spec body', () => {
    expect(responses.ACCESS_DENIED).toMatchObject({
      StatusCode: '403',
      ResponseParameters: {
        'gatewayresponse.header.WWW-Authenticate':
          '\'Bearer realm="pat", error="insufficient_scope", error_description="This token does not grant the scope this route needs, or is not allowed from this client address"\'',
      },
    });
    expect(JSON.parse(responses.ACCESS_DENIED.ResponseTemplates['application/json'])).toEqual({
      error: { code: 'forbidden', message: 'This token does not allow this request' },
    });
  });

  it('puts no single quote inside a literal header value (API Gateway would cut it there)', () => {
    for (const response of Object.values(responses)) {
      for (const value of Object.values((response.ResponseParameters ?? {}) as Record<string, string>)) {
        expect(value.slice(1, -1)).not.toContain("'");
      }
    }
  });
});

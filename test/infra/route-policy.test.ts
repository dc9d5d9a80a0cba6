import { Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { afterAll, describe, expect, it } from 'vitest';
import { exampleCatalogue } from '../../functions/domain/routes';
import { importTokenVerification, TokenAuthorizer } from '../../infra/constructs/token-authorizer';
import { testApp } from './synth';

describe('TokenAuthorizer.addMethod and the route table', () => {
  const cleanups: Array<() => void> = [];
  afterAll(() => cleanups.forEach((cleanup) => cleanup()));
  const fixture = () => {
    const test = testApp();
    cleanups.push(test.cleanup);
    const stack = new Stack(test.app, 'Consumer');
    const verification = importTokenVerification(stack, 'Service', {
      tableArn: 'arn:aws:dynamodb:eu-west-1:111122223333:table/pat-tokens',
      signingKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/0f6b8e1e-0000-4000-8000-000000000000',
      issuer: 'https://tokens.example.com',
      catalogue: exampleCatalogue,
    });
    const api = new apigateway.RestApi(stack, 'Api');
    const tokens = new TokenAuthorizer(stack, 'Tokens', { api, verification, errorResponses: false });
    return { api, tokens };
  };
  const mock = new apigateway.MockIntegration();

  it('refuses, at synth, a method that leaves some grant without an exact policy, naming both routes', () => {
    const { api, tokens } = fixture();
    tokens.addMethod(api.root.resourceForPath('/api/candidates/{proxy+}'), 'GET', mock);

    expect(() => tokens.addMethod(api.root.resourceForPath('/api/candidates/documents/{id}'), 'GET', mock)).toThrow(
      /Tokens: GET \/api\/candidates\/documents\/\{id\}: No exact authorizer policy.*GET \/api\/candidates\/\{proxy\+\} \(candidates:read\) and GET \/api\/candidates\/documents\/\{id\} \(candidates\/documents:read\)/,
    );
    expect(tokens.routes.map((route) => route.resource)).toEqual(['/api/candidates/{proxy+}']);
  });

  it('accepts the same routes when they need the same scope', () => {
    const { api, tokens } = fixture();
    tokens.addMethod(api.root.resourceForPath('/api/candidates/{proxy+}'), 'GET', mock);

    tokens.addMethod(api.root.resourceForPath('/api/candidates/documents/{id}'), 'GET', mock, { scope: 'candidates:read' });

    expect(tokens.routes).toHaveLength(2);
  });
});

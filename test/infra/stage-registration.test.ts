import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { importTokenVerification, TokenAuthorizer } from '../../infra/constructs/token-authorizer';
import { testApp } from './synth';

const catalogue = [{ name: 'orders', description: 'Orders' }];
const attributes = {
  tableArn: 'arn:aws:dynamodb:eu-west-1:111122223333:table/pat-tokens',
  signingKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/11111111-2222-3333-4444-555555555555',
  issuer: 'https://pat.example.com',
  catalogue,
};

function consumer(options: { flusher: boolean; extraStage?: 'registered' | 'unregistered' }) {
  const test = testApp();
  const stack = new Stack(test.app, 'Consumer', { env: { account: '111122223333', region: 'eu-west-1' } });
  const api = new apigateway.RestApi(stack, 'Api', { deployOptions: { stageName: 'prod' } });
  const verification = importTokenVerification(stack, 'Tokens', {
    ...attributes,
    ...(options.flusher ? { flusherRoleArn: 'arn:aws:iam::111122223333:role/flusher', stageRegistryPath: '/pat-service/stages' } : {}),
  });
  const staging =
    options.extraStage === undefined
      ? undefined
      : new apigateway.Stage(stack, 'Staging', {
          deployment: new apigateway.Deployment(stack, 'StagingDeployment', { api }),
          stageName: 'staging',
        });
  const authorizer = new TokenAuthorizer(stack, 'Authorizer', {
    api,
    verification,
    ...(options.extraStage === 'registered' ? { stages: [api.deploymentStage, staging!] } : {}),
  });
  authorizer.addMethod(api.root.addResource('orders'), 'GET', new apigateway.MockIntegration());
  return { test, stack };
}

describe('every stage of a protected API is flushed, or synth says so', () => {
  it('fails the synth naming a stage of the API that is not registered for flushes', () => {
    const { test, stack } = consumer({ flusher: true, extraStage: 'unregistered' });
    try {
      expect(() => test.app.synth()).toThrow(/Consumer\/Staging.*not registered for authorizer cache flushes/s);
      expect(stack).toBeDefined();
    } finally {
      test.cleanup();
    }
  });

  it('synthesizes when every stage is listed, and registers each one', () => {
    const { test, stack } = consumer({ flusher: true, extraStage: 'registered' });
    try {
      test.app.synth();
      const registrations = stack.node.findAll().filter((construct) => construct.node.id.startsWith('StageRegistration'));
      expect(registrations).toHaveLength(2);
    } finally {
      test.cleanup();
    }
  });

  it('warns, naming the real bound, when the verification is imported without the flusher', () => {
    const { test, stack } = consumer({ flusher: false });
    try {
      Annotations.fromStack(stack).hasWarning('/Consumer/Authorizer', Match.stringLikeRegexp('refused within 21 s'));
    } finally {
      test.cleanup();
    }
  });
});

import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { importTokenVerification, TokenAuthorizer } from '../../infra/constructs/token-authorizer';
import { testApp } from '../infra/synth';

/**
 * Review of issue 20, target 8: "every stage of a protected API is registered for flushing, or synth
 * fails naming it". `TokenAuthorizer.unregisteredStages` only looks for `apigateway.Stage`
 * constructs whose `restApi` is the very object passed in: a stage made any other way is deployed,
 * served by the same authorizer (its methods are the API's), never flushed, and synth passes.
 */
const attributes = {
  tableArn: 'arn:aws:dynamodb:eu-west-1:111122223333:table/pat-tokens',
  signingKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/11111111-2222-3333-4444-555555555555',
  issuer: 'https://pat.example.com',
  catalogue: [{ name: 'orders', description: 'Orders' }],
  flusherRoleArn: 'arn:aws:iam::111122223333:role/flusher',
  stageRegistryPath: '/pat-service/stages',
};

function consumer(extraStage: (stack: Stack, api: apigateway.RestApi) => void) {
  const test = testApp();
  const stack = new Stack(test.app, 'Consumer', { env: { account: '111122223333', region: 'eu-west-1' } });
  const api = new apigateway.RestApi(stack, 'Api', { deployOptions: { stageName: 'prod' } });
  const verification = importTokenVerification(stack, 'Tokens', attributes);
  const authorizer = new TokenAuthorizer(stack, 'Authorizer', { api, verification });
  authorizer.addMethod(api.root.addResource('orders'), 'GET', new apigateway.MockIntegration());
  extraStage(stack, api);
  return test;
}

const synthOutcome = (test: ReturnType<typeof testApp>) => {
  try {
    test.app.synth();
    return 'synthesized';
  } catch (error) {
    return /not registered for authorizer cache flushes/.test(String(error)) ? 'refused' : `failed: ${String(error)}`;
  } finally {
    test.cleanup();
  }
};

describe('review: a stage of the protected API that is not registered', () => {
  // Control (holds today): a plain Stage on the same RestApi object, even made after the authorizer.
  it('is refused when made as a Stage after the authorizer', () => {
    const test = consumer((stack, api) => {
      new apigateway.Stage(stack, 'Staging', {
        deployment: new apigateway.Deployment(stack, 'StagingDeployment', { api }),
        stageName: 'staging',
      });
    });
    expect(synthOutcome(test)).toBe('refused');
  }, 60_000);

  it('is refused when made as an L1 CfnStage', () => {
    const test = consumer((stack, api) => {
      const deployment = new apigateway.Deployment(stack, 'StagingDeployment', { api });
      new apigateway.CfnStage(stack, 'Staging', { restApiId: api.restApiId, deploymentId: deployment.deploymentId, stageName: 'staging' });
    });
    expect(synthOutcome(test)).toBe('refused');
  }, 60_000);

  it('is refused when made by a Deployment with a stageName (CloudFormation creates the stage)', () => {
    const test = consumer((stack, api) => {
      new apigateway.Deployment(stack, 'StagingDeployment', { api, stageName: 'staging' });
    });
    expect(synthOutcome(test)).toBe('refused');
  }, 60_000);

  it('is refused when its Stage is built on an imported handle of the same API', () => {
    const test = consumer((stack, api) => {
      const same = apigateway.RestApi.fromRestApiAttributes(stack, 'SameApi', {
        restApiId: api.restApiId,
        rootResourceId: api.restApiRootResourceId,
      });
      new apigateway.Stage(stack, 'Staging', {
        deployment: new apigateway.Deployment(stack, 'StagingDeployment', { api: same }),
        stageName: 'staging',
      });
    });
    expect(synthOutcome(test)).toBe('refused');
  }, 60_000);
});

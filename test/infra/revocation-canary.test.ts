import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleCatalogue } from '../../functions/domain/routes';
import { RevocationCanary } from '../../infra/constructs/revocation-canary';
import { TokenAuthorizer } from '../../infra/constructs/token-authorizer';
import { PatServiceStack } from '../../infra/pat-service-stack';
import { logicalIdOf, methodsOf, testApp } from './synth';

const cleanups: Array<() => void> = [];
afterAll(() => cleanups.forEach((cleanup) => cleanup()));
const topicArn = 'arn:aws:sns:eu-west-1:111111111111:pat-oncall';

let stack: PatServiceStack;
let canary: RevocationCanary;
let template: Template;

beforeAll(() => {
  const test = testApp();
  cleanups.push(test.cleanup);
  stack = new PatServiceStack(test.app, 'PatService', {
    env: { account: '111111111111', region: 'eu-west-1' },
    settings: { catalogue: exampleCatalogue },
    webConsole: false,
    alarmTopicArn: topicArn,
  });
  const api = new apigateway.RestApi(stack, 'CanaryApi');
  const authorizer = new TokenAuthorizer(stack, 'CanaryTokens', { api, verification: stack.service.verification });
  const route = RevocationCanary.addRoute(authorizer, api, 'jobs:read');
  canary = new RevocationCanary(stack, 'Canary', { service: stack.service, ...route });
  template = Template.fromStack(stack);
}, 60_000);

describe('RevocationCanary', () => {
  it('adds a canary route behind the token authorizer', () => {
    expect(methodsOf(template).filter((method) => method.path === '/pat-canary')).toEqual([
      expect.objectContaining({ httpMethod: 'GET', authorizationType: 'CUSTOM' }),
    ]);
  });

  it('runs every 5 minutes against that route through the stage, in the canary tenant', () => {
    const variables = template.toJSON().Resources[logicalIdOf(canary.handler.function)].Properties.Environment.Variables;

    expect(variables).toMatchObject({ CANARY_SCOPE: 'jobs:read', CANARY_TENANT: 'pat-canary' });
    expect(JSON.stringify(variables.CANARY_URL)).toContain('/pat-canary');
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      Targets: [{ Arn: { 'Fn::GetAtt': [logicalIdOf(canary.handler.function), 'Arn'] } }],
    });
  });

  it('alarms above the 5 s bound and when a fresh token is not let in, paging alarmTopicArn', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'RevocationCanaryBoundMs',
      Namespace: 'PatService',
      Threshold: 5000,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [topicArn],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'RevocationCanaryFailures', AlarmActions: [topicArn] });
  });

  it('shows the measured bound on the service dashboard', () => {
    const body = JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]!.Properties.DashboardBody);
    expect(body).toContain('RevocationCanaryBoundMs');
  });

  it('may sign (it issues tokens), named in the signing key policy', () => {
    const key = template.toJSON().Resources[logicalIdOf(stack.service.signingKeys.signingKey)].Properties;
    const signers = key.KeyPolicy.Statement.find((statement: { Sid?: string }) => statement.Sid === 'SignTokens');

    expect(JSON.stringify(signers.Principal)).toContain(logicalIdOf(canary.handler.role));
  });
});

import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { RevocationCanary } from '../../infra/constructs/revocation-canary';
import { TokenAuthorizer } from '../../infra/constructs/token-authorizer';
import type { PatServiceStack } from '../../infra/pat-service-stack';
import { logicalIdOf, methodsOf, withStackOf } from './synth';

const topicArn = 'arn:aws:sns:eu-west-1:111111111111:pat-oncall';

let stack: PatServiceStack;
let canary: RevocationCanary;
let template: Template;

withStackOf(
  { alarmTopicArn: topicArn },
  (synthesized) => ({ stack, template } = synthesized),
  (service) => {
    const api = new apigateway.RestApi(service, 'CanaryApi');
    const authorizer = new TokenAuthorizer(service, 'CanaryTokens', { api, verification: service.service.verification });
    const route = RevocationCanary.addRoute(authorizer, api, 'jobs:read');
    canary = new RevocationCanary(service, 'Canary', { service: service.service, ...route });
  },
);

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

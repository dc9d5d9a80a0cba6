import { Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExampleApiStack } from '../../infra/example-api-stack';
import { PatServiceStack } from '../../infra/pat-service-stack';
import { buildApp } from '../../infra/service-app';
import { testApp } from './synth';

let service: PatServiceStack;
let example: ExampleApiStack;
let serviceTemplate: Template;
let exampleTemplate: Template;
let cleanup: () => void;

beforeAll(() => {
  const test = testApp();
  cleanup = test.cleanup;
  ({ service, example } = buildApp(test.app) as { service: PatServiceStack; example: ExampleApiStack });
  serviceTemplate = Template.fromStack(service);
  exampleTemplate = Template.fromStack(example);
}, 60_000);
afterAll(() => cleanup());

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
const statementsOf = (template: Template): Statement[] =>
  Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (policy) => (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
  );
const actionsOf = (statement: Statement) => ([] as string[]).concat(statement.Action);
const flat = (value: unknown): string => JSON.stringify(value);

describe('stage flush permissions', () => {
  it('lets the flusher DELETE only the authorizer cache of the registered stage, and no other API Gateway action anywhere', () => {
    const apigateway = [...statementsOf(serviceTemplate), ...statementsOf(exampleTemplate)].filter((statement) =>
      actionsOf(statement).some((action) => action.startsWith('apigateway:')),
    );

    expect(apigateway).toHaveLength(1);
    expect(actionsOf(apigateway[0]!)).toEqual(['apigateway:DELETE']);
    const resources = ([] as unknown[]).concat(apigateway[0]!.Resource);
    expect(resources).toHaveLength(1);
    const resource = flat(resources[0]);
    expect(resource).toContain('::/restapis/');
    expect(resource).toMatch(/\/stages\/.*\/cache\/authorizers"/);
    expect(resource).not.toContain('*');
  });

  it('attaches that permission to the service flusher role, and registers the same stage in the registry the flusher reads', () => {
    const flushPolicy = Object.values(exampleTemplate.findResources('AWS::IAM::Policy')).find((policy) =>
      flat(policy).includes('apigateway:DELETE'),
    )!;
    const parameters = Object.values(exampleTemplate.findResources('AWS::SSM::Parameter')) as Array<{
      Properties: { Name: unknown; Value: unknown };
    }>;
    const flusherEnvironment = Object.values(serviceTemplate.findResources('AWS::Lambda::Function')).find((fn) =>
      flat(fn).includes('STAGE_REGISTRY_PATH'),
    ) as {
      Properties: { Environment: { Variables: Record<string, string> } };
    };

    expect(flat((flushPolicy as { Properties: { Roles: unknown } }).Properties.Roles)).toMatch(/AuthorizerCacheFlusher/i);
    expect(parameters).toHaveLength(1);
    expect(flat(parameters[0]!.Properties.Name)).toContain(flusherEnvironment.Properties.Environment.Variables.STAGE_REGISTRY_PATH);
  });

  it('lets authorizers Query only the changes of the feed, the flusher also the due entries, and alarms on failed and late flushes', () => {
    const feedReads = (template: Template) => statementsOf(template).filter((statement) => statement.Sid === 'RevocationFeedReads');
    const [authorizerReads] = feedReads(exampleTemplate);
    const flusherReads = feedReads(serviceTemplate).find((statement) => flat(statement.Condition).includes('DUE#*'));

    expect(actionsOf(authorizerReads!)).toEqual(['dynamodb:Query']);
    expect(authorizerReads!.Condition).toMatchObject({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': 'FEED#*' } });
    expect(flusherReads!.Condition).toMatchObject({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['FEED#*', 'DUE#*'] } });
    for (const metricName of ['AuthorizerCacheFlushFailures', 'AuthorizerCacheFlushesLate']) {
      serviceTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: metricName, Namespace: 'PatService' });
    }
  });

  it('lets no authorizer write a feed entry of a change: its only feed writes are key-only due entries in their own partitions', () => {
    const updates = statementsOf(exampleTemplate).filter((statement) => actionsOf(statement).includes('dynamodb:UpdateItem'));
    const partitions = updates.map(
      (statement) => (statement.Condition as Record<string, Record<string, unknown>>)['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'],
    );
    const due = updates.find((statement) => statement.Sid === 'RevocationFeedDue');

    expect(updates.length).toBeGreaterThan(0);
    // Every UpdateItem of the authorizer is held to some partitions, none of them the changes' FEED#.
    expect(partitions.every((partition) => typeof partition === 'string' && !partition.startsWith('FEED#'))).toBe(true);
    expect(due!.Condition).toMatchObject({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': 'DUE#*' },
      'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['pk', 'sk', 'kind'] },
    });
    expect(statementsOf(exampleTemplate).some((statement) => actionsOf(statement).includes('dynamodb:PutItem'))).toBe(false);
    serviceTemplate.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)' });
  });

  it("keeps API Gateway's result cache at 300 s and states a 5 s bound, 301 s while flushes fail", () => {
    exampleTemplate.hasResourceProperties('AWS::ApiGateway::Authorizer', { AuthorizerResultTtlInSeconds: 300 });
    expect(example.authorizer.revocationBound.toSeconds()).toBe(5);
    expect(example.authorizer.degradedRevocationBound.toSeconds()).toBe(301);
  });
});

describe('the flush-failure alarm', () => {
  const waiversOn = (construct: { node: { metadata: Array<{ type: string; data: unknown }> } }) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.keys(entry.data as object));

  it("notifies the operator's topic in ALARM and back to OK when alarmTopicArn is given, and is then not waived", () => {
    const topicArn = 'arn:aws:sns:eu-west-1:111122223333:pat-operations';
    const test = testApp();
    try {
      const withTopic = new PatServiceStack(test.app, 'WithAlarmTopic', {
        settings: { catalogue: [{ name: 'orders', description: 'Orders' }] },
        webConsole: false,
        alarmTopicArn: topicArn,
      });
      const alarm = withTopic.service.authorizerCacheFlusher.flushFailures;

      Template.fromStack(withTopic).hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'AuthorizerCacheFlushFailures',
        AlarmActions: [topicArn],
        OKActions: [topicArn],
      });
      expect(waiversOn(alarm)).not.toContain('cdk-validator-cfnguard::cloudwatch_alarm_action_check');
    } finally {
      test.cleanup();
    }
  });

  it('is waived for the alarm-action control only without a topic', () => {
    expect(waiversOn(service.service.authorizerCacheFlusher.flushFailures)).toContain(
      'cdk-validator-cfnguard::cloudwatch_alarm_action_check',
    );
  });
});

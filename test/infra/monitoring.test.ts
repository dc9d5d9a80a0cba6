import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { Template } from 'aws-cdk-lib/assertions';
import { MonitoringFacade } from 'cdk-monitoring-constructs';
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { exampleCatalogue } from '../../functions/domain/routes';
import { projectRoot } from '../../infra/constructs/service-function';
import { denialReasons, emittedMetrics, kmsErrorsMetric, metricNamespace, serviceDimension } from '../../infra/constructs/service-metrics';
import { monitorTokenAuthorizer } from '../../infra/constructs/service-monitoring';
import { importTokenVerification, TokenAuthorizer } from '../../infra/constructs/token-authorizer';
import { PatServiceStack } from '../../infra/pat-service-stack';
import { logicalIdOf, testApp } from './synth';

const cleanups: Array<() => void> = [];
afterAll(() => cleanups.forEach((cleanup) => cleanup()));
const topicArn = 'arn:aws:sns:eu-west-1:111111111111:pat-oncall';

/** Every TypeScript source under functions/, concatenated: what the functions can emit. */
const functionSources = () => {
  const dir = join(projectRoot, 'functions');
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((file) => file.endsWith('.ts'))
    .map((file) => readFileSync(join(dir, file), 'utf8'))
    .join('\n');
};

/** A template value with its intrinsics flattened to text (`${…}`), for searching a dashboard body. */
const flatten = (value: unknown): string => {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'Fn::Join' in value) {
    const [separator, parts] = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
    return parts.map(flatten).join(separator);
  }
  return '${token}';
};

let template: Template;
let dashboardBody: string;

beforeAll(() => {
  const test = testApp();
  cleanups.push(test.cleanup);
  const stack = new PatServiceStack(test.app, 'PatService', {
    env: { account: '111111111111', region: 'eu-west-1' },
    settings: { catalogue: exampleCatalogue },
    webConsole: false,
    alarmTopicArn: topicArn,
  });
  template = Template.fromStack(stack);
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  expect(dashboards).toHaveLength(1);
  dashboardBody = flatten(dashboards[0]!.Properties.DashboardBody);
}, 60_000);

describe('the service dashboard', () => {
  it('shows the service metrics: authorizer decisions by reason, refresh outcomes, reuse, flusher lag and failures, KMS errors', () => {
    // The revocation canary's metrics join the dashboard with the (opt-in) canary: test/infra/revocation-canary.test.ts.
    const always = Object.values(emittedMetrics).filter((name) => !name.startsWith('RevocationCanary'));
    for (const name of [...always, kmsErrorsMetric]) expect(dashboardBody).toContain(`"${metricNamespace}","${name}"`);
    for (const reason of denialReasons) expect(dashboardBody).toContain(`"reason","${reason}"`);
  });

  it('shows API 4xx, 5xx and latency overall and per route, every function, and DynamoDB throttles', () => {
    expect(dashboardBody).toMatch(/"AWS\/ApiGateway","4XXError"/);
    expect(dashboardBody).toMatch(/"AWS\/ApiGateway","5XXError"/);
    expect(dashboardBody).toContain('"Resource","/tokens/{id}"');
    expect(dashboardBody).toContain('"Resource","/tokens/refresh"');
    expect(dashboardBody).toMatch(/"AWS\/Lambda","Errors"/);
    expect(dashboardBody).toMatch(/"AWS\/DynamoDB","ReadThrottleEvents"/);
    expect(dashboardBody).toMatch(/"AWS\/DynamoDB","WriteThrottleEvents"/);
  });

  it('reads only metrics the functions emit, with the namespace and service dimension they emit them under', () => {
    const sources = functionSources();
    const used = [...dashboardBody.matchAll(new RegExp(`"${metricNamespace}","([A-Za-z]+)"`, 'g'))].map((match) => match[1]!);
    const alarmed = Object.values(template.findResources('AWS::CloudWatch::Alarm'))
      .filter((alarm) => alarm.Properties.Namespace === metricNamespace)
      .map((alarm) => {
        expect(alarm.Properties.Dimensions).toContainEqual({ Name: 'service', Value: serviceDimension.service });
        return alarm.Properties.MetricName as string;
      });

    for (const name of new Set([...used, ...alarmed])) {
      if (name === kmsErrorsMetric) continue; // a metric filter's (next test)
      // `count('Name')` (functions/observability/metrics.ts) or `addMetric('Name', …)` on the same line: the EMF line a function writes.
      const emitted = sources.split('\n').some((line) => /\b(count|addMetric)\(/.test(line) && line.includes(`'${name}'`));
      expect({ name, emitted }).toEqual({ name, emitted: true });
    }
    expect(sources).toMatch(/addDimension\('reason'/);
    expect(sources).toContain("POWERTOOLS_METRICS_NAMESPACE ?? 'PatService'");
  });

  it('counts KMS errors from the log line the functions write when KMS is unreachable', () => {
    const sources = functionSources();
    expect(sources).toMatch(/DependencyUnavailable\('KMS'/);
    expect(sources).toMatch(/logger\.error\('Dependency unavailable', \{ dependency: error\.dependency/);

    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ $.dependency = "KMS" }',
      MetricTransformations: [
        {
          MetricNamespace: metricNamespace,
          MetricName: kmsErrorsMetric,
          MetricValue: '1',
          Dimensions: [{ Key: 'service', Value: '$.service' }],
        },
      ],
    });
  });
});

describe('the service alarms', () => {
  const alarms = () => Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((alarm) => alarm.Properties);

  it('page alarmTopicArn, on alarm and back to OK', () => {
    for (const alarm of alarms())
      expect({ name: alarm.AlarmName ?? alarm.AlarmDescription, actions: alarm.AlarmActions }).toMatchObject({ actions: [topicArn] });
  });

  it.each([
    ['5xx rate of the API', 'AWS/ApiGateway', '5XXError'],
    ['API latency', 'AWS/ApiGateway', 'Latency'],
    ['function errors', 'AWS/Lambda', 'Errors'],
    ['function throttles', 'AWS/Lambda', 'Throttles'],
    ['DynamoDB read throttles', 'AWS/DynamoDB', 'ReadThrottleEvents'],
    ['DynamoDB write throttles', 'AWS/DynamoDB', 'WriteThrottleEvents'],
    ['refresh key reuse', metricNamespace, emittedMetrics.reuseDetections],
    ['flush lag', metricNamespace, emittedMetrics.cacheFlushLag],
    ['KMS errors', metricNamespace, kmsErrorsMetric],
  ])('alarm on %s', (_what, namespace, metricName) => {
    const json = JSON.stringify(alarms());
    expect(json).toMatch(
      new RegExp(
        `"Namespace":"${namespace.replace('/', '\\/')}"[^}]*"MetricName":"${metricName}"|"MetricName":"${metricName}"[^}]*"Namespace":"${namespace.replace('/', '\\/')}"`,
      ),
    );
  });
});

describe("a consumer's token authorizer segment", () => {
  it('alarms on its errors, throttles and latency and shows its decisions by reason', () => {
    const test = testApp();
    cleanups.push(test.cleanup);
    const stack = new Stack(test.app, 'Consumer', { env: { account: '111111111111', region: 'eu-west-1' } });
    const verification = importTokenVerification(stack, 'Pat', {
      tableArn: 'arn:aws:dynamodb:eu-west-1:111111111111:table/pat-tokens',
      signingKeyArn: 'arn:aws:kms:eu-west-1:111111111111:key/k',
      issuer: 'https://pat.example',
      catalogue: exampleCatalogue,
    });
    const api = new apigateway.RestApi(stack, 'Api');
    const tokens = new TokenAuthorizer(stack, 'Tokens', { api, verification });
    tokens.addMethod(api.root.resourceForPath('/api/jobs'), 'GET', new apigateway.MockIntegration());

    monitorTokenAuthorizer(new MonitoringFacade(stack, 'Monitoring'), tokens);
    const consumer = Template.fromStack(stack);

    const fn = { Ref: logicalIdOf(tokens.function) };
    const onAuthorizer = Object.values(consumer.findResources('AWS::CloudWatch::Alarm'))
      .filter((alarm) => JSON.stringify(alarm.Properties).includes(JSON.stringify(fn)))
      .map((alarm) => JSON.stringify(alarm.Properties));
    expect(onAuthorizer.some((alarm) => alarm.includes('"MetricName":"Errors"'))).toBe(true);
    expect(onAuthorizer.some((alarm) => alarm.includes('"MetricName":"Throttles"'))).toBe(true);
    expect(onAuthorizer.some((alarm) => alarm.includes('"MetricName":"Duration"'))).toBe(true);
  });
});

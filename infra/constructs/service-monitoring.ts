import { Duration, Stack } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import {
  type AlarmWithAnnotation,
  type CustomMetricGroup,
  DefaultDashboardFactory,
  MetricStatistic,
  MonitoringFacade,
  noopAction,
  SnsAlarmActionStrategy,
} from 'cdk-monitoring-constructs';
import { Construct } from 'constructs';
import { waiveControl } from '../control-tower';
import type { ServiceRoute } from '../handlers';
import { denialReasons, emittedMetrics, kmsErrorsMetric, metricNamespace, serviceDimension } from './service-metrics';
import type { ServiceFunction } from './service-function';

const metric = (metricName: string, label: string, statistic = 'Sum', dimensions: Record<string, string> = {}) =>
  new cloudwatch.Metric({
    namespace: metricNamespace,
    metricName,
    dimensionsMap: { ...serviceDimension, ...dimensions },
    statistic,
    period: Duration.minutes(5),
    label,
  });

const atLeast = (threshold: number) => ({
  threshold,
  comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
});

/** The authorizer's own decisions: allowed, and denied by reason (every authorizer of the account). */
export function authorizationMetricGroup(): CustomMetricGroup {
  return {
    title: 'Authorizer decisions',
    metrics: [
      metric(emittedMetrics.authorizationsAllowed, 'allowed'),
      ...denialReasons.map((reason) => metric(emittedMetrics.authorizationsDenied, `denied: ${reason}`, 'Sum', { reason })),
    ],
  };
}

/** What the service's dashboard and alarms watch. */
export interface ServiceMonitoringProps {
  /** The service's REST API (4xx/5xx and latency per route). */
  readonly api: apigateway.RestApi;
  /** The stage the API metrics are read from. */
  readonly stageName: string;
  /** The API's routes: one latency and error row each. */
  readonly routes: readonly ServiceRoute[];
  /** The service's functions by handler name: errors, throttles, duration. */
  readonly functions: Readonly<Record<string, ServiceFunction>>;
  /** The stage flusher: its lag and failures. */
  readonly flusher: ServiceFunction;
  /** The token table: its throttled requests. */
  readonly table: dynamodb.ITable;
  /** Functions whose `Dependency unavailable` log lines may name KMS (they sign, verify or derive). */
  readonly kmsUsers: readonly ServiceFunction[];
  /** The SNS topic every alarm notifies. @default none: the alarms show in CloudWatch only */
  readonly alarmTopicArn?: string;
  /** The CloudWatch dashboard's name. @default the stack name */
  readonly dashboardName?: string;
}

/**
 * The operator's view of the service, built with cdk-monitoring-constructs: one dashboard (API 4xx,
 * 5xx and latency overall and per route; every function's invocations, errors and duration;
 * authorizer decisions by reason; token outcomes, refreshes and reuse detections; the stage
 * flusher's lag and failures; DynamoDB throttles and errors; KMS errors) and alarms on what pages
 * someone, wired to `alarmTopicArn`.
 */
export class ServiceMonitoring extends Construct {
  readonly facade: MonitoringFacade;

  constructor(scope: Construct, id: string, props: ServiceMonitoringProps) {
    super(scope, id);
    const topic = props.alarmTopicArn ? sns.Topic.fromTopicArn(this, 'AlarmTopic', props.alarmTopicArn) : undefined;
    this.facade = new MonitoringFacade(this, 'Facade', {
      metricFactoryDefaults: { namespace: metricNamespace },
      alarmFactoryDefaults: {
        alarmNamePrefix: Stack.of(this).stackName,
        actionsEnabled: true,
        action: topic ? new SnsAlarmActionStrategy({ onAlarmTopic: topic, onOkTopic: topic }) : noopAction(),
        datapointsToAlarm: 1,
      },
      dashboardFactory: new DefaultDashboardFactory(this, 'Dashboards', {
        dashboardNamePrefix: props.dashboardName ?? Stack.of(this).stackName,
        createDashboard: true,
        createSummaryDashboard: false,
        createAlarmDashboard: false,
      }),
    });
    const facade = this.facade;

    facade.addLargeHeader('Personal access token service');
    facade.monitorApiGateway({
      api: props.api,
      apiStage: props.stageName,
      humanReadableName: 'Token API (all routes)',
      alarmFriendlyName: 'TokenApi',
      add5XXFaultRateAlarm: { Critical: { maxErrorRate: 1 } },
      addLatencyP99Alarm: { Warning: { maxLatency: Duration.seconds(3) } },
    });
    // Per route (the stage has detailed metrics on): 4xx, 5xx and latency; alarms stay API-wide.
    for (const route of props.routes) {
      facade.monitorApiGateway({
        api: props.api,
        apiStage: props.stageName,
        apiMethod: route.method,
        apiResource: route.path,
        humanReadableName: `${route.method} ${route.path}`,
        alarmFriendlyName: `TokenApi-${route.method}-${route.path}`,
      });
    }

    facade.addLargeHeader('Authorizers');
    facade.monitorCustom({ alarmFriendlyName: 'AuthorizerDecisions', metricGroups: [authorizationMetricGroup()] });

    facade.addLargeHeader('Tokens');
    facade.monitorCustom({
      alarmFriendlyName: 'Tokens',
      metricGroups: [
        {
          title: 'Issued and revoked',
          metrics: [
            metric(emittedMetrics.tokensCreated, 'created'),
            metric(emittedMetrics.tokensRegenerated, 'regenerated'),
            metric(emittedMetrics.tokensRevoked, 'revoked'),
            metric(emittedMetrics.leakedTokensRevoked, 'revoked as leaked'),
          ],
        },
        {
          title: 'Refresh outcomes',
          metrics: [
            metric(emittedMetrics.tokensRefreshed, 'rotated'),
            metric(emittedMetrics.refreshesReplayed, 'replayed (retry within the leeway)'),
            {
              // A rotated refresh key presented again: the family is revoked, and someone holds a copy.
              metric: metric(emittedMetrics.reuseDetections, 'reuse detected (family revoked)'),
              alarmFriendlyName: 'RefreshKeyReuse',
              addAlarm: {
                Warning: {
                  ...atLeast(1),
                  additionalDescription: 'A rotated refresh key was presented again: its family was revoked (possible leak).',
                },
              },
            },
          ],
        },
      ],
    });

    facade.addLargeHeader('Stage flusher (revocation bound)');
    facade.monitorCustom({
      alarmFriendlyName: 'StageFlusher',
      metricGroups: [
        {
          title: 'Flush lag (ms from a change to its flush)',
          metrics: [
            {
              metric: metric(emittedMetrics.cacheFlushLag, 'flush lag p99', MetricStatistic.P99),
              alarmFriendlyName: 'FlushLag',
              addAlarm: {
                Critical: {
                  ...atLeast(4_000),
                  additionalDescription: 'Flushes come later than the 5 s revocation bound allows (docs/revocation.md).',
                },
              },
            },
          ],
        },
        {
          // AuthorizerCacheFlusher alarms on failures and on a stopped flusher already.
          title: 'Flushes, failures, runs',
          metrics: [
            metric(emittedMetrics.cacheFlushes, 'flushes'),
            metric(emittedMetrics.cacheFlushFailures, 'failures'),
            metric(emittedMetrics.flusherRuns, 'runs'),
          ],
        },
      ],
    });

    facade.addLargeHeader('DynamoDB and KMS');
    facade.monitorDynamoTable({
      table: props.table,
      alarmFriendlyName: 'TokenTable',
      addReadThrottledEventsCountAlarm: { Critical: { maxThrottledEventsThreshold: 5 } },
      addWriteThrottledEventsCountAlarm: { Critical: { maxThrottledEventsThreshold: 5 } },
      addSystemErrorCountAlarm: { Critical: { maxErrorCount: 1 } },
    });
    const kmsErrors = metric(kmsErrorsMetric, 'KMS unavailable (logged by the functions)');
    for (const user of props.kmsUsers) {
      new logs.MetricFilter(user, 'KmsErrors', {
        logGroup: user.logGroup,
        filterPattern: logs.FilterPattern.stringValue('$.dependency', '=', 'KMS'),
        metricNamespace,
        metricName: kmsErrorsMetric,
        metricValue: '1',
        dimensions: { service: '$.service' },
      });
    }
    facade.monitorCustom({
      alarmFriendlyName: 'Kms',
      metricGroups: [
        {
          title: 'KMS errors',
          metrics: [
            {
              metric: kmsErrors,
              alarmFriendlyName: 'KmsErrors',
              addAlarm: { Critical: { ...atLeast(1), additionalDescription: 'KMS calls fail: tokens cannot be issued or refreshed.' } },
            },
          ],
        },
      ],
    });

    facade.addLargeHeader('Functions');
    for (const [name, fn] of [...Object.entries(props.functions), ['stageFlusher', props.flusher] as const]) {
      facade.monitorLambdaFunction({
        lambdaFunction: fn.function,
        humanReadableName: name,
        alarmFriendlyName: `Function-${name}`,
        addFaultCountAlarm: { Critical: { maxErrorCount: 5 } },
        addThrottlesCountAlarm: { Warning: { maxErrorCount: 1 } },
      });
    }

    if (!topic) waiveAlarmActions(facade.createdAlarms());
    this.topic = topic;
  }

  private readonly topic?: sns.ITopic;

  /** Sends alarms made elsewhere (the revocation canary's) where the dashboard's go. */
  routeAlarms(alarms: readonly cloudwatch.Alarm[]): void {
    for (const alarm of alarms) {
      if (this.topic) {
        alarm.addAlarmAction(new cloudwatchActions.SnsAction(this.topic));
        alarm.addOkAction(new cloudwatchActions.SnsAction(this.topic));
      } else {
        waiveControl(
          alarm,
          'cloudwatch_alarm_action_check',
          'Where an operator is paged is their choice (alarmTopicArn); this stack creates no topic nobody subscribes to. The alarm still shows in CloudWatch.',
        );
      }
    }
  }
}

/** Alarms that page nobody until an operator names a topic (`alarmTopicArn`). */
export function waiveAlarmActions(alarms: readonly AlarmWithAnnotation[]): void {
  for (const { alarm } of alarms) {
    waiveControl(
      alarm,
      'cloudwatch_alarm_action_check',
      'Where an operator is paged is their choice (alarmTopicArn); this stack creates no topic nobody subscribes to. The alarm still shows in CloudWatch and on the dashboard.',
    );
  }
}

/** How `monitorTokenAuthorizer` names and bounds a consumer authorizer's segment. */
export interface TokenAuthorizerMonitoringOptions {
  /** A name for the dashboard segment and the alarms. @default the authorizer's construct id */
  readonly name?: string;
  /** Alarm when the authorizer's p99 duration exceeds this. @default Duration.seconds(1) */
  readonly maxLatency?: Duration;
}

/**
 * The segment a consumer adds to its own `MonitoringFacade` for a `TokenAuthorizer` or an
 * `HttpTokenAuthorizer`: the function's invocations, errors, throttles and duration, its decisions
 * by reason, and alarms on errors (a failing authorizer lets nobody in) and on latency.
 *
 * ```ts
 * const monitoring = new MonitoringFacade(this, 'Monitoring', { alarmFactoryDefaults: { … } });
 * monitorTokenAuthorizer(monitoring, tokens);
 * ```
 */
export function monitorTokenAuthorizer(
  facade: MonitoringFacade,
  authorizer: { readonly function: lambda.IFunction; readonly node: Construct['node'] },
  options: TokenAuthorizerMonitoringOptions = {},
): void {
  const name = options.name ?? authorizer.node.id;
  facade.addMediumHeader(`Token authorizer ${name}`);
  facade.monitorLambdaFunction({
    lambdaFunction: authorizer.function,
    humanReadableName: `Token authorizer ${name}`,
    alarmFriendlyName: `TokenAuthorizer-${name}`,
    // Every error is a request answered 500/503: DynamoDB or the keys out of reach.
    addFaultCountAlarm: { Critical: { maxErrorCount: 1 } },
    addThrottlesCountAlarm: { Critical: { maxErrorCount: 1 } },
    addLatencyP99Alarm: { Warning: { maxLatency: options.maxLatency ?? Duration.seconds(1) } },
  });
  facade.monitorCustom({ alarmFriendlyName: `TokenAuthorizerDecisions-${name}`, metricGroups: [authorizationMetricGroup()] });
}

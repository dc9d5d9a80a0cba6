import { Arn, Aws, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import { Construct } from 'constructs';
import { waiveControl } from '../control-tower';
import { stageFlusherHandler } from '../handlers';
import { ServiceFunction, type SigningKeyRing } from './service-function';
import { metricNamespace, serviceDimension } from './service-metrics';

/** What the stage flusher follows, where it finds the stages, and where its alarms go. */
export interface AuthorizerCacheFlusherProps {
  /** The token table whose revocation feed the flusher follows. */
  readonly table: dynamodb.ITable;
  /** The signing keys (named in the shared configuration the function loads; not used). */
  readonly keys: SigningKeyRing;
  /** The settings' environment variables (the function loads the shared configuration). */
  readonly environment: Record<string, string>;
  /** The SSM parameter path under which each TokenAuthorizer registers its stage. */
  readonly registryPath: string;
  /**
   * The SNS topic `flushFailures` notifies (in ALARM and back to OK). Without one the alarm is only
   * seen in CloudWatch until someone calls `flushFailures.addAlarmAction`. @default none
   */
  readonly alarmTopicArn?: string;
  /** Retention of the flusher's log group. @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /** X-Ray active tracing of the flusher. @default true */
  readonly tracing?: boolean;
}

/**
 * The stage flusher: follows the revocation feed and flushes API Gateway's authorizer cache of
 * every stage registered under `registryPath` after each change. Its role may read the registry
 * and the feed; the permission to flush a stage is added by that stage's `TokenAuthorizer` (on that
 * stage's cache resource only). `flushFailures` alarms when a flush (or the feed or registry read)
 * fails: the revocation bound is then API Gateway's result TTL until a retry succeeds.
 */
export class AuthorizerCacheFlusher extends Construct {
  readonly handler: ServiceFunction;
  readonly flushFailures: cloudwatch.Alarm;
  /**
   * Alarms when the flusher has not started a run for 3 minutes (it starts one a minute): a flusher
   * that cannot start (throttled, failing at load, schedule gone) publishes no failure either, so
   * `flushFailures` alone would stay OK while revocations take the result cache TTL.
   */
  readonly flusherStopped: cloudwatch.Alarm;
  /**
   * Alarms when a flush landed later than the revocation bound after the change it ended (slow feed
   * reads, a late commit, a late run, retried flushes): a revoked token may have been let in past
   * the bound, though the flush did succeed.
   */
  readonly flushesLate: cloudwatch.Alarm;
  /**
   * Alarms when a flusher run ends in an error (a crash, a timeout): until the next run starts (a
   * minute at most, and it flushes every stage first), revocations wait for that run.
   */
  readonly flusherErrors: cloudwatch.Alarm;
  readonly registryPath: string;

  constructor(scope: Construct, id: string, props: AuthorizerCacheFlusherProps) {
    super(scope, id);
    this.registryPath = props.registryPath;
    this.handler = new ServiceFunction(this, 'Handler', {
      spec: stageFlusherHandler,
      environment: props.environment,
      table: props.table,
      keys: props.keys,
      logRetention: props.logRetention,
      tracing: props.tracing,
    });
    this.handler.addEnvironment('STAGE_REGISTRY_PATH', props.registryPath);
    const stack = Stack.of(this);
    const [registryArn, registryChildren] = [props.registryPath, `${props.registryPath}/*`].map((path) =>
      Arn.format({ service: 'ssm', resource: 'parameter', resourceName: path.slice(1) }, stack),
    ) as [string, string];
    this.handler.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'StageRegistryRead',
        actions: ['ssm:GetParametersByPath'],
        resources: [registryArn, registryChildren],
      }),
    );
    Validations.of(this.handler.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${flattenCfnReference(stack.resolve(registryChildren))}]`,
      reason:
        'The flusher lists the stages registered under its own registry path (one parameter per stage, written by each TokenAuthorizer); read-only, that path only.',
    });
    // One run a minute, each following the feed for 65 s: consecutive runs overlap, so a late
    // schedule leaves no gap (two flushers at once cost an extra flush, never a missed one).
    new events.Rule(this, 'Schedule', {
      description: stageFlusherHandler.description,
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [new targets.LambdaFunction(this.handler.function, { retryAttempts: 2 })],
    });
    const failures = flusherMetric('AuthorizerCacheFlushFailures');
    this.flushFailures = new cloudwatch.Alarm(this, 'FlushFailures', {
      alarmDescription: `Authorizer cache flushes are failing in ${Aws.REGION}: revocations take up to the result cache TTL (see docs/revocation.md)`,
      metric: failures,
      threshold: 3,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.flusherStopped = new cloudwatch.Alarm(this, 'FlusherStopped', {
      alarmDescription: `The authorizer cache flusher has not run for 3 minutes in ${Aws.REGION}: revocations take up to the result cache TTL (see docs/revocation.md)`,
      // A heartbeat the handler publishes when each run starts; missing data is the failure.
      metric: flusherMetric('AuthorizerCacheFlusherRuns'),
      threshold: 1,
      evaluationPeriods: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    this.flushesLate = new cloudwatch.Alarm(this, 'FlushesLate', {
      alarmDescription: `An authorizer cache flush landed later than the revocation bound after its change in ${Aws.REGION} (see docs/revocation.md)`,
      metric: flusherMetric('AuthorizerCacheFlushesLate'),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.flusherErrors = new cloudwatch.Alarm(this, 'FlusherErrors', {
      alarmDescription: `An authorizer cache flusher run failed in ${Aws.REGION}: revocations wait for the next run, a minute at most (see docs/revocation.md)`,
      metric: this.handler.function.metricErrors({ period: Duration.minutes(1), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const topic = props.alarmTopicArn
      ? new cloudwatchActions.SnsAction(sns.Topic.fromTopicArn(this, 'AlarmTopic', props.alarmTopicArn))
      : undefined;
    for (const alarm of [this.flushFailures, this.flusherStopped, this.flushesLate, this.flusherErrors]) {
      if (topic) {
        alarm.addAlarmAction(topic);
        alarm.addOkAction(topic);
      } else {
        waiveControl(
          alarm,
          'cloudwatch_alarm_action_check',
          'Where an operator is paged is their choice (PatService alarmTopicArn, or addAlarmAction on flushFailures and flusherStopped); this stack creates no topic nobody subscribes to. The alarm still shows in CloudWatch, and a failed or stopped flusher only lengthens the revocation bound to the result cache TTL: nobody is let in whom that TTL would not have let in.',
        );
      }
    }
  }
}

/** A metric the flusher publishes (functions/handlers/flush-authorizer-caches.ts), summed per minute. */
function flusherMetric(metricName: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: metricNamespace,
    metricName,
    dimensionsMap: { ...serviceDimension },
    statistic: 'Sum',
    period: Duration.minutes(1),
  });
}

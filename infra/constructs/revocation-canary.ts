import { Duration } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import { revocationCanaryHandler } from '../handlers';
import type { PatService } from './pat-service';
import { emittedMetrics, metricNamespace, serviceDimension } from './service-metrics';
import { ServiceFunction } from './service-function';
import type { TokenAuthorizer } from './token-authorizer';

/** The path of the canary route `RevocationCanary.addRoute` adds. */
export const canaryPath = '/pat-canary';

/** What the revocation canary measures, and how often. */
export interface RevocationCanaryProps {
  /** The service whose tokens the canary issues and revokes (same stack: the canary signs). */
  readonly service: PatService;
  /** The URL of a route protected by a `TokenAuthorizer` (`RevocationCanary.addRoute`), through the real stage. */
  readonly url: string;
  /** The scope that route needs. */
  readonly scope: string;
  /** The tenant the canary's short-lived tokens are issued in (kept apart from real tenants). @default 'pat-canary' */
  readonly tenant?: string;
  /** How often the canary runs one issue-call-revoke-measure round. @default every 5 minutes */
  readonly schedule?: events.Schedule;
  /** The bound the alarm holds the measurement to. @default Duration.seconds(5) */
  readonly bound?: Duration;
}

/**
 * A revocation canary (opt-in): every few minutes a function issues a short-lived token in a canary
 * tenant, calls the canary route through the real stage, revokes the token and measures the time
 * until the gateway refuses it (`RevocationCanaryBoundMs`). On the service dashboard, with alarms
 * above the bound and on a canary that cannot get a fresh token in.
 */
export class RevocationCanary extends Construct {
  readonly handler: ServiceFunction;
  readonly boundExceeded: cloudwatch.Alarm;
  readonly failing: cloudwatch.Alarm;

  /**
   * Adds `GET /pat-canary` to a TokenAuthorizer's API (a mock answering 200), needing `scope`
   * (default: the catalogue's first area, `:read`); returns the scope and the route's URL.
   */
  static addRoute(authorizer: TokenAuthorizer, api: apigateway.RestApi, scope: string): { url: string; scope: string } {
    authorizer.addMethod(
      api.root.resourceForPath(canaryPath),
      'GET',
      new apigateway.MockIntegration({
        requestTemplates: { 'application/json': '{"statusCode": 200}' },
        integrationResponses: [{ statusCode: '200', responseTemplates: { 'application/json': '{"ok": true}' } }],
      }),
      { scope, methodResponses: [{ statusCode: '200' }] },
    );
    return { url: api.urlForPath(canaryPath), scope };
  }

  constructor(scope: Construct, id: string, props: RevocationCanaryProps) {
    super(scope, id);
    const { service } = props;
    this.handler = new ServiceFunction(this, 'Handler', {
      spec: revocationCanaryHandler,
      environment: service.functions.createToken.environmentVariables,
      table: service.table,
      keys: service.signingKeys,
      refreshMacKey: service.refreshMacKey,
    });
    this.handler.addEnvironment('CANARY_URL', props.url);
    this.handler.addEnvironment('CANARY_SCOPE', props.scope);
    this.handler.addEnvironment('CANARY_TENANT', props.tenant ?? 'pat-canary');
    new events.Rule(this, 'Schedule', {
      description: revocationCanaryHandler.description,
      schedule: props.schedule ?? events.Schedule.rate(Duration.minutes(5)),
      targets: [new targets.LambdaFunction(this.handler.function, { retryAttempts: 0 })],
    });
    const metric = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: metricNamespace,
        metricName,
        dimensionsMap: serviceDimension,
        statistic,
        period: Duration.minutes(15),
      });
    const bound = props.bound ?? Duration.seconds(5);
    this.boundExceeded = new cloudwatch.Alarm(this, 'BoundExceeded', {
      alarmDescription: `The revocation canary measured more than ${bound.toSeconds()} s from a revocation to the gateway refusing the token`,
      metric: metric(emittedMetrics.canaryBound, 'Maximum'),
      threshold: bound.toMilliseconds(),
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.failing = new cloudwatch.Alarm(this, 'Failing', {
      alarmDescription:
        'The revocation canary cannot get a fresh token through the canary route: the route, its authorizer or the service is broken',
      metric: metric(emittedMetrics.canaryFailures, 'Sum'),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    service.monitoring?.facade.monitorCustom({
      alarmFriendlyName: 'RevocationCanary',
      metricGroups: [
        {
          title: `Revocation canary: ms from a revocation to the gateway's refusal (bound ${bound.toSeconds()} s)`,
          metrics: [metric(emittedMetrics.canaryBound, 'Maximum'), metric(emittedMetrics.canaryFailures, 'Sum')],
        },
      ],
    });
    service.monitoring?.routeAlarms([this.boundExceeded, this.failing]);
  }
}

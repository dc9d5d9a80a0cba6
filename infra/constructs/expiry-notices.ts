import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { HandlerSpec } from '../handlers';
import { defaultNotifyHorizonsDays, environmentNames, horizonsProblem, InvalidSettingsError } from '../settings';
import type { ExpiryNotificationsProps } from './pat-service-props';
import type { ServiceFunction } from './service-function';

/**
 * What a handler spec asks of the expiry notices: the targets of a function that publishes them
 * (`publishesNotices`), and the schedule of one that runs on it (`scheduled`).
 */
export function bindExpiryNotices(
  scope: Construct,
  id: string,
  target: ServiceFunction,
  spec: HandlerSpec,
  notifications: ExpiryNotificationsProps,
): void {
  if (spec.publishesNotices) bindNoticeTargets(target, notifications, scope.node.path);
  if (spec.scheduled) {
    new events.Rule(scope, id, {
      description: spec.description,
      schedule: notifications.schedule ?? events.Schedule.cron({ minute: '0', hour: '6' }),
      targets: [new targets.LambdaFunction(target.function, { retryAttempts: 2 })],
    });
  }
}

/** EVENT_BUS_NAME / SNS_TOPIC_ARN and NOTIFY_HORIZONS_DAYS, with the publish permission of each. */
function bindNoticeTargets(target: ServiceFunction, notifications: ExpiryNotificationsProps, where: string): void {
  const horizons = notifications.horizonsDays ?? defaultNotifyHorizonsDays;
  const problem = horizonsProblem(horizons);
  if (problem) throw new InvalidSettingsError(`${where}: expiryNotifications.horizonsDays ${problem} (got ${horizons.join(', ')})`);
  target.addEnvironment(environmentNames.notifyHorizonsDays, horizons.join(','));
  const busName = notifications.eventBusName ?? (notifications.topicArn ? undefined : 'default');
  if (busName) {
    const bus = events.EventBus.fromEventBusName(target, 'NoticeBus', busName);
    target.addEnvironment(environmentNames.eventBusName, bus.eventBusName);
    target.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'ExpiryNoticeEvents', actions: ['events:PutEvents'], resources: [bus.eventBusArn] }),
    );
  }
  if (notifications.topicArn) {
    target.addEnvironment(environmentNames.snsTopicArn, notifications.topicArn);
    target.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'ExpiryNoticeTopic', actions: ['sns:Publish'], resources: [notifications.topicArn] }),
    );
  }
}

import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import { loadNotificationConfig, type NotificationConfig } from '../adapters/config';
import { ConsolePublisher, EventBridgePublisher, FanOutPublisher, SnsPublisher } from '../adapters/notice-publishers';
import { logger } from '../observability/logger';
import { ExpiryNotifier, type NoticePublisher } from '../service/expiry-notifications';
import { systemClock } from '../service/ports';
import { baseParts } from './compose';

function publisherOf(config: NotificationConfig): NoticePublisher {
  const targets: NoticePublisher[] = [];
  if (config.eventBusName) targets.push(new EventBridgePublisher(new EventBridgeClient({ maxAttempts: 3 }), config.eventBusName));
  if (config.snsTopicArn) targets.push(new SnsPublisher(() => new SNSClient({ maxAttempts: 3 }), config.snsTopicArn));
  if (targets.length === 0) targets.push(new ConsolePublisher());
  return new FanOutPublisher(targets);
}

const notifications = loadNotificationConfig(process.env);
const { config, table } = baseParts();
const { families } = table;
const notifier = new ExpiryNotifier({
  store: table.expiry,
  publisher: publisherOf(notifications),
  clock: systemClock,
  horizonsDays: notifications.horizonsDays,
  maxCredentialAgeDays: config.policy.maxCredentialAgeDays,
});

/** Scheduled daily (EventBridge rule): announces tokens entering an expiry horizon, finishes interrupted revocations. */
export const handler = async (): Promise<{ notified: number; failed: number; sweepsResumed: number }> => {
  // A family revocation whose member sweep was interrupted is already refused everywhere (the family
  // item is marked); finishing it here makes the members' records say so too.
  const sweepsResumed = await families.resumePendingSweeps(systemClock.now());
  if (sweepsResumed > 0) logger.warn('Finished interrupted family revocations', { sweepsResumed });
  const { sent, failed } = await notifier.run();
  for (const { notice, error } of failed) {
    // Ids and the horizon only: the description is the tenant's text, and an SDK error may quote it.
    logger.error('Expiry notice not sent; released for the next run', {
      tokenId: notice.tokenId,
      horizonDays: notice.horizonDays,
      error: error instanceof Error ? error.name : typeof error,
      cause: error instanceof Error && error.cause instanceof Error ? error.cause.name : undefined,
    });
  }
  logger.info('Expiry notifications sent', {
    notified: sent.length,
    failed: failed.length,
    tokenIds: sent.map((notice) => notice.tokenId),
  });
  return { notified: sent.length, failed: failed.length, sweepsResumed };
};

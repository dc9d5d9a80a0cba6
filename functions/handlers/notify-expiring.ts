import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import { ConfigError } from '../adapters/config';
import { ConsolePublisher, EventBridgePublisher, FanOutPublisher, SnsPublisher } from '../adapters/notice-publishers';
import { logger } from '../http/logger';
import { ExpiryNotifier, type NoticePublisher } from '../service/expiry-notifications';
import { systemClock } from '../service/ports';
import { baseParts } from './compose';

/** Horizons (days) from NOTIFY_HORIZONS_DAYS, e.g. `30,7,1`. */
export function horizonsOf(value: string | undefined): number[] {
  const horizons = (value ?? '30,7,1').split(',').map((part) => Number(part.trim()));
  if (horizons.length === 0 || horizons.some((days) => !Number.isInteger(days) || days < 1 || days > 365)) {
    throw new ConfigError('NOTIFY_HORIZONS_DAYS must be whole days between 1 and 365, comma-separated');
  }
  return horizons;
}

function publisherOf(env: Record<string, string | undefined>): NoticePublisher {
  const targets: NoticePublisher[] = [];
  if (env.EVENT_BUS_NAME) targets.push(new EventBridgePublisher(new EventBridgeClient({ maxAttempts: 3 }), env.EVENT_BUS_NAME));
  if (env.SNS_TOPIC_ARN) targets.push(new SnsPublisher(() => new SNSClient({ maxAttempts: 3 }), env.SNS_TOPIC_ARN));
  if (targets.length === 0) targets.push(new ConsolePublisher());
  return new FanOutPublisher(targets);
}

const { store } = baseParts();
const families = store.families;
const notifier = new ExpiryNotifier({ store, publisher: publisherOf(process.env), clock: systemClock, horizonsDays: horizonsOf(process.env.NOTIFY_HORIZONS_DAYS) });

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
  logger.info('Expiry notifications sent', { notified: sent.length, failed: failed.length, tokenIds: sent.map((notice) => notice.tokenId) });
  return { notified: sent.length, failed: failed.length, sweepsResumed };
};

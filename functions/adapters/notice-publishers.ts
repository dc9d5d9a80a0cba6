import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DependencyUnavailable } from '../domain/errors';
import type { ExpiryNotice, NoticePublisher } from '../service/expiry-notifications';

export const NOTICE_SOURCE = 'pat-service';
export const NOTICE_DETAIL_TYPE = 'Token Expiring';

/** One EventBridge event per token (detail-type `Token Expiring`), in batches of ten. */
export class EventBridgePublisher implements NoticePublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  async publish(notices: ExpiryNotice[]): Promise<void> {
    for (let start = 0; start < notices.length; start += 10) {
      const batch = notices.slice(start, start + 10);
      let response;
      try {
        response = await this.client.send(
          new PutEventsCommand({
            Entries: batch.map((notice) => ({ EventBusName: this.busName, Source: NOTICE_SOURCE, DetailType: NOTICE_DETAIL_TYPE, Detail: JSON.stringify(notice) })),
          }),
        );
      } catch (error) {
        throw new DependencyUnavailable('EventBridge', { cause: error });
      }
      if ((response.FailedEntryCount ?? 0) > 0) throw new DependencyUnavailable('EventBridge');
    }
  }
}

/** One SNS message per token, with its tenant and horizon as message attributes for filtering. */
export class SnsPublisher implements NoticePublisher {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(notices: ExpiryNotice[]): Promise<void> {
    for (const notice of notices) {
      try {
        await this.client.send(
          new PublishCommand({
            TopicArn: this.topicArn,
            Subject: `${NOTICE_DETAIL_TYPE}: "${notice.description}" in ${notice.daysLeft} days`.slice(0, 100),
            Message: JSON.stringify(notice),
            MessageAttributes: {
              tenant: { DataType: 'String', StringValue: notice.tenant },
              horizonDays: { DataType: 'Number', StringValue: String(notice.horizonDays) },
            },
          }),
        );
      } catch (error) {
        throw new DependencyUnavailable('SNS', { cause: error });
      }
    }
  }
}

/** Local mode: prints what would be sent. */
export class ConsolePublisher implements NoticePublisher {
  constructor(private readonly write: (line: string) => void = (line) => console.log(line)) {}

  async publish(notices: ExpiryNotice[]): Promise<void> {
    for (const notice of notices) this.write(JSON.stringify({ source: NOTICE_SOURCE, 'detail-type': NOTICE_DETAIL_TYPE, detail: notice }));
  }
}

/** Publishes to each configured target; a deployment may use EventBridge, SNS or both. */
export class FanOutPublisher implements NoticePublisher {
  constructor(private readonly targets: NoticePublisher[]) {}

  async publish(notices: ExpiryNotice[]): Promise<void> {
    for (const target of this.targets) await target.publish(notices);
  }
}

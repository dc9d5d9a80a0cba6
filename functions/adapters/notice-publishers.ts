import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { DependencyUnavailable } from '../domain/errors';
import type { ExpiryNotice, NoticePublisher } from '../service/expiry-notifications';

export const NOTICE_SOURCE = 'pat-service';
export const NOTICE_DETAIL_TYPE = 'Token Expiring';

// Text that reached the table before descriptions were validated (or an id from an identity
// provider) can hold lone surrogates, which make the SDK's serializers throw (encodeURIComponent),
// or line breaks and controls, which SNS refuses in a Subject.
const loneSurrogates = /\p{Cs}/gu;
const lineBreaksAndControls = /[\p{Cc}\p{Zl}\p{Zp}]+/gu;
// Invisible format characters (bidi overrides would reorder a mail subject), the emoji joiner excepted.
const formatCharacters = /(?!\u200D)\p{Cf}/gu;

/** Well-formed UTF-16: each lone surrogate becomes U+FFFD (what a UTF-8 encoder would write). */
export function wellFormed(text: string): string {
  return text.replace(loneSurrogates, '\uFFFD');
}

/**
 * SNS Publish `Subject` rules (API reference): "UTF-8 text with no line breaks or control
 * characters, and less than 100 characters long"; older wording also asked it to begin with a
 * letter, number or punctuation mark, which the fixed prefix guarantees. "Characters" is read the
 * strict way: at most 99 UTF-16 code units, which also bounds code points and bytes-per-character
 * counting, and the cut falls between graphemes, so it never splits a surrogate pair (the old
 * `.slice(0, 100)` did, and the SDK then threw) nor an emoji sequence. A cut description ends in "…".
 */
export const SNS_SUBJECT_MAX = 99;
const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

export function snsSubjectOf(notice: Pick<ExpiryNotice, 'description' | 'daysLeft'>): string {
  const description = wellFormed(notice.description).replace(lineBreaksAndControls, ' ').replace(formatCharacters, '').trim();
  const head = `${NOTICE_DETAIL_TYPE}: "`;
  const tail = `" in ${notice.daysLeft} days`;
  const budget = SNS_SUBJECT_MAX - head.length - tail.length;
  if (description.length <= budget) return `${head}${description}${tail}`;
  let kept = '';
  for (const { segment } of graphemes.segment(description)) {
    if (kept.length + segment.length > budget - 1) break;
    kept += segment;
  }
  return `${head}${kept.trimEnd()}…${tail}`;
}

/** One EventBridge event per notice (detail-type `Token Expiring`). */
export class EventBridgePublisher implements NoticePublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  async publish(notice: ExpiryNotice): Promise<void> {
    let response;
    try {
      response = await this.client.send(
        new PutEventsCommand({
          // JSON.stringify escapes lone surrogates (\udXXX), so Detail is always well-formed.
          Entries: [{ EventBusName: this.busName, Source: NOTICE_SOURCE, DetailType: NOTICE_DETAIL_TYPE, Detail: JSON.stringify(notice) }],
        }),
      );
    } catch (error) {
      throw new DependencyUnavailable('EventBridge', { cause: error });
    }
    if ((response.FailedEntryCount ?? 0) > 0) throw new DependencyUnavailable('EventBridge');
  }
}

/**
 * One SNS message per notice, with its tenant and horizon as message attributes for filtering.
 * After a failure the client is replaced: the SDK's query serializer was seen keeping a failed
 * request's fields, so that the next Publish on the same warm client carried another tenant's
 * text. A fresh client costs one TLS handshake, on a path that runs once a day.
 */
export class SnsPublisher implements NoticePublisher {
  private client: SNSClient;

  constructor(
    private readonly newClient: () => SNSClient,
    private readonly topicArn: string,
  ) {
    this.client = newClient();
  }

  async publish(notice: ExpiryNotice): Promise<void> {
    try {
      await this.client.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Subject: snsSubjectOf(notice),
          Message: JSON.stringify(notice),
          MessageAttributes: {
            tenant: { DataType: 'String', StringValue: wellFormed(notice.tenant) },
            horizonDays: { DataType: 'Number', StringValue: String(notice.horizonDays) },
          },
        }),
      );
    } catch (error) {
      this.client.destroy();
      this.client = this.newClient();
      throw new DependencyUnavailable('SNS', { cause: error });
    }
  }
}

/** Local mode: prints what would be sent. */
export class ConsolePublisher implements NoticePublisher {
  constructor(private readonly write: (line: string) => void = (line) => console.log(line)) {}

  async publish(notice: ExpiryNotice): Promise<void> {
    this.write(JSON.stringify({ source: NOTICE_SOURCE, 'detail-type': NOTICE_DETAIL_TYPE, detail: notice }));
  }
}

/** Publishes to each configured target; a deployment may use EventBridge, SNS or both. */
export class FanOutPublisher implements NoticePublisher {
  constructor(private readonly targets: NoticePublisher[]) {}

  async publish(notice: ExpiryNotice): Promise<void> {
    for (const target of this.targets) await target.publish(notice);
  }
}

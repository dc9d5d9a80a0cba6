import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { FEED_RETENTION_MS, feedBucketOf, feedBucketsBetween, type FeedEntry } from '../../domain/revocation-feed';
import type { RevocationFeed } from '../../service/revocation-watch';
import type { DynamoTable } from './dynamo-table';
import { TTL_ATTRIBUTE } from './table-layout';

/**
 * The revocation feed's items, in the token table (no new table, no new grant beyond Query/PutItem
 * on it): pk `FEED#<bucket start ISO>`, sk `<at ISO>#<entry id>`, kept a day by TTL. A bucket is 10 s,
 * so a read of the last 15 s queries two or three small partitions.
 */
export const feedKeyOf = (entry: Pick<FeedEntry, 'at' | 'id'>) => ({
  pk: feedPartitionOf(feedBucketOf(entry.at)),
  sk: `${new Date(entry.at).toISOString()}#${entry.id}`,
});

const feedPartitionOf = (bucket: number) => `FEED#${new Date(bucket).toISOString()}`;

export function feedItem(entry: FeedEntry): Record<string, unknown> {
  return {
    ...feedKeyOf(entry),
    kind: entry.kind,
    at: entry.at,
    entryId: entry.id,
    ...(entry.tokenId === undefined ? {} : { tokenId: entry.tokenId }),
    ...(entry.familyId === undefined ? {} : { familyId: entry.familyId }),
    [TTL_ATTRIBUTE]: Math.floor((entry.at + FEED_RETENTION_MS) / 1000),
  };
}

/**
 * The Put that appends `entry` inside the transaction that makes the change it announces, stamped
 * with the instant it is written, not the change's own instant: readers look back a fixed 15 s from
 * their clock, so an operation that took longer between its instant and this write (a tenant's
 * revoke-outside-policy over hundreds of families, a slow sweep) would write entries no reader
 * ever reads.
 */
export const feedPut = (table: DynamoTable, entry: Omit<FeedEntry, 'at'>) => ({
  Put: { TableName: table.name, Item: feedItem({ ...entry, at: table.now() }) },
});

export class DynamoRevocationFeed implements RevocationFeed {
  constructor(private readonly table: DynamoTable) {}

  /** Entries with `from <= at <= to`. Strongly consistent: an entry committed before the read is in it. */
  async read(from: number, to: number): Promise<FeedEntry[]> {
    const lower = new Date(from).toISOString();
    const upper = `${new Date(to).toISOString()}#\uffff`;
    const pages = await Promise.all(
      feedBucketsBetween(from, to).map(async (bucket) => {
        const entries: FeedEntry[] = [];
        let start: Record<string, unknown> | undefined;
        do {
          const page = await this.table.call(() =>
            this.table.documents.send(
              new QueryCommand({
                TableName: this.table.name,
                KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lower AND :upper',
                ExpressionAttributeValues: { ':pk': feedPartitionOf(bucket), ':lower': lower, ':upper': upper },
                ConsistentRead: true,
                ExclusiveStartKey: start,
              }),
            ),
          );
          for (const item of page.Items ?? []) entries.push(entryOf(item));
          start = page.LastEvaluatedKey;
        } while (start);
        return entries;
      }),
    );
    return pages.flat();
  }

  /**
   * An UpdateItem, not a Put: the authorizer's grant on feed items is an attribute-limited
   * UpdateItem (it can add entries, never rewrite a token). Idempotent: the same entry, the same item.
   */
  async append(entry: FeedEntry): Promise<void> {
    const { pk, sk, ...attributes } = feedItem(entry);
    const names = Object.keys(attributes);
    await this.table.call(() =>
      this.table.documents.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: { pk, sk },
          UpdateExpression: `SET ${names.map((name) => `#${name} = :${name}`).join(', ')}`,
          ExpressionAttributeNames: Object.fromEntries(names.map((name) => [`#${name}`, name])),
          ExpressionAttributeValues: Object.fromEntries(names.map((name) => [`:${name}`, attributes[name]])),
        }),
      ),
    );
  }
}

function entryOf(item: Record<string, unknown>): FeedEntry {
  return {
    id: item.entryId as string,
    at: item.at as number,
    kind: item.kind === 'due' ? 'due' : item.kind === 'changed' ? 'changed' : 'revoked',
    tokenId: item.tokenId as string | undefined,
    familyId: item.familyId as string | undefined,
  };
}

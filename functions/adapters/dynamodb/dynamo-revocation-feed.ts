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

  /**
   * The changes with `from <= at <= to` (revocations and edits, written with them; never a `due`
   * entry). Strongly consistent: an entry committed before the read is in it.
   */
  async read(from: number, to: number): Promise<FeedEntry[]> {
    const items = await this.query(feedPartitionOf, from, to);
    return items.map(entryOf).filter((entry) => entry.kind !== 'due');
  }

  /**
   * The `due` entries with `from <= at <= to`, for the stage flusher. Their meaning is their key
   * alone (the authorizers may write nothing else), so no writer can change what another wrote. Each
   * item read gets a TTL here (the authorizers cannot set one), so the partitions empty themselves.
   */
  async readDue(from: number, to: number): Promise<FeedEntry[]> {
    const items = await this.query(duePartitionOf, from, to);
    const entries = items.map(dueEntryOf).filter((entry) => entry !== undefined);
    await Promise.all(
      items
        .filter((item) => item[TTL_ATTRIBUTE] === undefined)
        .map((item) =>
          this.table
            .update({
              Key: { pk: item.pk, sk: item.sk },
              UpdateExpression: 'SET #ttl = :ttl',
              ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
              ExpressionAttributeValues: { ':ttl': Math.floor((to + FEED_RETENTION_MS) / 1000) },
            })
            // Best effort: an item without a TTL only lives longer.
            .catch(() => undefined),
        ),
    );
    return entries;
  }

  private async query(partitionOf: (bucket: number) => string, from: number, to: number): Promise<Record<string, unknown>[]> {
    const lower = new Date(from).toISOString();
    const upper = `${new Date(to).toISOString()}#\uffff`;
    const pages = await Promise.all(
      feedBucketsBetween(from, to).map(async (bucket) => {
        const items: Record<string, unknown>[] = [];
        let start: Record<string, unknown> | undefined;
        do {
          const page = await this.table.call(() =>
            this.table.documents.send(
              new QueryCommand({
                TableName: this.table.name,
                KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lower AND :upper',
                ExpressionAttributeValues: { ':pk': partitionOf(bucket), ':lower': lower, ':upper': upper },
                ConsistentRead: true,
                ExclusiveStartKey: start,
              }),
            ),
          );
          items.push(...(page.Items ?? []));
          start = page.LastEvaluatedKey;
        } while (start);
        return items;
      }),
    );
    return pages.flat();
  }

  /**
   * Appends a `due` entry: an UpdateItem that writes its key and a `kind` that no reader reads (the
   * meaning is in the key). The authorizers' grant allows exactly that (`DUE#*` partitions,
   * attributes pk, sk and kind): they cannot touch a change's entry, nor change what another writer's
   * due entry means. Idempotent: the same token end, the same key, for every container.
   */
  async append(entry: FeedEntry): Promise<void> {
    await this.table.call(() =>
      this.table.documents.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: dueKeyOf(entry),
          UpdateExpression: 'SET #kind = :due',
          ExpressionAttributeNames: { '#kind': 'kind' },
          ExpressionAttributeValues: { ':due': 'due' },
        }),
      ),
    );
  }
}

const duePartitionOf = (bucket: number) => `DUE#${new Date(bucket).toISOString()}`;

/** A due entry's key: its instant and its id, the whole of its meaning. */
export const dueKeyOf = (entry: Pick<FeedEntry, 'at' | 'id'>) => ({
  pk: duePartitionOf(feedBucketOf(entry.at)),
  sk: `${new Date(entry.at).toISOString()}#${entry.id}`,
});

function dueEntryOf(item: Record<string, unknown>): FeedEntry | undefined {
  const sk = String(item.sk);
  const separator = sk.indexOf('#');
  const at = Date.parse(sk.slice(0, separator));
  if (separator < 0 || Number.isNaN(at)) return undefined;
  const id = sk.slice(separator + 1);
  const tokenId = /^end:([0-9a-f]{32}):/.exec(id)?.[1];
  return { id, at, kind: 'due', ...(tokenId === undefined ? {} : { tokenId }) };
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

import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { activeTokenCapReached as capReached } from '../../domain/new-token';
import { countsUntil, type TokenRecord } from '../../domain/token';
import type { DynamoTable, NamedTransaction } from './dynamo-table';
import { queryPages, queryOf } from './paging';
import { keys, partitions } from './table-layout';

/**
 * The owner's places under the active-token cap: one item per owner whose `live` map names each
 * credential (family) that counts, with until when it counts (its token's expiry; a pending token's
 * wait). Every write that makes a credential count or stop counting changes this item in its own
 * transaction, so the cap is enforced by a condition on one item, never by a count of an index
 * (DynamoDB's indexes are eventually consistent: a count followed by a write lets concurrent or quick
 * sequential creates through).
 *
 * Entries of credentials that expired stay until a create needs their place: it removes them on
 * condition that they are still as it read them (a refresh in between moves their `until`).
 * `size(live)` therefore over-counts, never under-counts, the credentials that count.
 */
type TransactItem = NamedTransaction[string];

interface OwnerPlaces {
  live: Record<string, number>;
  /** Whether the map was seeded with the credentials created before it existed. */
  seeded: boolean;
  version: number;
}

/** At most this many expired entries are removed by one create (the expression stays small). */
const MAX_PRUNED = 40;

const names = { '#live': 'live', '#v': 'version' };

export class OwnerPlacesItems {
  constructor(private readonly table: DynamoTable) {}

  private async read(tenant: string, owner: string): Promise<OwnerPlaces | undefined> {
    const { Item } = await this.table.call(() =>
      this.table.documents.send(new GetCommand({ TableName: this.table.name, Key: keys.ownerPlaces(tenant, owner), ConsistentRead: true })),
    );
    if (!Item) return undefined;
    return {
      live: (Item.live as Record<string, number> | undefined) ?? {},
      seeded: Item.seeded === true,
      version: typeof Item.version === 'number' ? Item.version : 0,
    };
  }

  /**
   * The owner's item with its map, created empty if absent (idempotent, no condition): the
   * transactions below address one entry of the map, which DynamoDB refuses on a missing map.
   */
  async ensure(tenant: string, owner: string): Promise<void> {
    await this.table.update({
      Key: keys.ownerPlaces(tenant, owner),
      UpdateExpression: 'SET #live = if_not_exists(#live, :empty) ADD #v :zero',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ':empty': {}, ':zero': 0 },
    });
  }

  /**
   * The transaction item that takes a place for a new credential, on the owner's item as read now;
   * `conflict` when the owner already holds `cap` credentials that count. The item's condition makes
   * the check and the write one step: a concurrent create that took the last place cancels this one.
   */
  async take(record: TokenRecord, now: number, cap: number): Promise<TransactItem> {
    const current = await this.read(record.tenant, record.owner);
    const until = countsUntil(record);
    if (!current?.seeded) return this.seed(record, current, now, cap, until);
    const entries = Object.entries(current.live);
    const counting = entries.filter(([, end]) => end > now).length;
    if (counting >= cap) throw capReached(record.owner, cap);
    const expired = entries.filter(([, end]) => end <= now).slice(0, MAX_PRUNED);
    const values: Record<string, unknown> = { ':until': until, ':limit': cap + expired.length, ':one': 1, ':true': true };
    const entryNames: Record<string, string> = { '#new': record.familyId };
    const stillAsRead = expired.map(([familyId, end], index) => {
      entryNames[`#e${index}`] = familyId;
      values[`:e${index}`] = end;
      return `#live.#e${index} = :e${index}`;
    });
    return {
      Update: {
        TableName: this.table.name,
        Key: keys.ownerPlaces(record.tenant, record.owner),
        // Fewer than `cap` entries once the expired ones this write removes are gone, and those
        // still as read: then the new credential is at most the cap-th that counts.
        ConditionExpression: ['seeded = :true', 'size(#live) < :limit', ...stillAsRead].join(' AND '),
        UpdateExpression: `SET #live.#new = :until${expired.length > 0 ? ` REMOVE ${expired.map((_, index) => `#live.#e${index}`).join(', ')}` : ''} ADD #v :one`,
        ExpressionAttributeNames: { ...names, ...entryNames },
        ExpressionAttributeValues: values,
      },
    };
  }

  /**
   * The first create of an owner since places were counted: the map is seeded with the owner's
   * credentials that count today (below), on condition that the item is as read.
   */
  private async seed(
    record: TokenRecord,
    current: OwnerPlaces | undefined,
    now: number,
    cap: number,
    until: number,
  ): Promise<TransactItem> {
    const live = await this.counted(record.tenant, record.owner, current, now);
    if (Object.values(live).filter((end) => end > now).length >= cap) throw capReached(record.owner, cap);
    live[record.familyId] = until;
    return { Update: { TableName: this.table.name, ...this.seeding(record.tenant, record.owner, current, live) } };
  }

  /**
   * The owner's item, seeded if it was not yet (an owner whose tokens predate it): a rotation or an
   * approval then takes a place under the cap with the owner's real count, never on an empty map.
   * A concurrent seeding wins or loses as one write; either way the item ends seeded.
   */
  async ensureSeeded(tenant: string, owner: string, now: number): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = await this.read(tenant, owner);
      if (current?.seeded) return;
      if (await this.table.update(this.seeding(tenant, owner, current, await this.counted(tenant, owner, current, now)))) return;
    }
  }

  private seeding(tenant: string, owner: string, current: OwnerPlaces | undefined, live: Record<string, number>) {
    return {
      Key: keys.ownerPlaces(tenant, owner),
      ConditionExpression: current === undefined ? 'attribute_not_exists(pk)' : 'attribute_not_exists(seeded) AND #v = :version',
      UpdateExpression: 'SET #live = :live, seeded = :true ADD #v :one',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: {
        ':live': live,
        ':true': true,
        ':one': 1,
        ...(current === undefined ? {} : { ':version': current.version }),
      },
    };
  }

  /**
   * The owner's credentials that count today: from the owner index (eventually consistent, but it
   * only has to see tokens created before the item existed), merged with the item's own entries.
   */
  private async counted(tenant: string, owner: string, current: OwnerPlaces | undefined, now: number): Promise<Record<string, number>> {
    const live: Record<string, number> = {};
    const input = queryOf(this.table, {
      index: 'byOwner',
      partition: partitions.tokensOfOwner(tenant, owner),
      filter: {
        expression: '#state IN (:active, :pending) AND (attribute_not_exists(expiresAt) OR expiresAt > :now)',
        names: { '#state': 'state' },
        values: { ':active': 'active', ':pending': 'pending', ':now': now },
      },
    });
    for await (const page of queryPages(this.table, input)) {
      for (const item of page.Items ?? []) {
        const end = countsUntil({
          state: item.state === 'pending' ? 'pending' : 'active',
          expiresAt: typeof item.expiresAt === 'number' ? item.expiresAt : null,
          createdAt: item.createdAt as number,
        });
        if (end > now) live[item.familyId as string] = end;
      }
    }
    return Object.assign(live, current?.live ?? {});
  }

  /**
   * The item that keeps a rotated credential's place with its successor's end (or an approved
   * token's). A credential whose entry was removed after it stopped counting takes a place again,
   * under the cap, and only on a seeded map (`ensureSeeded` first): an empty one would count nobody.
   */
  keep(successor: TokenRecord, cap: number): TransactItem {
    return {
      Update: {
        TableName: this.table.name,
        Key: keys.ownerPlaces(successor.tenant, successor.owner),
        ConditionExpression: 'attribute_exists(#live.#f) OR (seeded = :true AND size(#live) < :cap)',
        UpdateExpression: 'SET #live.#f = :until ADD #v :one',
        ExpressionAttributeNames: { ...names, '#f': successor.familyId },
        ExpressionAttributeValues: { ':until': countsUntil(successor), ':cap': cap, ':one': 1, ':true': true },
      },
    };
  }

  /** The item that frees a credential's place (its family revoked, its token rejected). */
  free(tenant: string, owner: string, familyId: string): TransactItem {
    return {
      Update: {
        TableName: this.table.name,
        Key: keys.ownerPlaces(tenant, owner),
        UpdateExpression: 'REMOVE #live.#f ADD #v :one',
        ExpressionAttributeNames: { ...names, '#f': familyId },
        ExpressionAttributeValues: { ':one': 1 },
      },
    };
  }
}

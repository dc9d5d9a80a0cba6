import { DAY_SECONDS } from '../../domain/token-policy';
import type { TokenRecord } from '../../domain/token';
import type { ExpiryIndex } from '../../service/ports';
import type { DynamoTable } from './dynamo-table';
import { queryAll } from './paging';
import { keys, partitions } from './table-layout';
import { toRecord } from './token-items';

const DAY_MS = DAY_SECONDS * 1000;

/** Active tokens by expiry day, and the notification horizons already sent for each. */
export class DynamoExpiryIndex implements ExpiryIndex {
  constructor(private readonly table: DynamoTable) {}

  async expiringBetween(from: number, to: number): Promise<TokenRecord[]> {
    const records: TokenRecord[] = [];
    // One query per expiry day: the index is partitioned by day, so this reads only what expires.
    for (let day = Math.floor(from / DAY_MS) * DAY_MS; day < to; day += DAY_MS) {
      const input = {
        TableName: this.table.name,
        IndexName: 'byExpiry',
        KeyConditionExpression: 'gsi4pk = :day AND gsi4sk BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':day': partitions.expiringOn(day),
          ':from': new Date(from).toISOString(),
          ':to': new Date(to).toISOString(),
        },
      };
      for await (const items of queryAll(this.table, input)) records.push(...items.map(toRecord));
    }
    return records.filter(
      (record) => record.state === 'active' && record.expiresAt !== null && record.expiresAt >= from && record.expiresAt < to,
    );
  }

  async markNotified(id: string, horizonDays: number): Promise<boolean> {
    return this.table.update({
      Key: keys.token(id),
      // Two runs at once cannot both notify: only one adds the horizon.
      ConditionExpression: 'attribute_exists(pk) AND NOT contains(notifiedHorizons, :horizon)',
      UpdateExpression: 'ADD notifiedHorizons :horizons',
      ExpressionAttributeValues: { ':horizon': horizonDays, ':horizons': new Set([horizonDays]) },
    });
  }

  async unmarkNotified(id: string, horizonDays: number): Promise<void> {
    await this.table.update({
      Key: keys.token(id),
      UpdateExpression: 'DELETE notifiedHorizons :horizons',
      ExpressionAttributeValues: { ':horizons': new Set([horizonDays]) },
    });
  }
}

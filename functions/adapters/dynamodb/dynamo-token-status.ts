import { BatchGetCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { DependencyUnavailable } from '../../domain/errors';
import type { TokenFamily } from '../../domain/token';
import type { StatusRead, TokenStatusReader } from '../../service/ports';
import type { DynamoTable } from './dynamo-table';
import { keys } from './table-layout';
import { toFamily, toRecord } from './token-items';

/**
 * The authorizer's one read, on its own: a token's record, its family and its tenant's idle expiry.
 * Apart from the records' writes, so that the authorizer's bundle carries none of them.
 */
export class DynamoTokenStatus implements TokenStatusReader {
  constructor(private readonly table: DynamoTable) {}

  /**
   * The authorizer's read: the record and its family, strongly consistent, in one BatchGetItem when
   * the family is known from the token's claims (else the record first, then its family).
   */
  async getWithFamily(id: string, familyId?: string, tenant?: string): Promise<StatusRead> {
    if (familyId === undefined) {
      // A token issued before `fid`: most are the first of their family, whose id is the family's.
      const guess = await this.getWithFamily(id, id, tenant);
      if (!guess.record || guess.record.familyId === id) return guess;
      return { ...guess, family: await this.familyOf(guess.record.familyId) };
    }
    // The tenant's policy item rides along: its idle expiry is the authorizer's to enforce too.
    const wanted = [keys.token(id), keys.family(familyId), ...(tenant === undefined ? [] : [keys.tenantPolicy(tenant)])];
    const found: Record<string, unknown>[] = [];
    // BatchGetItem may leave keys unprocessed under throttling: ask again for those, briefly.
    for (let attempt = 0; wanted.length > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
      if (attempt === 4) throw new DependencyUnavailable('DynamoDB');
      const output = await this.table.call(() =>
        this.table.documents.send(
          new BatchGetCommand({ RequestItems: { [this.table.name]: { Keys: wanted.splice(0), ConsistentRead: true } } }),
        ),
      );
      found.push(...(output.Responses?.[this.table.name] ?? []));
      wanted.push(...((output.UnprocessedKeys?.[this.table.name]?.Keys ?? []) as typeof wanted));
    }
    const record = found.find((item) => item.sk === 'TOKEN');
    const family = found.find((item) => item.sk === 'FAMILY');
    const policy = found.find((item) => item.sk === 'POLICY');
    return {
      record: record ? toRecord(record) : undefined,
      family: family ? toFamily(family) : undefined,
      ...(tenant === undefined ? {} : { tenantIdleExpiryDays: typeof policy?.idleExpiryDays === 'number' ? policy.idleExpiryDays : null }),
    };
  }

  private async familyOf(familyId: string): Promise<TokenFamily | undefined> {
    const { Item } = await this.table.call(() =>
      this.table.documents.send(new GetCommand({ TableName: this.table.name, Key: keys.family(familyId), ConsistentRead: true })),
    );
    return Item ? toFamily(Item) : undefined;
  }
}

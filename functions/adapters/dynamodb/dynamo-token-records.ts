import { BatchGetCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEvent } from '../../domain/audit';
import { conflict, DependencyUnavailable } from '../../domain/errors';
import { statusOf, type TokenFamily, type TokenRecord } from '../../domain/token';
import type { ListQuery, Page, Rotation, RotationRefusal, TokenRecords, TokenStatusReader } from '../../service/ports';
import { auditPut } from './audit-items';
import { TransactionRefused, type DynamoTable } from './dynamo-table';
import { pageOf, queryOf, queryPages, type Filter } from './paging';
import { keys, partitions, TTL_ATTRIBUTE } from './table-layout';
import { familyItem, lockItem, toFamily, toRecord, tokenItem } from './token-items';

/** Token records in DynamoDB: every change one transaction with its description lock, family and audit event. */
export class DynamoTokenRecords implements TokenRecords, TokenStatusReader {
  constructor(private readonly table: DynamoTable) {}

  async create(record: TokenRecord, now: number, event: AuditEvent): Promise<void> {
    try {
      await this.writeNew(record, event, undefined);
    } catch (error) {
      if (!(error instanceof TransactionRefused) || !error.failed.has('lock')) throw error;
      // The description is locked. A lock held by a token that is no longer active (revoked,
      // rotated, expired) is stale: take it over, on condition that it still names that token.
      const holder = error.failed.get('lock')?.tokenId;
      if (typeof holder !== 'string') throw describeConflict(record);
      const held = await this.get(holder);
      if (held && statusOf(held, now) === 'active') throw describeConflict(record);
      try {
        await this.writeNew(record, event, holder);
      } catch (retryError) {
        if (retryError instanceof TransactionRefused && retryError.failed.has('lock')) throw describeConflict(record);
        throw retryError;
      }
    }
  }

  async get(id: string): Promise<TokenRecord | undefined> {
    const { Item } = await this.table.call(() =>
      this.table.documents.send(new GetCommand({ TableName: this.table.name, Key: keys.token(id), ConsistentRead: true })),
    );
    return Item ? toRecord(Item) : undefined;
  }

  /**
   * The authorizer's read: the record and its family, strongly consistent, in one BatchGetItem when
   * the family is known from the token's claims (else the record first, then its family).
   */
  async getWithFamily(id: string, familyId?: string): Promise<{ record: TokenRecord | undefined; family: TokenFamily | undefined }> {
    if (familyId === undefined) {
      const record = await this.get(id);
      return { record, family: record ? await this.familyOf(record.familyId) : undefined };
    }
    const wanted = [keys.token(id), keys.family(familyId)];
    const found: Record<string, unknown>[] = [];
    // BatchGetItem may leave keys unprocessed under throttling: ask again for those, briefly.
    for (let attempt = 0; wanted.length > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
      if (attempt === 4) throw new DependencyUnavailable('DynamoDB');
      const output = await this.table.call(() =>
        this.table.documents.send(new BatchGetCommand({ RequestItems: { [this.table.name]: { Keys: wanted.splice(0), ConsistentRead: true } } })),
      );
      found.push(...(output.Responses?.[this.table.name] ?? []));
      wanted.push(...((output.UnprocessedKeys?.[this.table.name]?.Keys ?? []) as typeof wanted));
    }
    const record = found.find((item) => item.sk === 'TOKEN');
    const family = found.find((item) => item.sk === 'FAMILY');
    return { record: record ? toRecord(record) : undefined, family: family ? toFamily(family) : undefined };
  }

  private async familyOf(familyId: string): Promise<TokenFamily | undefined> {
    const { Item } = await this.table.call(() =>
      this.table.documents.send(new GetCommand({ TableName: this.table.name, Key: keys.family(familyId), ConsistentRead: true })),
    );
    return Item ? toFamily(Item) : undefined;
  }

  async list(query: ListQuery): Promise<Page<TokenRecord>> {
    const byOwner = query.owner !== undefined;
    const page = await pageOf(this.table, {
      index: byOwner ? 'byOwner' : 'byTenant',
      partition: byOwner ? partitions.tokensOfOwner(query.tenant, query.owner!) : partitions.tokensOfTenant(query.tenant),
      itemKey: /^TOKEN#[0-9a-f]{32}$/,
      itemSort: 'TOKEN',
      limit: query.limit,
      cursor: query.cursor,
      filter: statusFilter(query.status, query.now),
    });
    return { items: page.items.map(toRecord), nextCursor: page.nextCursor };
  }

  async countActive(tenant: string, owner: string, now: number): Promise<number> {
    const input = queryOf(this.table, { index: 'byOwner', partition: partitions.tokensOfOwner(tenant, owner), filter: statusFilter('active', now) });
    let count = 0;
    for await (const page of queryPages(this.table, { ...input, Select: 'COUNT' })) count += page.Count ?? 0;
    return count;
  }

  async rotate(rotation: Rotation): Promise<{ ok: true } | { ok: false; refusal: RotationRefusal }> {
    const { predecessor, successor } = rotation;
    try {
      await this.table.transact({
        predecessor: {
          // Of concurrent refreshes with one key, only the first finds the token still active with
          // that key's hash; every other one cancels here and writes nothing.
          Update: {
            TableName: this.table.name,
            Key: keys.token(predecessor.id),
            ConditionExpression: '#state = :active AND refreshKeyHash = :hash',
            UpdateExpression:
              'SET #state = :revoked, revokedAt = :at, revokedBy = :by, revokeReason = :rotated, rotatedAt = :at, graceUntil = :grace, successorId = :successor, #ttl = :ttl REMOVE gsi4pk, gsi4sk',
            ExpressionAttributeNames: { '#state': 'state', '#ttl': TTL_ATTRIBUTE },
            ExpressionAttributeValues: {
              ':active': 'active',
              ':hash': rotation.presentedHash,
              ':revoked': 'revoked',
              ':rotated': 'rotated',
              ':at': rotation.rotatedAt,
              ':by': `refresh:${successor.id}`,
              ':grace': rotation.graceUntil,
              ':successor': successor.id,
              ':ttl': this.table.deadRecordTtl(Math.max(rotation.rotatedAt, predecessor.expiresAt ?? 0)),
            },
          },
        },
        family: {
          // The family must be live: a revocation marks it before it revokes the members, so a
          // rotation racing a revocation either commits before the mark (and its successor is
          // then the head the revocation sweeps) or cancels here. A family written before
          // families were items has none yet: the first rotation creates it.
          Update: {
            TableName: this.table.name,
            Key: keys.family(successor.familyId),
            ConditionExpression: 'attribute_not_exists(pk) OR #state = :live',
            UpdateExpression: 'SET #id = :family, tenant = :tenant, #owner = :owner, #state = :live, headId = :head, generation = :generation',
            ExpressionAttributeNames: { '#id': 'id', '#owner': 'owner', '#state': 'state' },
            ExpressionAttributeValues: {
              ':family': successor.familyId,
              ':tenant': successor.tenant,
              ':owner': successor.owner,
              ':live': 'live',
              ':head': successor.id,
              ':generation': successor.generation,
            },
          },
        },
        successor: { Put: { TableName: this.table.name, Item: tokenItem(this.table, successor), ConditionExpression: 'attribute_not_exists(pk)' } },
        lock: {
          // The successor inherits the description: move the lock, unless another token took it.
          Put: {
            TableName: this.table.name,
            Item: lockItem(this.table, successor),
            ConditionExpression: 'attribute_not_exists(pk) OR tokenId = :predecessor',
            ExpressionAttributeValues: { ':predecessor': predecessor.id },
          },
        },
        event: auditPut(this.table.name, rotation.event),
      });
      return { ok: true };
    } catch (error) {
      if (!(error instanceof TransactionRefused)) throw error;
      if (error.failed.has('family')) return { ok: false, refusal: 'family_revoked' };
      if (error.failed.has('predecessor')) return { ok: false, refusal: 'predecessor_changed' };
      if (error.failed.has('lock')) return { ok: false, refusal: 'description_taken' };
      throw error;
    }
  }

  private async writeNew(record: TokenRecord, event: AuditEvent, staleHolder: string | undefined): Promise<void> {
    await this.table.transact({
      // A random 128-bit id never collides, but a silent overwrite must be impossible anyway.
      token: { Put: { TableName: this.table.name, Item: tokenItem(this.table, record), ConditionExpression: 'attribute_not_exists(pk)' } },
      family: { Put: { TableName: this.table.name, Item: familyItem(record), ConditionExpression: 'attribute_not_exists(pk)' } },
      lock: {
        Put: {
          TableName: this.table.name,
          Item: lockItem(this.table, record),
          ConditionExpression: staleHolder === undefined ? 'attribute_not_exists(pk)' : 'tokenId = :stale',
          ExpressionAttributeValues: staleHolder === undefined ? undefined : { ':stale': staleHolder },
        },
      },
      event: auditPut(this.table.name, event),
    });
  }
}

function describeConflict(record: TokenRecord) {
  return conflict(`${record.owner} already has an active token described "${record.description}"`);
}

function statusFilter(status: ListQuery['status'], now: number): Filter | undefined {
  const names = { '#state': 'state' };
  switch (status) {
    case 'all':
      return undefined;
    case 'revoked':
      return { expression: '#state = :revoked', names, values: { ':revoked': 'revoked' } };
    case 'expired':
      return { expression: '#state = :active AND expiresAt <= :now', names, values: { ':active': 'active', ':now': now } };
    case 'active':
      return {
        expression: '#state = :active AND (attribute_not_exists(expiresAt) OR expiresAt > :now)',
        names,
        values: { ':active': 'active', ':now': now },
      };
  }
}

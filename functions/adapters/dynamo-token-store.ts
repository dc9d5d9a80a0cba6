import {
  ConditionalCheckFailedException,
  TransactionCanceledException,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { conflict, DependencyUnavailable, invalidRequest } from '../domain/errors';
import { descriptionKey } from '../domain/new-token';
import { DAY_SECONDS } from '../domain/policy';
import { statusOf, type TokenRecord } from '../domain/token';
import type { ListQuery, Page, Revocation, Rotation, TokenStore } from '../service/ports';

/**
 * Single-table layout (see README "Data model"):
 * - token      pk `TOKEN#<id>`, sk `TOKEN`; GSIs `byOwner` (`T#<tenant>#O#<owner>`), `byTenant`
 *              (`T#<tenant>`), both sorted by `<createdAt>#<id>`, and `byFamily` (`F#<familyId>`).
 * - description lock  pk `DESC#<tenant>#<owner>#<description, lower case>`, sk `LOCK`: which token
 *              holds a description, so that two active tokens of one owner cannot share it.
 */
export const tableIndexes = {
  byOwner: { partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  byTenant: { partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  byFamily: { partitionKey: 'gsi3pk', sortKey: 'gsi3sk' },
} as const;
export const TTL_ATTRIBUTE = 'ttl';

export interface DynamoTokenStoreOptions {
  tableName: string;
  /** Days a dead record is kept after expiry (or revocation) before TTL deletes it. */
  retentionDays: number;
}

const tokenKey = (id: string) => ({ pk: `TOKEN#${id}`, sk: 'TOKEN' });
const lockKey = (record: Pick<TokenRecord, 'tenant' | 'owner' | 'description'>) => ({
  pk: `DESC#${record.tenant}#${record.owner}#${descriptionKey(record.description)}`,
  sk: 'LOCK',
});
const sortKey = (record: TokenRecord) => `${new Date(record.createdAt).toISOString()}#${record.id}`;

export class DynamoTokenStore implements TokenStore {
  private readonly documents: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly options: DynamoTokenStoreOptions,
  ) {
    this.documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async create(record: TokenRecord, now: number): Promise<void> {
    try {
      await this.writeWithLock(record, now, undefined);
    } catch (error) {
      if (!isCancelledBy(error, 1)) throw error;
      // The description is locked. A lock held by a token that is no longer active (revoked,
      // rotated, expired) is stale: take it over, on condition that it still names that token.
      const holder = await this.lockHolder(record);
      if (holder === undefined) throw describeConflict(record);
      const held = await this.get(holder);
      if (held && statusOf(held, now) === 'active') throw describeConflict(record);
      try {
        await this.writeWithLock(record, now, holder);
      } catch (retryError) {
        if (isCancelledBy(retryError, 1)) throw describeConflict(record);
        throw retryError;
      }
    }
  }

  async get(id: string): Promise<TokenRecord | undefined> {
    const { Item } = await this.call(() =>
      this.documents.send(new GetCommand({ TableName: this.options.tableName, Key: tokenKey(id), ConsistentRead: true })),
    );
    return Item ? toRecord(Item) : undefined;
  }

  async list(query: ListQuery): Promise<Page<TokenRecord>> {
    const index = query.owner === undefined ? 'byTenant' : 'byOwner';
    const { partitionKey, sortKey: sortAttribute } = tableIndexes[index];
    const partition = query.owner === undefined ? `T#${query.tenant}` : `T#${query.tenant}#O#${query.owner}`;
    const filter = statusFilter(query.status, query.now);
    let startKey = decodeCursor(query.cursor, partitionKey, partition, sortAttribute);
    const items: TokenRecord[] = [];
    let lastItem: Record<string, unknown> | undefined;
    do {
      const input: QueryCommandInput = {
        TableName: this.options.tableName,
        IndexName: index,
        KeyConditionExpression: '#pk = :partition',
        ExpressionAttributeNames: { '#pk': partitionKey, ...filter?.names },
        ExpressionAttributeValues: { ':partition': partition, ...filter?.values },
        FilterExpression: filter?.expression,
        ScanIndexForward: false,
        Limit: query.limit - items.length,
        ExclusiveStartKey: startKey,
      };
      const page = await this.call(() => this.documents.send(new QueryCommand(input)));
      for (const item of page.Items ?? []) {
        items.push(toRecord(item));
        lastItem = item;
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey && items.length < query.limit);
    // The cursor points after the last item returned, so a filtered page never skips a match.
    const nextCursor =
      items.length === query.limit && lastItem
        ? encodeCursor({ pk: lastItem.pk, sk: lastItem.sk, [partitionKey]: lastItem[partitionKey], [sortAttribute]: lastItem[sortAttribute] })
        : null;
    return { items, nextCursor };
  }

  async countActive(tenant: string, owner: string, now: number): Promise<number> {
    const filter = statusFilter('active', now)!;
    let count = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.call(() =>
        this.documents.send(
          new QueryCommand({
            TableName: this.options.tableName,
            IndexName: 'byOwner',
            KeyConditionExpression: 'gsi1pk = :partition',
            FilterExpression: filter.expression,
            ExpressionAttributeNames: filter.names,
            ExpressionAttributeValues: { ':partition': `T#${tenant}#O#${owner}`, ...filter.values },
            Select: 'COUNT',
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      count += page.Count ?? 0;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return count;
  }

  async revoke(id: string, revocation: Revocation): Promise<TokenRecord | undefined> {
    try {
      const { Attributes } = await this.call(() =>
        this.documents.send(
          new UpdateCommand({
            TableName: this.options.tableName,
            Key: tokenKey(id),
            // An active token, or a rotated one still in its grace period, is revoked; anything
            // already revoked for another reason is left as it was (idempotent revoke).
            ConditionExpression: 'attribute_exists(pk) AND (#state = :active OR revokeReason = :rotated)',
            UpdateExpression: 'SET #state = :revoked, revokedAt = :at, revokedBy = :by, revokeReason = :reason, #ttl = :ttl REMOVE graceUntil',
            ExpressionAttributeNames: { '#state': 'state', '#ttl': TTL_ATTRIBUTE },
            ExpressionAttributeValues: {
              ':active': 'active',
              ':rotated': 'rotated',
              ':revoked': 'revoked',
              ':at': revocation.at,
              ':by': revocation.by,
              ':reason': revocation.reason,
              ':ttl': this.deadRecordTtl(revocation.at),
            },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      return Attributes ? toRecord(Attributes) : undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return this.get(id);
      throw error;
    }
  }

  async rotate(rotation: Rotation): Promise<void> {
    const { predecessor, successor } = rotation;
    try {
      await this.call(() =>
        this.documents.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                // Of concurrent refreshes with one key, only the first finds the token still active
                // with that key's hash; every other one cancels here and writes nothing.
                Update: {
                  TableName: this.options.tableName,
                  Key: tokenKey(predecessor.id),
                  ConditionExpression: '#state = :active AND refreshKeyHash = :hash',
                  UpdateExpression:
                    'SET #state = :revoked, revokedAt = :at, revokedBy = :by, revokeReason = :rotated, rotatedAt = :at, graceUntil = :grace, successorId = :successor, #ttl = :ttl',
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
                    ':ttl': this.deadRecordTtl(Math.max(rotation.rotatedAt, predecessor.expiresAt ?? 0)),
                  },
                },
              },
              { Put: { TableName: this.options.tableName, Item: this.toItem(successor), ConditionExpression: 'attribute_not_exists(pk)' } },
              {
                // The successor inherits the description: move the lock, unless another token took it.
                Put: {
                  TableName: this.options.tableName,
                  Item: this.lockItem(successor),
                  ConditionExpression: 'attribute_not_exists(pk) OR tokenId = :predecessor',
                  ExpressionAttributeValues: { ':predecessor': predecessor.id },
                },
              },
            ],
          }),
        ),
      );
    } catch (error) {
      if (isCancelledBy(error, 0)) throw conflict('This refresh key was already used');
      if (isCancelledBy(error, 2)) throw conflict(`Another active token of ${successor.owner} now has this description`);
      throw error;
    }
  }

  async revokeFamily(familyId: string, revocation: Revocation): Promise<string[]> {
    const members: TokenRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.call(() =>
        this.documents.send(
          new QueryCommand({
            TableName: this.options.tableName,
            IndexName: 'byFamily',
            KeyConditionExpression: 'gsi3pk = :family',
            ExpressionAttributeValues: { ':family': `F#${familyId}` },
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      members.push(...(page.Items ?? []).map(toRecord));
      startKey = page.LastEvaluatedKey;
    } while (startKey);

    // Members already revoked for a reason of their own keep it; active ones and rotated ones (whose
    // grace would otherwise still let them in) are revoked. The byFamily index is eventually
    // consistent, so each member is re-read before the transaction decides.
    const usable: TokenRecord[] = [];
    for (const member of members) {
      const current = await this.get(member.id);
      if (current && (current.state === 'active' || current.revokeReason === 'rotated')) usable.push(current);
    }
    for (let start = 0; start < usable.length; start += 100) {
      const chunk = usable.slice(start, start + 100);
      await this.call(() =>
        this.documents.send(
          new TransactWriteCommand({
            TransactItems: chunk.map((member) => ({
              Update: {
                TableName: this.options.tableName,
                Key: tokenKey(member.id),
                ConditionExpression: 'attribute_exists(pk)',
                UpdateExpression: 'SET #state = :revoked, revokedAt = :at, revokedBy = :by, revokeReason = :reason, #ttl = :ttl REMOVE graceUntil',
                ExpressionAttributeNames: { '#state': 'state', '#ttl': TTL_ATTRIBUTE },
                ExpressionAttributeValues: {
                  ':revoked': 'revoked',
                  ':at': revocation.at,
                  ':by': revocation.by,
                  ':reason': revocation.reason,
                  ':ttl': this.deadRecordTtl(Math.max(revocation.at, member.expiresAt ?? 0)),
                },
              },
            })),
          }),
        ),
      );
    }
    return usable.map((member) => member.id);
  }

  async recordUse(id: string, at: number, lastUsedIps: string[]): Promise<void> {
    try {
      await this.call(() =>
        this.documents.send(
          new UpdateCommand({
            TableName: this.options.tableName,
            Key: tokenKey(id),
            ConditionExpression: 'attribute_exists(pk)',
            UpdateExpression: 'SET lastUsedAt = :at, lastUsedIps = :ips',
            ExpressionAttributeValues: { ':at': at, ':ips': lastUsedIps },
          }),
        ),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  private async writeWithLock(record: TokenRecord, now: number, staleHolder: string | undefined): Promise<void> {
    await this.call(() =>
      this.documents.send(
        new TransactWriteCommand({
          TransactItems: [
            // A random 128-bit id never collides, but a silent overwrite must be impossible anyway.
            { Put: { TableName: this.options.tableName, Item: this.toItem(record), ConditionExpression: 'attribute_not_exists(pk)' } },
            {
              Put: {
                TableName: this.options.tableName,
                Item: this.lockItem(record),
                ConditionExpression: staleHolder === undefined ? 'attribute_not_exists(pk)' : 'tokenId = :stale',
                ExpressionAttributeValues: staleHolder === undefined ? undefined : { ':stale': staleHolder },
              },
            },
          ],
        }),
      ),
    );
    void now;
  }

  private async lockHolder(record: TokenRecord): Promise<string | undefined> {
    const { Item } = await this.call(() =>
      this.documents.send(new GetCommand({ TableName: this.options.tableName, Key: lockKey(record), ConsistentRead: true })),
    );
    return typeof Item?.tokenId === 'string' ? Item.tokenId : undefined;
  }

  private toItem(record: TokenRecord): Record<string, unknown> {
    const created = sortKey(record);
    return {
      ...tokenKey(record.id),
      gsi1pk: `T#${record.tenant}#O#${record.owner}`,
      gsi1sk: created,
      gsi2pk: `T#${record.tenant}`,
      gsi2sk: created,
      gsi3pk: `F#${record.familyId}`,
      gsi3sk: created,
      ...record,
      expiresAt: record.expiresAt ?? undefined,
      [TTL_ATTRIBUTE]: record.expiresAt === null ? undefined : this.deadRecordTtl(record.expiresAt),
    };
  }

  private lockItem(record: TokenRecord): Record<string, unknown> {
    return {
      ...lockKey(record),
      tokenId: record.id,
      [TTL_ATTRIBUTE]: record.expiresAt === null ? undefined : this.deadRecordTtl(record.expiresAt),
    };
  }

  /** TTL (epoch seconds) for a record that is dead from `millis` on: that moment plus the retention. */
  private deadRecordTtl(millis: number): number {
    return Math.floor(millis / 1000) + this.options.retentionDays * DAY_SECONDS;
  }

  /** Runs an SDK call; faults of the service become `DependencyUnavailable` (503), not 500s. */
  private async call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || error instanceof TransactionCanceledException) throw error;
      if (isOurMistake(error)) throw error;
      throw new DependencyUnavailable('DynamoDB', { cause: error });
    }
  }
}

function describeConflict(record: TokenRecord) {
  return conflict(`${record.owner} already has an active token described "${record.description}"`);
}

/** Was a transaction cancelled because the condition of item `index` failed? */
function isCancelledBy(error: unknown, index: number): boolean {
  return (
    error instanceof TransactionCanceledException &&
    error.CancellationReasons?.[index]?.Code === 'ConditionalCheckFailed'
  );
}

/** A request DynamoDB rejects as malformed is a bug of ours: let it surface as a 500 with the details logged. */
function isOurMistake(error: unknown): boolean {
  return error instanceof Error && error.name === 'ValidationException';
}

function statusFilter(status: ListQuery['status'], now: number) {
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

function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** A cursor is only honoured for the partition it came from: a forged one cannot reach another tenant. */
function decodeCursor(
  cursor: string | undefined,
  partitionKey: string,
  partition: string,
  sortAttribute: string,
): Record<string, unknown> | undefined {
  if (cursor === undefined) return undefined;
  const invalid = () => invalidRequest('cursor is not valid for this query', [{ field: 'cursor', message: 'not a cursor of this listing' }]);
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof key !== 'object' || key === null || Array.isArray(key)) throw invalid();
  const entries = key as Record<string, unknown>;
  const expected = ['pk', 'sk', partitionKey, sortAttribute];
  if (Object.keys(entries).length !== 4 || !expected.every((name) => typeof entries[name] === 'string')) throw invalid();
  if (entries[partitionKey] !== partition || !/^TOKEN#[0-9a-f]{32}$/.test(entries.pk as string) || entries.sk !== 'TOKEN') throw invalid();
  return entries;
}

function toRecord(item: Record<string, unknown>): TokenRecord {
  return {
    id: item.id as string,
    tenant: item.tenant as string,
    owner: item.owner as string,
    createdBy: item.createdBy as string,
    description: item.description as string,
    scopes: (item.scopes as string[]) ?? [],
    allowedIps: (item.allowedIps as string[]) ?? [],
    createdAt: item.createdAt as number,
    expiresAt: typeof item.expiresAt === 'number' ? item.expiresAt : null,
    state: item.state === 'revoked' ? 'revoked' : 'active',
    revokedAt: item.revokedAt as number | undefined,
    revokedBy: item.revokedBy as string | undefined,
    revokeReason: item.revokeReason as TokenRecord['revokeReason'],
    rotatedAt: item.rotatedAt as number | undefined,
    graceUntil: item.graceUntil as number | undefined,
    successorId: item.successorId as string | undefined,
    familyId: item.familyId as string,
    refreshKeyHash: item.refreshKeyHash as string,
    lastUsedAt: item.lastUsedAt as number | undefined,
    lastUsedIps: item.lastUsedIps as string[] | undefined,
  };
}

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
import { AUDIT_RETENTION_DAYS, hourOf, type AuditEvent, type DeniedAuthorization } from '../domain/audit';
import { conflict, DependencyUnavailable, invalidRequest } from '../domain/errors';
import { descriptionKey } from '../domain/new-token';
import { DAY_SECONDS } from '../domain/policy';
import { statusOf, type TokenRecord } from '../domain/token';
import type { AuditQuery, ListQuery, Page, Revocation, Rotation, TokenStore } from '../service/ports';

/**
 * Single-table layout (see README "Data model"):
 * - token      pk `TOKEN#<id>`, sk `TOKEN`; GSIs `byOwner` (`T#<tenant>#O#<owner>`), `byTenant`
 *              (`T#<tenant>`), both sorted by `<createdAt>#<id>`; `byFamily` (`F#<familyId>`); and,
 *              while active with an expiry, `byExpiry` (`EXP#<expiry day>`, sorted by expiry).
 * - description lock  pk `DESC#<tenant>#<owner>#<description, lower case>`, sk `LOCK`: which token
 *              holds a description, so that two active tokens of one owner cannot share it.
 * - audit event  pk `AUDIT#<id>`, sk `AUDIT`; in `byTenant` (`AUDIT#T#<tenant>`), `byOwner`
 *              (`AUDIT#T#<tenant>#O#<owner>`) and `byFamily` (`AUDIT#T#<tenant>#K#<token id>`),
 *              sorted by `<at>#<id>`: the token indexes serve the audit trail under other partitions.
 */
export const tableIndexes = {
  byOwner: { partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  byTenant: { partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  byFamily: { partitionKey: 'gsi3pk', sortKey: 'gsi3sk' },
  byExpiry: { partitionKey: 'gsi4pk', sortKey: 'gsi4sk' },
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
const expiryDay = (millis: number) => `EXP#${new Date(millis).toISOString().slice(0, 10)}`;
const DAY_MS = DAY_SECONDS * 1000;

export class DynamoTokenStore implements TokenStore {
  private readonly documents: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly options: DynamoTokenStoreOptions,
  ) {
    this.documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async create(record: TokenRecord, now: number, event: AuditEvent): Promise<void> {
    try {
      await this.writeWithLock(record, event, undefined);
    } catch (error) {
      if (!isCancelledBy(error, 1)) throw error;
      // The description is locked. A lock held by a token that is no longer active (revoked,
      // rotated, expired) is stale: take it over, on condition that it still names that token.
      const holder = await this.lockHolder(record);
      if (holder === undefined) throw describeConflict(record);
      const held = await this.get(holder);
      if (held && statusOf(held, now) === 'active') throw describeConflict(record);
      try {
        await this.writeWithLock(record, event, holder);
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
    const partition = query.owner === undefined ? `T#${query.tenant}` : `T#${query.tenant}#O#${query.owner}`;
    const page = await this.pageOf(index, partition, /^TOKEN#[0-9a-f]{32}$/, 'TOKEN', query.limit, query.cursor, statusFilter(query.status, query.now));
    return { items: page.items.map(toRecord), nextCursor: page.nextCursor };
  }

  async listAudit(query: AuditQuery): Promise<Page<AuditEvent>> {
    const [index, partition] =
      query.tokenId !== undefined
        ? (['byFamily', `AUDIT#T#${query.tenant}#K#${query.tokenId}`] as const)
        : query.owner !== undefined
          ? (['byOwner', `AUDIT#T#${query.tenant}#O#${query.owner}`] as const)
          : (['byTenant', `AUDIT#T#${query.tenant}`] as const);
    const page = await this.pageOf(index, partition, /^AUDIT#[A-Za-z0-9_-]{1,80}$/, 'AUDIT', query.limit, query.cursor, undefined);
    return { items: page.items.map(toAuditEvent), nextCursor: page.nextCursor };
  }

  /**
   * One page of an index partition, newest first. With a filter, DynamoDB may return fewer items
   * than asked per call, so this reads on until the page is full; the cursor then points after the
   * last item returned, so a filtered page never skips a match.
   */
  private async pageOf(
    index: keyof typeof tableIndexes,
    partition: string,
    itemKey: RegExp,
    itemSort: string,
    limit: number,
    cursor: string | undefined,
    filter: ReturnType<typeof statusFilter>,
  ): Promise<Page<Record<string, unknown>>> {
    const { partitionKey, sortKey: sortAttribute } = tableIndexes[index];
    let startKey = decodeCursor(cursor, { partitionKey, partition, sortAttribute, itemKey, itemSort });
    const items: Record<string, unknown>[] = [];
    do {
      const input: QueryCommandInput = {
        TableName: this.options.tableName,
        IndexName: index,
        KeyConditionExpression: '#pk = :partition',
        ExpressionAttributeNames: { '#pk': partitionKey, ...filter?.names },
        ExpressionAttributeValues: { ':partition': partition, ...filter?.values },
        FilterExpression: filter?.expression,
        ScanIndexForward: false,
        Limit: limit - items.length,
        ExclusiveStartKey: startKey,
      };
      const page = await this.call(() => this.documents.send(new QueryCommand(input)));
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey && items.length < limit);
    const last = items[items.length - 1];
    // A full page gets a cursor only if something follows it: no empty last page.
    const more = items.length === limit && startKey !== undefined && (await this.hasMore(index, partition, startKey, filter));
    const nextCursor = more && last ? encodeCursor({ pk: last.pk, sk: last.sk, [partitionKey]: last[partitionKey], [sortAttribute]: last[sortAttribute] }) : null;
    return { items, nextCursor };
  }

  /** Whether any (matching) item follows `from` in the partition. */
  private async hasMore(
    index: keyof typeof tableIndexes,
    partition: string,
    from: Record<string, unknown>,
    filter: ReturnType<typeof statusFilter>,
  ): Promise<boolean> {
    const { partitionKey } = tableIndexes[index];
    let startKey: Record<string, unknown> | undefined = from;
    do {
      const page = await this.call(() =>
        this.documents.send(
          new QueryCommand({
            TableName: this.options.tableName,
            IndexName: index,
            KeyConditionExpression: '#pk = :partition',
            ExpressionAttributeNames: { '#pk': partitionKey, ...filter?.names },
            ExpressionAttributeValues: { ':partition': partition, ...filter?.values },
            FilterExpression: filter?.expression,
            ScanIndexForward: false,
            Limit: 25,
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      if ((page.Items ?? []).length > 0) return true;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return false;
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

  async revoke(id: string, revocation: Revocation, event: AuditEvent): Promise<TokenRecord | undefined> {
    const current = await this.get(id);
    if (!current) return undefined;
    const update = revokeUpdate(revocation, this.deadRecordTtl(Math.max(revocation.at, current.expiresAt ?? 0)));
    try {
      await this.call(() =>
        this.documents.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                // An active token, or a rotated one still in its grace period, is revoked; anything
                // already dead is left as it was (idempotent, no event).
                Update: {
                  TableName: this.options.tableName,
                  Key: tokenKey(id),
                  ConditionExpression: 'attribute_exists(pk) AND (#state = :active OR (revokeReason = :rotated AND graceUntil > :now))',
                  ...update,
                  ExpressionAttributeValues: { ...update.ExpressionAttributeValues, ':active': 'active', ':rotated': 'rotated', ':now': revocation.at },
                },
              },
              this.auditPut(event),
            ],
          }),
        ),
      );
    } catch (error) {
      if (!isCancelledBy(error, 0)) throw error;
    }
    return this.get(id);
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
              this.auditPut(rotation.event),
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

  async revokeFamily(familyId: string, revocation: Revocation, event: AuditEvent): Promise<string[]> {
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
    const revokedIds = usable.map((member) => member.id);
    // A transaction holds 100 items: 99 revocations and their event. A longer chain takes several,
    // each revoking first the newest members (the ones still usable the longest).
    const chunks: TokenRecord[][] = [];
    for (let start = 0; start < usable.length || chunks.length === 0; start += 99) chunks.push(usable.slice(start, start + 99));
    for (const [index, chunk] of chunks.entries()) {
      const chunkEvent: AuditEvent = {
        ...event,
        id: chunks.length === 1 ? event.id : `${event.id}-${index}`,
        details: { ...event.details, revokedIds: chunk.map((member) => member.id) },
      };
      await this.call(() =>
        this.documents.send(
          new TransactWriteCommand({
            TransactItems: [
              ...chunk.map((member) => ({
                Update: {
                  TableName: this.options.tableName,
                  Key: tokenKey(member.id),
                  ConditionExpression: 'attribute_exists(pk)',
                  ...revokeUpdate(revocation, this.deadRecordTtl(Math.max(revocation.at, member.expiresAt ?? 0))),
                },
              })),
              this.auditPut(chunkEvent),
            ],
          }),
        ),
      );
    }
    return revokedIds;
  }

  async recordDenial(denial: DeniedAuthorization): Promise<void> {
    const hour = hourOf(denial.at);
    const id = `denied-${denial.tokenId}-${hour.replace(/[^0-9]/g, '')}`;
    const bucketStart = Date.parse(`${hour}:00:00.000Z`);
    const sorted = `${new Date(bucketStart).toISOString()}#${id}`;
    await this.call(() =>
      this.documents.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { pk: `AUDIT#${id}`, sk: 'AUDIT' },
          // One counter per token per hour: the first denial creates it, later ones add to it.
          UpdateExpression:
            'SET #id = :id, #at = :at, #action = :action, tenant = :tenant, tokenId = :tokenId, #owner = :owner, actor = :actor, sourceIp = :ip, ' +
            'gsi1pk = :byOwner, gsi1sk = :sorted, gsi2pk = :byTenant, gsi2sk = :sorted, gsi3pk = :byToken, gsi3sk = :sorted, #ttl = :ttl ' +
            'ADD deniedCount :count, deniedReasons :reasons',
          ExpressionAttributeNames: { '#id': 'id', '#at': 'at', '#action': 'action', '#owner': 'owner', '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: {
            ':id': id,
            ':at': bucketStart,
            ':action': 'authorization.denied',
            ':tenant': denial.tenant,
            ':tokenId': denial.tokenId,
            ':owner': denial.owner,
            ':actor': { type: 'token', id: denial.tokenId },
            ':ip': denial.sourceIp,
            ':byOwner': `AUDIT#T#${denial.tenant}#O#${denial.owner}`,
            ':byTenant': `AUDIT#T#${denial.tenant}`,
            ':byToken': `AUDIT#T#${denial.tenant}#K#${denial.tokenId}`,
            ':sorted': sorted,
            ':ttl': Math.floor(bucketStart / 1000) + AUDIT_RETENTION_DAYS * DAY_SECONDS,
            ':count': denial.count,
            ':reasons': new Set(denial.reasons),
          },
        }),
      ),
    );
  }

  async expiringBetween(from: number, to: number): Promise<TokenRecord[]> {
    const records: TokenRecord[] = [];
    // One query per expiry day: the index is partitioned by day, so this reads only what expires.
    for (let day = Math.floor(from / DAY_MS) * DAY_MS; day < to; day += DAY_MS) {
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await this.call(() =>
          this.documents.send(
            new QueryCommand({
              TableName: this.options.tableName,
              IndexName: 'byExpiry',
              KeyConditionExpression: 'gsi4pk = :day AND gsi4sk BETWEEN :from AND :to',
              ExpressionAttributeValues: { ':day': expiryDay(day), ':from': new Date(from).toISOString(), ':to': `${new Date(to).toISOString()}` },
              ExclusiveStartKey: startKey,
            }),
          ),
        );
        records.push(...(page.Items ?? []).map(toRecord));
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    }
    return records.filter((record) => record.state === 'active' && record.expiresAt !== null && record.expiresAt >= from && record.expiresAt < to);
  }

  async markNotified(id: string, horizonDays: number): Promise<boolean> {
    try {
      await this.call(() =>
        this.documents.send(
          new UpdateCommand({
            TableName: this.options.tableName,
            Key: tokenKey(id),
            // Two runs at once cannot both notify: only one adds the horizon.
            ConditionExpression: 'attribute_exists(pk) AND NOT contains(notifiedHorizons, :horizon)',
            UpdateExpression: 'ADD notifiedHorizons :horizons',
            ExpressionAttributeValues: { ':horizon': horizonDays, ':horizons': new Set([horizonDays]) },
          }),
        ),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async unmarkNotified(id: string, horizonDays: number): Promise<void> {
    await this.call(() =>
      this.documents.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: tokenKey(id),
          UpdateExpression: 'DELETE notifiedHorizons :horizons',
          ExpressionAttributeValues: { ':horizons': new Set([horizonDays]) },
        }),
      ),
    );
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

  private async writeWithLock(record: TokenRecord, event: AuditEvent, staleHolder: string | undefined): Promise<void> {
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
            this.auditPut(event),
          ],
        }),
      ),
    );
  }

  private auditPut(event: AuditEvent) {
    const sorted = `${new Date(event.at).toISOString()}#${event.id}`;
    return {
      Put: {
        TableName: this.options.tableName,
        Item: {
          pk: `AUDIT#${event.id}`,
          sk: 'AUDIT',
          gsi1pk: `AUDIT#T#${event.tenant}#O#${event.owner}`,
          gsi1sk: sorted,
          gsi2pk: `AUDIT#T#${event.tenant}`,
          gsi2sk: sorted,
          gsi3pk: `AUDIT#T#${event.tenant}#K#${event.tokenId}`,
          gsi3sk: sorted,
          ...event,
          [TTL_ATTRIBUTE]: Math.floor(event.at / 1000) + AUDIT_RETENTION_DAYS * DAY_SECONDS,
        },
        // Event ids are random: a collision must fail the change, never overwrite history.
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
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
      ...(record.expiresAt !== null && record.state === 'active'
        ? { gsi4pk: expiryDay(record.expiresAt), gsi4sk: `${new Date(record.expiresAt).toISOString()}#${record.id}` }
        : {}),
      ...record,
      notifiedHorizons: record.notifiedHorizons && record.notifiedHorizons.length > 0 ? new Set(record.notifiedHorizons) : undefined,
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
      if (error instanceof TransactionCanceledException && !error.CancellationReasons?.some((reason) => reason.Code === 'ConditionalCheckFailed')) {
        // Cancelled for TransactionConflict (a concurrent write to one of the items, e.g. the
        // authorizer's lastUsedAt), ThrottlingError…: a fault of the moment, worth a retry.
        throw new DependencyUnavailable('DynamoDB', { cause: error });
      }
      if (error instanceof ConditionalCheckFailedException || error instanceof TransactionCanceledException) throw error;
      if (isOurMistake(error)) throw error;
      throw new DependencyUnavailable('DynamoDB', { cause: error });
    }
  }
}

/** The update that revokes a token: state, who, why, a TTL, and out of the grace and expiry indexes. */
function revokeUpdate(revocation: Revocation, ttl: number) {
  return {
    UpdateExpression: 'SET #state = :revoked, revokedAt = :at, revokedBy = :by, revokeReason = :reason, #ttl = :ttl REMOVE graceUntil, gsi4pk, gsi4sk',
    ExpressionAttributeNames: { '#state': 'state', '#ttl': TTL_ATTRIBUTE },
    ExpressionAttributeValues: {
      ':revoked': 'revoked',
      ':at': revocation.at,
      ':by': revocation.by,
      ':reason': revocation.reason,
      ':ttl': ttl,
    } as Record<string, unknown>,
  };
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

interface CursorShape {
  partitionKey: string;
  partition: string;
  sortAttribute: string;
  itemKey: RegExp;
  itemSort: string;
}

/** A cursor is only honoured for the partition it came from: a forged one cannot reach another tenant. */
function decodeCursor(cursor: string | undefined, shape: CursorShape): Record<string, unknown> | undefined {
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
  const expected = ['pk', 'sk', shape.partitionKey, shape.sortAttribute];
  if (Object.keys(entries).length !== 4 || !expected.every((name) => typeof entries[name] === 'string')) throw invalid();
  if (entries[shape.partitionKey] !== shape.partition || !shape.itemKey.test(entries.pk as string) || entries.sk !== shape.itemSort) throw invalid();
  if ((entries[shape.sortAttribute] as string).length > 200) throw invalid();
  return entries;
}

function toAuditEvent(item: Record<string, unknown>): AuditEvent {
  const denied = item.action === 'authorization.denied';
  return {
    id: item.id as string,
    at: item.at as number,
    action: item.action as AuditEvent['action'],
    tenant: item.tenant as string,
    tokenId: item.tokenId as string,
    owner: item.owner as string,
    actor: item.actor as AuditEvent['actor'],
    sourceIp: item.sourceIp as string | undefined,
    details: denied
      ? { count: item.deniedCount as number, reasons: [...((item.deniedReasons as Set<string> | undefined) ?? [])].sort() }
      : (item.details as AuditEvent['details']),
  };
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
    notifiedHorizons: item.notifiedHorizons ? [...(item.notifiedHorizons as Set<number>)].sort((a, b) => a - b) : undefined,
  };
}

import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEvent } from '../../domain/audit';
import { conflict } from '../../domain/errors';
import { descriptionKey } from '../../domain/new-token';
import { PENDING_APPROVAL_MS, statusOf, withFamilyState, type TokenRecord } from '../../domain/token';
import type {
  Decision,
  ListQuery,
  Page,
  Rotation,
  RotationRefusal,
  StatusRead,
  TokenEdit,
  TokenRecords,
  TokenStatusReader,
} from '../../service/ports';
import { auditPut } from './audit-items';
import { feedPut } from './dynamo-revocation-feed';
import { TransactionRefused, type DynamoTable, type NamedTransaction } from './dynamo-table';
import { DynamoTokenStatus } from './dynamo-token-status';
import { OwnerPlacesItems } from './owner-places';
import { pageOf, type Filter } from './paging';
import { keys, partitions, TTL_ATTRIBUTE } from './table-layout';
import { familyItem, lockItem, lockKeyOf, toRecord, tokenItem } from './token-items';

/** Token records in DynamoDB: every change one transaction with its description lock, family and audit event. */
export class DynamoTokenRecords implements TokenRecords, TokenStatusReader {
  private readonly places: OwnerPlacesItems;
  private readonly status: DynamoTokenStatus;

  constructor(private readonly table: DynamoTable) {
    this.places = new OwnerPlacesItems(table);
    this.status = new DynamoTokenStatus(table);
  }

  async create(record: TokenRecord, now: number, event: AuditEvent, cap: number): Promise<void> {
    // The lock of a description held by a token that is no longer active (revoked, rotated,
    // expired) is stale: taken over, on condition that it still names that token.
    let staleHolder: string | undefined;
    for (let attempt = 0; ; attempt++) {
      // Read fresh each round: the place taken is conditioned on the owner's item as read.
      const place = await this.places.take(record, now, cap);
      try {
        await this.writeNew(record, event, staleHolder, place);
        return;
      } catch (error) {
        if (!(error instanceof TransactionRefused)) throw error;
        if (error.failed.has('lock')) {
          const holder = error.failed.get('lock')?.tokenId;
          if (typeof holder !== 'string' || holder === staleHolder) throw describeConflict(record);
          const { record: held, family } = await this.getWithFamily(holder);
          if (held && holdsDescription(withFamilyState(held, family), now, record.description)) throw describeConflict(record);
          staleHolder = holder;
        } else if (!error.failed.has('owner')) {
          throw error;
        }
        // Another create or revocation changed the owner's places meanwhile: decide again on what they are now.
        if (attempt >= 20) throw conflict("Too many concurrent changes to this owner's tokens; retry");
      }
    }
  }

  async get(id: string): Promise<TokenRecord | undefined> {
    const { Item } = await this.table.call(() =>
      this.table.documents.send(new GetCommand({ TableName: this.table.name, Key: keys.token(id), ConsistentRead: true })),
    );
    return Item ? toRecord(Item) : undefined;
  }

  /** The record and its family in one read (the authorizer's read; here for the lock's holder). */
  getWithFamily(id: string, familyId?: string, tenant?: string): Promise<StatusRead> {
    return this.status.getWithFamily(id, familyId, tenant);
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

  async rotate(rotation: Rotation): Promise<{ ok: true } | { ok: false; refusal: RotationRefusal }> {
    const { predecessor, successor } = rotation;
    await this.places.ensureSeeded(successor.tenant, successor.owner, rotation.rotatedAt);
    try {
      await this.table.transact({
        predecessor: {
          // Of concurrent refreshes with one key, only the first finds the token still active with
          // that key's hash; every other one cancels here and writes nothing.
          Update: {
            TableName: this.table.name,
            Key: keys.token(predecessor.id),
            // An edit bumps the revision: a rotation that copied the token before it retries.
            // A token that expired meanwhile (past its refresh window, or at all for a regenerate) is not revived.
            ConditionExpression: `#state = :active AND refreshKeyHash = :hash AND ${predecessor.revision === undefined ? 'attribute_not_exists(revision)' : 'revision = :revision'} AND (attribute_not_exists(expiresAt) OR expiresAt > :floor)`,
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
              // At the rotation's instant (the request's): a write landing later than that is let
              // through by the length of its own delay only (docs/security.md, "What is not closed").
              ':floor': rotation.rotatedAt - rotation.expiredAtMostMs,
              ...(predecessor.revision === undefined ? {} : { ':revision': predecessor.revision }),
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
            UpdateExpression:
              'SET #id = :family, tenant = :tenant, #owner = :owner, #state = :live, headId = :head, generation = :generation',
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
        successor: {
          Put: { TableName: this.table.name, Item: tokenItem(this.table, successor), ConditionExpression: 'attribute_not_exists(pk)' },
        },
        lock: {
          // The successor inherits the description: move the lock, unless another token took it.
          Put: {
            TableName: this.table.name,
            Item: lockItem(this.table, successor),
            ConditionExpression: 'attribute_not_exists(pk) OR tokenId = :predecessor',
            ExpressionAttributeValues: { ':predecessor': predecessor.id },
          },
        },
        owner: this.places.keep(successor, rotation.cap),
        event: auditPut(this.table.name, rotation.event),
        // The authorizers must stop trusting the predecessor's cached `active` status (grace now ends it).
        feed: feedPut(this.table, { id: rotation.event.id, kind: 'changed', tokenId: predecessor.id }),
      });
      return { ok: true };
    } catch (error) {
      if (!(error instanceof TransactionRefused)) throw error;
      if (error.failed.has('family')) return { ok: false, refusal: 'family_revoked' };
      if (error.failed.has('predecessor')) return { ok: false, refusal: 'predecessor_changed' };
      if (error.failed.has('lock')) return { ok: false, refusal: 'description_taken' };
      if (error.failed.has('owner')) return { ok: false, refusal: 'cap_reached' };
      throw error;
    }
  }

  async decide(id: string, decision: Decision, event: AuditEvent): Promise<TokenRecord | undefined> {
    const approve = decision.approve;
    const record = await this.get(id);
    if (record?.state !== 'pending' || (record.revision ?? 0) !== decision.revision) return undefined;
    await this.places.ensureSeeded(record.tenant, record.owner, decision.at);
    try {
      await this.table.transact({
        token: {
          Update: {
            TableName: this.table.name,
            Key: keys.token(id),
            // Only a token still waiting, and as the admin was shown it: two admins deciding at once,
            // one wins; an edit between the admin's look and the decision cancels the decision.
            // …and whose wait has not ended by the time the write lands.
            ConditionExpression: `#state = :pending AND createdAt > :waitStart AND ${decision.revision === 0 ? '(attribute_not_exists(revision) OR revision = :revision)' : 'revision = :revision'}`,
            UpdateExpression: approve
              ? 'SET #state = :active, approvedAt = :at, approvedBy = :by'
              : `SET #state = :revoked, revokedAt = :at, revokedBy = :by, revokeReason = :rejected, #ttl = :ttl${decision.reason === undefined ? '' : ', rejectReason = :reason'} REMOVE gsi4pk, gsi4sk`,
            ExpressionAttributeNames: { '#state': 'state', ...(approve ? {} : { '#ttl': TTL_ATTRIBUTE }) },
            ExpressionAttributeValues: {
              ':pending': 'pending',
              ':at': decision.at,
              ':by': decision.by,
              ':revision': decision.revision,
              ':waitStart': decision.at - PENDING_APPROVAL_MS,
              ...(approve
                ? { ':active': 'active' }
                : {
                    ':revoked': 'revoked',
                    ':rejected': 'rejected',
                    ':ttl': this.table.deadRecordTtl(decision.at),
                    ...(decision.reason === undefined ? {} : { ':reason': decision.reason }),
                  }),
            },
          },
        },
        // An approved token now counts until its expiry; a rejected one no longer counts.
        owner: approve
          ? this.places.keep({ ...record, state: 'active' }, decision.cap)
          : this.places.free(record.tenant, record.owner, record.familyId),
        event: auditPut(this.table.name, event),
        feed: feedPut(this.table, { id: event.id, kind: approve ? 'changed' : 'revoked', tokenId: id }),
      });
    } catch (error) {
      // No longer pending at that revision, or (approving) its place lapsed and the cap is full.
      if (!(error instanceof TransactionRefused) || !(error.failed.has('token') || error.failed.has('owner'))) throw error;
      return undefined;
    }
    return this.get(id);
  }

  async edit(
    record: TokenRecord,
    changes: TokenEdit,
    event: AuditEvent,
    now: number,
  ): Promise<{ ok: true; record: TokenRecord } | { ok: false; refusal: 'changed' | 'description_taken' }> {
    const edited: TokenRecord = { ...record, ...changes, revision: (record.revision ?? 0) + 1 };
    const moveLock = changes.description !== undefined && lockKeyOf(edited).pk !== lockKeyOf(record).pk;
    const attempt = async (staleHolder: string | undefined) => {
      const names: Record<string, string> = { '#state': 'state' };
      const values: Record<string, unknown> = { ':revision': edited.revision };
      const sets = ['revision = :revision'];
      for (const field of ['description', 'allowedIps', 'scopes'] as const) {
        if (changes[field] === undefined) continue;
        names[`#${field}`] = field;
        values[`:${field}`] = changes[field];
        sets.push(`#${field} = :${field}`);
      }
      await this.table.transact({
        token: {
          Update: {
            TableName: this.table.name,
            Key: keys.token(record.id),
            // Over the version read, and only while it can still be used: a refresh or revoke in
            // between makes this edit retry (or fail), never land on a token it did not see.
            ConditionExpression: `#state IN (:active, :pending) AND ${record.revision === undefined ? 'attribute_not_exists(revision)' : 'revision = :previous'} AND refreshKeyHash = :hash`,
            UpdateExpression: `SET ${sets.join(', ')}`,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: {
              ...values,
              ':active': 'active',
              ':pending': 'pending',
              ':hash': record.refreshKeyHash,
              ...(record.revision === undefined ? {} : { ':previous': record.revision }),
            },
          },
        },
        ...(moveLock
          ? {
              lock: {
                Put: {
                  TableName: this.table.name,
                  Item: lockItem(this.table, edited),
                  ConditionExpression: staleHolder === undefined ? 'attribute_not_exists(pk) OR tokenId = :self' : 'tokenId = :stale',
                  ExpressionAttributeValues: staleHolder === undefined ? { ':self': record.id } : { ':stale': staleHolder },
                },
              },
            }
          : {}),
        event: auditPut(this.table.name, event),
        // Narrowed scopes or IPs are effective within the revocation bound, like a revocation.
        feed: feedPut(this.table, { id: event.id, kind: 'changed', tokenId: record.id }),
      });
    };
    try {
      await attempt(undefined);
    } catch (error) {
      if (!(error instanceof TransactionRefused)) throw error;
      if (error.failed.has('token')) return { ok: false, refusal: 'changed' };
      if (!error.failed.has('lock')) throw error;
      const holder = error.failed.get('lock')?.tokenId;
      const read = typeof holder === 'string' ? await this.getWithFamily(holder) : undefined;
      if (
        typeof holder !== 'string' ||
        (read?.record && holdsDescription(withFamilyState(read.record, read.family), now, edited.description))
      ) {
        return { ok: false, refusal: 'description_taken' };
      }
      try {
        await attempt(holder);
      } catch (retryError) {
        if (retryError instanceof TransactionRefused && retryError.failed.has('token')) return { ok: false, refusal: 'changed' };
        if (retryError instanceof TransactionRefused && retryError.failed.has('lock')) return { ok: false, refusal: 'description_taken' };
        throw retryError;
      }
    }
    return { ok: true, record: edited };
  }

  private async writeNew(
    record: TokenRecord,
    event: AuditEvent,
    staleHolder: string | undefined,
    place: NamedTransaction[string],
  ): Promise<void> {
    await this.table.transact({
      owner: place,
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

/**
 * Does this lock holder still hold the description: active (or waiting for approval), and still
 * described so? A token whose description was edited away leaves its old lock behind, stale.
 */
function holdsDescription(holder: TokenRecord, now: number, description: string): boolean {
  const status = statusOf(holder, now);
  return (status === 'active' || status === 'pending') && descriptionKey(holder.description) === descriptionKey(description);
}

function statusFilter(status: ListQuery['status'], now: number): Filter | undefined {
  const names = { '#state': 'state' };
  switch (status) {
    case 'all':
      return undefined;
    case 'pending':
      return {
        expression: '#state = :pending AND createdAt > :oldest AND (attribute_not_exists(expiresAt) OR expiresAt > :now)',
        names,
        values: { ':pending': 'pending', ':oldest': now - PENDING_APPROVAL_MS, ':now': now },
      };
    case 'revoked':
      return { expression: '#state = :revoked', names, values: { ':revoked': 'revoked' } };
    case 'expired':
      return {
        expression: '(#state = :active AND expiresAt <= :now) OR (#state = :pending AND (expiresAt <= :now OR createdAt <= :oldest))',
        names,
        values: { ':active': 'active', ':pending': 'pending', ':now': now, ':oldest': now - PENDING_APPROVAL_MS },
      };
    case 'active':
      return {
        expression: '#state = :active AND (attribute_not_exists(expiresAt) OR expiresAt > :now)',
        names,
        values: { ':active': 'active', ':now': now },
      };
  }
}

import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AuditEvent } from '../../domain/audit';
import { reachOf, type TokenFamily, type TokenRecord } from '../../domain/token';
import type { FamilyRevocationResult, Revocation, TokenFamilies } from '../../service/ports';
import { auditPut } from './audit-items';
import { feedPut } from './dynamo-revocation-feed';
import { TransactionRefused, type DynamoTable } from './dynamo-table';
import { queryAll, queryOf } from './paging';
import { OwnerPlacesItems } from './owner-places';
import { keys, partitions, timeOrdered } from './table-layout';
import { revokeUpdate, toFamily, toRecord } from './token-items';

/** Members revoked at once: enough to revoke a chain of thousands inside one function timeout. */
const SWEEP_CONCURRENCY = 25;
/** The audit event lists at most this many revoked ids (an item holds 400 KB); it always counts them all. */
const MAX_LISTED_IDS = 1_000;

/**
 * Families in DynamoDB. Revoking one is a mark and a sweep: the family item is marked revoked in
 * the transaction that writes the audit event (from that instant no member can be rotated — every
 * rotation checks the family in its own transaction — and the authorizer, which reads the family
 * with the token, refuses every member); then the members are revoked newest first, each by a
 * conditional update that cannot undo a later change. A sweep that is interrupted leaves the family
 * in the `SWEEP` partition of the expiry index, and any later revocation of the family, or the
 * scheduled job, finishes it.
 */
export class DynamoTokenFamilies implements TokenFamilies {
  private readonly places: OwnerPlacesItems;

  constructor(private readonly table: DynamoTable) {
    this.places = new OwnerPlacesItems(table);
  }

  async getFamily(familyId: string): Promise<TokenFamily | undefined> {
    const { Item } = await this.table.call(() =>
      this.table.documents.send(new GetCommand({ TableName: this.table.name, Key: keys.family(familyId), ConsistentRead: true })),
    );
    return Item ? toFamily(Item) : undefined;
  }

  async revokeFamily(
    family: Pick<TokenFamily, 'id' | 'tenant' | 'owner'>,
    revocation: Revocation,
    event: AuditEvent,
  ): Promise<FamilyRevocationResult> {
    const marked = await this.mark(family, revocation, event);
    const revokedIds = await this.sweep(family.id, revocation);
    if (marked && revokedIds.length > 0) await this.listInEvent(event.id, revokedIds);
    return { revokedIds, marked };
  }

  /** Finishes the sweeps that an interrupted revocation left (the scheduled job calls this). */
  async resumePendingSweeps(now: number, limit = 100): Promise<number> {
    let resumed = 0;
    const input = {
      ...queryOf(this.table, { index: 'byExpiry', partition: partitions.pendingSweeps, filter: undefined }),
      ScanIndexForward: true,
    };
    for await (const items of queryAll(this.table, input)) {
      for (const item of items) {
        const family = toFamily(item);
        // A sweep younger than a minute may still be running: leave it to its own call.
        if (family.revokedAt === undefined || now - family.revokedAt < 60_000) continue;
        await this.sweep(family.id, {
          at: family.revokedAt,
          by: family.revokedBy ?? 'system',
          reason: (family.revokeReason ?? 'revoked') as Revocation['reason'],
        });
        if (++resumed >= limit) return resumed;
      }
    }
    return resumed;
  }

  /** Marks the family revoked with its event; false when it already was (no second event). */
  private async mark(family: Pick<TokenFamily, 'id' | 'tenant' | 'owner'>, revocation: Revocation, event: AuditEvent): Promise<boolean> {
    await this.places.ensure(family.tenant, family.owner);
    try {
      await this.table.transact({
        family: {
          Update: {
            TableName: this.table.name,
            Key: keys.family(family.id),
            // The first revocation wins and keeps its reason. A family with no item yet (written
            // before families were items) is created revoked, so no rotation can revive it.
            ConditionExpression: 'attribute_not_exists(pk) OR #state = :live',
            UpdateExpression:
              'SET #id = :family, tenant = :tenant, #owner = :owner, #state = :revoked, revokedAt = :at, revokedBy = :by, revokeReason = :reason, gsi4pk = :sweeps, gsi4sk = :sorted',
            ExpressionAttributeNames: { '#id': 'id', '#owner': 'owner', '#state': 'state' },
            ExpressionAttributeValues: {
              ':family': family.id,
              ':tenant': family.tenant,
              ':owner': family.owner,
              ':live': 'live',
              ':revoked': 'revoked',
              ':at': revocation.at,
              ':by': revocation.by,
              ':reason': revocation.reason,
              ':sweeps': partitions.pendingSweeps,
              ':sorted': timeOrdered(revocation.at, family.id),
            },
          },
        },
        // The credential no longer counts against its owner's cap, from the same instant.
        owner: this.places.free(family.tenant, family.owner, family.id),
        event: auditPut(this.table.name, event),
        // In the same transaction: a committed revocation is always announced to the authorizers.
        feed: feedPut(this.table, { id: event.id, kind: 'revoked', familyId: family.id }),
      });
      return true;
    } catch (error) {
      if (error instanceof TransactionRefused && error.failed.has('family') && error.failed.size === 1) return false;
      throw error;
    }
  }

  /**
   * Revokes the family's members, newest first. The family index is eventually consistent, so the
   * newest members (which it may not show yet) are found by walking back from the family's head
   * through strongly consistent reads; a rotation after the mark is impossible, so the head is final.
   */
  private async sweep(familyId: string, revocation: Revocation): Promise<string[]> {
    const reach = reachOf(revocation.reason);
    const members = new Map<string, TokenRecord>();
    const membersQuery = {
      ...queryOf(this.table, { index: 'byFamily', partition: partitions.membersOfFamily(familyId), filter: undefined }),
    };
    for await (const items of queryAll(this.table, membersQuery)) for (const item of items) members.set(item.id as string, toRecord(item));

    const family = await this.getFamily(familyId);
    for (let id = family?.headId; id !== undefined && !members.has(id); ) {
      const { Item } = await this.table.call(() =>
        this.table.documents.send(new GetCommand({ TableName: this.table.name, Key: keys.token(id!), ConsistentRead: true })),
      );
      if (!Item) break;
      const member = toRecord(Item);
      members.set(member.id, member);
      id = member.predecessorId;
    }

    // The index may show an older image, never a newer one: a member it shows revoked for good is.
    const candidates = [...members.values()]
      .filter(
        (member) =>
          member.state !== 'revoked' ||
          (member.revokeReason === 'rotated' && (reach === 'all' || (member.graceUntil ?? 0) > revocation.at)),
      )
      .sort((a, b) => b.generation - a.generation || b.createdAt - a.createdAt);

    const revoked: string[] = [];
    for (let start = 0; start < candidates.length; start += SWEEP_CONCURRENCY) {
      const batch = candidates.slice(start, start + SWEEP_CONCURRENCY);
      const results = await Promise.all(batch.map((member) => this.revokeMember(member, revocation, reach)));
      batch.forEach((member, index) => results[index] && revoked.push(member.id));
    }
    await this.table.update({
      Key: keys.family(familyId),
      ConditionExpression: 'attribute_exists(pk)',
      UpdateExpression: 'SET sweptAt = :at REMOVE gsi4pk, gsi4sk',
      ExpressionAttributeValues: { ':at': revocation.at },
    });
    return revoked;
  }

  /** Revokes one member unless it is already dead (or, for a person's revoke, past its grace). */
  private async revokeMember(member: TokenRecord, revocation: Revocation, reach: 'live' | 'all'): Promise<boolean> {
    const update = revokeUpdate(revocation, this.table.deadRecordTtl(Math.max(revocation.at, member.expiresAt ?? 0)));
    try {
      await this.table.call(() =>
        this.table.documents.send(
          new UpdateCommand({
            TableName: this.table.name,
            Key: keys.token(member.id),
            ConditionExpression:
              reach === 'all'
                ? 'attribute_exists(pk) AND (#state IN (:active, :pending) OR revokeReason = :rotated)'
                : 'attribute_exists(pk) AND (#state IN (:active, :pending) OR (revokeReason = :rotated AND graceUntil > :now))',
            ...update,
            ExpressionAttributeValues: {
              ...update.ExpressionAttributeValues,
              ':active': 'active',
              ':pending': 'pending',
              ':rotated': 'rotated',
              ...(reach === 'live' ? { ':now': revocation.at } : {}),
            },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
      return true;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // A retried attempt whose first try landed (its answer lost) finds its own revocation: that
      // member was revoked by this call all the same.
      const old = error.Item ? unmarshall(error.Item) : undefined;
      return old?.revokedAt === revocation.at && old.revokedBy === revocation.by && old.revokeReason === revocation.reason;
    }
  }

  /** The revocation's event learns which members it revoked once the sweep knows. */
  private async listInEvent(eventId: string, revokedIds: string[]): Promise<void> {
    await this.table.call(() =>
      this.table.documents.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.audit(eventId),
          ConditionExpression: 'attribute_exists(pk)',
          UpdateExpression: 'SET details.revokedIds = :ids, details.revokedCount = :count',
          ExpressionAttributeValues: { ':ids': revokedIds.slice(0, MAX_LISTED_IDS), ':count': revokedIds.length },
        }),
      ),
    );
  }
}

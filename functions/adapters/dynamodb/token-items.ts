import { descriptionKey } from '../../domain/new-token';
import type { Revocation } from '../../service/ports';
import { familyStartedBy, type TokenFamily, type TokenRecord } from '../../domain/token';
import type { DynamoTable } from './dynamo-table';
import { keys, partitions, timeOrdered, TTL_ATTRIBUTE } from './table-layout';

/** The token item: the record, its index entries, and a TTL once it can no longer be used. */
export function tokenItem(table: DynamoTable, record: TokenRecord): Record<string, unknown> {
  const created = timeOrdered(record.createdAt, record.id);
  return {
    ...keys.token(record.id),
    gsi1pk: partitions.tokensOfOwner(record.tenant, record.owner),
    gsi1sk: created,
    gsi2pk: partitions.tokensOfTenant(record.tenant),
    gsi2sk: created,
    gsi3pk: partitions.membersOfFamily(record.familyId),
    gsi3sk: created,
    ...(record.expiresAt !== null && record.state === 'active'
      ? { gsi4pk: partitions.expiringOn(record.expiresAt), gsi4sk: timeOrdered(record.expiresAt, record.id) }
      : {}),
    ...record,
    notifiedHorizons: record.notifiedHorizons && record.notifiedHorizons.length > 0 ? new Set(record.notifiedHorizons) : undefined,
    expiresAt: record.expiresAt ?? undefined,
    [TTL_ATTRIBUTE]: record.expiresAt === null ? undefined : table.deadRecordTtl(record.expiresAt),
  };
}

export function toRecord(item: Record<string, unknown>): TokenRecord {
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
    state: item.state === 'revoked' ? 'revoked' : item.state === 'pending' ? 'pending' : 'active',
    revokedAt: item.revokedAt as number | undefined,
    revokedBy: item.revokedBy as string | undefined,
    revokeReason: item.revokeReason as TokenRecord['revokeReason'],
    rotatedAt: item.rotatedAt as number | undefined,
    graceUntil: item.graceUntil as number | undefined,
    successorId: item.successorId as string | undefined,
    familyId: item.familyId as string,
    // Records written before generations were counted are the first of their family.
    generation: typeof item.generation === 'number' ? item.generation : 1,
    predecessorId: item.predecessorId as string | undefined,
    refreshKeyHash: item.refreshKeyHash as string,
    lastUsedAt: item.lastUsedAt as number | undefined,
    credentialLastUsedAt: item.credentialLastUsedAt as number | undefined,
    familyCreatedAt: item.familyCreatedAt as number | undefined,
    lastUsedIps: item.lastUsedIps as string[] | undefined,
    notifiedHorizons: item.notifiedHorizons ? [...(item.notifiedHorizons as Set<number>)].sort((a, b) => a - b) : undefined,
    revision: typeof item.revision === 'number' ? item.revision : undefined,
    approvedAt: item.approvedAt as number | undefined,
    approvedBy: item.approvedBy as string | undefined,
    justification: item.justification as string | undefined,
    rejectReason: item.rejectReason as string | undefined,
  };
}

export function lockKeyOf(record: Pick<TokenRecord, 'tenant' | 'owner' | 'description'>) {
  return keys.descriptionLock(record.tenant, record.owner, descriptionKey(record.description));
}

export function lockItem(table: DynamoTable, record: TokenRecord): Record<string, unknown> {
  return {
    ...lockKeyOf(record),
    tokenId: record.id,
    [TTL_ATTRIBUTE]: record.expiresAt === null ? undefined : table.deadRecordTtl(record.expiresAt),
  };
}

export function familyItem(record: TokenRecord): Record<string, unknown> {
  return { ...keys.family(record.familyId), ...familyStartedBy(record) };
}

export function toFamily(item: Record<string, unknown>): TokenFamily {
  return {
    id: item.id as string,
    tenant: item.tenant as string,
    owner: item.owner as string,
    state: item.state === 'revoked' ? 'revoked' : 'live',
    headId: item.headId as string,
    generation: typeof item.generation === 'number' ? item.generation : 1,
    revokedAt: item.revokedAt as number | undefined,
    revokedBy: item.revokedBy as string | undefined,
    revokeReason: item.revokeReason as TokenFamily['revokeReason'],
  };
}

/** The update that revokes a token: state, who, why, a TTL, and out of the grace and expiry indexes. */
export function revokeUpdate(revocation: Revocation, ttl: number) {
  return {
    UpdateExpression:
      'SET #state = :revoked, revokedAt = :at, revokedBy = :by, revokeReason = :reason, #ttl = :ttl REMOVE graceUntil, gsi4pk, gsi4sk',
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

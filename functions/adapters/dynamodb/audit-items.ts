import { AUDIT_RETENTION_DAYS, type AuditEvent } from '../../domain/audit';
import { DAY_SECONDS } from '../../domain/token-policy';
import { keys, partitions, timeOrdered, TTL_ATTRIBUTE } from './table-layout';

/** The Put of an audit event, to go into the transaction of the change it records. */
export function auditPut(tableName: string, event: AuditEvent) {
  const sorted = timeOrdered(event.at, event.id);
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...keys.audit(event.id),
        gsi1pk: partitions.auditOfOwner(event.tenant, event.owner),
        gsi1sk: sorted,
        gsi2pk: partitions.auditOfTenant(event.tenant),
        gsi2sk: sorted,
        gsi3pk: partitions.auditOfToken(event.tenant, event.tokenId),
        gsi3sk: sorted,
        ...event,
        [TTL_ATTRIBUTE]: Math.floor(event.at / 1000) + AUDIT_RETENTION_DAYS * DAY_SECONDS,
      },
      // Event ids are random: a collision must fail the change, never overwrite history.
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

export function toAuditEvent(item: Record<string, unknown>): AuditEvent {
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

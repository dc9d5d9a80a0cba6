import { AUDIT_RETENTION_DAYS, hourOf, type DeniedAuthorization } from '../../domain/audit';
import { DAY_SECONDS } from '../../domain/token-policy';
import type { UsageLog } from '../../service/ports';
import type { DynamoTable } from './dynamo-table';
import { keys, partitions, timeOrdered, TTL_ATTRIBUTE } from './table-layout';

/** What the authorizer writes: a token's last use, and hourly counters of its denials. */
export class DynamoUsageLog implements UsageLog {
  constructor(private readonly table: DynamoTable) {}

  async recordUse(id: string, at: number, lastUsedIps: string[]): Promise<void> {
    // A token deleted meanwhile (TTL) is not brought back as a stub holding only its last use.
    await this.table.update({
      Key: keys.token(id),
      ConditionExpression: 'attribute_exists(pk)',
      UpdateExpression: 'SET lastUsedAt = :at, lastUsedIps = :ips',
      ExpressionAttributeValues: { ':at': at, ':ips': lastUsedIps },
    });
  }

  async recordDenial(denial: DeniedAuthorization): Promise<void> {
    const hour = hourOf(denial.at);
    const id = `denied-${denial.tokenId}-${hour.replace(/[^0-9]/g, '')}`;
    const bucketStart = Date.parse(`${hour}:00:00.000Z`);
    const sorted = timeOrdered(bucketStart, id);
    await this.table.update({
      Key: keys.audit(id),
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
        ':byOwner': partitions.auditOfOwner(denial.tenant, denial.owner),
        ':byTenant': partitions.auditOfTenant(denial.tenant),
        ':byToken': partitions.auditOfToken(denial.tenant, denial.tokenId),
        ':sorted': sorted,
        ':ttl': Math.floor(bucketStart / 1000) + AUDIT_RETENTION_DAYS * DAY_SECONDS,
        ':count': denial.count,
        ':reasons': new Set(denial.reasons),
      },
    });
  }
}

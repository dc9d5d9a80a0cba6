import type { TokenRecord } from '../domain/token';
import { auditEvent, type AuditFacts } from './audit-events';
import type { FamilyRevocationResult, Revocation, TokenFamilies } from './ports';

/** The family a record belongs to, as `revokeFamily` names it. */
export const familyOf = (record: TokenRecord) => ({ id: record.familyId, tenant: record.tenant, owner: record.owner });

/**
 * Revokes the credential `record` belongs to (its whole family), with the audit event of the act:
 * the event is about `record`, at the revocation's instant.
 */
export function revokeCredential(
  families: Pick<TokenFamilies, 'revokeFamily'>,
  record: TokenRecord,
  revocation: Revocation,
  event: Omit<AuditFacts, 'token' | 'at'>,
): Promise<FamilyRevocationResult> {
  return families.revokeFamily(familyOf(record), revocation, auditEvent({ ...event, token: record, at: revocation.at }));
}

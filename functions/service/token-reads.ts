import { notFound } from '../domain/errors';
import { effectivePolicy, isOutsidePolicy, type EffectivePolicy } from '../domain/tenant-policy';
import { isTokenId, metadataOf, statusOf, withFamilyState, type TokenMetadata, type TokenRecord } from '../domain/token';
import type { TokenPolicy } from '../domain/token-policy';
import type { Caller } from './caller';
import type { TenantPolicies, TokenStatusReader } from './ports';

/** Metadata as the management routes show it: with whether the tenant's current policy still allows the token. */
export type TokenView = TokenMetadata & { outsidePolicy: boolean };

/** A token as issued (created, rotated, regenerated): its secrets, shown this once. */
export interface IssuedToken extends TokenView {
  accessToken: string;
  refreshKey: string;
}

export function viewOf(record: TokenRecord, now: number, policy: EffectivePolicy): TokenView {
  const status = statusOf(record, now);
  return { ...metadataOf(record, now), outsidePolicy: (status === 'active' || status === 'pending') && isOutsidePolicy(record, policy) };
}

/** A token the caller may see: their own, or any of their tenant for an admin. Anything else is 404. */
export async function visibleRecord(reader: TokenStatusReader, caller: Caller, id: string): Promise<TokenRecord> {
  const read = isTokenId(id) ? await reader.getWithFamily(id) : undefined;
  // A member of a revoked family shows as revoked even before the family's sweep reaches it.
  const record = read?.record && withFamilyState(read.record, read.family);
  if (!record || record.tenant !== caller.tenant || (!caller.isAdmin && record.owner !== caller.userId)) {
    throw notFound();
  }
  return record;
}

/** The tenant's effective policy: the deployment's, tightened by the tenant's admins. */
export async function effectivePolicyOf(
  deployment: TokenPolicy,
  tenantPolicies: Pick<TenantPolicies, 'getTenantPolicy'>,
  tenant: string,
): Promise<EffectivePolicy> {
  return effectivePolicy(deployment, await tenantPolicies.getTenantPolicy(tenant));
}

import type { IssuedToken, TokenMetadata, TokenPolicy } from './api';
import type { components } from './generated/api-types';
import { isWithinArea } from './scopes';

/**
 * The tenant governance part of the management API (SPEC "Tenant governance"), as the console uses it.
 * Its types come from the generated OpenAPI module, like api.ts's.
 */

type Schemas = components['schemas'];

/**
 * `GET /policy`: the deployment's policy, tightened by the tenant's admins (types from the OpenAPI
 * document), with this round's fields that the generated types may not carry yet.
 */
export type TenantPolicy = Schemas['EffectivePolicy'] & {
  /** Every IP entry of a token must lie within one of these; null: any. */
  allowedIpRanges?: string[] | null;
  maxCredentialAgeDays?: number | null;
  idleExpiryDays?: number | null;
};

export type Creators = TenantPolicy['creators'];

/** `PUT /tenant/policy`: any subset; the service refuses a value wider than the deployment's. */
export type TenantPolicyChange = Schemas['TenantPolicyChange'];

/** `PATCH /tokens/{id}`: scopes only narrowed. */
export type TokenEdit = Schemas['TokenEdit'];

/** Metadata as the management routes answer it: `pending` awaits an admin, `outsidePolicy` a tightened policy. */
export type GovernedToken = TokenMetadata;

export const isPending = (token: TokenMetadata): boolean => (token.status as string) === 'pending';
export const isOutsidePolicy = (token: TokenMetadata): boolean => (token as GovernedToken).outsidePolicy === true;

/** A policy answer from a service without governance still reads as "everyone, no extra rules". */
export function tenantPolicyOf(policy: TokenPolicy): TenantPolicy {
  const governed = policy as Partial<TenantPolicy>;
  return {
    ...policy,
    creators: governed.creators === 'admins' ? 'admins' : 'everyone',
    requireIpRestriction: governed.requireIpRestriction === true,
    allowedAreas: Array.isArray(governed.allowedAreas) ? governed.allowedAreas : null,
    maxActiveTokensPerOwner: typeof governed.maxActiveTokensPerOwner === 'number' ? governed.maxActiveTokensPerOwner : 100,
    requireApproval: governed.requireApproval === true,
    allowedIpRanges: Array.isArray(governed.allowedIpRanges) ? governed.allowedIpRanges : null,
  };
}

/** Whether the policy's allowed areas let a token be granted `area` (an allowed area covers its sub-areas). */
export function areaAllowed(area: string, allowedAreas: readonly string[] | null): boolean {
  return allowedAreas === null || allowedAreas.some((allowed) => isWithinArea(area, allowed));
}

/**
 * The file `pat refresh --credentials FILE` reads and rewrites (bin/pat.js): the API's base URL
 * (absolute, ending in `/`, since pat resolves `tokens/refresh` against it), the token and its secrets.
 */
export function credentialsFile(token: IssuedToken, apiUrl: string, pageUrl: string): string {
  const base = new URL(apiUrl === '' ? '/' : `${apiUrl.replace(/\/+$/, '')}/`, pageUrl).href;
  const credentials = {
    apiUrl: base,
    tokenId: token.id,
    accessToken: token.accessToken,
    refreshKey: token.refreshKey,
    expiresAt: token.expiresAt ?? null,
  };
  return `${JSON.stringify(credentials, null, 2)}\n`;
}

/** `pat-credentials-vendor-sync.json`: recognisable in a downloads folder, safe on any file system. */
export function credentialsFileName(description: string): string {
  const slug = description
    .normalize('NFKD')
    .replace(/[^\w\s-]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, '-')
    .slice(0, 40)
    .replace(/-+$/, '');
  return `pat-credentials${slug ? `-${slug}` : ''}.json`;
}

/** Who revoked a token, in words (defined with the audit log's words, which use it too). */
export { revokerWords } from './audit';

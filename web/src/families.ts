import type { RevokedToken, TokenMetadata } from './api';

/**
 * A credential: a token and the successors its refreshes created (one family), shown as its newest
 * token. People think in credentials ("Vendor A's token"), not in the rotation chain behind one.
 */
export interface Credential {
  newest: TokenMetadata;
  members: TokenMetadata[];
}

/** One credential per family, in listing order (newest first). A token without a family is its own. */
export function credentialsOf(tokens: readonly TokenMetadata[]): Credential[] {
  const families = new Map<string, Credential>();
  for (const token of tokens) {
    const key = token.familyId || token.id;
    const family = families.get(key);
    if (!family) {
      families.set(key, { newest: token, members: [token] });
      continue;
    }
    family.members.push(token);
    if ((token.generation ?? 0) > (family.newest.generation ?? 0)) family.newest = token;
  }
  return [...families.values()];
}

/**
 * What a revocation did, in one sentence: "Revoked “Vendor A” (generation 15 and 1 token still in
 * its grace period)." `newestGeneration` is the generation of the first id of `revokedTokenIds`
 * when that is not the addressed token.
 */
export function revocationMessage(token: RevokedToken, whose: string, newestGeneration?: number): string {
  const name = `“${token.description}”${whose}`;
  const revoked = token.revokedTokenIds;
  if (!revoked) return `Token ${name} revoked.`; // a service without token families
  if (revoked.length === 0) return `Nothing was live any more: ${name} was already ${token.status === 'expired' ? 'expired' : 'revoked'}.`;
  const generation = revoked[0] === token.id ? token.generation : newestGeneration;
  const others = revoked.length - 1;
  const parts = [
    generation === undefined ? undefined : `generation ${generation}`,
    others > 0 ? `${others} token${others === 1 ? '' : 's'} still in its grace period` : undefined,
  ].filter(Boolean);
  return `Revoked ${name}${parts.length > 0 ? ` (${parts.join(' and ')})` : ''}.`;
}

/**
 * A credential's last use: the newest of its generations' uses — those on screen, and what the
 * service carried over from earlier ones (`credentialLastUsedAt`) — with the addresses of that use.
 */
export function lastUseOf(credential: Credential): { at: string | null; ips: readonly string[] } {
  let at: string | null = null;
  let ips: readonly string[] = [];
  for (const member of credential.members) {
    for (const use of [member.lastUsedAt, member.credentialLastUsedAt]) {
      if (use && (at === null || Date.parse(use) > Date.parse(at))) {
        at = use;
        ips = use === member.lastUsedAt ? (member.lastUsedIps ?? []) : [];
      }
    }
  }
  return { at, ips };
}

export type TokenView = 'active' | 'inactive' | 'all';
export type TokenSort = 'newest' | 'expiry' | 'lastUsed';

const isInactive = (token: TokenMetadata) => token.status === 'revoked' || token.status === 'expired';

/**
 * The credentials to show: the view (GitLab's "inactive" = revoked and expired), a search over
 * description and user (case-insensitive), and a sort: by expiry (soonest first, never last) or by
 * last use (most recent first, never used last). Stable, so equal keys keep the listing's order.
 */
export function visibleCredentials(credentials: readonly Credential[], view: TokenView, search: string, sort: TokenSort): Credential[] {
  const needle = search.trim().toLocaleLowerCase();
  const shown = credentials.filter(
    (credential) =>
      (view !== 'inactive' || isInactive(credential.newest)) &&
      (view !== 'active' || !isInactive(credential.newest)) &&
      (needle === '' ||
        credential.newest.description.toLocaleLowerCase().includes(needle) ||
        credential.newest.owner.toLocaleLowerCase().includes(needle)),
  );
  const timeOr = (iso: string | null | undefined, fallback: number) => (iso ? Date.parse(iso) : fallback);
  if (sort === 'expiry')
    return shown.sort(
      (a, b) => timeOr(a.newest.expiresAt, Number.POSITIVE_INFINITY) - timeOr(b.newest.expiresAt, Number.POSITIVE_INFINITY),
    );
  if (sort === 'lastUsed')
    return shown.sort((a, b) => timeOr(lastUseOf(b).at, Number.NEGATIVE_INFINITY) - timeOr(lastUseOf(a).at, Number.NEGATIVE_INFINITY));
  return shown;
}

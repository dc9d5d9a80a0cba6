import type { ScopeCatalogue } from '../../functions/domain/scopes';

// A synth whose context lookups (importTokenVerification.fromParameters) are still pending is thrown
// away: the CDK CLI looks the values up and synthesizes again. Its stand-in catalogue is marked so the
// authorizers skip the scope checks that only the real catalogue can answer.

/** The area of the stand-in catalogue. */
export const pendingArea = 'lookup-pending';
const pendingCatalogues = new WeakSet<ScopeCatalogue>();

export function markPending(catalogue: ScopeCatalogue): void {
  pendingCatalogues.add(catalogue);
}

/** True for the stand-in catalogue of a synth whose parameter lookups are still pending. */
export function isPendingCatalogue(catalogue: ScopeCatalogue): boolean {
  return pendingCatalogues.has(catalogue);
}

/** The scope a route gets while lookups are pending: any well-formed one; the real synth checks it. */
export function pendingScopeOf(permission: string): string {
  return `${pendingArea}:${permission}`;
}

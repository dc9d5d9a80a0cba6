import { useCallback, useEffect, useState } from 'react';
import type { PatApi, ScopeArea, TokenPage } from '../api';
import type { Session } from '../auth';
import type { TokenView } from '../families';
import { tenantPolicyOf, type GovernedToken, type TenantPolicy } from '../governance';

/** What creating a token needs: the tenant's effective policy and the scope areas. */
export type Catalogue = { policy: TenantPolicy; areas: ScopeArea[] };

export const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The catalogue, read once (and again on `retryCatalogue`). */
export function useCatalogue(api: PatApi) {
  const [catalogue, setCatalogue] = useState<Catalogue>();
  const [catalogueError, setCatalogueError] = useState<string>();
  const [attempt, setAttempt] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: attempt is the reason to read again.
  useEffect(() => {
    let cancelled = false;
    setCatalogueError(undefined);
    Promise.all([api.policy(), api.scopes()])
      .then(([policy, scopes]) => {
        if (!cancelled) setCatalogue({ policy: tenantPolicyOf(policy), areas: scopes.areas });
      })
      .catch((error: unknown) => {
        if (!cancelled) setCatalogueError(messageOf(error));
      });
    return () => {
      cancelled = true;
    };
  }, [api, attempt]);
  return { catalogue, catalogueError, retryCatalogue: () => setAttempt((n) => n + 1) };
}

interface ListingQuery {
  view: TokenView;
  /** Search, sort and the inactive view work over every token (bounded: 10 pages of 100), not one page. */
  wholeList: boolean;
  /** The admin's user filter; undefined: every user (or, for a user, their own tokens). */
  owner: string | undefined;
  pageSize: number;
}

/**
 * The tokens on screen: one page of the listing (or the whole list for search, sort and the inactive
 * view), the tokens waiting for approval beside it, and the users the admin's filter offers.
 */
export function useTokenListing(api: PatApi, session: Session, { view, wholeList, owner, pageSize }: ListingQuery) {
  const showAll = view !== 'active';
  // Cursors of the pages read so far; the last one is the page on screen (undefined: the first).
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<TokenPage>();
  const [listError, setListError] = useState<string>();
  const [loading, setLoading] = useState(true);
  const [reloads, setReloads] = useState(0);
  const [pending, setPending] = useState<GovernedToken[]>([]);
  const [knownOwners, setKnownOwners] = useState<string[]>([session.user]);

  const rememberOwners = useCallback((owners: Iterable<string>) => {
    setKnownOwners((known) => {
      const all = new Set([...known, ...owners]);
      return all.size === known.length ? known : [...all].sort((a, b) => a.localeCompare(b));
    });
  }, []);

  const cursor = cursors[cursors.length - 1];
  // biome-ignore lint/correctness/useExhaustiveDependencies: reloads is the reason to read again.
  useEffect(() => {
    let cancelled = false;
    setLoading(true);
    setListError(undefined);
    const listing = wholeList
      ? api.listAll({ status: showAll ? 'all' : 'active', owner }).then((items): TokenPage => ({ items, nextCursor: null }))
      : api.listTokens({ status: showAll ? 'all' : 'active', limit: pageSize, cursor, owner });
    listing
      .then((result) => {
        if (cancelled) return;
        setPage(result);
        if (session.admin) rememberOwners(result.items.map((token) => token.owner));
      })
      .catch((error: unknown) => {
        if (!cancelled) setListError(messageOf(error));
      })
      .finally(() => {
        if (!cancelled) setLoading(false);
      });
    return () => {
      cancelled = true;
    };
  }, [api, showAll, wholeList, owner, cursor, pageSize, reloads, session.admin, rememberOwners]);

  // Tokens waiting for approval are not active yet: the default listing leaves them out, so they are read
  // on their own and shown above it (with "Show all" they are in the listing itself).
  // biome-ignore lint/correctness/useExhaustiveDependencies: reloads is the reason to read again.
  useEffect(() => {
    if (showAll) {
      setPending([]);
      return;
    }
    let cancelled = false;
    api
      .listPending(owner)
      .then((tokens) => {
        if (!cancelled) setPending(tokens);
      })
      .catch(() => {
        if (!cancelled) setPending([]);
      });
    return () => {
      cancelled = true;
    };
  }, [api, showAll, owner, reloads]);

  // Revoking the last token of a later page empties it: step back rather than show an empty page.
  useEffect(() => {
    if (!loading && page && page.items.length === 0 && cursors.length > 1) setCursors((list) => list.slice(0, -1));
  }, [loading, page, cursors.length]);

  // The admin's user filter offers every user with a token in the tenant (bounded: 10 pages of 100).
  useEffect(() => {
    if (!session.admin) return;
    let cancelled = false;
    api
      .listAll({ status: 'all' })
      .then((tokens) => {
        if (!cancelled) rememberOwners(tokens.map((token) => token.owner));
      })
      .catch(() => {
        // The filter still lists the users seen on screen.
      });
    return () => {
      cancelled = true;
    };
  }, [api, session.admin, rememberOwners]);

  return {
    page,
    pending,
    listError,
    loading,
    knownOwners,
    rememberOwners,
    pageNumber: cursors.length,
    firstPage: () => setCursors([undefined]),
    previousPage: () => setCursors((list) => list.slice(0, -1)),
    nextPage: () => {
      const next = page?.nextCursor;
      if (next) setCursors((list) => [...list, next]);
    },
    reload: () => setReloads((n) => n + 1),
  };
}

import { useCallback, useEffect, useRef, useState } from 'react';
import type { IssuedToken, PatApi, RevokedToken, ScopeArea, TokenMetadata, TokenPage } from '../api';
import type { Session } from '../auth';
import { credentialsOf, lastUseOf, revocationMessage, type TokenSort, type TokenView, visibleCredentials } from '../families';
import { isPending, tenantPolicyOf, type GovernedToken, type TenantPolicy } from '../governance';
import { CreateTokenDialog } from './CreateTokenDialog';
import { EditTokenDialog } from './EditTokenDialog';
import { RegenerateDialog } from './RegenerateDialog';
import { RevokeDialog } from './RevokeDialog';
import { ShownOnceDialog } from './ShownOnceDialog';
import { TokenTable } from './TokenTable';

interface TokensPageProps {
  api: PatApi;
  session: Session;
  pageSize: number;
  /** The management API's base URL, for the vendor's credentials file. */
  apiUrl: string;
}

type Catalogue = { policy: TenantPolicy; areas: ScopeArea[] };

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The "Personal access tokens" page: the table, ADD, revoke, show all, and the admin's user filter. */
export function TokensPage({ api, session, pageSize, apiUrl }: TokensPageProps) {
  const [catalogue, setCatalogue] = useState<Catalogue>();
  const [catalogueError, setCatalogueError] = useState<string>();
  const [catalogueAttempt, setCatalogueAttempt] = useState(0);

  const [view, setView] = useState<TokenView>('active');
  const showAll = view !== 'active';
  const [search, setSearch] = useState('');
  const [sort, setSort] = useState<TokenSort>('newest');
  // Search, sort and the inactive view work over every token (bounded: 10 pages of 100), not one page.
  const wholeList = view === 'inactive' || search.trim() !== '' || sort !== 'newest';
  const [ownerFilter, setOwnerFilter] = useState('');
  // Cursors of the pages read so far; the last one is the page on screen (undefined: the first).
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<TokenPage>();
  const [listError, setListError] = useState<string>();
  const [loading, setLoading] = useState(true);
  const [reloads, setReloads] = useState(0);
  const [knownOwners, setKnownOwners] = useState<string[]>([session.user]);

  const [creating, setCreating] = useState(false);
  const [issued, setIssued] = useState<{ token: IssuedToken; regenerated: boolean }>();
  const [revoking, setRevoking] = useState<TokenMetadata>();
  const [editing, setEditing] = useState<TokenMetadata>();
  const [regenerating, setRegenerating] = useState<TokenMetadata>();
  const [pending, setPending] = useState<GovernedToken[]>([]);
  const [notice, setNotice] = useState('');

  const headingRef = useRef<HTMLHeadingElement>(null);
  const addButtonRef = useRef<HTMLButtonElement>(null);
  // After a revoke the row (and its button) leaves the list: focus goes to the page heading instead.
  const revokedRef = useRef(false);

  const rememberOwners = useCallback((owners: Iterable<string>) => {
    setKnownOwners((known) => {
      const all = new Set([...known, ...owners]);
      return all.size === known.length ? known : [...all].sort((a, b) => a.localeCompare(b));
    });
  }, []);

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
  }, [api, catalogueAttempt]);

  const cursor = cursors[cursors.length - 1];
  const owner = session.admin && ownerFilter !== '' ? ownerFilter : undefined;
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

  const firstPage = () => setCursors([undefined]);
  const reload = () => setReloads((n) => n + 1);

  const onCreated = (token: IssuedToken) => {
    setCreating(false);
    setIssued({ token, regenerated: false });
    rememberOwners([token.owner]);
    setNotice(
      `Token “${token.description}” created${token.owner !== session.user ? ` for ${token.owner}` : ''}${isPending(token) ? ': waiting for approval by an admin of the tenant' : ''}.`,
    );
    firstPage();
    reload();
  };

  const onRegenerated = (token: IssuedToken) => {
    setRegenerating(undefined);
    setIssued({ token, regenerated: true });
    setNotice(`Token “${token.description}” regenerated: generation ${token.generation ?? '?'}.`);
    reload();
  };

  const onEdited = (token: GovernedToken) => {
    setEditing(undefined);
    setNotice(`Token “${token.description}” saved.`);
    reload();
  };

  const onRevoked = (token: RevokedToken, newestGeneration?: number) => {
    revokedRef.current = true;
    setRevoking(undefined);
    setNotice(revocationMessage(token, token.owner !== session.user ? ` of ${token.owner}` : '', newestGeneration));
    reload();
  };

  // One row per credential: a refreshed token's rotated predecessors are part of it, not tokens of their own.
  const credentials = visibleCredentials(credentialsOf(page?.items ?? []), view, search, sort);
  const needle = search.trim().toLocaleLowerCase();
  const pendingShown = pending.filter(
    (token) => needle === '' || token.description.toLocaleLowerCase().includes(needle) || token.owner.toLocaleLowerCase().includes(needle),
  );
  const credentialOf = new Map(credentials.map((credential) => [credential.newest.id, credential]));
  const credentialLastUse = (token: TokenMetadata) => {
    const credential = credentialOf.get(token.id);
    return credential ? lastUseOf(credential) : { at: token.credentialLastUsedAt ?? token.lastUsedAt, ips: token.lastUsedIps ?? [] };
  };
  // A tenant may let only its admins create tokens: others are not offered a button that would answer 403.
  const canCreate = session.admin || catalogue?.policy.creators !== 'admins';
  const items = credentials.map((credential) => credential.newest);
  const caption = session.admin ? (owner ? `Tokens of ${owner}` : `Tokens of every user of tenant ${session.tenant}`) : 'Your tokens';
  const emptyText = (() => {
    if (search.trim() !== '')
      return `No ${view === 'active' ? 'active ' : view === 'inactive' ? 'inactive ' : ''}token matches “${search.trim()}”.`;
    if (view === 'inactive') return owner ? `${owner} has no revoked or expired tokens.` : 'No revoked or expired tokens.';
    const invite = canCreate ? ' Select Add token to create one.' : '';
    if (!owner && session.admin)
      return showAll ? 'No user of this tenant has a token yet.' : `No user of this tenant has an active token.${invite}`;
    const whose = owner ? `${owner} has` : 'You have';
    return showAll ? `${whose} no tokens.` : `${whose} no active tokens.${invite}`;
  })();

  return (
    <main className="page">
      <div className="page-heading">
        <div>
          <h1 ref={headingRef} tabIndex={-1}>
            Personal access tokens
          </h1>
          <p className="hint">
            {session.admin
              ? `Tokens of the users of tenant ${session.tenant}. Create one per vendor or program, so that you can revoke each on its own.`
              : 'Tokens let programs and vendors call your APIs as you. Create one per vendor or program, so that you can revoke each on its own.'}
          </p>
        </div>
        {canCreate && (
          <button ref={addButtonRef} type="button" className="primary add" onClick={() => setCreating(true)} disabled={!catalogue}>
            <span aria-hidden="true">+ </span>Add token
          </button>
        )}
      </div>
      {!canCreate && <p className="notice">In tenant {session.tenant} only admins create tokens: ask one of them for a token.</p>}

      {catalogueError && (
        <div className="error-box" role="alert">
          <p>The scopes and the token policy could not be loaded, so no token can be created yet: {catalogueError}</p>
          <button type="button" className="secondary" onClick={() => setCatalogueAttempt((n) => n + 1)}>
            Try again
          </button>
        </div>
      )}

      <div className="toolbar" role="group" aria-label="Which tokens to show">
        {session.admin && (
          <div className="field inline-field">
            <label htmlFor="owner-filter">User</label>
            <select
              id="owner-filter"
              value={ownerFilter}
              onChange={(event) => {
                setOwnerFilter(event.target.value);
                firstPage();
              }}
            >
              <option value="">All users</option>
              {knownOwners.map((user) => (
                <option key={user} value={user}>
                  {user}
                </option>
              ))}
            </select>
          </div>
        )}
        <fieldset className="view-switch">
          <legend className="visually-hidden">Show</legend>
          {(
            [
              ['active', 'Active'],
              ['inactive', 'Inactive'],
              ['all', 'All tokens'],
            ] as const
          ).map(([value, label]) => (
            <label key={value} className={view === value ? 'selected' : undefined}>
              <input
                type="radio"
                name="token-view"
                value={value}
                checked={view === value}
                onChange={() => {
                  setView(value);
                  firstPage();
                }}
              />
              {label}
            </label>
          ))}
        </fieldset>
        <div className="field inline-field">
          <label htmlFor="token-search">Search</label>
          <input
            id="token-search"
            type="search"
            value={search}
            placeholder={session.admin ? 'Description or user' : 'Description'}
            onChange={(event) => {
              setSearch(event.target.value);
              firstPage();
            }}
          />
        </div>
        <div className="field inline-field">
          <label htmlFor="token-sort">Sort by</label>
          <select
            id="token-sort"
            value={sort}
            onChange={(event) => {
              setSort(event.target.value as TokenSort);
              firstPage();
            }}
          >
            <option value="newest">Newest first</option>
            <option value="expiry">Expiry (soonest first)</option>
            <option value="lastUsed">Last used (most recent first)</option>
          </select>
        </div>
      </div>

      <p className="notice-line" role="status">
        {notice}
      </p>

      {listError && (
        <div className="error-box" role="alert">
          <p>The tokens could not be loaded: {listError}</p>
          <button type="button" className="secondary" onClick={reload}>
            Try again
          </button>
        </div>
      )}

      {pendingShown.length > 0 && (
        <section aria-labelledby="pending-heading">
          <h2 id="pending-heading">Waiting for approval</h2>
          <p className="hint">
            {session.admin
              ? 'These tokens work once approved: see Approvals.'
              : 'An admin of the tenant must approve these tokens before they work.'}
          </p>
          <TokenTable
            tokens={pendingShown}
            caption="Tokens waiting for approval"
            showOwner={session.admin}
            busy={false}
            onRevoke={(token) => {
              revokedRef.current = false;
              setRevoking(token);
            }}
            onEdit={setEditing}
            onRegenerate={setRegenerating}
          />
        </section>
      )}
      {pendingShown.length > 0 && <h2>Active tokens</h2>}

      {!page && loading && <p className="hint">Loading tokens…</p>}
      {page && items.length === 0 && !loading && <p className="empty">{emptyText}</p>}
      {items.length > 0 && (
        <TokenTable
          tokens={items}
          caption={caption}
          showOwner={session.admin}
          busy={loading}
          onRevoke={(token) => {
            revokedRef.current = false;
            setRevoking(token);
          }}
          onEdit={setEditing}
          onRegenerate={setRegenerating}
          lastUseOf={credentialLastUse}
        />
      )}

      {(cursors.length > 1 || page?.nextCursor) && (
        <nav className="pagination" aria-label="Pages of tokens">
          <button
            type="button"
            className="secondary"
            disabled={cursors.length <= 1 || loading}
            onClick={() => setCursors((list) => list.slice(0, -1))}
          >
            Previous page
          </button>
          <span>Page {cursors.length}</span>
          <button
            type="button"
            className="secondary"
            disabled={!page?.nextCursor || loading}
            onClick={() => {
              const next = page?.nextCursor;
              if (next) setCursors((list) => [...list, next]);
            }}
          >
            Next page
          </button>
        </nav>
      )}

      {creating && catalogue && (
        <CreateTokenDialog
          api={api}
          session={session}
          policy={catalogue.policy}
          areas={catalogue.areas}
          knownOwners={knownOwners}
          onCreated={onCreated}
          onClose={() => setCreating(false)}
          returnFocus={() => addButtonRef.current}
        />
      )}
      {issued && (
        <ShownOnceDialog
          token={issued.token}
          regenerated={issued.regenerated}
          apiUrl={apiUrl}
          onClose={() => {
            setIssued(undefined);
            reload(); // it may have been used meanwhile: show when and from where
          }}
          returnFocus={() => (issued.regenerated ? headingRef.current : addButtonRef.current)}
        />
      )}
      {editing && catalogue && (
        <EditTokenDialog
          api={api}
          token={editing}
          policy={catalogue.policy}
          showOwner={session.admin}
          admin={session.admin}
          onEdited={onEdited}
          onClose={() => setEditing(undefined)}
        />
      )}
      {regenerating && (
        <RegenerateDialog
          api={api}
          token={regenerating}
          policy={catalogue?.policy}
          showOwner={session.admin}
          onRegenerated={onRegenerated}
          onClose={() => setRegenerating(undefined)}
        />
      )}
      {revoking && (
        <RevokeDialog
          api={api}
          token={revoking}
          showOwner={session.admin}
          onRevoked={onRevoked}
          onClose={() => setRevoking(undefined)}
          returnFocus={() => (revokedRef.current ? headingRef.current : null)}
        />
      )}
    </main>
  );
}

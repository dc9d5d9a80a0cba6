import { useRef, useState } from 'react';
import type { IssuedToken, PatApi, RevokedToken, TokenMetadata } from '../api';
import type { Session } from '../auth';
import { credentialsOf, lastUseOf, revocationMessage, type TokenSort, type TokenView, visibleCredentials } from '../families';
import { isPending, type GovernedToken } from '../governance';
import { CreateTokenDialog } from './CreateTokenDialog';
import { EditTokenDialog } from './EditTokenDialog';
import { LoadError, NoticeLine } from './PageMessages';
import { RegenerateDialog } from './RegenerateDialog';
import { RevokeDialog } from './RevokeDialog';
import { ShownOnceDialog } from './ShownOnceDialog';
import { TokenTable } from './TokenTable';
import { TokenToolbar } from './TokenToolbar';
import { useCatalogue, useTokenListing } from './useTokenListing';

interface TokensPageProps {
  api: PatApi;
  session: Session;
  pageSize: number;
  /** The management API's base URL, for the vendor's credentials file. */
  apiUrl: string;
}

/** The "Personal access tokens" page: the table, ADD, revoke, show all, and the admin's user filter. */
export function TokensPage({ api, session, pageSize, apiUrl }: TokensPageProps) {
  const { catalogue, catalogueError, retryCatalogue } = useCatalogue(api);

  const [view, setView] = useState<TokenView>('active');
  const showAll = view !== 'active';
  const [search, setSearch] = useState('');
  const [sort, setSort] = useState<TokenSort>('newest');
  // Search, sort and the inactive view work over every token (bounded: 10 pages of 100), not one page.
  const wholeList = view === 'inactive' || search.trim() !== '' || sort !== 'newest';
  const [ownerFilter, setOwnerFilter] = useState('');
  const owner = session.admin && ownerFilter !== '' ? ownerFilter : undefined;
  const listing = useTokenListing(api, session, { view, wholeList, owner, pageSize });
  const { page, pending, listError, loading, knownOwners, rememberOwners, firstPage, reload } = listing;
  /** A change of what is shown starts again from the first page. */
  const fromFirstPage =
    <T,>(set: (value: T) => void) =>
    (value: T) => {
      set(value);
      firstPage();
    };

  const [creating, setCreating] = useState(false);
  const [issued, setIssued] = useState<{ token: IssuedToken; regenerated: boolean }>();
  const [revoking, setRevoking] = useState<TokenMetadata>();
  const [editing, setEditing] = useState<TokenMetadata>();
  const [regenerating, setRegenerating] = useState<TokenMetadata>();
  const [notice, setNotice] = useState('');

  const headingRef = useRef<HTMLHeadingElement>(null);
  const addButtonRef = useRef<HTMLButtonElement>(null);
  // After a revoke the row (and its button) leaves the list: focus goes to the page heading instead.
  const revokedRef = useRef(false);

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
        <LoadError
          what="The scopes and the token policy could not be loaded, so no token can be created yet"
          error={catalogueError}
          onRetry={retryCatalogue}
        />
      )}

      <TokenToolbar
        session={session}
        knownOwners={knownOwners}
        ownerFilter={ownerFilter}
        onOwnerFilter={fromFirstPage(setOwnerFilter)}
        view={view}
        onView={fromFirstPage(setView)}
        search={search}
        onSearch={fromFirstPage(setSearch)}
        sort={sort}
        onSort={fromFirstPage(setSort)}
      />

      <NoticeLine notice={notice} />

      {listError && <LoadError what="The tokens could not be loaded" error={listError} onRetry={reload} />}

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

      {(listing.pageNumber > 1 || page?.nextCursor) && (
        <nav className="pagination" aria-label="Pages of tokens">
          <button type="button" className="secondary" disabled={listing.pageNumber <= 1 || loading} onClick={listing.previousPage}>
            Previous page
          </button>
          <span>Page {listing.pageNumber}</span>
          <button type="button" className="secondary" disabled={!page?.nextCursor || loading} onClick={listing.nextPage}>
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

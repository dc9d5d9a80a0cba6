import { useCallback, useEffect, useState } from 'react';
import type { PatApi } from '../api';
import type { Session } from '../auth';
import { formatDate, formatDateTime, relativeTime } from '../format';
import type { GovernedToken } from '../governance';
import { ConfirmDialog } from './ConfirmDialog';
import { ScopesCell, TokensTable } from './TokenTable';

/** The admin's queue of tokens users created while the tenant requires approval. */
export function ApprovalsPage({ api, session, onChanged }: { api: PatApi; session: Session; onChanged?: () => void }) {
  const [pending, setPending] = useState<GovernedToken[]>();
  const [loadError, setLoadError] = useState<string>();
  const [notice, setNotice] = useState('');
  const [actionError, setActionError] = useState<string>();
  const [busyId, setBusyId] = useState<string>();
  const [rejecting, setRejecting] = useState<GovernedToken>();

  const load = useCallback(() => {
    setLoadError(undefined);
    api.listPending().then(setPending, (error: unknown) => setLoadError(error instanceof Error ? error.message : String(error)));
  }, [api]);
  useEffect(load, [load]);

  async function approve(token: GovernedToken) {
    setBusyId(token.id);
    setActionError(undefined);
    try {
      await api.approveToken(token.id);
      setNotice(`Approved “${token.description}” of ${token.owner}: it works now.`);
      load();
      onChanged?.();
    } catch (error) {
      setActionError(`“${token.description}” was not approved: ${error instanceof Error ? error.message : String(error)}`);
    }
    setBusyId(undefined);
  }

  return (
    <main className="page">
      <h1 tabIndex={-1}>Approvals</h1>
      <p className="hint">
        Tokens the users of tenant {session.tenant} created that wait for an admin. They are refused by the API until approved.
      </p>
      <p className="notice-line" role="status">
        {notice}
      </p>
      {actionError && (
        <p className="error" role="alert">
          {actionError}
        </p>
      )}
      {loadError && (
        <div className="error-box" role="alert">
          <p>The tokens waiting for approval could not be loaded: {loadError}</p>
          <button type="button" className="secondary" onClick={load}>
            Try again
          </button>
        </div>
      )}
      {!pending && !loadError && <p className="hint">Loading…</p>}
      {pending && pending.length === 0 && <p className="empty">No token is waiting for approval.</p>}
      {pending && pending.length > 0 && (
        <TokensTable
          caption="Tokens waiting for approval"
          head={
            <>
              <th scope="col">User</th>
              <th scope="col">Description</th>
              <th scope="col">Scopes</th>
              <th scope="col">Requested</th>
              <th scope="col">Expires</th>
            </>
          }
        >
          {pending.map((token) => (
            <tr key={token.id} data-token-id={token.id}>
              <td>{token.owner}</td>
              <th scope="row" className="description">
                {token.description}
                <span className="hint">{token.allowedIps.length > 0 ? `IPs: ${token.allowedIps.join(', ')}` : 'Any IP address'}</span>
                {token.outsidePolicy && <span className="badge badge-outside-policy">Outside policy</span>}
              </th>
              <ScopesCell scopes={token.scopes} />
              <td>
                <time dateTime={token.createdAt} title={formatDateTime(token.createdAt)}>
                  {relativeTime(token.createdAt)}
                </time>
              </td>
              <td>{token.expiresAt ? <time dateTime={token.expiresAt}>{formatDate(token.expiresAt)}</time> : 'Never'}</td>
              <td className="actions-cell">
                <button
                  type="button"
                  className="primary"
                  disabled={busyId === token.id}
                  onClick={() => approve(token)}
                  aria-label={`Approve “${token.description}” of ${token.owner}`}
                >
                  Approve
                </button>
                <button
                  type="button"
                  className="revoke"
                  disabled={busyId === token.id}
                  onClick={() => setRejecting(token)}
                  aria-label={`Reject “${token.description}” of ${token.owner}`}
                >
                  Reject
                </button>
              </td>
            </tr>
          ))}
        </TokensTable>
      )}
      {rejecting && (
        <ConfirmDialog
          title="Reject token?"
          confirmLabel="Reject token"
          busyLabel="Rejecting…"
          failure="The token was not rejected"
          onClose={() => setRejecting(undefined)}
          onConfirm={async () => {
            await api.rejectToken(rejecting.id);
            setNotice(`Rejected “${rejecting.description}” of ${rejecting.owner}: it is revoked.`);
            setRejecting(undefined);
            load();
            onChanged?.();
          }}
        >
          <p>
            Reject <strong>“{rejecting.description}”</strong> of <strong>{rejecting.owner}</strong>? The token is revoked and never works;{' '}
            {rejecting.owner} can ask for a new one.
          </p>
        </ConfirmDialog>
      )}
    </main>
  );
}

import { useCallback, useEffect, useState } from 'react';
import { ApiError, type PatApi } from '../api';
import type { Session } from '../auth';
import { formatDate } from '../format';
import type { GovernedToken } from '../governance';
import { ConfirmDialog } from './ConfirmDialog';
import { Ago, ScopesCell, TokensTable } from './TokenTable';
import { LoadError, NoticeLine } from './PageMessages';

const REASON_MAX = 500;

/** The admin's queue of tokens users created while the tenant requires approval. */
export function ApprovalsPage({ api, session, onChanged }: { api: PatApi; session: Session; onChanged?: () => void }) {
  const [pending, setPending] = useState<GovernedToken[]>();
  const [loadError, setLoadError] = useState<string>();
  const [notice, setNotice] = useState('');
  const [actionError, setActionError] = useState<string>();
  const [busyId, setBusyId] = useState<string>();
  const [rejecting, setRejecting] = useState<GovernedToken>();
  const [reason, setReason] = useState('');

  const load = useCallback(() => {
    setLoadError(undefined);
    api.listPending().then(setPending, (error: unknown) => setLoadError(error instanceof Error ? error.message : String(error)));
  }, [api]);
  useEffect(load, [load]);

  async function approve(token: GovernedToken) {
    setBusyId(token.id);
    setActionError(undefined);
    try {
      await api.approveToken(token.id, token.revision ?? 0);
      setNotice(`Approved “${token.description}” of ${token.owner}: it works now.`);
      load();
      onChanged?.();
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        // Changed since it was shown (edited, revoked, decided by another admin): show it as it is now.
        setActionError(
          `“${token.description}” changed since this page showed it, so it was not approved. It is shown again as it is now: check it, then decide.`,
        );
        load();
        onChanged?.();
      } else {
        setActionError(`“${token.description}” was not approved: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    setBusyId(undefined);
  }

  return (
    <main className="page">
      <h1 tabIndex={-1}>Approvals</h1>
      <p className="hint">
        Tokens the users of tenant {session.tenant} created that wait for an admin. They are refused by the API until approved.
      </p>
      <NoticeLine notice={notice} />
      {actionError && (
        <p className="error" role="alert">
          {actionError}
        </p>
      )}
      {loadError && <LoadError what="The tokens waiting for approval could not be loaded" error={loadError} onRetry={load} />}
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
              <td data-label="User">{token.owner}</td>
              <th scope="row" className="description">
                {token.description}
                <span className="hint">{token.allowedIps.length > 0 ? `IPs: ${token.allowedIps.join(', ')}` : 'Any IP address'}</span>
                {token.outsidePolicy && <span className="badge badge-outside-policy">Outside policy</span>}
                <span className="justification">
                  {token.justification ? (
                    <>
                      <span className="justification-label">Why: </span>
                      {token.justification}
                    </>
                  ) : (
                    <span className="hint-inline">No justification given.</span>
                  )}
                </span>
              </th>
              <ScopesCell scopes={token.scopes} />
              <td data-label="Requested">
                <Ago at={token.createdAt} />
              </td>
              <td data-label="Expires">
                {token.expiresAt ? <time dateTime={token.expiresAt}>{formatDate(token.expiresAt)}</time> : 'Never'}
              </td>
              <td className="actions-cell">
                <div className="row-actions">
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
                </div>
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
          onClose={() => {
            setRejecting(undefined);
            setReason('');
          }}
          onConfirm={async () => {
            const why = reason.trim();
            if (why.length > REASON_MAX) throw new Error(`The reason is ${why.length} characters long: at most ${REASON_MAX}.`);
            try {
              await api.rejectToken(rejecting.id, rejecting.revision ?? 0, why || undefined);
            } catch (error) {
              if (error instanceof ApiError && error.status === 409) {
                setRejecting(undefined);
                setActionError(
                  `“${rejecting.description}” changed since this page showed it, so it was not rejected. It is shown again as it is now.`,
                );
                load();
                return;
              }
              throw error;
            }
            setNotice(`Rejected “${rejecting.description}” of ${rejecting.owner}: it is revoked${why ? '; they see your reason' : ''}.`);
            setRejecting(undefined);
            setReason('');
            load();
            onChanged?.();
          }}
        >
          <p>
            Reject <strong>“{rejecting.description}”</strong> of <strong>{rejecting.owner}</strong>? The token is revoked and never works;{' '}
            {rejecting.owner} can ask for a new one.
          </p>
          <div className="field">
            <label htmlFor="reject-reason">Reason (optional, shown to {rejecting.owner})</label>
            <textarea
              id="reject-reason"
              rows={3}
              maxLength={REASON_MAX}
              value={reason}
              onChange={(event) => setReason(event.target.value)}
              aria-describedby="reject-reason-hint"
            />
            <p id="reject-reason-hint" className="hint">
              Up to {REASON_MAX} characters, e.g. “use the shared CI token instead”.
            </p>
          </div>
        </ConfirmDialog>
      )}
    </main>
  );
}

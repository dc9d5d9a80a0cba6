import { useEffect, useState } from 'react';
import type { AuditEvent, PatApi } from '../api';
import type { Session } from '../auth';
import { type AuditFilter, actionWords, auditActions, auditCsv, emptyFilter, filterEvents } from '../audit';
import { AuditTable } from './AuditTable';
import { LoadError } from './PageMessages';

/** At most this many pages of 100 events are read for one filter (the newest 1,000 events). */
const MAX_PAGES = 10;

/** The tenant's audit trail for its admins: filter by owner, credential, event type and time; export as CSV. */
export function AuditPage({ api, session }: { api: PatApi; session: Session }) {
  const [draft, setDraft] = useState<AuditFilter>(emptyFilter);
  const [filter, setFilter] = useState<AuditFilter>(emptyFilter);
  const [events, setEvents] = useState<AuditEvent[]>();
  const [truncated, setTruncated] = useState(false);
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(true);

  useEffect(() => {
    let cancelled = false;
    setLoading(true);
    setError(undefined);
    (async () => {
      const read: AuditEvent[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const result = await api.tenantAudit({ owner: filter.owner || undefined, tokenId: filter.tokenId || undefined, cursor });
        read.push(...result.items);
        cursor = result.nextCursor ?? undefined;
        if (!cursor) return { read, more: false };
      }
      return { read, more: true };
    })().then(
      ({ read, more }) => {
        if (cancelled) return;
        setEvents(read);
        setTruncated(more);
        setLoading(false);
      },
      (failure: unknown) => {
        if (cancelled) return;
        setError(failure instanceof Error ? failure.message : String(failure));
        setLoading(false);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [api, filter.owner, filter.tokenId]);

  const shown = events ? filterEvents(events, filter) : [];
  const tokenIdProblem =
    draft.tokenId !== '' && !/^[0-9a-f]{32}$/.test(draft.tokenId.trim()) ? 'A token id is 32 hexadecimal digits.' : undefined;

  const exportCsv = () => {
    const blob = new Blob([auditCsv(shown)], { type: 'text/csv;charset=utf-8' });
    const url = URL.createObjectURL(blob);
    const link = document.createElement('a');
    link.href = url;
    link.download = `audit-${session.tenant}-${new Date().toISOString().slice(0, 10)}.csv`;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };

  const set = (field: keyof AuditFilter) => (event: { target: { value: string } }) =>
    setDraft((now) => ({ ...now, [field]: event.target.value }));

  return (
    <main className="page">
      <h1 tabIndex={-1}>Audit log</h1>
      <p className="hint">
        What happened to the tokens of tenant {session.tenant}, newest first: creations, refreshes, edits, decisions, revocations and
        refused calls.
      </p>
      <form
        className="filters"
        aria-label="Filter the audit log"
        onSubmit={(event) => {
          event.preventDefault();
          if (tokenIdProblem) return;
          setFilter({ ...draft, tokenId: draft.tokenId.trim(), owner: draft.owner.trim() });
        }}
      >
        <div className="field">
          <label htmlFor="audit-owner">Owner</label>
          <input id="audit-owner" value={draft.owner} onChange={set('owner')} autoComplete="off" />
        </div>
        <div className="field">
          <label htmlFor="audit-token">Token id</label>
          <input
            id="audit-token"
            value={draft.tokenId}
            onChange={set('tokenId')}
            spellCheck={false}
            autoComplete="off"
            aria-invalid={tokenIdProblem ? true : undefined}
            aria-describedby={tokenIdProblem ? 'audit-token-error' : undefined}
          />
          {tokenIdProblem && (
            <p id="audit-token-error" className="error">
              {tokenIdProblem}
            </p>
          )}
        </div>
        <div className="field">
          <label htmlFor="audit-action">Event</label>
          <select id="audit-action" value={draft.action} onChange={set('action')}>
            <option value="">Every event</option>
            {auditActions.map((action) => (
              <option key={action} value={action}>
                {actionWords(action)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="audit-from">From (UTC)</label>
          <input id="audit-from" type="date" value={draft.from} onChange={set('from')} />
        </div>
        <div className="field">
          <label htmlFor="audit-to">To (UTC)</label>
          <input id="audit-to" type="date" value={draft.to} onChange={set('to')} />
        </div>
        <button type="submit" className="primary">
          Apply filters
        </button>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            setDraft(emptyFilter);
            setFilter(emptyFilter);
          }}
        >
          Clear
        </button>
      </form>
      <div className="page-actions">
        <button type="button" className="secondary" onClick={exportCsv} disabled={loading || shown.length === 0}>
          Export CSV ({shown.length} event{shown.length === 1 ? '' : 's'})
        </button>
      </div>
      <p className="notice-line" role="status">
        {loading ? 'Loading events…' : events ? `${shown.length} event${shown.length === 1 ? '' : 's'} shown.` : ''}
        {truncated && ' Only the newest 1,000 events of this owner and token were read: narrow the filter to see older ones.'}
      </p>
      {error && <LoadError what="The audit log could not be loaded" error={error} />}
      {events && shown.length === 0 && !loading && <p className="empty">No event matches these filters.</p>}
      {shown.length > 0 && <AuditTable caption="Audit events" events={shown} showOwner />}
    </main>
  );
}

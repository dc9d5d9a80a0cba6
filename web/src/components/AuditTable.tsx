import type { AuditEvent } from '../api';
import { actionWords, actorWords, detailsWords } from '../audit';
import { formatDateTime, relativeTime } from '../format';
import { TokensTable } from './TokenTable';

export { actionWords, auditActions } from '../audit';

/** Audit events, newest first. */
export function AuditTable({ caption, events, showOwner }: { caption: string; events: readonly AuditEvent[]; showOwner: boolean }) {
  return (
    <TokensTable
      caption={caption}
      head={
        <>
          <th scope="col">When</th>
          <th scope="col">Event</th>
          {showOwner && <th scope="col">Owner</th>}
          <th scope="col">Token</th>
          <th scope="col">By</th>
          <th scope="col">From</th>
          <th scope="col">Details</th>
        </>
      }
    >
      {events.map((event) => (
        <tr key={event.id}>
          <td data-label="When">
            <time dateTime={event.at} title={relativeTime(event.at)}>
              {formatDateTime(event.at)}
            </time>
          </td>
          <th scope="row">{actionWords(event.action)}</th>
          {showOwner && <td data-label="Owner">{event.owner}</td>}
          <td data-label="Token">
            {event.tokenId ? (
              <a href={`#/tokens/${event.tokenId}`} aria-label={`Token ${event.tokenId.slice(0, 8)}…`}>
                <code>{event.tokenId.slice(0, 8)}…</code>
              </a>
            ) : (
              '—'
            )}
          </td>
          <td data-label="By">{actorWords(event)}</td>
          <td data-label="From">{event.sourceIp ?? '—'}</td>
          <td data-label="Details">{detailsWords(event) || '—'}</td>
          <td className="actions-cell" />
        </tr>
      ))}
    </TokensTable>
  );
}

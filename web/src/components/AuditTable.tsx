import type { AuditEvent } from '../api';
import { formatDateTime, relativeTime } from '../format';
import { revokerWords } from '../governance';
import { TokensTable } from './TokenTable';

const actionText: Record<AuditEvent['action'], string> = {
  'token.created': 'Created',
  'token.revoked': 'Revoked',
  'token.refreshed': 'Refreshed',
  'token.reuse_detected': 'Refresh key reused: credential revoked',
  'token.leak_revoked': 'Revoked after a leak report',
  'token.regenerated': 'Regenerated',
  'token.edited': 'Edited',
  'token.approved': 'Approved',
  'token.rejected': 'Rejected',
  'tenant.policy_changed': 'Tenant policy changed',
  'authorization.denied': 'Call refused',
};

export const auditActions = Object.keys(actionText) as AuditEvent['action'][];

/** An audit action in words: "Refreshed", "Call refused". */
export const actionWords = (action: AuditEvent['action']): string => actionText[action] ?? action;

/** Who did it: a person, the vendor's key (a token), or nobody signed in. */
export function actorWords(event: AuditEvent): string {
  if (event.actor.type === 'anonymous') return 'anonymous';
  if (event.actor.type === 'token') return event.actor.id ? `token ${event.actor.id.slice(0, 8)}…` : 'a token';
  return event.actor.id ? revokerWords(event.actor.id) : 'a user';
}

/** `details` as "reason: rotated · scopes: a, b". */
export const detailsWords = (event: AuditEvent): string =>
  Object.entries(event.details ?? {})
    .map(([key, value]) => `${key}: ${Array.isArray(value) ? value.join(', ') : String(value)}`)
    .join(' · ');

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

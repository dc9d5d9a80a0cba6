import type { ReactNode } from 'react';
import type { TokenMetadata } from '../api';
import { daysUntil, formatDate, formatDateTime, relativeTime } from '../format';
import { isOutsidePolicy, isPending, revokerWords } from '../governance';
import { describeScopes } from '../scopes';

/** Fewer days than this left: the expiry is flagged so someone rotates the token in time. */
export const EXPIRY_WARNING_DAYS = 7;

const reasonWords: Record<string, string> = {
  revoked: 'revoked',
  rotated: 'replaced by a refresh',
  reuse_detected: 'refresh key reused',
  leaked: 'reported leaked',
  rejected: 'approval refused',
  outside_policy: 'outside the tenant policy',
};

/** The frame of a table of tokens: `caption` for screen readers, `head` the header cells, `children` the rows. */
export function TokensTable({ caption, busy, head, children }: { caption: string; busy?: boolean; head: ReactNode; children: ReactNode }) {
  return (
    <div className="table-wrap">
      <table className="tokens" aria-busy={busy || undefined}>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {head}
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

/** A token's scopes, one line per area (`describeScopes`). */
export function ScopesCell({ scopes }: { scopes: readonly string[] }) {
  return (
    <td>
      <ul className="scope-list">
        {describeScopes(scopes).map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
    </td>
  );
}

function Expires({ token }: { token: TokenMetadata }) {
  if (token.expiresAt === null) return <span>Never</span>;
  const soon = token.status === 'active' && daysUntil(token.expiresAt) < EXPIRY_WARNING_DAYS;
  return (
    <>
      <time dateTime={token.expiresAt} title={formatDateTime(token.expiresAt)}>
        {formatDate(token.expiresAt)}
      </time>
      <span className={soon ? 'expiry-warning' : 'hint'}>
        {soon && (
          <span aria-hidden="true" className="warning-icon">
            ⚠{' '}
          </span>
        )}
        {token.status === 'expired'
          ? `expired ${relativeTime(token.expiresAt)}`
          : soon
            ? `Expires ${relativeTime(token.expiresAt)}: renew it soon`
            : relativeTime(token.expiresAt)}
      </span>
    </>
  );
}

function Status({ token }: { token: TokenMetadata }) {
  const reason =
    token.status === 'revoked' && token.revokeReason && token.revokeReason !== 'revoked'
      ? (reasonWords[token.revokeReason] ?? token.revokeReason)
      : undefined;
  const revokedBy = token.status === 'revoked' && token.revokedBy ? `by ${revokerWords(token.revokedBy)}` : undefined;
  const pending = isPending(token);
  return (
    <>
      {pending ? (
        <span className="badge badge-pending">Waiting for approval</span>
      ) : (
        <span className={`badge badge-${token.status}`}>{token.status.charAt(0).toUpperCase() + token.status.slice(1)}</span>
      )}
      {pending && <span className="hint">An admin of the tenant must approve it before it works.</span>}
      {isOutsidePolicy(token) && (
        <span
          className="badge badge-outside-policy"
          title="The tenant policy changed since this token was created: it works until it expires or is rotated, and cannot be refreshed."
        >
          Outside policy
        </span>
      )}
      {token.status === 'revoked' && (
        <span className="hint">
          {[reason, revokedBy, token.revokedAt ? relativeTime(token.revokedAt) : undefined].filter(Boolean).join(', ')}
        </span>
      )}
    </>
  );
}

/** Generation 1 when created, +1 per refresh; a successor is created by its rotation, so createdAt is the last rotation. */
function Generation({ token }: { token: TokenMetadata }) {
  if (token.generation === undefined) return <span className="hint-inline">—</span>;
  return (
    <>
      <span>{token.generation}</span>
      {token.generation > 1 && (
        <span className="hint">
          rotated{' '}
          <time dateTime={token.createdAt} title={formatDateTime(token.createdAt)}>
            {relativeTime(token.createdAt)}
          </time>
        </span>
      )}
    </>
  );
}

function LastUsed({ token }: { token: TokenMetadata }) {
  if (!token.lastUsedAt) return <span className="hint-inline">Never</span>;
  const ips = token.lastUsedIps ?? [];
  return (
    <>
      <time dateTime={token.lastUsedAt} title={formatDateTime(token.lastUsedAt)}>
        {relativeTime(token.lastUsedAt)}
      </time>
      {ips.length > 0 && <span className="hint">from {ips.join(', ')}</span>}
    </>
  );
}

interface TokenTableProps {
  tokens: readonly TokenMetadata[];
  caption: string;
  showOwner: boolean;
  busy: boolean;
  onRevoke: (token: TokenMetadata) => void;
  onEdit: (token: TokenMetadata) => void;
  onRegenerate: (token: TokenMetadata) => void;
}

export function TokenTable({ tokens, caption, showOwner, busy, onRevoke, onEdit, onRegenerate }: TokenTableProps) {
  return (
    <TokensTable
      caption={caption}
      busy={busy}
      head={
        <>
          {showOwner && <th scope="col">User</th>}
          <th scope="col">Description</th>
          <th scope="col">Scopes</th>
          <th scope="col">Created</th>
          <th scope="col">Expires</th>
          <th scope="col">Status</th>
          <th scope="col">Generation</th>
          <th scope="col">Last used</th>
        </>
      }
    >
      {tokens.map((token) => (
        <tr key={token.id} data-token-id={token.id}>
          {showOwner && <td>{token.owner}</td>}
          <th scope="row" className="description">
            {token.description}
            {token.allowedIps.length > 0 && <span className="hint">IPs: {token.allowedIps.join(', ')}</span>}
          </th>
          <ScopesCell scopes={token.scopes} />
          <td>
            <time dateTime={token.createdAt} title={formatDateTime(token.createdAt)}>
              {formatDate(token.createdAt)}
            </time>
            {token.createdBy !== token.owner && <span className="hint">by {token.createdBy}</span>}
          </td>
          <td>
            <Expires token={token} />
          </td>
          <td>
            <Status token={token} />
          </td>
          <td>
            <Generation token={token} />
          </td>
          <td>
            <LastUsed token={token} />
          </td>
          <td className="actions-cell">
            {(token.status === 'active' || isPending(token)) && (
              <button
                type="button"
                className="secondary"
                onClick={() => onEdit(token)}
                aria-label={`Edit token “${token.description}”${showOwner ? ` of ${token.owner}` : ''}`}
              >
                Edit
              </button>
            )}
            {token.status === 'active' && (
              <button
                type="button"
                className="secondary"
                onClick={() => onRegenerate(token)}
                aria-label={`Regenerate token “${token.description}”${showOwner ? ` of ${token.owner}` : ''}`}
              >
                Regenerate
              </button>
            )}
            {token.status !== 'revoked' && (
              <button
                type="button"
                className="revoke"
                onClick={() => onRevoke(token)}
                aria-label={`Revoke token “${token.description}”${showOwner ? ` of ${token.owner}` : ''}`}
              >
                <span aria-hidden="true">✕ </span>Revoke
              </button>
            )}
          </td>
        </tr>
      ))}
    </TokensTable>
  );
}

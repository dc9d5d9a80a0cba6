import { type ReactNode, useState } from 'react';
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

export function Expires({ token }: { token: TokenMetadata }) {
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

export function Status({ token }: { token: TokenMetadata }) {
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

/** A moment as "3 hours ago", the exact time on hover. */
export function Ago({ at }: { at: string }) {
  return (
    <time dateTime={at} title={formatDateTime(at)}>
      {relativeTime(at)}
    </time>
  );
}

/** Generation 1 when created, +1 per refresh; a successor is created by its rotation, so createdAt is the last rotation. */
export function Generation({ token }: { token: TokenMetadata }) {
  if (token.generation === undefined) return <span className="hint-inline">—</span>;
  return (
    <>
      <span>{token.generation}</span>
      {token.generation > 1 && (
        <span className="hint">
          rotated <Ago at={token.createdAt} />
        </span>
      )}
    </>
  );
}

/** A credential's (or token's) last use: `at` the newest use, `ips` where from when known. */
export function LastUsed({ at, ips = [] }: { at: string | null | undefined; ips?: readonly string[] }) {
  if (!at) return <span className="hint-inline">Never</span>;
  return (
    <>
      <Ago at={at} />
      {ips.length > 0 && <span className="hint">from {ips.join(', ')}</span>}
    </>
  );
}

/** The first 8 hex digits of a token id: enough to match a vendor's "token 3ae3…" to a row. */
export const shortId = (id: string) => id.slice(0, 8);

/** The short id, with a button that copies the whole id (the API and `pat` take it). */
export function TokenIdChip({ token }: { token: TokenMetadata }) {
  const [copied, setCopied] = useState(false);
  return (
    <span className="token-id">
      <code title={token.id}>{shortId(token.id)}…</code>
      <button
        type="button"
        className="link-button"
        aria-label={`Copy token id ${shortId(token.id)}… of “${token.description}”`}
        onClick={async () => {
          try {
            await navigator.clipboard.writeText(token.id);
            setCopied(true);
            setTimeout(() => setCopied(false), 2000);
          } catch {
            setCopied(false);
          }
        }}
      >
        {copied ? 'Copied' : 'Copy id'}
      </button>
    </span>
  );
}

/** Where a credential's page is: a URL a colleague can open (hash routing, which every host of the console serves). */
export const credentialHref = (token: Pick<TokenMetadata, 'id'>) => `#/tokens/${token.id}`;

interface TokenTableProps {
  tokens: readonly TokenMetadata[];
  caption: string;
  showOwner: boolean;
  busy: boolean;
  onRevoke: (token: TokenMetadata) => void;
  onEdit: (token: TokenMetadata) => void;
  onRegenerate: (token: TokenMetadata) => void;
  /** The credential's last use (newest of its generations); default: the token's own. */
  lastUseOf?: (token: TokenMetadata) => { at: string | null | undefined; ips?: readonly string[] };
}

const ownUse = (token: TokenMetadata) => ({ at: token.credentialLastUsedAt ?? token.lastUsedAt, ips: token.lastUsedIps ?? [] });

/**
 * One row per credential. Every action is a visible button in the last column, stacked when the
 * window is narrow (never scrolled out of sight); under 700 px each row becomes a card.
 */
export function TokenTable({ tokens, caption, showOwner, busy, onRevoke, onEdit, onRegenerate, lastUseOf = ownUse }: TokenTableProps) {
  return (
    <TokensTable
      caption={caption}
      busy={busy}
      head={
        <>
          {showOwner && <th scope="col">User</th>}
          <th scope="col">Description</th>
          <th scope="col">Scopes</th>
          <th scope="col">Expires</th>
          <th scope="col">Status</th>
          <th scope="col">Generation</th>
          <th scope="col">Last used</th>
        </>
      }
    >
      {tokens.map((token) => {
        const whose = showOwner ? ` of ${token.owner}` : '';
        const lastUse = lastUseOf(token);
        return (
          <tr key={token.id} data-token-id={token.id}>
            {showOwner && <td data-label="User">{token.owner}</td>}
            <th scope="row" className="description">
              <a href={credentialHref(token)} aria-label={`${token.description}${whose}: details`}>
                {token.description}
              </a>
              <TokenIdChip token={token} />
              {token.allowedIps.length > 0 && <span className="hint">IPs: {token.allowedIps.join(', ')}</span>}
              <span className="hint">
                created{' '}
                <time dateTime={token.createdAt} title={formatDateTime(token.createdAt)}>
                  {formatDate(token.createdAt)}
                </time>
                {token.createdBy !== token.owner && ` by ${token.createdBy}`}
              </span>
              {token.rejectReason && <span className="hint reject-reason">Rejected: {token.rejectReason}</span>}
            </th>
            <td data-label="Scopes">
              <ul className="scope-list">
                {describeScopes(token.scopes).map((line) => (
                  <li key={line}>{line}</li>
                ))}
              </ul>
            </td>
            <td data-label="Expires">
              <Expires token={token} />
            </td>
            <td data-label="Status">
              <Status token={token} />
            </td>
            <td data-label="Generation">
              <Generation token={token} />
            </td>
            <td data-label="Last used">
              <LastUsed at={lastUse.at} ips={lastUse.ips} />
            </td>
            <td className="actions-cell">
              <div className="row-actions">
                {(token.status === 'active' || isPending(token)) && (
                  <button
                    type="button"
                    className="secondary"
                    onClick={() => onEdit(token)}
                    aria-label={`Edit token “${token.description}”${whose}`}
                  >
                    Edit
                  </button>
                )}
                {token.status === 'active' && (
                  <button
                    type="button"
                    className="secondary"
                    onClick={() => onRegenerate(token)}
                    aria-label={`Regenerate token “${token.description}”${whose}`}
                  >
                    Regenerate
                  </button>
                )}
                {token.status !== 'revoked' && (
                  <button
                    type="button"
                    className="revoke"
                    onClick={() => onRevoke(token)}
                    aria-label={`Revoke token “${token.description}”${whose}`}
                  >
                    <span aria-hidden="true">✕ </span>Revoke
                  </button>
                )}
              </div>
            </td>
          </tr>
        );
      })}
    </TokensTable>
  );
}

import { useCallback, useEffect, useRef, useState } from 'react';
import type { AuditEvent, IssuedToken, PatApi, RevokedToken } from '../api';
import type { Session } from '../auth';
import { type Credential, credentialsOf, lastUseOf, revocationMessage } from '../families';
import { formatDateTime, relativeTime } from '../format';
import { type GovernedToken, isPending, type TenantPolicy, tenantPolicyOf } from '../governance';
import { describeScopes } from '../scopes';
import { actionWords, AuditTable } from './AuditTable';
import { EditTokenDialog } from './EditTokenDialog';
import { RegenerateDialog } from './RegenerateDialog';
import { RevokeDialog } from './RevokeDialog';
import { ShownOnceDialog } from './ShownOnceDialog';
import { Ago, Expires, LastUsed, Status, TokensTable, TokenIdChip } from './TokenTable';
import { LoadError, NoticeLine } from './PageMessages';

interface CredentialPageProps {
  api: PatApi;
  session: Session;
  /** Any generation's id: the page shows the whole credential (its family). */
  tokenId: string;
  apiUrl: string;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Of the family's members, at most this many have their audit trail read (the newest ones). */
const AUDITED_GENERATIONS = 20;

interface Loaded {
  credential: Credential;
  events: AuditEvent[];
  policy: TenantPolicy;
}

/**
 * One credential on a page of its own (`#/tokens/<id>`, a link to share with a colleague): its
 * metadata, every generation with its status, last use and addresses, its audit history, and the
 * actions. A vendor's "token 3ae3…" is any generation's id: the page finds the credential from it.
 */
export function CredentialPage({ api, session, tokenId, apiUrl }: CredentialPageProps) {
  const [loaded, setLoaded] = useState<Loaded>();
  const [error, setError] = useState<string>();
  const [reloads, setReloads] = useState(0);
  const [notice, setNotice] = useState('');
  const [editing, setEditing] = useState(false);
  const [regenerating, setRegenerating] = useState(false);
  const [revoking, setRevoking] = useState(false);
  const [issued, setIssued] = useState<IssuedToken>();
  const [linkCopied, setLinkCopied] = useState(false);
  const headingRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    let cancelled = false;
    setError(undefined);
    (async () => {
      const addressed = await api.getToken(tokenId);
      const [siblings, policy] = await Promise.all([
        api.listAll({ status: 'all', owner: session.admin ? addressed.owner : undefined }),
        api.policy().then(tenantPolicyOf),
      ]);
      const members = siblings.filter((token) => token.familyId === addressed.familyId);
      if (!members.some((token) => token.id === addressed.id)) members.push(addressed);
      const [credential] = credentialsOf(members.sort((a, b) => (b.generation ?? 0) - (a.generation ?? 0)));
      const trails = await Promise.all(
        credential!.members.slice(0, AUDITED_GENERATIONS).map((member) =>
          api.tokenAudit(member.id).then(
            (page) => page.items,
            () => [] as AuditEvent[],
          ),
        ),
      );
      const events = trails.flat().sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
      return { credential: credential!, events, policy };
    })().then(
      (result) => {
        if (!cancelled) setLoaded(result);
      },
      (failure: unknown) => {
        if (!cancelled) setError(messageOf(failure));
      },
    );
    return () => {
      cancelled = true;
    };
  }, [api, tokenId, session.admin, reloads]);

  const reload = useCallback(() => setReloads((n) => n + 1), []);

  if (error) {
    return (
      <main className="page">
        <p>
          <a href="#/tokens">← All tokens</a>
        </p>
        <h1 tabIndex={-1}>Token not found</h1>
        <LoadError what="This token could not be loaded" error={error} onRetry={reload} />
      </main>
    );
  }
  if (!loaded) {
    return (
      <main className="page">
        <p role="status">Loading the token…</p>
      </main>
    );
  }

  const { credential, events, policy } = loaded;
  const token = credential.newest;
  const showOwner = session.admin && token.owner !== session.user;
  const whose = showOwner ? ` of ${token.owner}` : '';
  const lastUse = lastUseOf(credential);
  const live = token.status === 'active' || isPending(token);

  return (
    <main className="page">
      <p>
        <a href="#/tokens">← All tokens</a>
      </p>
      <h1 ref={headingRef} tabIndex={-1}>
        {token.description}
        {showOwner && <span className="hint-inline"> · {token.owner}</span>}
      </h1>
      <NoticeLine notice={notice} />
      {token.rejectReason && (
        <p className="notice-box">
          <strong>Approval refused:</strong> {token.rejectReason}
        </p>
      )}
      <div className="page-actions">
        {live && (
          <button type="button" className="secondary" onClick={() => setEditing(true)}>
            Edit
          </button>
        )}
        {token.status === 'active' && (
          <button type="button" className="secondary" onClick={() => setRegenerating(true)}>
            Regenerate
          </button>
        )}
        {token.status !== 'revoked' && (
          <button type="button" className="revoke" onClick={() => setRevoking(true)}>
            <span aria-hidden="true">✕ </span>Revoke
          </button>
        )}
        <button
          type="button"
          className="secondary"
          onClick={async () => {
            try {
              await navigator.clipboard.writeText(window.location.href);
              setLinkCopied(true);
            } catch {
              setLinkCopied(false);
            }
          }}
        >
          {linkCopied ? 'Link copied' : 'Copy link to this page'}
        </button>
      </div>

      <h2>Details</h2>
      <dl className="metadata">
        <dt>Token id</dt>
        <dd>
          <TokenIdChip token={token} />
          <code className="full-id">{token.id}</code>
        </dd>
        <dt>Status</dt>
        <dd>
          <Status token={token} />
        </dd>
        <dt>Owner</dt>
        <dd>
          {token.owner}
          {token.createdBy !== token.owner && <span className="hint-inline"> (created by {token.createdBy})</span>}
        </dd>
        <dt>Scopes</dt>
        <dd>
          <ul className="scope-list">
            {describeScopes(token.scopes).map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        </dd>
        <dt>Allowed IPs</dt>
        <dd>{token.allowedIps.length > 0 ? token.allowedIps.join(', ') : 'Any address'}</dd>
        <dt>Expires</dt>
        <dd>
          <Expires token={token} />
        </dd>
        <dt>Last used</dt>
        <dd>
          <LastUsed at={lastUse.at} ips={lastUse.ips} />
        </dd>
        <dt>Created</dt>
        <dd>
          <time dateTime={credential.members[credential.members.length - 1]!.createdAt}>
            {formatDateTime(credential.members[credential.members.length - 1]!.createdAt)}
          </time>
        </dd>
        {token.justification && (
          <>
            <dt>Justification</dt>
            <dd className="justification">{token.justification}</dd>
          </>
        )}
      </dl>

      <h2>Generations</h2>
      <p className="hint">Each refresh or regeneration replaces the token with the next generation; together they are one credential.</p>
      <TokensTable
        caption={`Generations of “${token.description}”`}
        head={
          <>
            <th scope="col">Generation</th>
            <th scope="col">Token id</th>
            <th scope="col">Status</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
          </>
        }
      >
        {credential.members.map((member) => (
          <tr key={member.id} data-token-id={member.id}>
            <th scope="row">{member.generation ?? '—'}</th>
            <td data-label="Token id">
              <code title={member.id}>{member.id.slice(0, 8)}…</code>
            </td>
            <td data-label="Status">
              <Status token={member} />
            </td>
            <td data-label="Created">
              <Ago at={member.createdAt} />
            </td>
            <td data-label="Last used">
              <LastUsed at={member.lastUsedAt} ips={member.lastUsedIps ?? []} />
            </td>
            <td className="actions-cell" />
          </tr>
        ))}
      </TokensTable>

      <h2>History</h2>
      {events.length === 0 ? (
        <p className="empty">No audit events for this credential.</p>
      ) : (
        <AuditTable caption={`Audit history of “${token.description}”`} events={events} showOwner={false} />
      )}
      <p className="hint">
        {events.length > 0 &&
          `${events.length} event${events.length === 1 ? '' : 's'}; the newest: ${actionWords(events[0]!.action)} ${relativeTime(events[0]!.at)}.`}
      </p>

      {editing && (
        <EditTokenDialog
          api={api}
          token={token}
          policy={policy}
          showOwner={showOwner}
          admin={session.admin}
          onEdited={(edited: GovernedToken) => {
            setEditing(false);
            setNotice(`Token “${edited.description}” saved.`);
            reload();
          }}
          onClose={() => setEditing(false)}
        />
      )}
      {regenerating && (
        <RegenerateDialog
          api={api}
          token={token}
          policy={policy}
          showOwner={showOwner}
          onRegenerated={(regenerated) => {
            setRegenerating(false);
            setIssued(regenerated);
            setNotice(`Token “${regenerated.description}” regenerated: generation ${regenerated.generation ?? '?'}.`);
          }}
          onClose={() => setRegenerating(false)}
        />
      )}
      {issued && (
        <ShownOnceDialog
          token={issued}
          regenerated
          apiUrl={apiUrl}
          onClose={() => {
            setIssued(undefined);
            reload();
          }}
          returnFocus={() => headingRef.current}
        />
      )}
      {revoking && (
        <RevokeDialog
          api={api}
          token={token}
          showOwner={showOwner}
          onRevoked={(revoked: RevokedToken, newestGeneration?: number) => {
            setRevoking(false);
            setNotice(revocationMessage(revoked, whose, newestGeneration));
            reload();
          }}
          onClose={() => setRevoking(false)}
          returnFocus={() => headingRef.current}
        />
      )}
    </main>
  );
}

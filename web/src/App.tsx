import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { UserManager } from 'oidc-client-ts';
import { PatApi } from './api';
import { forgetLocalSession, loadConsoleConfig, saveLocalSession, savedLocalSession, type ConsoleConfig, type Session } from './auth';
import { CognitoSignIn, LocalSignIn } from './components/SignIn';
import { ApprovalsPage } from './components/ApprovalsPage';
import { AuditPage } from './components/AuditPage';
import { CredentialPage } from './components/CredentialPage';
import { PolicyPage } from './components/PolicyPage';
import { TokensPage } from './components/TokensPage';

/**
 * The console's pages, addressed by the URL's hash so that a reload or a link keeps the page: hash
 * routing works wherever the console is served (the local server, S3 + CloudFront) without a
 * rewrite rule, and `/tokens/...` paths belong to the API. `#/tokens/<id>` is one credential's page.
 */
type ConsolePage = 'tokens' | 'policy' | 'approvals' | 'audit' | { credential: string };
function pageOfHash(hash: string): ConsolePage {
  const credential = /^#\/tokens\/([0-9a-f]{32})$/.exec(hash)?.[1];
  if (credential) return { credential };
  return hash === '#/policy' ? 'policy' : hash === '#/approvals' ? 'approvals' : hash === '#/audit' ? 'audit' : 'tokens';
}

function useHashPage(): ConsolePage {
  const [page, setPage] = useState(() => pageOfHash(window.location.hash));
  useEffect(() => {
    const follow = () => setPage(pageOfHash(window.location.hash));
    window.addEventListener('hashchange', follow);
    return () => window.removeEventListener('hashchange', follow);
  }, []);
  return page;
}

/** Admins govern the tenant too; users have one page and see no navigation. `waiting`: tokens awaiting approval. */
function AdminNav({ page, waiting }: { page: ConsolePage; waiting?: number }) {
  const links: [ConsolePage, string, string][] = [
    ['tokens', '#/tokens', 'Tokens'],
    ['approvals', '#/approvals', 'Approvals'],
    ['audit', '#/audit', 'Audit log'],
    ['policy', '#/policy', 'Tenant policy'],
  ];
  return (
    <nav className="console-nav" aria-label="Console">
      {links.map(([name, href, label]) => (
        <a
          key={String(name)}
          href={href}
          aria-current={page === name || (name === 'tokens' && typeof page === 'object') ? 'page' : undefined}
        >
          {label}
          {name === 'approvals' && waiting !== undefined && waiting > 0 && (
            <span className="count-badge">
              {waiting}
              <span className="visually-hidden"> waiting</span>
            </span>
          )}
        </a>
      ))}
    </nav>
  );
}

type Boot = { phase: 'loading' } | { phase: 'failed'; message: string } | { phase: 'ready'; config: ConsoleConfig; manager?: UserManager };

interface StartedConsole {
  config: ConsoleConfig;
  manager?: UserManager;
  session?: Session;
  notice?: string;
}

let started: Promise<StartedConsole> | undefined;

/**
 * Loads the configuration and finishes a hosted-login redirect, once per page load: the
 * authorization code is single-use, so a second attempt (React runs effects twice in development)
 * must reuse the first one's outcome.
 */
function startUp(): Promise<StartedConsole> {
  started ??= (async () => {
    const config = await loadConsoleConfig();
    if (config.mode === 'local') return { config, session: savedLocalSession() };
    const { cognitoUserManager, restoreCognitoSession } = await import('./cognito');
    const manager = cognitoUserManager(config);
    try {
      return { config, manager, session: await restoreCognitoSession(manager, config) };
    } catch (error) {
      return { config, manager, notice: error instanceof Error ? error.message : String(error) };
    }
  })();
  return started;
}

function Header({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  return (
    <header className="top-bar">
      <span className="brand">Access tokens</span>
      <span className="who">
        Signed in as <strong>{session.user}</strong>
        {session.tenant && <> · tenant {session.tenant}</>}
        {session.admin && <span className="badge badge-admin">admin</span>}
      </span>
      <button type="button" className="secondary" onClick={onSignOut}>
        Sign out
      </button>
    </header>
  );
}

export function App() {
  const [boot, setBoot] = useState<Boot>({ phase: 'loading' });
  const [session, setSession] = useState<Session>();
  const [notice, setNotice] = useState<string>();
  const sessionRef = useRef<Session | undefined>(undefined);
  const page = useHashPage();
  const [waiting, setWaiting] = useState<number>();
  sessionRef.current = session;

  useEffect(() => {
    let cancelled = false;
    startUp().then(
      (started) => {
        if (cancelled) return;
        setSession(started.session);
        setNotice(started.notice);
        setBoot({ phase: 'ready', config: started.config, manager: started.manager });
      },
      (error: unknown) => {
        if (!cancelled) setBoot({ phase: 'failed', message: error instanceof Error ? error.message : String(error) });
      },
    );
    return () => {
      cancelled = true;
    };
  }, []);

  const signOut = useCallback(
    (why?: string) => {
      setSession(undefined);
      setNotice(why ?? 'You have signed out.');
      if (boot.phase !== 'ready') return;
      if (boot.config.mode === 'local') {
        forgetLocalSession();
      } else {
        const { config, manager } = boot;
        void import('./cognito')
          .then(({ signOutOfCognito }) => (manager ? signOutOfCognito(manager, config) : undefined))
          .finally(() => {
            // After the revocation: the logout page unloads this one.
            if (!why && config.logoutUrl) window.location.assign(config.logoutUrl);
          });
      }
    },
    [boot],
  );

  const api = useMemo(() => {
    if (boot.phase !== 'ready' || !session) return undefined;
    return new PatApi(
      boot.config.apiUrl,
      () => sessionRef.current?.idToken ?? '',
      () => signOut('Your session has expired. Sign in again.'),
    );
  }, [boot, session, signOut]);

  // The count on the Approvals tab: read again on every page change (a decision, a new request).
  useEffect(() => {
    if (!api || !session?.admin) return;
    let cancelled = false;
    api.listPending().then(
      (tokens) => {
        if (!cancelled) setWaiting(tokens.length);
      },
      () => {
        if (!cancelled) setWaiting(undefined);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [api, session?.admin, page]);

  if (boot.phase === 'loading') {
    return (
      <main className="centered">
        <p role="status">Loading the console…</p>
      </main>
    );
  }
  if (boot.phase === 'failed') {
    return (
      <main className="centered">
        <div className="card" role="alert">
          <h1>The console could not start</h1>
          <p>{boot.message}</p>
          <button type="button" className="primary" onClick={() => window.location.reload()}>
            Reload
          </button>
        </div>
      </main>
    );
  }
  if (!session || !api) {
    const { config, manager } = boot;
    return config.mode === 'local' ? (
      <LocalSignIn
        apiUrl={config.apiUrl}
        notice={notice}
        onSignedIn={(signedIn) => {
          saveLocalSession(signedIn);
          setNotice(undefined);
          setSession(signedIn);
        }}
      />
    ) : (
      <CognitoSignIn notice={notice} onSignIn={() => manager!.signinRedirect()} />
    );
  }
  return (
    <>
      <Header session={session} onSignOut={() => signOut()} />
      {session.admin && <AdminNav page={page} waiting={waiting} />}
      {typeof page === 'object' ? (
        <CredentialPage
          key={`${session.user}@${session.tenant}/${page.credential}`}
          api={api}
          session={session}
          tokenId={page.credential}
          apiUrl={boot.config.apiUrl}
        />
      ) : session.admin && page === 'policy' ? (
        <PolicyPage key={`${session.user}@${session.tenant}`} api={api} session={session} />
      ) : session.admin && page === 'approvals' ? (
        <ApprovalsPage
          key={`${session.user}@${session.tenant}`}
          api={api}
          session={session}
          onChanged={() =>
            api.listPending().then(
              (tokens) => setWaiting(tokens.length),
              () => undefined,
            )
          }
        />
      ) : session.admin && page === 'audit' ? (
        <AuditPage key={`${session.user}@${session.tenant}`} api={api} session={session} />
      ) : (
        <TokensPage
          key={`${session.user}@${session.tenant}`}
          api={api}
          session={session}
          pageSize={boot.config.pageSize}
          apiUrl={boot.config.apiUrl}
        />
      )}
    </>
  );
}

import { useState, type FormEvent, type ReactNode } from 'react';
import { ApiError, localSignIn } from '../api';
import { expiryOf, type Session } from '../auth';
import { principalIdProblem } from '../validation';
import { CheckboxField, TextField } from './Field';
import { useAction } from './useAction';

interface SignInShellProps {
  notice?: string;
  children: ReactNode;
}

function SignInShell({ notice, children }: SignInShellProps) {
  return (
    <main className="centered">
      <div className="card sign-in">
        <h1>Personal access tokens</h1>
        <p>Sign in to create, review and revoke the tokens that programs and vendors use to call your APIs.</p>
        {notice && (
          <p className="notice" role="status">
            {notice}
          </p>
        )}
        {children}
      </div>
    </main>
  );
}

/** Local mode: pick any user and tenant through `POST /local/session` (stands in for the Cognito hosted login). */
export function LocalSignIn({ apiUrl, notice, onSignedIn }: { apiUrl: string; notice?: string; onSignedIn: (session: Session) => void }) {
  const [user, setUser] = useState('');
  const [tenant, setTenant] = useState('');
  const [admin, setAdmin] = useState(false);
  const [attempted, setAttempted] = useState(false);
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const userError = serverErrors.user ?? (attempted ? principalIdProblem(user, 'user id') : undefined);
  const tenantError = serverErrors.tenant ?? (attempted ? principalIdProblem(tenant, 'tenant id') : undefined);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setAttempted(true);
    setFormError(undefined);
    const userProblem = principalIdProblem(user, 'user id');
    if (userProblem || principalIdProblem(tenant, 'tenant id')) {
      document.getElementById(userProblem ? 'sign-in-user' : 'sign-in-tenant')?.focus();
      return;
    }
    setBusy(true);
    try {
      const idToken = await localSignIn(apiUrl, { user: user.trim(), tenant: tenant.trim(), admin });
      onSignedIn({ idToken, user: user.trim(), tenant: tenant.trim(), admin, expiresAt: expiryOf(idToken) });
    } catch (error) {
      const problems: Record<string, string> = {};
      if (error instanceof ApiError) for (const detail of error.details) problems[detail.field] = `This ${detail.field} ${detail.message}.`;
      setServerErrors(problems);
      if (Object.keys(problems).length === 0) setFormError(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <SignInShell notice={notice}>
      <p className="hint">Local development sign-in: choose any user and tenant. Deployed, this page is the Cognito hosted login.</p>
      <form onSubmit={submit} noValidate aria-label="Sign in">
        <TextField
          id="sign-in-user"
          label="User"
          name="user"
          autoComplete="username"
          value={user}
          onChange={(value) => {
            setUser(value);
            setServerErrors(({ user: _removed, ...rest }) => rest);
          }}
          error={userError}
          autoFocus
        />
        <TextField
          id="sign-in-tenant"
          label="Tenant"
          name="tenant"
          value={tenant}
          onChange={(value) => {
            setTenant(value);
            setServerErrors(({ tenant: _removed, ...rest }) => rest);
          }}
          error={tenantError}
        />
        <CheckboxField
          id="sign-in-admin"
          label="Tenant admin"
          checked={admin}
          onChange={setAdmin}
          hint="Admins see and revoke every token of their tenant and create tokens for other users."
        />
        {formError && (
          <p className="error" role="alert">
            {formError}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </SignInShell>
  );
}

/** Deployed: the Cognito hosted login, authorization code with PKCE (oidc-client-ts). */
export function CognitoSignIn({ notice, onSignIn }: { notice?: string; onSignIn: () => Promise<void> }) {
  const { busy, error, run } = useAction((reason) => `The sign-in page could not be opened: ${reason}. Try again.`);
  return (
    <SignInShell notice={notice}>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <button type="button" className="primary" disabled={busy} autoFocus onClick={() => run(onSignIn)}>
        {busy ? 'Opening the sign-in page…' : 'Sign in'}
      </button>
    </SignInShell>
  );
}

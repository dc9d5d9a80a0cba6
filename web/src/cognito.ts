import { ErrorResponse, UserManager, WebStorageStateStore, type User } from 'oidc-client-ts';
import { expiryOf, type ConsoleConfig, type Session } from './auth';

// Loaded only when the console is deployed with Cognito, so local mode does not ship the OIDC client.

export type CognitoConfig = Extract<ConsoleConfig, { mode: 'cognito' }>;

export function cognitoUserManager(config: CognitoConfig): UserManager {
  return new UserManager({
    authority: config.authority,
    client_id: config.clientId,
    redirect_uri: config.redirectUri,
    response_type: 'code', // authorization code with PKCE (oidc-client-ts always sends a S256 challenge)
    scope: config.scope,
    // Both the PKCE verifier and the user live in this tab only.
    userStore: new WebStorageStateStore({ store: window.sessionStorage }),
    stateStore: new WebStorageStateStore({ store: window.sessionStorage }),
    automaticSilentRenew: false,
    loadUserInfo: false,
  });
}

export function sessionOfCognitoUser(user: User, config: CognitoConfig): Session | undefined {
  if (!user.id_token || user.expired) return undefined;
  const profile = user.profile as Record<string, unknown>;
  const groups = profile['cognito:groups'];
  const userId = profile['cognito:username'] ?? profile.sub;
  return {
    idToken: user.id_token,
    user: typeof userId === 'string' ? userId : String(user.profile.sub),
    tenant: typeof profile[config.tenantClaim] === 'string' ? (profile[config.tenantClaim] as string) : '',
    admin: Array.isArray(groups) ? groups.includes(config.adminGroup) : groups === config.adminGroup,
    expiresAt: user.expires_at ? user.expires_at * 1000 : expiryOf(user.id_token),
  };
}

/**
 * What the sign-in page shows when the hosted login sent the user back with an error. Fixed words:
 * `error_description` is whatever the address bar says, so anyone could send a link that makes the
 * console display their text (a phishing message in the console's own voice).
 */
export const SIGN_IN_REFUSED =
  'Sign-in did not complete: it was cancelled or refused at the sign-in page. Try again, or ask your administrator if it keeps failing.';

/**
 * Finishes a hosted-UI redirect if this page load is one, then answers the stored user, if any.
 * An error redirect is reported only when its `state` is one this tab sent (oidc-client-ts checks it
 * against its state store): an error link forged by someone else is silently dropped.
 */
export async function restoreCognitoSession(manager: UserManager, config: CognitoConfig): Promise<Session | undefined> {
  const url = new URL(window.location.href);
  if (url.searchParams.has('error')) {
    // Out of the address bar whatever it is, so a reload does not replay it.
    window.history.replaceState(null, '', url.pathname);
    if (url.searchParams.has('state')) {
      try {
        await manager.signinRedirectCallback(url.href);
      } catch (error) {
        if (error instanceof ErrorResponse) throw new Error(SIGN_IN_REFUSED);
        // No matching state: not an answer to this tab's sign-in.
      }
    }
    const user = await manager.getUser();
    return user ? sessionOfCognitoUser(user, config) : undefined;
  }
  if (url.searchParams.has('code') && url.searchParams.has('state')) {
    try {
      const user = await manager.signinRedirectCallback();
      return sessionOfCognitoUser(user, config);
    } finally {
      // The code is single-use: keep it out of the address bar, history and bookmarks.
      window.history.replaceState(null, '', url.pathname);
    }
  }
  const user = await manager.getUser();
  return user ? sessionOfCognitoUser(user, config) : undefined;
}

/**
 * Ends the Cognito session for good: revokes the stored refresh token (Cognito's `/oauth2/revoke`,
 * form-encoded `token` and, for this public client without a secret, `client_id`), which also
 * invalidates the access and ID tokens issued from it, then forgets the user. Without this the
 * refresh token would keep minting tokens for its whole lifetime (30 days by default) to anyone
 * who copied it. Best effort and bounded: sign-out never hangs on an unreachable Cognito.
 */
export async function signOutOfCognito(manager: UserManager, config: CognitoConfig): Promise<void> {
  try {
    const user = await manager.getUser();
    if (user?.refresh_token) {
      const endpoint = await revocationEndpoint(manager);
      await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: user.refresh_token, client_id: config.clientId }),
        keepalive: true, // survives the redirect to the logout page that follows
        signal: AbortSignal.timeout(5000),
      });
    }
  } catch {
    // Unreachable Cognito: the tokens below are forgotten anyway; the refresh token then lives until it expires.
  } finally {
    await manager.removeUser();
  }
}

/** The discovery document's `revocation_endpoint`, else the token endpoint's sibling on the hosted-UI domain. */
async function revocationEndpoint(manager: UserManager): Promise<string> {
  const advertised = await manager.metadataService.getRevocationEndpoint(true);
  if (advertised) return advertised;
  const tokenEndpoint = new URL(await manager.metadataService.getTokenEndpoint(false));
  tokenEndpoint.pathname = tokenEndpoint.pathname.replace(/\/token$/, '/revoke');
  return tokenEndpoint.href;
}

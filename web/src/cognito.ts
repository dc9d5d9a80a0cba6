import { UserManager, WebStorageStateStore, type User } from 'oidc-client-ts';
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

/** Finishes a hosted-UI redirect if this page load is one, then answers the stored user, if any. */
export async function restoreCognitoSession(manager: UserManager, config: CognitoConfig): Promise<Session | undefined> {
  const url = new URL(window.location.href);
  if (url.searchParams.has('error')) {
    const description = url.searchParams.get('error_description') ?? url.searchParams.get('error');
    window.history.replaceState(null, '', url.pathname);
    throw new Error(`Sign-in failed: ${description}`);
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

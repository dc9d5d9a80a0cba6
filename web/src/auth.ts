/**
 * `/console-config.json`, written next to the console by whoever serves it: `{ "mode": "local" }` for
 * `npm start`, the Cognito settings when deployed.
 */
export type ConsoleConfig =
  | { mode: 'local'; apiUrl: string; pageSize: number }
  | {
      mode: 'cognito';
      /** The user pool's issuer, e.g. `https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc`. */
      authority: string;
      clientId: string;
      redirectUri: string;
      apiUrl: string;
      pageSize: number;
      /** The hosted UI's logout endpoint with client_id and logout_uri, if sign-out should end the Cognito session too. */
      logoutUrl?: string;
      /** @default "openid email profile" */
      scope: string;
      /** @default "pat-admins" */
      adminGroup: string;
      /** @default "custom:tenant" */
      tenantClaim: string;
    };

/** Who is signed in, and the ID token the management API wants as `Authorization: Bearer`. */
export interface Session {
  idToken: string;
  user: string;
  tenant: string;
  admin: boolean;
  /** Epoch milliseconds, when known. */
  expiresAt?: number;
}

const DEFAULT_PAGE_SIZE = 20;

function text(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new Error(`console-config.json: "${name}" must be a non-empty string`);
  return value.trim();
}

function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

export function parseConsoleConfig(raw: unknown): ConsoleConfig {
  if (typeof raw !== 'object' || raw === null) throw new Error('console-config.json must be a JSON object');
  const config = raw as Record<string, unknown>;
  const pageSize =
    Number.isInteger(config.pageSize) && (config.pageSize as number) >= 1 && (config.pageSize as number) <= 100
      ? (config.pageSize as number)
      : DEFAULT_PAGE_SIZE;
  if (config.mode === 'local') {
    return { mode: 'local', apiUrl: typeof config.apiUrl === 'string' ? withoutTrailingSlash(config.apiUrl) : '', pageSize };
  }
  if (config.mode === 'cognito') {
    return {
      mode: 'cognito',
      authority: text(config.authority, 'authority'),
      clientId: text(config.clientId, 'clientId'),
      redirectUri: text(config.redirectUri, 'redirectUri'),
      apiUrl: withoutTrailingSlash(text(config.apiUrl, 'apiUrl')),
      logoutUrl: typeof config.logoutUrl === 'string' && config.logoutUrl !== '' ? config.logoutUrl : undefined,
      scope: typeof config.scope === 'string' && config.scope !== '' ? config.scope : 'openid email profile',
      adminGroup: typeof config.adminGroup === 'string' && config.adminGroup !== '' ? config.adminGroup : 'pat-admins',
      tenantClaim: typeof config.tenantClaim === 'string' && config.tenantClaim !== '' ? config.tenantClaim : 'custom:tenant',
      pageSize,
    };
  }
  throw new Error('console-config.json: "mode" must be "local" or "cognito"');
}

export async function loadConsoleConfig(): Promise<ConsoleConfig> {
  let response: Response;
  try {
    response = await fetch('/console-config.json', { cache: 'no-store' });
  } catch {
    throw new Error('The console could not load its configuration (/console-config.json). Check your connection and reload.');
  }
  if (!response.ok)
    throw new Error(`The console's configuration (/console-config.json) is missing: the server answered ${response.status}.`);
  let raw: unknown;
  try {
    raw = await response.json();
  } catch {
    throw new Error("The console's configuration (/console-config.json) is not valid JSON.");
  }
  return parseConsoleConfig(raw);
}

// The ID token lives in memory and, so that a reload keeps you signed in, in this tab's sessionStorage
// (never localStorage): it is gone when the tab closes.
const LOCAL_SESSION_KEY = 'pat-console.local-session';

export function savedLocalSession(): Session | undefined {
  try {
    const raw = sessionStorage.getItem(LOCAL_SESSION_KEY);
    if (!raw) return undefined;
    const session = JSON.parse(raw) as Session;
    if (typeof session.idToken !== 'string' || (session.expiresAt !== undefined && session.expiresAt <= Date.now())) return undefined;
    return session;
  } catch {
    return undefined;
  }
}

export function saveLocalSession(session: Session): void {
  try {
    sessionStorage.setItem(LOCAL_SESSION_KEY, JSON.stringify(session));
  } catch {
    // Storage disabled: the session simply lasts as long as the page.
  }
}

export function forgetLocalSession(): void {
  try {
    sessionStorage.removeItem(LOCAL_SESSION_KEY);
  } catch {
    // nothing stored
  }
}

/** The `exp` of a JWT, in epoch milliseconds (display and housekeeping only: the server verifies). */
export function expiryOf(jwt: string): number | undefined {
  try {
    const payload = JSON.parse(atob(jwt.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** The management API of the token service, as the console uses it. */
import type { components, operations } from './generated/api-types';

import type { GovernedToken, TenantPolicy, TenantPolicyChange, TokenEdit } from './governance';

// The types of the API's answers and requests come from its OpenAPI document (`npm run openapi`
// regenerates ./generated/ from the service's schemas): no hand copy to drift from the service.
type Schemas = components['schemas'];

export type FieldProblem = NonNullable<Schemas['Error']['error']['details']>[number];

/**
 * Fields of this round's API contract that the generated types may not carry yet (the service adds
 * them on main): the edit `revision` an admin's decision names, the requester's `justification`, the
 * admin's `rejectReason`, and the credential's last use over its generations.
 */
export interface ContractExtras {
  revision?: number;
  justification?: string;
  rejectReason?: string;
  credentialLastUsedAt?: string | null;
}

export type TokenMetadata = Schemas['TokenView'] & ContractExtras;

export type AuditEvent = Schemas['AuditPage']['items'][number];
export type AuditPage = Schemas['AuditPage'];

/** The new lifetime of a regenerated token (same rules as create); nothing: the token's own. */
export type Lifetime = { expiresInDays: number } | { expiresAt: string | null } | Record<string, never>;

export type TokenStatus = TokenMetadata['status'];

/** `DELETE /tokens/{id}`: the addressed token, and every token of its family this call revoked, newest first. */
export type RevokedToken = Schemas['RevokedToken'] & ContractExtras;

/** Only the create (and refresh, regenerate) response carries the secrets. */
export type IssuedToken = Schemas['IssuedToken'] & ContractExtras;

export type ScopeArea = Schemas['ScopeCatalogue']['areas'][number];

export type TokenPolicy = Schemas['EffectivePolicy'];

export type NewTokenRequest = Schemas['CreateTokenRequest'];

export type TokenPage = Schemas['TokenPage'];

/** The listing's query, typed for the console (`limit` a number; the URL carries it as a string). */
export interface ListQuery {
  status: NonNullable<NonNullable<operations['listTokens']['parameters']['query']>['status']>;
  limit: number;
  cursor?: string;
  owner?: string;
}

/** A failed call, in words a person can act on; `details` names the offending fields. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: FieldProblem[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const statusWords: Record<number, string> = {
  401: 'You are not signed in, or your session has expired.',
  403: 'You are not allowed to do this.',
  404: 'Not found.',
  429: 'Too many requests; wait a moment and try again.',
  500: 'The service had an internal error. Try again; if it persists, tell your administrator.',
  502: 'The service could not be reached (bad gateway). Try again shortly.',
  503: 'The service is temporarily unavailable. Try again shortly.',
  504: 'The service took too long to answer. Try again shortly.',
};

async function errorOf(response: Response): Promise<ApiError> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
  if (error && typeof error.message === 'string') {
    const details = Array.isArray(error.details)
      ? error.details.filter((d): d is FieldProblem => typeof d?.field === 'string' && typeof d?.message === 'string')
      : [];
    return new ApiError(response.status, typeof error.code === 'string' ? error.code : 'error', error.message, details);
  }
  return new ApiError(
    response.status,
    'error',
    statusWords[response.status] ?? `The service answered ${response.status} ${response.statusText}.`,
  );
}

export class PatApi {
  constructor(
    private readonly baseUrl: string,
    private readonly idToken: () => string,
    /** Called when the service no longer accepts the sign-in, so the console can ask for a new one. */
    private readonly onSessionExpired: () => void,
  ) {}

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.idToken()}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
      });
    } catch {
      throw new ApiError(
        0,
        'network',
        'The token service could not be reached. Check your connection (or that `npm start` is running) and try again.',
      );
    }
    if (response.status === 401) {
      this.onSessionExpired();
      throw await errorOf(response);
    }
    if (!response.ok) throw await errorOf(response);
    try {
      return (await response.json()) as T;
    } catch {
      throw new ApiError(response.status, 'invalid_response', 'The service sent an answer the console cannot read.');
    }
  }

  scopes(): Promise<{ areas: ScopeArea[] }> {
    return this.request('GET', '/scopes');
  }

  policy(): Promise<TokenPolicy> {
    return this.request('GET', '/policy');
  }

  listTokens(query: ListQuery): Promise<TokenPage> {
    const parameters = new URLSearchParams({ status: query.status, limit: String(query.limit) });
    if (query.cursor) parameters.set('cursor', query.cursor);
    if (query.owner) parameters.set('owner', query.owner);
    return this.request('GET', `/tokens?${parameters}`);
  }

  createToken(request: NewTokenRequest): Promise<IssuedToken> {
    return this.request('POST', '/tokens', request);
  }

  revokeToken(id: string): Promise<RevokedToken> {
    return this.request('DELETE', `/tokens/${encodeURIComponent(id)}`);
  }

  getToken(id: string): Promise<TokenMetadata> {
    return this.request('GET', `/tokens/${encodeURIComponent(id)}`);
  }

  /** Every page of a listing, up to `maxPages` (listings are bounded: 100 active tokens per owner). */
  async listAll(query: Omit<ListQuery, 'cursor' | 'limit'>, maxPages = 10): Promise<TokenMetadata[]> {
    const items: TokenMetadata[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < maxPages; page++) {
      const result = await this.listTokens({ ...query, limit: 100, cursor });
      items.push(...result.items);
      if (!result.nextCursor) break;
      cursor = result.nextCursor;
    }
    return items;
  }

  // Tenant governance (types in governance.ts).

  /** `GET /policy` with the tenant's rules (creators, approval, allowed areas…). */
  tenantPolicy(): Promise<TenantPolicy> {
    return this.request('GET', '/policy');
  }

  updateTenantPolicy(change: TenantPolicyChange): Promise<TenantPolicy> {
    return this.request('PUT', '/tenant/policy', change);
  }

  revokeOutsidePolicy(): Promise<{ revokedTokenIds: string[] }> {
    return this.request('POST', '/tenant/revoke-outside-policy');
  }

  editToken(id: string, edit: TokenEdit): Promise<GovernedToken> {
    return this.request('PATCH', `/tokens/${encodeURIComponent(id)}`, edit);
  }

  /** `revision`: the one the admin was shown; the service answers 409 if the token changed since. */
  approveToken(id: string, revision: number): Promise<GovernedToken> {
    return this.request('POST', `/tokens/${encodeURIComponent(id)}/approve`, { revision });
  }

  /** `reason` (1–500 characters) is shown to the requester. */
  rejectToken(id: string, revision: number, reason?: string): Promise<GovernedToken> {
    return this.request('POST', `/tokens/${encodeURIComponent(id)}/reject`, reason ? { revision, reason } : { revision });
  }

  /** A rotation started by a person: the successor, with its secrets, shown once; optionally a new lifetime. */
  regenerateToken(id: string, lifetime: Lifetime = {}): Promise<IssuedToken> {
    return this.request('POST', `/tokens/${encodeURIComponent(id)}/regenerate`, Object.keys(lifetime).length > 0 ? lifetime : undefined);
  }

  /** `GET /tokens/{id}/audit`: one token's trail, newest first. */
  tokenAudit(id: string, cursor?: string): Promise<AuditPage> {
    const parameters = new URLSearchParams({ limit: '100' });
    if (cursor) parameters.set('cursor', cursor);
    return this.request('GET', `/tokens/${encodeURIComponent(id)}/audit?${parameters}`);
  }

  /** `GET /audit`: the tenant's trail (admins), newest first, filtered by owner or token on the server. */
  tenantAudit(query: { owner?: string; tokenId?: string; cursor?: string; limit?: number }): Promise<AuditPage> {
    const parameters = new URLSearchParams({ limit: String(query.limit ?? 100) });
    if (query.owner) parameters.set('owner', query.owner);
    if (query.tokenId) parameters.set('tokenId', query.tokenId);
    if (query.cursor) parameters.set('cursor', query.cursor);
    return this.request('GET', `/audit?${parameters}`);
  }

  /** Tokens awaiting an admin's approval (the caller's own; an admin's: the tenant's, or `owner`'s). */
  async listPending(owner?: string): Promise<GovernedToken[]> {
    const items: GovernedToken[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const parameters = new URLSearchParams({ status: 'pending', limit: '100' });
      if (cursor) parameters.set('cursor', cursor);
      if (owner) parameters.set('owner', owner);
      const result = await this.request<TokenPage>('GET', `/tokens?${parameters}`);
      items.push(...result.items);
      if (!result.nextCursor) break;
      cursor = result.nextCursor;
    }
    return items;
  }
}

/** Sign-in for local mode: `POST /local/session`, standing in for the Cognito hosted login. */
export async function localSignIn(baseUrl: string, session: { user: string; tenant: string; admin: boolean }): Promise<string> {
  let response: Response;
  try {
    response = await fetch(`${baseUrl}/local/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(session),
    });
  } catch {
    throw new ApiError(0, 'network', 'The token service could not be reached. Is `npm start` running?');
  }
  if (!response.ok) throw await errorOf(response);
  const body = (await response.json()) as { idToken?: unknown };
  if (typeof body.idToken !== 'string') throw new ApiError(response.status, 'invalid_response', 'The service did not return a session.');
  return body.idToken;
}

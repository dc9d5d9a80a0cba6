import type { APIGatewayProxyEvent } from 'aws-lambda';
import { unauthorized } from '../domain/errors';
import { isValidPrincipalId } from '../domain/new-token';
import type { Caller } from '../service/caller';

export interface IdentitySettings {
  adminGroup: string;
  tenantClaim: string;
  userIdClaim: string;
  /**
   * The user pool app clients whose ID tokens count (`aud`). A user pool may have other app
   * clients (another product's, a test client): their tokens are Cognito-signed too and pass API
   * Gateway's authorizer, but are not meant for this service. Empty (APP_CLIENT_IDS unset): nobody
   * counts — fail closed; `PatService` passes its API client and its console client, local mode its
   * own client.
   */
  appClientIds: readonly string[];
}

/**
 * The caller, from the claims API Gateway's Cognito authorizer put in the request context (the
 * local front puts the same claims there). Only an ID token of one of our app clients counts:
 * the authorizer also lets access tokens through (no `aud`, `token_use: "access"`), which carry no
 * tenant attribute a user could not influence and are not what the console signs in with.
 */
export function callerOf(event: APIGatewayProxyEvent, settings: IdentitySettings): Caller {
  const claims = (event.requestContext?.authorizer?.claims ?? {}) as Record<string, unknown>;
  const userId = claims[settings.userIdClaim];
  const tenant = claims[settings.tenantClaim];
  const knownClient = typeof claims.aud === 'string' && settings.appClientIds.includes(claims.aud);
  if (claims.token_use !== 'id' || !knownClient) {
    throw unauthorized('A signed-in user with a tenant is required');
  }
  if (typeof userId !== 'string' || typeof tenant !== 'string' || !isValidPrincipalId(userId) || !isValidPrincipalId(tenant)) {
    throw unauthorized('A signed-in user with a tenant is required');
  }
  return {
    // Kept exactly as the identity provider spells it: see docs/security.md, "User ids".
    userId,
    tenant,
    isAdmin: groupsOf(event, claims).includes(settings.adminGroup),
    sourceIp: event.requestContext?.identity?.sourceIp ?? undefined,
  };
}

/**
 * The caller's Cognito groups, exactly.
 *
 * API Gateway's REST Cognito authorizer flattens the ID token's `cognito:groups` array into a
 * string: one group as its name (`pat-admins`), several joined by commas without spaces
 * (`ops,pat-admins`); HTTP APIs write `[ops pat-admins]` instead. Cognito group names may hold
 * any letter, mark, symbol, number or punctuation (`[\p{L}\p{M}\p{S}\p{N}\p{P}]+`, 1–128): commas
 * and brackets included, so that string cannot be split exactly — a single group named
 * `ops,pat-admins` reads the same as two groups. The exact list is the JSON array in the ID token
 * itself, which API Gateway verified and passes on unchanged in the Authorization header: it is
 * read from there, after checking that it is the token the claims came from (same `sub`, `aud`
 * and `token_use`). Anything that does not match yields no groups (never more rights).
 * The flattened claim string is never split.
 */
function groupsOf(event: APIGatewayProxyEvent, claims: Record<string, unknown>): string[] {
  const payload = idTokenPayloadOf(event);
  if (!payload) return [];
  for (const name of ['sub', 'aud', 'token_use']) {
    if (typeof payload[name] !== 'string' || payload[name] !== claims[name]) return [];
  }
  const groups = payload['cognito:groups'];
  if (groups === undefined) return [];
  if (!Array.isArray(groups) || !groups.every((group) => typeof group === 'string')) return [];
  return groups;
}

function idTokenPayloadOf(event: APIGatewayProxyEvent): Record<string, unknown> | undefined {
  const headers = event.headers ?? {};
  const header = Object.entries(headers).find(([name]) => name.toLowerCase() === 'authorization')?.[1];
  if (typeof header !== 'string') return undefined;
  const token = header.replace(/^Bearer\s+/i, '').trim();
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    return payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? (payload as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

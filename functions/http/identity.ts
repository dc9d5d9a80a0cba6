import type { APIGatewayProxyEvent } from 'aws-lambda';
import { unauthorized } from '../domain/errors';
import { isValidPrincipalId } from '../domain/new-token';
import type { Caller } from '../service/caller';
import type { IdTokenVerifier } from '../service/ports';

export type { IdTokenVerifier };

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

const refused = () => unauthorized('A signed-in user with a tenant is required');

/**
 * The caller, from the ID token the handler verifies itself. API Gateway's Cognito authorizer has
 * checked a token already, but what the handler reads (user, tenant, groups) must come from a token
 * it has verified: a copy of the claims in the request context flattens `cognito:groups` into a
 * string that cannot be split exactly, and the header could hold another token than the one
 * verified (a request with two `Authorization` values). So: exactly one `Authorization` value, a
 * Bearer ID token that verifies, and everything read from its payload. Only an ID token of one of
 * our app clients counts: an access token (`token_use: "access"`, no tenant attribute) does not.
 */
export async function callerOf(event: APIGatewayProxyEvent, settings: IdentitySettings, verifier: IdTokenVerifier): Promise<Caller> {
  const token = bearerOf(event);
  if (token === undefined) throw refused();
  let claims: Record<string, unknown>;
  try {
    claims = await verifier.verify(token);
  } catch {
    throw refused();
  }
  const userId = claims[settings.userIdClaim];
  const tenant = claims[settings.tenantClaim];
  const knownClient = typeof claims.aud === 'string' && settings.appClientIds.includes(claims.aud);
  if (claims.token_use !== 'id' || !knownClient) throw refused();
  if (typeof userId !== 'string' || typeof tenant !== 'string' || !isValidPrincipalId(userId) || !isValidPrincipalId(tenant)) {
    throw refused();
  }
  return {
    // Kept exactly as the identity provider spells it: see docs/security.md, "User ids".
    userId,
    tenant,
    isAdmin: groupsOf(claims).includes(settings.adminGroup),
    sourceIp: event.requestContext?.identity?.sourceIp ?? undefined,
  };
}

/**
 * The caller's Cognito groups, exactly: the JSON array of the verified token. Anything else
 * (absent, not an array of strings) is no groups, never more rights.
 */
function groupsOf(claims: Record<string, unknown>): string[] {
  const groups = claims['cognito:groups'];
  if (!Array.isArray(groups) || !groups.every((group) => typeof group === 'string')) return [];
  return groups;
}

/**
 * The one Bearer token of the request. Two `Authorization` values (or one holding two tokens) are
 * refused: API Gateway verifies one of them, and which one a handler would read is not defined.
 */
function bearerOf(event: APIGatewayProxyEvent): string | undefined {
  const multi = Object.entries(event.multiValueHeaders ?? {}).filter(([name]) => name.toLowerCase() === 'authorization');
  if (multi.length > 1 || multi.some(([, values]) => (values ?? []).length > 1)) return undefined;
  const single = Object.entries(event.headers ?? {}).filter(([name]) => name.toLowerCase() === 'authorization');
  if (single.length !== 1) return undefined;
  const header = single[0]![1];
  if (typeof header !== 'string') return undefined;
  const match = /^(?:Bearer[ \t]+)?([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/i.exec(header.trim());
  return match?.[1];
}

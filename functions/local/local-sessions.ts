import { createPublicKey, type KeyObject } from 'node:crypto';
import { decodeJwt, errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import { LOCAL_SESSION_ISSUER } from '../adapters/config';
import { loadOrCreateEcKey as loadOrCreateKey } from '../adapters/local-signer';
import { isValidPrincipalId } from '../domain/new-token';

export const sessionRequest = z.object(
  {
    user: z
      .string({ error: 'is required and must be a string' })
      .refine(isValidPrincipalId, 'must be 1–128 characters without # or control characters'),
    tenant: z
      .string({ error: 'is required and must be a string' })
      .refine(isValidPrincipalId, 'must be 1–128 characters without # or control characters'),
    admin: z.boolean({ error: 'must be true or false' }).default(false),
  },
  { error: 'must be a JSON object' },
);

/** The app client id local sessions are issued for: local mode's `APP_CLIENT_IDS` lists it. */
export const LOCAL_APP_CLIENT_ID = 'pat-local-console';

export interface SessionClaimNames {
  adminGroup: string;
  tenantClaim: string;
  userIdClaim: string;
}

/**
 * Development sign-in standing in for Cognito (local mode only): an ES256 ID token with the same
 * claims a Cognito user pool ID token carries. The key lives in the data directory (0600), as the
 * local signing key does, so a session survives a restart; the management handlers verify these
 * tokens with aws-jwt-verify exactly as they verify Cognito's, and the local front verifies them too
 * where API Gateway's Cognito authorizer would.
 */
export class LocalSessions {
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;

  constructor(
    private readonly names: SessionClaimNames,
    keyFile: string,
  ) {
    this.privateKey = loadOrCreateKey(keyFile);
    this.publicKey = createPublicKey(this.privateKey);
  }

  async issue(session: z.infer<typeof sessionRequest>): Promise<string> {
    return new SignJWT({
      'cognito:username': session.user,
      [this.names.userIdClaim]: session.user,
      [this.names.tenantClaim]: session.tenant,
      'cognito:groups': session.admin ? [this.names.adminGroup] : [],
      token_use: 'id',
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: 'local-session' })
      .setSubject(session.user)
      .setAudience(LOCAL_APP_CLIENT_ID) // a string, as Cognito writes an ID token's aud
      .setIssuer(LOCAL_SESSION_ISSUER)
      .setIssuedAt()
      .setExpirationTime('12h')
      .sign(this.privateKey);
  }

  /**
   * Why `claimsOf` refused an Authorization header, in words a developer can act on: no bearer
   * token at all, a session that expired, or one signed by an earlier run of `npm start` (each run
   * signs with a fresh secret, so a restart ends every session).
   */
  async refusalOf(authorization: string | undefined): Promise<string> {
    const match = authorization ? /^Bearer (\S+)$/i.exec(authorization.trim()) : null;
    if (!match) return 'Sign in: send an ID token as Authorization: Bearer <idToken>';
    let issuer: unknown;
    try {
      issuer = decodeJwt(match[1]!).iss;
    } catch {
      return 'The bearer token is not an ID token: sign in again (POST /local/session) and send the new idToken';
    }
    if (issuer !== LOCAL_SESSION_ISSUER) return 'The ID token was not issued by this local service: sign in again (POST /local/session)';
    try {
      await jwtVerify(match[1]!, this.publicKey, { algorithms: ['ES256'], issuer: LOCAL_SESSION_ISSUER });
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) return 'Your local session has expired: sign in again (POST /local/session)';
      // Sessions survive a restart (the key is kept in the data directory); another key means another data directory.
      return 'Your local session was signed with another key (another data directory, or one that was reset): sign in again (POST /local/session)';
    }
    return 'The ID token lacks the claims of a session: sign in again (POST /local/session)';
  }

  /** The claims as API Gateway's Cognito authorizer hands them over (strings), or undefined. */
  async claimsOf(authorization: string | undefined): Promise<Record<string, string> | undefined> {
    const match = authorization ? /^Bearer (\S+)$/i.exec(authorization.trim()) : null;
    if (!match) return undefined;
    try {
      const { payload } = await jwtVerify(match[1]!, this.publicKey, { algorithms: ['ES256'], issuer: LOCAL_SESSION_ISSUER });
      const claims: Record<string, string> = {};
      for (const [name, value] of Object.entries(payload)) {
        claims[name] = Array.isArray(value) ? value.join(',') : String(value);
      }
      return claims;
    } catch {
      return undefined;
    }
  }
}

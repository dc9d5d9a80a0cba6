import { randomBytes } from 'node:crypto';
import { decodeJwt, errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
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
 * Development sign-in standing in for Cognito (local mode only): an HS256 ID token with the same
 * claims a Cognito user pool ID token carries, verified by the local front on management routes.
 */
export class LocalSessions {
  private readonly secret = randomBytes(32);

  constructor(private readonly names: SessionClaimNames) {}

  async issue(session: z.infer<typeof sessionRequest>): Promise<string> {
    return new SignJWT({
      'cognito:username': session.user,
      [this.names.userIdClaim]: session.user,
      [this.names.tenantClaim]: session.tenant,
      'cognito:groups': session.admin ? [this.names.adminGroup] : [],
      token_use: 'id',
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(session.user)
      .setAudience(LOCAL_APP_CLIENT_ID) // a string, as Cognito writes an ID token's aud
      .setIssuer('pat-local-sessions')
      .setIssuedAt()
      .setExpirationTime('12h')
      .sign(this.secret);
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
    if (issuer !== 'pat-local-sessions') return 'The ID token was not issued by this local service: sign in again (POST /local/session)';
    try {
      await jwtVerify(match[1]!, this.secret, { algorithms: ['HS256'], issuer: 'pat-local-sessions' });
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) return 'Your local session has expired: sign in again (POST /local/session)';
      return 'Your local session was issued by an earlier run of npm start (a restart ends every session): sign in again (POST /local/session)';
    }
    return 'The ID token lacks the claims of a session: sign in again (POST /local/session)';
  }

  /** The claims as API Gateway's Cognito authorizer hands them over (strings), or undefined. */
  async claimsOf(authorization: string | undefined): Promise<Record<string, string> | undefined> {
    const match = authorization ? /^Bearer (\S+)$/i.exec(authorization.trim()) : null;
    if (!match) return undefined;
    try {
      const { payload } = await jwtVerify(match[1]!, this.secret, { algorithms: ['HS256'], issuer: 'pat-local-sessions' });
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

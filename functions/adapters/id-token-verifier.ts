import { readFileSync } from 'node:fs';
import { createPublicKey } from 'node:crypto';
import { CognitoJwtVerifier, JwtVerifier } from 'aws-jwt-verify';
import type { IdTokenVerifier } from '../service/ports';

/**
 * Who signs the ID tokens of the management routes: a Cognito user pool in AWS, or local mode's
 * development sign-in (an ES256 key in the data directory standing in for the pool's keys).
 */
export type IdTokenIssuer = { kind: 'cognito'; userPoolId: string } | { kind: 'local'; issuer: string; keyFile: string };

/**
 * Verifies an ID token with AWS's aws-jwt-verify: signature against the issuer's JWKS (fetched once
 * per container and cached, refetched for an unknown `kid`), `iss`, `exp`, `token_use: "id"` and
 * `aud` among our app clients. Built once per container; an empty client list accepts nobody.
 */
export function idTokenVerifierOf(issuer: IdTokenIssuer, appClientIds: readonly string[]): IdTokenVerifier {
  if (appClientIds.length === 0) {
    return { verify: async () => Promise.reject(new Error('no app client is configured: no ID token counts')) };
  }
  if (issuer.kind === 'cognito') {
    const verifier = CognitoJwtVerifier.create({ userPoolId: issuer.userPoolId, tokenUse: 'id', clientId: [...appClientIds] });
    return { verify: async (token) => (await verifier.verify(token)) as unknown as Record<string, unknown> };
  }
  const verifier = JwtVerifier.create({
    issuer: issuer.issuer,
    audience: [...appClientIds],
    // Never fetched: the keys are put in the cache below, from the local key file.
    jwksUri: 'http://127.0.0.1/.local-session-keys',
    customJwtCheck: ({ payload }) => {
      if (payload.token_use !== 'id') throw new Error('not an ID token');
    },
  });
  const jwk = { ...createPublicKey({ key: JSON.parse(readFileSync(issuer.keyFile, 'utf8')), format: 'jwk' }).export({ format: 'jwk' }) };
  verifier.cacheJwks({ keys: [{ ...jwk, kid: 'local-session', alg: 'ES256', use: 'sig' } as never] });
  return { verify: async (token) => (await verifier.verify(token)) as unknown as Record<string, unknown> };
}

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { LocalSecretDeriver } from '../../functions/adapters/local-secret-deriver';
import { LocalKeyRing } from '../../functions/adapters/local-signer';
import { Es256JwtVerifier } from '../../functions/adapters/jwt-verifier';
import { defaultPolicy, type TokenPolicy } from '../../functions/domain/token-policy';
import { exampleApiRoutes, exampleCatalogue, resolveRoutes } from '../../functions/domain/routes';
import { Authorizer, type AuthorizerOptions } from '../../functions/service/authorize';
import type { Caller } from '../../functions/service/caller';
import type { Clock, TokenStore } from '../../functions/service/ports';
import { TokenServices } from './token-services';

export const ISSUER = 'https://pat.test';

/** A clock the test moves by hand: boundaries are tested on both sides without sleeping. */
export class ManualClock implements Clock {
  constructor(public current = Date.UTC(2026, 10, 23, 12, 0, 0)) {}
  now(): number {
    return this.current;
  }
  advance(milliseconds: number): void {
    this.current += milliseconds;
  }
}

export const user = (userId: string, tenant = 'acme', isAdmin = false): Caller => ({ userId, tenant, isAdmin });

export function newKeyRing(): LocalKeyRing {
  return new LocalKeyRing(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
}

export function tokenService(store: TokenStore, clock: Clock, options: { policy?: Partial<TokenPolicy>; keys?: LocalKeyRing } = {}) {
  const keys = options.keys ?? newKeyRing();
  const service = new TokenServices({
    store,
    signer: keys,
    secrets: new LocalSecretDeriver(randomBytes(32)),
    clock,
    policy: { ...defaultPolicy, ...options.policy },
    catalogue: exampleCatalogue,
    issuer: ISSUER,
  });
  return { service, keys };
}

export function authorizerFor(
  store: AuthorizerOptions['store'],
  clock: Clock,
  keys: LocalKeyRing,
  options: Partial<AuthorizerOptions> = {},
) {
  return new Authorizer({
    verifier: new Es256JwtVerifier(keys, { issuer: ISSUER, clock, allowNoExpiry: false }),
    store,
    clock,
    routes: resolveRoutes(exampleApiRoutes, exampleCatalogue),
    statusCacheMs: 10_000,
    lastUsedIntervalMs: 60_000,
    ...options,
  });
}

/** A vendor's `GET /api/candidates` from 203.0.113.5 with `accessToken`, as the authorizer decides it. */
export function candidatesRead(authorizer: Authorizer) {
  return async (accessToken: string) =>
    (
      await authorizer.authorize({
        authorization: `Bearer ${accessToken}`,
        sourceIp: '203.0.113.5',
        method: 'GET',
        resource: '/api/candidates',
      })
    ).effect;
}

export const DAY = 86_400_000;

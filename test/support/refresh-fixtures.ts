import { randomBytes } from 'node:crypto';
import { DependencyUnavailable, DomainError } from '../../functions/domain/errors';
import type { NewTokenRequest } from '../../functions/domain/new-token';
import type { TokenStore } from '../../functions/service/ports';
import type { IssuedToken } from '../../functions/service/token-reads';
import type { TokenServices } from './token-services';
import { authorizerFor, candidatesRead, ManualClock, newKeyRing, tokenService, user } from './fixtures';

/** An owner no other test of the table uses. */
export const newOwner = () => `vendor-${randomBytes(4).toString('hex')}`;

/**
 * A token service over `store` and a first token of a fresh owner, with an authorizer that has no
 * status cache: every authorization reads the store, so a refusal shows the stored truth.
 */
export async function withFirstToken(store: TokenStore, request: Partial<NewTokenRequest> = {}) {
  const clock = new ManualClock();
  const keys = newKeyRing();
  const { service } = tokenService(store, clock, { keys });
  const who = newOwner();
  const first = await service.create(user(who), { description: 'Vendor A', scopes: ['candidates:read'], expiresInDays: 180, ...request });
  const authorizer = authorizerFor(store, clock, keys, { statusCacheMs: 0 });
  const authorize = candidatesRead(authorizer);
  return { clock, keys, service, who, first, authorize };
}

/** A refresh that must rotate; its successor. */
export async function rotate(service: TokenServices, refreshKey: string): Promise<IssuedToken> {
  const outcome = await service.refresh(refreshKey);
  if (outcome.kind !== 'rotated') throw new Error(`expected a rotation, got ${outcome.kind}`);
  return outcome.token;
}

/**
 * What a call came to, as one word to compare: a refresh outcome's kind, `ok` for any other answer,
 * the error code of a refusal, `unavailable` when DynamoDB did not answer (503).
 */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    const value = await promise;
    return (value as { kind?: string } | undefined)?.kind ?? 'ok';
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    if (error instanceof DependencyUnavailable) return 'unavailable';
    throw error;
  }
}

/**
 * The use cases as the simulation calls them: one function per operation, each building the
 * service for its own invocation (its calls carry its actor name). When a use case's signature
 * changes (approve/reject carrying the revision the admin saw…), adapt it here.
 */
import type { NewTokenRequest } from '../../functions/domain/new-token';
import type { TenantPolicyOverrides } from '../../functions/domain/tenant-policy';
import type { Caller } from '../../functions/service/caller';
import type { TokenEdit } from '../../functions/service/ports';
import type { IssuedToken, TokenView } from '../../functions/service/token-reads';
import type { RefreshOutcome } from '../../functions/service/token-rotation';
import type { ServiceSystem } from './system';

export interface Operations {
  create(actor: string, caller: Caller, request: NewTokenRequest): Promise<IssuedToken>;
  refresh(actor: string, refreshKey: string): Promise<RefreshOutcome>;
  regenerate(actor: string, caller: Caller, id: string): Promise<IssuedToken>;
  revoke(actor: string, caller: Caller, id: string): Promise<{ revokedTokenIds: string[] }>;
  revokeLeaked(actor: string, secrets: string[]): Promise<number>;
  edit(actor: string, caller: Caller, id: string, changes: TokenEdit): Promise<TokenView>;
  /** What the admin's console shows before a decision (GET /tokens/{id}). */
  look(actor: string, caller: Caller, id: string): Promise<TokenView>;
  /** Approve or reject, given the view the admin decided on. */
  decide(actor: string, caller: Caller, id: string, approve: boolean, shown: TokenView): Promise<TokenView>;
  setPolicy(actor: string, caller: Caller, change: TenantPolicyOverrides): Promise<unknown>;
}

export function operationsOf(system: ServiceSystem): Operations {
  return {
    create: (actor, caller, request) => system.tokenService(actor).create(caller, request),
    refresh: (actor, refreshKey) => system.tokenService(actor).refresh(refreshKey),
    regenerate: (actor, caller, id) => system.tokenService(actor).regenerate(caller, id),
    revoke: (actor, caller, id) => system.tokenService(actor).revoke(caller, id),
    revokeLeaked: (actor, secrets) => system.tokenService(actor).revokeLeaked(secrets),
    edit: (actor, caller, id, changes) => system.tokenService(actor).edit(caller, id, changes),
    look: (actor, caller, id) => system.tokenService(actor).get(caller, id),
    // The admin decides on the revision shown: a token edited since is not decided (409).
    decide: (actor, caller, id, approve, shown) => system.tokenService(actor).decide(caller, id, approve, { revision: shown.revision }),
    setPolicy: (actor, caller, change) => system.tokenService(actor).setPolicy(caller, change),
  };
}

import type { ScopeCatalogue } from '../../functions/domain/scopes';
import type { TokenPolicy } from '../../functions/domain/token-policy';
import type { AccessTokenVerifier } from '../../functions/service/authorize';
import { revokeLeaked } from '../../functions/service/leak-revocation';
import type { Clock, SecretDeriver, Signer, TokenStore } from '../../functions/service/ports';
import { TenantGovernance } from '../../functions/service/tenant-governance';
import { TokenIssuance } from '../../functions/service/token-issuance';
import { TokenManagement } from '../../functions/service/token-management';
import { TokenRotation } from '../../functions/service/token-rotation';

export interface TokenServicesDeps {
  store: TokenStore;
  signer: Signer;
  secrets: SecretDeriver;
  clock: Clock;
  policy: TokenPolicy;
  catalogue: ScopeCatalogue;
  issuer: string;
  /** Only `revokeLeaked` needs one. */
  verifier?: AccessTokenVerifier;
}

/**
 * Every token use case over one whole store, as one object: the tests that walk a token through
 * its life (create, refresh, revoke…) call them as `service.create(…)`, `service.refresh(…)`.
 * The functions build only the use cases they serve (`handlers/compose.ts`).
 */
export class TokenServices {
  readonly issuance: TokenIssuance;
  readonly management: TokenManagement;
  readonly rotation: TokenRotation;
  readonly governance: TenantGovernance;

  constructor(private readonly deps: TokenServicesDeps) {
    const { store: records, store: families, store: audit, store: tenantPolicies } = deps;
    const settings = { clock: deps.clock, policy: deps.policy, catalogue: deps.catalogue, issuer: deps.issuer };
    this.issuance = new TokenIssuance({ records, tenantPolicies, signer: deps.signer, ...settings });
    this.management = new TokenManagement({ records, families, tenantPolicies, ...settings });
    this.rotation = new TokenRotation({
      records,
      families,
      audit,
      tenantPolicies,
      signer: deps.signer,
      secrets: deps.secrets,
      ...settings,
    });
    this.governance = new TenantGovernance({ records, families, tenantPolicies, ...settings });
  }

  create: TokenIssuance['create'] = (...args) => this.issuance.create(...args);
  regenerate: TokenIssuance['regenerate'] = (...args) => this.issuance.regenerate(...args);
  list: TokenManagement['list'] = (...args) => this.management.list(...args);
  get: TokenManagement['get'] = (...args) => this.management.get(...args);
  revoke: TokenManagement['revoke'] = (...args) => this.management.revoke(...args);
  refresh: TokenRotation['refresh'] = (...args) => this.rotation.refresh(...args);
  policy: TenantGovernance['policy'] = (...args) => this.governance.policy(...args);
  setPolicy: TenantGovernance['setPolicy'] = (...args) => this.governance.setPolicy(...args);
  decide: TenantGovernance['decide'] = (...args) => this.governance.decide(...args);
  edit: TenantGovernance['edit'] = (...args) => this.governance.edit(...args);
  revokeOutsidePolicy: TenantGovernance['revokeOutsidePolicy'] = (...args) => this.governance.revokeOutsidePolicy(...args);

  revokeLeaked(secrets: readonly string[], origin?: { sourceIp?: string }): Promise<number> {
    const { store, clock } = this.deps;
    return revokeLeaked({ records: store, families: store, verifier: this.deps.verifier ?? noVerifier, clock }, secrets, origin);
  }
}

/** Refresh keys need no verifier; an access token reported to services built without one is a mistake of the test. */
const noVerifier: AccessTokenVerifier = {
  verify: async () => {
    throw new Error('These test services were built without a verifier');
  },
};

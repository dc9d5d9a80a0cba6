import { Token } from 'aws-cdk-lib';
import { environmentNames, environmentOf, loadConfig, type ServiceConfig, type ServiceSettings } from '../functions/adapters/config';
import { defaultPolicy, policyProblems, type TokenPolicy } from '../functions/domain/policy';
import { isValidAreaName, type ScopeCatalogue } from '../functions/domain/scopes';

/** How the service behaves: what tokens may carry, how long they live, who is an admin. */
export interface TokenServiceSettings {
  /** The areas a token may be granted, with the descriptions `GET /scopes` shows. */
  readonly catalogue: ScopeCatalogue;
  /**
   * Lifetimes, IP entries, active-token limit, rotation grace, reuse leeway, refresh window and
   * retention. Only the fields given override the defaults.
   * @default the spec's policy (`defaultPolicy`)
   */
  readonly policy?: Partial<TokenPolicy>;
  /**
   * The tokens' `iss`. Changing it invalidates every token already issued.
   * @default the service API's base URL, `https://<api-id>.execute-api.<region>.<suffix>/<stage>`
   */
  readonly issuer?: string;
  /** Cognito group whose members administer their tenant. @default 'pat-admins' */
  readonly adminGroup?: string;
  /** ID-token claim that names the user's tenant. @default 'custom:tenant' */
  readonly tenantClaim?: string;
  /** ID-token claim that names the user. @default 'cognito:username' */
  readonly userIdClaim?: string;
}

export const defaultAdminGroup = 'pat-admins';
export const defaultTenantClaim = 'custom:tenant';

export class InvalidSettingsError extends Error {
  override name = 'InvalidSettingsError';
}

/**
 * Checks settings at synth time with the very schema the functions use at cold start, so that a
 * deployment that would fail in Lambda fails in `cdk synth` instead, with the reason.
 */
export function checkSettings(settings: TokenServiceSettings, where: string): void {
  const problems: string[] = [];
  if (!Array.isArray(settings.catalogue) || settings.catalogue.length === 0) {
    problems.push('catalogue must list at least one area');
  } else {
    for (const area of settings.catalogue) {
      if (!isValidAreaName(area.name)) problems.push(`catalogue area "${area.name}" is not a valid name (lower-case words separated by /)`);
      if (!area.description?.trim()) problems.push(`catalogue area "${area.name}" needs a description`);
    }
  }
  const unknownPolicyFields = Object.keys(settings.policy ?? {}).filter((field) => !(field in defaultPolicy));
  if (unknownPolicyFields.length > 0) problems.push(`policy has unknown fields: ${unknownPolicyFields.join(', ')}`);
  problems.push(...policyProblems({ ...defaultPolicy, ...settings.policy }).map((problem) => `policy: ${problem}`));
  for (const [name, value] of [['adminGroup', settings.adminGroup], ['tenantClaim', settings.tenantClaim], ['userIdClaim', settings.userIdClaim]] as const) {
    if (value !== undefined && !Token.isUnresolved(value) && value.trim() === '') problems.push(`${name} must not be empty`);
  }
  if (problems.length > 0) throw new InvalidSettingsError(`${where}: invalid token service settings:\n  - ${problems.join('\n  - ')}`);
}

/**
 * Runs the functions' own `loadConfig` over an environment a construct is about to deploy.
 * Deploy-time values (table name, key ARNs) are tokens here: they are strings, and the schema
 * only needs them present.
 */
export function checkEnvironment(environment: Record<string, string>, where: string): ServiceConfig {
  try {
    return loadConfig(environment);
  } catch (error) {
    throw new InvalidSettingsError(`${where}: ${(error as Error).message}`);
  }
}

/** The environment variables that carry the settings, as `functions/adapters/config.ts` reads them. */
export function settingsEnvironment(settings: TokenServiceSettings & { issuer: string }, extra: Partial<ServiceSettings> = {}): Record<string, string> {
  return environmentOf({
    issuer: settings.issuer,
    catalogue: settings.catalogue,
    policy: settings.policy,
    adminGroup: settings.adminGroup,
    tenantClaim: settings.tenantClaim,
    userIdClaim: settings.userIdClaim,
    ...extra,
  });
}

export { environmentNames };

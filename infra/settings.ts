import { Token } from 'aws-cdk-lib';
import {
  configIssues,
  defaults,
  environmentNames,
  horizonsSchema,
  environmentOf,
  loadConfig,
  type ServiceConfig,
  type ServiceSettings,
} from '../functions/adapters/config';
import { defaultPolicy, policyProblems, type TokenPolicy } from '../functions/domain/token-policy';
import type { ScopeCatalogue } from '../functions/domain/scopes';

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
  /**
   * Public keys that sign secret-scanning alerts to `POST /secret-scanning/github` (GitHub's partner
   * program publishes them at https://api.github.com/meta/public_keys/secret_scanning).
   * @default none: every alert is refused (401)
   */
  readonly secretScanningKeys?: ReadonlyArray<{ readonly keyIdentifier: string; readonly key: string }>;
}

export const defaultAdminGroup = defaults.adminGroup;
export const defaultTenantClaim = defaults.tenantClaim;
export const defaultNotifyHorizonsDays = defaults.notifyHorizonsDays;

/** What the notification job's schema says of these horizons, if anything. */
export function horizonsProblem(horizonsDays: readonly number[]): string | undefined {
  const parsed = horizonsSchema.safeParse(horizonsDays.join(','));
  return parsed.success ? undefined : parsed.error.issues[0]?.message;
}

// The settings each environment variable carries, to name a schema issue in the settings' terms.
const settingOfVariable: Record<string, string> = Object.fromEntries(
  Object.entries(environmentNames).map(([setting, variable]) => [variable, setting]),
);

export class InvalidSettingsError extends Error {
  override name = 'InvalidSettingsError';
}

/**
 * Checks settings at synth time with the very schema the functions use at cold start, so that a
 * deployment that would fail in Lambda fails in `cdk synth` instead, with the reason.
 */
export function checkSettings(settings: TokenServiceSettings, where: string): void {
  // The schema's own issues (catalogue names and descriptions, unknown policy fields…), in its words.
  const environment = settingsEnvironment({ ...settings, issuer: settings.issuer ?? 'https://issuer.invalid' });
  const problems = configIssues(environment).map(
    (issue) => `${settingOfVariable[issue.variable] ?? issue.variable}${issue.path}: ${issue.message}`,
  );
  problems.push(...policyProblems({ ...defaultPolicy, ...settings.policy }).map((problem) => `policy: ${problem}`));
  for (const [name, value] of [
    ['adminGroup', settings.adminGroup],
    ['tenantClaim', settings.tenantClaim],
    ['userIdClaim', settings.userIdClaim],
  ] as const) {
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
export function settingsEnvironment(
  settings: TokenServiceSettings & { issuer: string },
  extra: Partial<ServiceSettings> = {},
): Record<string, string> {
  return environmentOf({
    issuer: settings.issuer,
    catalogue: settings.catalogue,
    policy: settings.policy,
    adminGroup: settings.adminGroup,
    tenantClaim: settings.tenantClaim,
    userIdClaim: settings.userIdClaim,
    secretScanningKeys: settings.secretScanningKeys?.map(({ keyIdentifier, key }) => ({ keyIdentifier, key })),
    ...extra,
  });
}

export { environmentNames };

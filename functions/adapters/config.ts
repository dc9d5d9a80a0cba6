// zod/mini: the same validation as zod at a tenth of the bundle size (this file is in every Lambda).
import * as z from 'zod/mini';
import { defaultPolicy, policyProblems, type TokenPolicy } from '../domain/token-policy';
import { resolveRoutes, type ProtectedRoute } from '../domain/routes';
import { isValidAreaName, type ScopeCatalogue } from '../domain/scopes';

/**
 * The configuration every function reads from its environment, validated once when the module
 * loads (a bad deployment fails at cold start, not on the first request). The CDK constructs build
 * the same variables with `environmentOf`, and validate them at synth time with the same schema.
 */
export const environmentNames = {
  tableName: 'TABLE_NAME',
  issuer: 'TOKEN_ISSUER',
  signer: 'SIGNER',
  kmsKeyIds: 'KMS_KEY_IDS',
  localKeyFile: 'LOCAL_SIGNING_KEY_FILE',
  refreshMacKeyId: 'REFRESH_MAC_KEY_ID',
  catalogue: 'SCOPE_CATALOGUE',
  policy: 'TOKEN_POLICY',
  adminGroup: 'ADMIN_GROUP',
  tenantClaim: 'TENANT_CLAIM',
  userIdClaim: 'USER_ID_CLAIM',
  appClientIds: 'APP_CLIENT_IDS',
  userPoolId: 'USER_POOL_ID',
  localSessionKeyFile: 'LOCAL_SESSION_KEY_FILE',
  routes: 'PROTECTED_ROUTES',
  statusCacheSeconds: 'STATUS_CACHE_SECONDS',
  lastUsedIntervalSeconds: 'LAST_USED_INTERVAL_SECONDS',
  revocationFeed: 'REVOCATION_FEED',
  feedStatusCacheSeconds: 'FEED_STATUS_CACHE_SECONDS',
  resultCacheSeconds: 'RESULT_CACHE_SECONDS',
  secretScanningKeys: 'SECRET_SCANNING_KEYS',
  dynamoEndpoint: 'DYNAMODB_ENDPOINT',
  notifyHorizonsDays: 'NOTIFY_HORIZONS_DAYS',
  eventBusName: 'EVENT_BUS_NAME',
  snsTopicArn: 'SNS_TOPIC_ARN',
} as const;

/** Defaults of the settings, defined here once: the CDK constructs and the local server use these. */
export const defaults = {
  adminGroup: 'pat-admins',
  tenantClaim: 'custom:tenant',
  userIdClaim: 'cognito:username',
  /** Expiry notices go out when a token enters each of these horizons. */
  notifyHorizonsDays: [30, 7, 1] as readonly number[],
} as const;

const catalogueSchema = z
  .array(
    z.object({
      name: z.string().check(z.refine(isValidAreaName, 'is not a valid area name (lower-case words separated by /)')),
      description: z.string().check(z.refine((description) => description.trim() !== '', 'needs a description')),
    }),
  )
  .check(
    z.minLength(1, 'must list at least one area'),
    z.refine((areas) => new Set(areas.map((a) => a.name)).size === areas.length, 'area names must be unique'),
  );

/** A partial token policy (merged over the defaults): the environment's and the CDK config file's. */
export const policySchema = z.partial(
  z.strictObject({
    lifetimesDays: z.array(z.number()),
    defaultLifetimeDays: z.number(),
    maxLifetimeDays: z.number(),
    allowNoExpiry: z.boolean(),
    maxIpEntries: z.number(),
    maxDescriptionLength: z.number(),
    maxActiveTokensPerOwner: z.number(),
    rotationGraceSeconds: z.number(),
    reuseLeewaySeconds: z.number(),
    refreshWindowDays: z.number(),
    retentionDays: z.number(),
    maxCredentialAgeDays: z.nullable(z.number()),
    idleExpiryDays: z.nullable(z.number()),
  } satisfies Record<keyof TokenPolicy, z.ZodMiniType>),
);

const routesSchema = z.array(
  z.strictObject({
    method: z.string().check(z.regex(/^[A-Za-z]+$/)),
    resource: z.string().check(z.startsWith('/')),
    scope: z.optional(z.string()),
  }),
);

const json = <T extends z.ZodMiniType>(schema: T) =>
  z.pipe(
    z.pipe(
      z.string(),
      z.transform((text: string, context) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          context.issues.push({ code: 'custom', message: 'is not valid JSON', input: text });
          return z.NEVER;
        }
      }),
    ),
    schema,
  );

/** Whole days from 1 to 365, comma-separated (`30,7,1`). */
export const horizonsSchema = z.pipe(
  z.string(),
  z.transform((value: string, context) => {
    const horizons = value.split(',').map((part) => Number(part.trim()));
    if (horizons.some((days) => !Number.isInteger(days) || days < 1 || days > 365)) {
      context.issues.push({ code: 'custom', message: 'must be whole days between 1 and 365, comma-separated', input: value });
      return z.NEVER;
    }
    return horizons;
  }),
);

const seconds = (fallback: number) => z._default(z.coerce.number().check(z.int(), z.minimum(0), z.maximum(3600)), fallback);
const text = (min = 1) => z.string().check(z.minLength(min));

const environmentSchema = z.object({
  TABLE_NAME: z.optional(text(3)),
  TOKEN_ISSUER: text(),
  SIGNER: z._default(z.enum(['kms', 'local']), 'kms'),
  KMS_KEY_IDS: z.optional(z.string()),
  LOCAL_SIGNING_KEY_FILE: z.optional(z.string()),
  REFRESH_MAC_KEY_ID: z.optional(text()),
  SCOPE_CATALOGUE: json(catalogueSchema),
  TOKEN_POLICY: z.optional(json(policySchema)),
  ADMIN_GROUP: z._default(text(), defaults.adminGroup),
  TENANT_CLAIM: z._default(text(), defaults.tenantClaim),
  USER_ID_CLAIM: z._default(text(), defaults.userIdClaim),
  // Comma-separated user pool app client ids whose ID tokens count (`aud`); Cognito client ids
  // are [\w+]+, so a comma never occurs in one. Unset: `aud` is not checked (see http/identity.ts).
  APP_CLIENT_IDS: z._default(z.string(), ''),
  // Who signs the ID tokens the management handlers verify: a Cognito user pool, or local mode's sign-in key.
  USER_POOL_ID: z.optional(z.string().check(z.regex(/^[\w-]+_[0-9a-zA-Z]+$/))),
  LOCAL_SESSION_KEY_FILE: z.optional(z.string()),
  PROTECTED_ROUTES: z.optional(json(routesSchema)),
  STATUS_CACHE_SECONDS: seconds(10),
  LAST_USED_INTERVAL_SECONDS: seconds(60),
  // The authorizer follows the revocation feed (docs/revocation.md); `off` is today's TTL-only bound.
  REVOCATION_FEED: z._default(z.enum(['on', 'off']), 'on'),
  FEED_STATUS_CACHE_SECONDS: seconds(300),
  RESULT_CACHE_SECONDS: seconds(300),
  DYNAMODB_ENDPOINT: z.optional(z.url()),
});

export interface ServiceConfig {
  tableName?: string;
  issuer: string;
  signer: { kind: 'kms'; keyIds: string[] } | { kind: 'local'; keyFile: string };
  /** The key refresh secrets are derived with: a KMS HMAC key (refresh function only), or a file beside the local signing key. */
  refreshMac: { kind: 'kms'; keyId: string | undefined } | { kind: 'local'; keyFile: string };
  catalogue: ScopeCatalogue;
  policy: TokenPolicy;
  identity: {
    adminGroup: string;
    tenantClaim: string;
    userIdClaim: string;
    appClientIds: string[];
    /** Who signs the ID tokens; undefined: nobody is signed in (the functions that need a user refuse all). */
    idTokens?: { kind: 'cognito'; userPoolId: string } | { kind: 'local'; issuer: string; keyFile: string };
  };
  routes: ProtectedRoute[];
  statusCacheMs: number;
  lastUsedIntervalMs: number;
  /** The revocation feed as the authorizer follows it; undefined when turned off. */
  revocationFeed?: { statusCacheMs: number; resultCacheMs: number };
  dynamoEndpoint?: string;
}

/** The issuer of local mode's development ID tokens (functions/local/local-sessions.ts). */
export const LOCAL_SESSION_ISSUER = 'pat-local-sessions';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** One problem the schema found: the variable, the path inside its JSON value, and what is wrong. */
export interface ConfigIssue {
  variable: string;
  /** Inside a JSON variable (`[0].name`); empty for the variable itself. */
  path: string;
  message: string;
}

function issuesOf(issues: readonly z.core.$ZodIssue[]): ConfigIssue[] {
  return issues.map((issue) => {
    const [variable, ...rest] = issue.path;
    const path = rest.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('');
    // zod/mini carries no locale: an unknown field would only say "Invalid input".
    const message = issue.code === 'unrecognized_keys' ? `has unknown fields: ${issue.keys.join(', ')}` : issue.message;
    return { variable: String(variable ?? ''), path, message };
  });
}

const describeIssues = (issues: readonly ConfigIssue[]) => issues.map((i) => `${i.variable}${i.path} ${i.message}`).join('; ');

/** Every issue the environment schema finds (none: the functions will load it). */
export function configIssues(env: Record<string, string | undefined>): ConfigIssue[] {
  const parsed = environmentSchema.safeParse(env);
  return parsed.success ? [] : issuesOf(parsed.error.issues);
}

export function loadConfig(env: Record<string, string | undefined>): ServiceConfig {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(`Invalid configuration: ${describeIssues(issuesOf(parsed.error.issues))}`);
  const e = parsed.data;
  const policy: TokenPolicy = { ...defaultPolicy, ...e.TOKEN_POLICY };
  const problems = policyProblems(policy);
  if (problems.length > 0) throw new ConfigError(`Invalid token policy: ${problems.join('; ')}`);

  let signer: ServiceConfig['signer'];
  if (e.SIGNER === 'kms') {
    const keyIds = (e.KMS_KEY_IDS ?? '')
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean);
    if (keyIds.length === 0) throw new ConfigError('KMS_KEY_IDS must name at least one KMS key when SIGNER=kms');
    signer = { kind: 'kms', keyIds };
  } else {
    if (!e.LOCAL_SIGNING_KEY_FILE) throw new ConfigError('LOCAL_SIGNING_KEY_FILE is required when SIGNER=local');
    signer = { kind: 'local', keyFile: e.LOCAL_SIGNING_KEY_FILE };
  }
  const refreshMac: ServiceConfig['refreshMac'] =
    signer.kind === 'kms' ? { kind: 'kms', keyId: e.REFRESH_MAC_KEY_ID } : { kind: 'local', keyFile: `${signer.keyFile}.refresh-mac` };
  const routes = e.PROTECTED_ROUTES ?? [];
  try {
    resolveRoutes(routes, e.SCOPE_CATALOGUE);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  return {
    tableName: e.TABLE_NAME,
    issuer: e.TOKEN_ISSUER,
    signer,
    refreshMac,
    catalogue: e.SCOPE_CATALOGUE,
    policy,
    identity: {
      adminGroup: e.ADMIN_GROUP,
      tenantClaim: e.TENANT_CLAIM,
      userIdClaim: e.USER_ID_CLAIM,
      appClientIds: e.APP_CLIENT_IDS.split(',')
        .map((id) => id.trim())
        .filter(Boolean),
      ...(e.USER_POOL_ID
        ? { idTokens: { kind: 'cognito' as const, userPoolId: e.USER_POOL_ID } }
        : e.LOCAL_SESSION_KEY_FILE
          ? { idTokens: { kind: 'local' as const, issuer: LOCAL_SESSION_ISSUER, keyFile: e.LOCAL_SESSION_KEY_FILE } }
          : {}),
    },
    routes,
    statusCacheMs: e.STATUS_CACHE_SECONDS * 1000,
    lastUsedIntervalMs: e.LAST_USED_INTERVAL_SECONDS * 1000,
    revocationFeed:
      e.REVOCATION_FEED === 'on'
        ? { statusCacheMs: e.FEED_STATUS_CACHE_SECONDS * 1000, resultCacheMs: e.RESULT_CACHE_SECONDS * 1000 }
        : undefined,
    dynamoEndpoint: e.DYNAMODB_ENDPOINT,
  };
}

const notificationSchema = z.object({
  NOTIFY_HORIZONS_DAYS: z._default(horizonsSchema, () => [...defaults.notifyHorizonsDays]),
  EVENT_BUS_NAME: z.optional(text()),
  SNS_TOPIC_ARN: z.optional(text()),
});

export interface NotificationConfig {
  horizonsDays: number[];
  /** Where notices go; none of the two: to the log only (local mode). */
  eventBusName?: string;
  snsTopicArn?: string;
}

/** The expiry-notification job's own variables, with the same schema discipline as `loadConfig`. */
export function loadNotificationConfig(env: Record<string, string | undefined>): NotificationConfig {
  const parsed = notificationSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(`Invalid configuration: ${describeIssues(issuesOf(parsed.error.issues))}`);
  const { NOTIFY_HORIZONS_DAYS, EVENT_BUS_NAME, SNS_TOPIC_ARN } = parsed.data;
  return { horizonsDays: NOTIFY_HORIZONS_DAYS, eventBusName: EVENT_BUS_NAME, snsTopicArn: SNS_TOPIC_ARN };
}

/** A value a composition root cannot run without. Throws at cold start. */
export function required<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new ConfigError(`${name} is required by this function`);
  return value;
}

export interface ServiceSettings {
  issuer: string;
  catalogue: ScopeCatalogue;
  policy?: Partial<TokenPolicy>;
  adminGroup?: string;
  tenantClaim?: string;
  userIdClaim?: string;
  /** User pool app clients whose ID tokens the management routes accept (`aud`). */
  appClientIds?: string[];
  routes?: ProtectedRoute[];
  statusCacheSeconds?: number;
  lastUsedIntervalSeconds?: number;
  /** @default true */
  revocationFeed?: boolean;
  feedStatusCacheSeconds?: number;
  /** API Gateway's authorizer result TTL, as the authorizer must know it. */
  resultCacheSeconds?: number;
  /**
   * The public keys secret-scanning alerts are signed with (GitHub's partner program:
   * https://api.github.com/meta/public_keys/secret_scanning), each `{keyIdentifier, key}` (PEM).
   * None: the alert endpoint refuses every call (401).
   */
  secretScanningKeys?: SecretScanningKey[];
}

/** The environment variables that carry `settings`; used by the CDK constructs and the local server. */
export function environmentOf(settings: ServiceSettings): Record<string, string> {
  const env: Record<string, string> = {
    [environmentNames.issuer]: settings.issuer,
    [environmentNames.catalogue]: JSON.stringify(settings.catalogue),
  };
  if (settings.policy) env[environmentNames.policy] = JSON.stringify(settings.policy);
  if (settings.adminGroup) env[environmentNames.adminGroup] = settings.adminGroup;
  if (settings.tenantClaim) env[environmentNames.tenantClaim] = settings.tenantClaim;
  if (settings.userIdClaim) env[environmentNames.userIdClaim] = settings.userIdClaim;
  if (settings.appClientIds) env[environmentNames.appClientIds] = settings.appClientIds.join(',');
  if (settings.routes) env[environmentNames.routes] = JSON.stringify(settings.routes);
  if (settings.statusCacheSeconds !== undefined) env[environmentNames.statusCacheSeconds] = String(settings.statusCacheSeconds);
  if (settings.lastUsedIntervalSeconds !== undefined)
    env[environmentNames.lastUsedIntervalSeconds] = String(settings.lastUsedIntervalSeconds);
  if (settings.revocationFeed !== undefined) env[environmentNames.revocationFeed] = settings.revocationFeed ? 'on' : 'off';
  if (settings.feedStatusCacheSeconds !== undefined) env[environmentNames.feedStatusCacheSeconds] = String(settings.feedStatusCacheSeconds);
  if (settings.resultCacheSeconds !== undefined) env[environmentNames.resultCacheSeconds] = String(settings.resultCacheSeconds);
  if (settings.secretScanningKeys) env[environmentNames.secretScanningKeys] = JSON.stringify(settings.secretScanningKeys);
  return env;
}

export interface SecretScanningKey {
  keyIdentifier: string;
  /** An ECDSA P-256 public key, PEM (SPKI), as GitHub publishes it. */
  key: string;
}

const secretScanningSchema = z.object({
  SECRET_SCANNING_KEYS: z._default(
    json(z.array(z.strictObject({ keyIdentifier: text(), key: z.string().check(z.includes('-----BEGIN PUBLIC KEY-----')) }))),
    () => [],
  ),
});

/** The secret-scanning alert endpoint's own variable: the scanners' public keys, validated at cold start. */
export function loadSecretScanningKeys(env: Record<string, string | undefined>): SecretScanningKey[] {
  const parsed = secretScanningSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(`Invalid configuration: ${describeIssues(issuesOf(parsed.error.issues))}`);
  return parsed.data.SECRET_SCANNING_KEYS;
}

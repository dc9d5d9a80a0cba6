import { z } from 'zod';
import { defaultPolicy, policyProblems, type TokenPolicy } from '../domain/policy';
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
  catalogue: 'SCOPE_CATALOGUE',
  policy: 'TOKEN_POLICY',
  adminGroup: 'ADMIN_GROUP',
  tenantClaim: 'TENANT_CLAIM',
  userIdClaim: 'USER_ID_CLAIM',
  routes: 'PROTECTED_ROUTES',
  statusCacheSeconds: 'STATUS_CACHE_SECONDS',
  lastUsedIntervalSeconds: 'LAST_USED_INTERVAL_SECONDS',
  dynamoEndpoint: 'DYNAMODB_ENDPOINT',
} as const;

const catalogueSchema = z
  .array(z.object({ name: z.string().refine(isValidAreaName, 'area names are lower-case words separated by /'), description: z.string().min(1) }))
  .min(1)
  .refine((areas) => new Set(areas.map((a) => a.name)).size === areas.length, 'area names must be unique');

const policySchema = z
  .object({
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
  })
  .partial()
  .strict();

const routesSchema = z.array(
  z.object({ method: z.string().regex(/^[A-Za-z]+$/), resource: z.string().startsWith('/'), scope: z.string().optional() }).strict(),
);

const json = <T extends z.ZodType>(schema: T) =>
  z.string().transform((text, context) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      context.addIssue({ code: 'custom', message: 'is not valid JSON' });
      return z.NEVER;
    }
  }).pipe(schema);

const seconds = (fallback: number) => z.coerce.number().int().min(0).max(3600).default(fallback);

const environmentSchema = z.object({
  TABLE_NAME: z.string().min(3).optional(),
  TOKEN_ISSUER: z.string().min(1),
  SIGNER: z.enum(['kms', 'local']).default('kms'),
  KMS_KEY_IDS: z.string().optional(),
  LOCAL_SIGNING_KEY_FILE: z.string().optional(),
  SCOPE_CATALOGUE: json(catalogueSchema),
  TOKEN_POLICY: json(policySchema).optional(),
  ADMIN_GROUP: z.string().min(1).default('pat-admins'),
  TENANT_CLAIM: z.string().min(1).default('custom:tenant'),
  USER_ID_CLAIM: z.string().min(1).default('cognito:username'),
  PROTECTED_ROUTES: json(routesSchema).optional(),
  STATUS_CACHE_SECONDS: seconds(10),
  LAST_USED_INTERVAL_SECONDS: seconds(60),
  DYNAMODB_ENDPOINT: z.string().url().optional(),
});

export interface ServiceConfig {
  tableName?: string;
  issuer: string;
  signer: { kind: 'kms'; keyIds: string[] } | { kind: 'local'; keyFile: string };
  catalogue: ScopeCatalogue;
  policy: TokenPolicy;
  identity: { adminGroup: string; tenantClaim: string; userIdClaim: string };
  routes: ProtectedRoute[];
  statusCacheMs: number;
  lastUsedIntervalMs: number;
  dynamoEndpoint?: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: Record<string, string | undefined>): ServiceConfig {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(`Invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  }
  const e = parsed.data;
  const policy: TokenPolicy = { ...defaultPolicy, ...e.TOKEN_POLICY };
  const problems = policyProblems(policy);
  if (problems.length > 0) throw new ConfigError(`Invalid token policy: ${problems.join('; ')}`);

  let signer: ServiceConfig['signer'];
  if (e.SIGNER === 'kms') {
    const keyIds = (e.KMS_KEY_IDS ?? '').split(',').map((id) => id.trim()).filter(Boolean);
    if (keyIds.length === 0) throw new ConfigError('KMS_KEY_IDS must name at least one KMS key when SIGNER=kms');
    signer = { kind: 'kms', keyIds };
  } else {
    if (!e.LOCAL_SIGNING_KEY_FILE) throw new ConfigError('LOCAL_SIGNING_KEY_FILE is required when SIGNER=local');
    signer = { kind: 'local', keyFile: e.LOCAL_SIGNING_KEY_FILE };
  }
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
    catalogue: e.SCOPE_CATALOGUE,
    policy,
    identity: { adminGroup: e.ADMIN_GROUP, tenantClaim: e.TENANT_CLAIM, userIdClaim: e.USER_ID_CLAIM },
    routes,
    statusCacheMs: e.STATUS_CACHE_SECONDS * 1000,
    lastUsedIntervalMs: e.LAST_USED_INTERVAL_SECONDS * 1000,
    dynamoEndpoint: e.DYNAMODB_ENDPOINT,
  };
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
  routes?: ProtectedRoute[];
  statusCacheSeconds?: number;
  lastUsedIntervalSeconds?: number;
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
  if (settings.routes) env[environmentNames.routes] = JSON.stringify(settings.routes);
  if (settings.statusCacheSeconds !== undefined) env[environmentNames.statusCacheSeconds] = String(settings.statusCacheSeconds);
  if (settings.lastUsedIntervalSeconds !== undefined) env[environmentNames.lastUsedIntervalSeconds] = String(settings.lastUsedIntervalSeconds);
  return env;
}

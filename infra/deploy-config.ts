import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { z } from 'zod';
import { policySchema } from '../functions/adapters/config';
import { parseScope } from '../functions/domain/scopes';
import { exampleApiRoutes, exampleCatalogue, resolveRoutes, type ProtectedRoute } from '../functions/domain/routes';
import type { PatServiceProps } from './constructs/pat-service';
import { InvalidSettingsError } from './settings';

/**
 * What `cdk deploy` reads from the context: `-c config=<file.json>` names a JSON file of service
 * props (below); without it, the example catalogue and the defaults are deployed.
 * `-c exampleApi=false` leaves the example consumer stack out.
 */
export interface DeployConfig {
  readonly service: PatServiceProps;
  readonly exampleApi: boolean;
  /** The example API's routes (the file's `exampleApi.routes`). @default `exampleApiRoutes` */
  readonly exampleApiRoutes: readonly ProtectedRoute[];
  readonly serviceStackName: string;
  readonly exampleStackName: string;
}

// Cognito's ClientId: `[\w+]+`, 1–128 characters. The functions read the ids as one comma-separated list.
const appClientId = z.string().regex(/^[\w+]{1,128}$/, 'is not an app client id (letters, digits, _ and +, at most 128)');

const throttle = z.object({ rateLimit: z.number().positive(), burstLimit: z.number().int().positive() }).strict();

const configFile = z
  .object({
    catalogue: z.array(z.object({ name: z.string(), description: z.string() }).strict()).min(1),
    // The functions' own schema: one list of policy fields for the environment and this file.
    policy: z.optional(policySchema),
    issuer: z.string().min(1).optional(),
    adminGroup: z.string().min(1).optional(),
    tenantClaim: z.string().min(1).optional(),
    userIdClaim: z.string().min(1).optional(),
    // The secret-scanning alert endpoint's verification keys (GitHub's, for example): identifier and PEM public key.
    secretScanningKeys: z
      .array(z.object({ keyIdentifier: z.string().min(1), key: z.string().includes('BEGIN PUBLIC KEY') }).strict())
      .optional(),
    userPool: z
      .object({
        userPoolId: z.string().min(1),
        userPoolClientId: appClientId.optional(),
        moreAppClientIds: z.array(appClientId).optional(),
      })
      .strict()
      .optional(),
    mfa: z.enum(['REQUIRED', 'OPTIONAL', 'OFF']).optional(),
    featurePlan: z.enum(['ESSENTIALS', 'PLUS']).optional(),
    hostedSignIn: z
      .object({
        domainPrefix: z.string().min(1),
        callbackUrls: z.array(z.string().url()).min(1),
        logoutUrls: z.array(z.string().url()).optional(),
      })
      .strict()
      .optional(),
    signingKeys: z
      .object({ generation: z.number().int().positive().optional(), previousKeyArns: z.array(z.string().startsWith('arn:')).optional() })
      .strict()
      .optional(),
    tableName: z.string().min(3).optional(),
    stageName: z.string().min(1).optional(),
    throttle: throttle.optional(),
    publicThrottle: throttle.optional(),
    expiryNotifications: z
      .object({
        eventBusName: z.string().min(1).optional(),
        topicArn: z.string().startsWith('arn:').optional(),
        horizonsDays: z.array(z.number().int().min(1).max(365)).min(1).optional(),
      })
      .strict()
      .optional(),
    webAclArn: z.string().startsWith('arn:').optional(),
    alarmTopicArn: z.string().startsWith('arn:').optional(),
    consumerAccounts: z.array(z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id')).optional(),
    wafRateLimit: z
      .union([
        z.literal(false),
        z
          .object({
            limit: z.number().int().min(10).optional(),
            windowSeconds: z.union([z.literal(60), z.literal(120), z.literal(300), z.literal(600)]).optional(),
          })
          .strict(),
      ])
      .optional(),
    webConsole: z
      .union([
        z.literal(false),
        z
          .object({
            domainPrefix: z.string().min(1).optional(),
            existingDomainUrl: z.string().url().optional(),
            customDomain: z
              .object({ domainNames: z.array(z.string().min(1)).min(1), certificateArn: z.string().startsWith('arn:') })
              .strict()
              .optional(),
            callbackUrls: z.array(z.string().url()).optional(),
            webAclArn: z.string().startsWith('arn:').optional(),
            logRetentionDays: z.number().int().positive().optional(),
          })
          .strict(),
      ])
      .optional(),
    manageApiGatewayCloudWatchRole: z.boolean().optional(),
    tracing: z.boolean().optional(),
    // The example API's routes, in AWS and in local mode (`npm start`): each needs `scope`, or the one its path derives.
    exampleApi: z
      .object({
        routes: z
          .array(
            z
              .object({
                method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']),
                resource: z.string().regex(/^\/[A-Za-z0-9._~{}\/-]*$/),
                scope: z.string().min(1).optional(),
              })
              .strict(),
          )
          .min(1),
      })
      .strict()
      .optional(),
  })
  .strict();

export type DeployConfigFile = z.infer<typeof configFile>;

/**
 * Reads and checks a configuration file (`-c config=<file>`, `PAT_CONFIG=<file>`); every problem is
 * named with its path in the file. `what` says where the path came from, for the message.
 */
export function readConfigFile(path: string, baseDir = process.cwd(), what = `-c config=${path}`): DeployConfigFile {
  const fullPath = resolve(baseDir, path);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(fullPath, 'utf8'));
  } catch (error) {
    throw new InvalidSettingsError(`${what}: cannot read ${fullPath} as JSON (${(error as Error).message})`);
  }
  const parsed = configFile.safeParse(raw);
  if (!parsed.success) {
    throw new InvalidSettingsError(
      `${what}: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`,
    );
  }
  const routes = parsed.data.exampleApi?.routes;
  if (routes) {
    try {
      // Every route needs a scope of the catalogue, declared or derived from its path: say so now, not at the first request.
      resolveRoutes(routes, parsed.data.catalogue);
      for (const route of routes) {
        const area = route.scope === undefined ? undefined : parseScope(route.scope)?.area;
        if (route.scope !== undefined && !parsed.data.catalogue.some((entry) => entry.name === area)) {
          throw new InvalidSettingsError(
            `${route.method} ${route.resource}: scope "${route.scope}" names no area of the catalogue (${parsed.data.catalogue.map((entry) => entry.name).join(', ')})`,
          );
        }
      }
    } catch (error) {
      throw new InvalidSettingsError(`${what}: exampleApi.routes: ${(error as Error).message}`);
    }
  }
  return parsed.data;
}

/** Reads and checks the deployment configuration; every problem is named with its path in the file. */
export function deployConfig(context: (key: string) => unknown, baseDir = process.cwd()): DeployConfig {
  const path = context('config');
  const file: DeployConfigFile =
    typeof path === 'string' && path !== '' ? readConfigFile(path, baseDir) : { catalogue: [...exampleCatalogue] };
  const { catalogue, policy, issuer, adminGroup, tenantClaim, userIdClaim, secretScanningKeys, mfa, featurePlan, exampleApi, ...service } =
    file;
  return {
    service: {
      ...service,
      settings: { catalogue, policy, issuer, adminGroup, tenantClaim, userIdClaim, secretScanningKeys },
      mfa: mfa === undefined ? undefined : { REQUIRED: cognito.Mfa.REQUIRED, OPTIONAL: cognito.Mfa.OPTIONAL, OFF: cognito.Mfa.OFF }[mfa],
      featurePlan:
        featurePlan === undefined ? undefined : { ESSENTIALS: cognito.FeaturePlan.ESSENTIALS, PLUS: cognito.FeaturePlan.PLUS }[featurePlan],
    },
    exampleApi: String(context('exampleApi') ?? 'true') !== 'false',
    exampleApiRoutes: exampleApi?.routes ?? exampleApiRoutes,
    serviceStackName: stringOr(context('serviceStackName'), 'PatService'),
    exampleStackName: stringOr(context('exampleStackName'), 'PatExampleApi'),
  };
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
}

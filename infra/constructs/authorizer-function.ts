import { Duration, Lazy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { permissionOf, resolveRoutes, type ProtectedRoute, type ResolvedRoute } from '../../functions/domain/routes';
import { parseScope, type ScopeCatalogue } from '../../functions/domain/scopes';
import { httpAuthorizerHandler, type HandlerSpec } from '../handlers';
import { requireSourceAccount } from '../control-tower';
import { checkEnvironment, checkSettings, environmentNames, InvalidSettingsError, settingsEnvironment } from '../settings';
import { isPendingCatalogue, pendingScopeOf } from './pending-lookups';
import { narrowUpdateConditions, revocationFeedReadConditions, ServiceFunction } from './service-function';
import type { TokenVerification } from './token-verification';

/** The timing props `TokenAuthorizer` and `HttpTokenAuthorizer` share. */
export interface AuthorizerTimingProps {
  /**
   * How long a container trusts a token record it read when it cannot read the revocation feed
   * (or with `revocationFeed: false`). Whole seconds, 0–3600.
   * @default Duration.seconds(10)
   */
  readonly statusCache?: Duration;
  /**
   * How long a container trusts a token record while it follows the revocation feed (read at
   * most once a second before deciding): a change drops it at once, so this only sets how often an
   * unchanged token is re-read. Not part of the revocation bound. Whole seconds, 0–3600.
   * @default Duration.seconds(300)
   */
  readonly feedStatusCache?: Duration;
  /**
   * Follow the revocation feed. Off: every cached status lives `statusCache`.
   * @default true
   */
  readonly revocationFeed?: boolean;
  /** `lastUsedAt` is written at most this often per token and container. @default Duration.seconds(60) */
  readonly lastUsedInterval?: Duration;
  /** Retention of the authorizer function's log group. @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /** X-Ray active tracing of the authorizer function. @default true */
  readonly tracing?: boolean;
}

/** The authorizer's settings in whole seconds, checked. */
export interface AuthorizerTimings {
  /** Whether the function follows the revocation feed. */
  readonly feed: boolean;
  /** `statusCache` in whole seconds. */
  readonly statusCacheSeconds: number;
  /** `resultCache` in whole seconds. */
  readonly resultCacheSeconds: number;
}

/**
 * The Lambda function behind a token authorizer (REST or HTTP API): the settings and timings as its
 * environment, `PROTECTED_ROUTES` read at synth time (every `addMethod`/`addRoutes` has run by then),
 * and a synth check that runs the functions' own configuration loader over the whole of it.
 */
export function authorizerFunction(
  scope: Construct,
  spec: HandlerSpec,
  props: AuthorizerTimingProps & { readonly verification: TokenVerification },
  resultCache: Duration,
  routes: () => readonly ResolvedRoute[],
): { handler: ServiceFunction; timings: AuthorizerTimings } {
  const where = scope.node.path;
  checkSettings(props.verification.settings, where);
  requireSourceAccount(scope);
  const feed = props.revocationFeed ?? true;
  const statusCacheSeconds = wholeSeconds(props.statusCache ?? Duration.seconds(10), 'statusCache', where);
  const resultCacheSeconds = wholeSeconds(resultCache, 'resultCache', where);
  const feedStatusCacheSeconds = wholeSeconds(props.feedStatusCache ?? Duration.seconds(300), 'feedStatusCache', where);
  const lastUsedIntervalSeconds = wholeSeconds(props.lastUsedInterval ?? Duration.seconds(60), 'lastUsedInterval', where);
  const handler = new ServiceFunction(scope, 'Handler', {
    spec,
    environment: {
      ...settingsEnvironment(props.verification.settings, { statusCacheSeconds, lastUsedIntervalSeconds }),
      [environmentNames.revocationFeed]: feed ? 'on' : 'off',
      [environmentNames.feedStatusCacheSeconds]: String(feedStatusCacheSeconds),
      [environmentNames.resultCacheSeconds]: String(resultCacheSeconds),
    },
    table: props.verification.table,
    keys: props.verification.keys,
    logRetention: props.logRetention,
    tracing: props.tracing,
  });
  handler.addEnvironment(environmentNames.routes, Lazy.string({ produce: () => JSON.stringify(routes()) }));
  scope.node.addValidation({ validate: () => routeTableProblems(handler, routes(), where) });
  return { handler, timings: { feed, statusCacheSeconds, resultCacheSeconds } };
}

/** The function's whole configuration, routes included, through the functions' own loader. */
function routeTableProblems(handler: ServiceFunction, routes: readonly ResolvedRoute[], where: string): string[] {
  try {
    checkEnvironment({ ...handler.environmentVariables, [environmentNames.routes]: JSON.stringify(routes) }, where);
    return [];
  } catch (error) {
    return [(error as Error).message];
  }
}

/**
 * One protected route, its scope checked against the catalogue now, at synth time: a typo fails
 * `cdk synth`, not a request. While parameter lookups are pending (`fromParameters`), a placeholder
 * scope: the CLI synthesizes again with the catalogue.
 */
export function protectedRoute(
  method: string,
  resource: string,
  scope: string | undefined,
  catalogue: ScopeCatalogue,
  where: string,
): ResolvedRoute {
  const permission = permissionOf(method);
  if (!permission) {
    throw new InvalidSettingsError(
      `${where}: only GET, HEAD, POST, PUT, PATCH and DELETE can be protected by a scope; add one method per verb instead of ${method}`,
    );
  }
  if (isPendingCatalogue(catalogue)) return { method, resource, scope: scope ?? pendingScopeOf(permission) };
  const areas = catalogue.map((area) => area.name).join(', ');
  if (scope !== undefined) {
    const parsed = parseScope(scope);
    if (!parsed) throw new InvalidSettingsError(`${where}: scope "${scope}" is not of the form area[/sub-area]:read|write|delete`);
    if (!catalogue.some((area) => area.name === parsed.area))
      throw new InvalidSettingsError(`${where}: scope "${scope}" names an area that is not in the catalogue (${areas})`);
  }
  const route: ProtectedRoute = scope === undefined ? { method, resource } : { method, resource, scope };
  try {
    return (resolveRoutes([route], catalogue) as [ResolvedRoute])[0];
  } catch {
    throw new InvalidSettingsError(
      `${where}: no scope can be derived from the path (catalogue areas: ${areas}); pass { scope: '<area>:<read|write|delete>' } or add the area to the catalogue`,
    );
  }
}

/**
 * What a function of your own needs to verify this service's tokens with `@pat-service/pat-verifier`:
 * the token, family and tenant items (`GetItem`, `BatchGetItem`), the revocation feed (`Query` on the
 * `FEED#` partitions only) and the verifier's bookkeeping (`lastUsedAt`, the hourly denial counter:
 * `UpdateItem` held to those items and attributes, as the HTTP API authorizer's). No KMS permission:
 * the verifier reads the public keys from the JWKS URL.
 */
export function grantTokenVerification(grantee: iam.IGrantable, verification: TokenVerification): iam.Grant {
  const access = httpAuthorizerHandler.table!;
  const { tableArn } = verification.table;
  const grants = [
    iam.Grant.addToPrincipal({ grantee, actions: [...access.items], resourceArns: [tableArn] }),
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:Query'],
      resourceArns: [tableArn],
      conditions: revocationFeedReadConditions('changes'),
    }),
    ...(access.narrowUpdates ?? []).map((update) =>
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['dynamodb:UpdateItem'],
        resourceArns: [tableArn],
        conditions: narrowUpdateConditions(update),
      }),
    ),
  ];
  return grants.reduce((all, grant) => all.combine(grant));
}

/** A Duration as whole seconds between 0 and 3600 (API Gateway's and the functions' range). */
export function wholeSeconds(duration: Duration, name: string, where: string): number {
  const seconds = duration.toSeconds({ integral: false });
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 3600) {
    throw new InvalidSettingsError(`${where}: ${name} must be a whole number of seconds between 0 and 3600 (got ${seconds})`);
  }
  return seconds;
}

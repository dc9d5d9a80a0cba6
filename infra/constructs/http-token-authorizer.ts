import { Annotations, Duration, Lazy } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { permissionOf, resolveRoutes, type ProtectedRoute, type ResolvedRoute } from '../../functions/domain/routes';
import { parseScope, type ScopeCatalogue } from '../../functions/domain/scopes';
import { requireSourceAccount } from '../control-tower';
import { httpAuthorizerHandler } from '../handlers';
import { checkEnvironment, checkSettings, environmentNames, settingsEnvironment } from '../settings';
import { isPendingCatalogue, pendingScopeOf } from './pending-lookups';
import { ServiceFunction } from './service-function';
import type { TokenVerification } from './token-authorizer';

/** How long a container may decide on a feed view before it reads the feed again (the handler's FEED_POLL_MS). */
const FEED_POLL_SECONDS = 1;

export interface HttpTokenAuthorizerProps {
  /** The HTTP API whose routes this authorizer protects (one authorizer per API). */
  readonly api: apigwv2.HttpApi;
  readonly verification: TokenVerification;
  /**
   * How long HTTP API caches an answer per (Authorization header, source IP, route key). HTTP APIs
   * have no cache flush: a revoked token is let in for at most this TTL plus the container's 1 s
   * feed poll (`revocationBound`). Whole seconds, 0 (no cache) to 3600.
   * @default Duration.seconds(4): a 5 s revocation bound, as on REST APIs
   */
  readonly resultCache?: Duration;
  /**
   * How long a container trusts a token record it read when it cannot read the revocation feed
   * (or with `revocationFeed: false`). Whole seconds, 0–3600.
   * @default Duration.seconds(10)
   */
  readonly statusCache?: Duration;
  /** How long a container trusts an unchanged token record while it follows the feed. @default Duration.seconds(300) */
  readonly feedStatusCache?: Duration;
  /** Follow the revocation feed. Off: the bound is `resultCache` + `statusCache`. @default true */
  readonly revocationFeed?: boolean;
  /** `lastUsedAt` is written at most this often per token and container. @default Duration.seconds(60) */
  readonly lastUsedInterval?: Duration;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /** @default true */
  readonly tracing?: boolean;
}

/** A protected route of an HTTP API: `addRoutes`'s options, and the scope it needs. */
export interface HttpTokenRouteOptions extends Omit<apigwv2.AddRoutesOptions, 'authorizer' | 'authorizationScopes'> {
  /** @default derived from the path and the method, as `TokenAuthorizer.addMethod` does */
  readonly scope?: string;
}

/**
 * Protects routes of an API Gateway HTTP API (`aws-apigatewayv2`) with personal access tokens: a
 * Lambda authorizer with payload 2.0 and simple responses (`{isAuthorized, context}`), whose answer
 * HTTP API caches per Authorization header, source IP **and route key**. The route is part of the
 * key because an HTTP API caches one answer for every route; with it, each answer is about one route.
 *
 * ```ts
 * const tokens = new HttpTokenAuthorizer(this, 'Tokens', { api: httpApi, verification });
 * tokens.addRoutes({ path: '/api/candidates', methods: [HttpMethod.GET], integration });
 * ```
 *
 * HTTP APIs cannot flush their authorizer cache: the result TTL (plus the 1 s feed poll) is the
 * revocation bound, 5 s by default. A cached refusal lives as long.
 */
export class HttpTokenAuthorizer extends Construct {
  readonly authorizer: HttpLambdaAuthorizer;
  readonly handler: ServiceFunction;
  /** Longest time a revoked (or edited, expired) token can still be let in. */
  readonly revocationBound: Duration;
  readonly resultCache: Duration;
  private readonly api: apigwv2.HttpApi;
  private readonly catalogue: ScopeCatalogue;
  private readonly protectedRoutes: ResolvedRoute[] = [];

  constructor(scope: Construct, id: string, props: HttpTokenAuthorizerProps) {
    super(scope, id);
    const { settings } = props.verification;
    checkSettings(settings, this.node.path);
    requireSourceAccount(this);
    const feed = props.revocationFeed ?? true;
    const resultCacheSeconds = wholeSeconds(props.resultCache ?? Duration.seconds(4), 'resultCache', this.node.path);
    const statusCacheSeconds = wholeSeconds(props.statusCache ?? Duration.seconds(10), 'statusCache', this.node.path);
    const feedStatusCacheSeconds = wholeSeconds(props.feedStatusCache ?? Duration.seconds(300), 'feedStatusCache', this.node.path);
    const lastUsedIntervalSeconds = wholeSeconds(props.lastUsedInterval ?? Duration.seconds(60), 'lastUsedInterval', this.node.path);
    this.api = props.api;
    this.catalogue = settings.catalogue;
    this.resultCache = Duration.seconds(resultCacheSeconds);
    this.revocationBound = Duration.seconds(resultCacheSeconds + (feed ? FEED_POLL_SECONDS : statusCacheSeconds));

    this.handler = new ServiceFunction(this, 'Handler', {
      spec: httpAuthorizerHandler,
      environment: {
        ...settingsEnvironment(settings, { statusCacheSeconds, lastUsedIntervalSeconds }),
        [environmentNames.revocationFeed]: feed ? 'on' : 'off',
        [environmentNames.feedStatusCacheSeconds]: String(feedStatusCacheSeconds),
        [environmentNames.resultCacheSeconds]: String(resultCacheSeconds),
      },
      table: props.verification.table,
      keys: props.verification.keys,
      logRetention: props.logRetention,
      tracing: props.tracing,
    });
    this.handler.addEnvironment(environmentNames.routes, Lazy.string({ produce: () => JSON.stringify(this.protectedRoutes) }));
    this.node.addValidation({ validate: () => this.configurationProblems() });

    this.authorizer = new HttpLambdaAuthorizer('TokenAuthorizer', this.handler.function, {
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      // The route key belongs to the cache key: an HTTP API serves one cached answer to every route.
      identitySource: ['$request.header.Authorization', '$context.identity.sourceIp', '$context.routeKey'],
      resultsCacheTtl: this.resultCache,
    });
    Annotations.of(this).addInfo(
      `HTTP APIs cannot flush their authorizer cache: a revoked, edited or expired token is refused within ${this.revocationBound.toSeconds()} s (result cache ${resultCacheSeconds} s + ${feed ? `${FEED_POLL_SECONDS} s feed poll` : `${statusCacheSeconds} s status cache`}). Lower resultCache for a shorter bound.`,
    );
  }

  get function(): lambda.IFunction {
    return this.handler.function;
  }

  /** Every protected route with the scope it needs, as the authorizer's `PROTECTED_ROUTES` lists them. */
  get routes(): readonly ResolvedRoute[] {
    return this.protectedRoutes;
  }

  /**
   * Adds routes behind this authorizer, one per method. Each scope is checked against the
   * catalogue now, at synth time: a typo fails `cdk synth`, not a request.
   */
  addRoutes(options: HttpTokenRouteOptions): apigwv2.HttpRoute[] {
    const { scope, methods, ...routeOptions } = options;
    const verbs = (methods ?? []).map((method) => String(method).toUpperCase());
    if (verbs.length === 0)
      throw new Error(`${this.node.path}: ${options.path}: name the methods (GET, POST…); ANY cannot be given one scope`);
    if (/\{[^}]*\+\}/.test(options.path))
      throw new Error(`${this.node.path}: ${options.path}: a greedy path variable ({proxy+}) matches routes no scope was declared for`);
    const resolved = verbs.map((method) => {
      const where = `${this.node.path}: ${method} ${options.path}`;
      if (!permissionOf(method))
        throw new Error(`${where}: only GET, HEAD, POST, PUT, PATCH and DELETE can be protected by a scope; add one route per verb`);
      // A synth whose parameter lookups are pending is thrown away: the CLI synthesizes again with the catalogue.
      if (isPendingCatalogue(this.catalogue))
        return { method, resource: options.path, scope: scope ?? pendingScopeOf(permissionOf(method)!) };
      if (scope !== undefined) checkScope(scope, this.catalogue, where);
      const route: ProtectedRoute = scope === undefined ? { method, resource: options.path } : { method, resource: options.path, scope };
      try {
        return (resolveRoutes([route], this.catalogue) as [ResolvedRoute])[0];
      } catch {
        throw new Error(
          `${where}: no scope can be derived from the path (catalogue areas: ${this.catalogue.map((area) => area.name).join(', ')}); pass { scope: '<area>:<read|write|delete>' } or add the area to the catalogue`,
        );
      }
    });
    const added = this.api.addRoutes({ ...routeOptions, methods: options.methods, authorizer: this.authorizer });
    this.protectedRoutes.push(...resolved);
    return added;
  }

  private configurationProblems(): string[] {
    try {
      checkEnvironment(
        { ...this.handler.environmentVariables, [environmentNames.routes]: JSON.stringify(this.protectedRoutes) },
        this.node.path,
      );
      return [];
    } catch (error) {
      return [(error as Error).message];
    }
  }
}

function checkScope(scope: string, catalogue: ScopeCatalogue, where: string): void {
  const parsed = parseScope(scope);
  if (!parsed) throw new Error(`${where}: scope "${scope}" is not of the form area[/sub-area]:read|write|delete`);
  if (!catalogue.some((area) => area.name === parsed.area)) {
    throw new Error(
      `${where}: scope "${scope}" names an area that is not in the catalogue (${catalogue.map((area) => area.name).join(', ')})`,
    );
  }
}

function wholeSeconds(duration: Duration, name: string, where: string): number {
  const seconds = duration.toSeconds({ integral: false });
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 3600) {
    throw new Error(`${where}: ${name} must be a whole number of seconds between 0 and 3600 (got ${seconds})`);
  }
  return seconds;
}

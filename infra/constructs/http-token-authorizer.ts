import { Annotations, Duration } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { ResolvedRoute } from '../../functions/domain/routes';
import type { ScopeCatalogue } from '../../functions/domain/scopes';
import { httpAuthorizerHandler } from '../handlers';
import { InvalidSettingsError } from '../settings';
import { authorizerFunction, grantTokenVerification, protectedRoute, type AuthorizerTimingProps } from './authorizer-function';
import type { TokenVerification } from './token-verification';

/** How long a container may decide on a feed view before it reads the feed again (the handler's FEED_POLL_MS). */
const FEED_POLL_SECONDS = 1;

/** The HTTP API an `HttpTokenAuthorizer` protects, the service whose tokens it accepts, and its timings. */
export interface HttpTokenAuthorizerProps extends AuthorizerTimingProps {
  /** The HTTP API whose routes this authorizer protects (one authorizer per API). */
  readonly api: apigwv2.HttpApi;
  /**
   * The token service whose tokens are accepted: `PatService.verification` in the same app, else
   * `importTokenVerification.fromParameters(scope, id, { path })` (or `importTokenVerification(…)`).
   */
  readonly verification: TokenVerification;
  /**
   * How long HTTP API caches an answer per (Authorization header, source IP, route key). HTTP APIs
   * have no cache flush: a revoked token is let in for at most this TTL plus the container's 1 s
   * feed poll (`revocationBound`). Whole seconds, 0 (no cache) to 3600.
   * @default Duration.seconds(4): a 5 s revocation bound, as on REST APIs
   */
  readonly resultCache?: Duration;
}

/** A protected route of an HTTP API: `addRoutes`'s options, and the scope it needs. */
export interface HttpTokenRouteOptions extends Omit<apigwv2.AddRoutesOptions, 'authorizer' | 'authorizationScopes'> {
  /**
   * The scope a token needs, e.g. `orders:read`. It must name an area of the catalogue.
   * @default derived from the path and the method, as `TokenAuthorizer.addMethod` does
   */
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
  /** The Lambda authorizer to name on routes added without `addRoutes`. */
  readonly authorizer: HttpLambdaAuthorizer;
  /** The authorizer's Lambda function (its role: `function.role`). */
  readonly function: lambda.IFunction;
  /** Longest time a revoked (or edited, expired) token can still be let in. */
  readonly revocationBound: Duration;
  /** How long HTTP API caches an answer (the `resultCache` prop, checked). */
  readonly resultCache: Duration;
  private readonly api: apigwv2.HttpApi;
  private readonly verification: TokenVerification;
  private readonly catalogue: ScopeCatalogue;
  private readonly protectedRoutes: ResolvedRoute[] = [];

  constructor(scope: Construct, id: string, props: HttpTokenAuthorizerProps) {
    super(scope, id);
    const { settings } = props.verification;
    this.api = props.api;
    this.verification = props.verification;
    this.catalogue = settings.catalogue;
    const { handler, timings } = authorizerFunction(
      this,
      httpAuthorizerHandler,
      props,
      props.resultCache ?? Duration.seconds(4),
      () => this.protectedRoutes,
    );
    this.function = handler.function;
    const { feed, resultCacheSeconds, statusCacheSeconds } = timings;
    this.resultCache = Duration.seconds(resultCacheSeconds);
    this.revocationBound = Duration.seconds(resultCacheSeconds + (feed ? FEED_POLL_SECONDS : statusCacheSeconds));

    this.authorizer = new HttpLambdaAuthorizer('TokenAuthorizer', this.function, {
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      // The route key belongs to the cache key: an HTTP API serves one cached answer to every route.
      identitySource: ['$request.header.Authorization', '$context.identity.sourceIp', '$context.routeKey'],
      resultsCacheTtl: this.resultCache,
    });
    Annotations.of(this).addInfo(
      `HTTP APIs cannot flush their authorizer cache: a revoked, edited or expired token is refused within ${this.revocationBound.toSeconds()} s (result cache ${resultCacheSeconds} s + ${feed ? `${FEED_POLL_SECONDS} s feed poll` : `${statusCacheSeconds} s status cache`}). Lower resultCache for a shorter bound.`,
    );
  }

  /**
   * Lets `grantee` (a function of your own using `@pat-service/pat-verifier`) verify this service's
   * tokens as this authorizer does: the token, family and tenant reads, the revocation feed, and the
   * verifier's bookkeeping writes; no KMS (the verifier reads the JWKS).
   */
  grantVerify(grantee: iam.IGrantable): iam.Grant {
    return grantTokenVerification(grantee, this.verification);
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
      throw new InvalidSettingsError(`${this.node.path}: ${options.path}: name the methods (GET, POST…); ANY cannot be given one scope`);
    if (/\{[^}]*\+\}/.test(options.path))
      throw new InvalidSettingsError(
        `${this.node.path}: ${options.path}: a greedy path variable ({proxy+}) matches routes no scope was declared for`,
      );
    const resolved = verbs.map((method) =>
      protectedRoute(method, options.path, scope, this.catalogue, `${this.node.path}: ${method} ${options.path}`),
    );
    const added = this.api.addRoutes({ ...routeOptions, methods: options.methods, authorizer: this.authorizer });
    this.protectedRoutes.push(...resolved);
    return added;
  }
}

import { Duration, Lazy, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { TokenPolicy } from '../../functions/domain/policy';
import { routePolicyOf } from '../../functions/domain/route-policy';
import { permissionOf, resolveRoutes, type ProtectedRoute, type ResolvedRoute } from '../../functions/domain/routes';
import { parseScope, type ScopeCatalogue } from '../../functions/domain/scopes';
import { requireSourceAccount } from '../control-tower';
import { authorizerHandler } from '../handlers';
import { checkEnvironment, checkSettings, environmentNames, settingsEnvironment, type TokenServiceSettings } from '../settings';
import { addErrorResponses } from './error-responses';
import { ServiceFunction, type SigningKeyRing } from './service-function';

/** What an authorizer needs from a token service to verify its tokens. */
export interface TokenVerification {
  readonly table: dynamodb.ITable;
  readonly keys: SigningKeyRing;
  readonly settings: TokenServiceSettings & { readonly issuer: string };
}

/** A token service deployed elsewhere (another app or account-local stack), by its outputs. */
export interface TokenVerificationAttributes {
  /** The `TokenTableArn` output. */
  readonly tableArn: string;
  /** The `SigningKeyArn` output. */
  readonly signingKeyArn: string;
  /** Keys of earlier generations, still verifying. @default none */
  readonly previousKeyArns?: readonly string[];
  /** The `Issuer` output. */
  readonly issuer: string;
  /** The service's scope catalogue (routes may only need scopes from it). */
  readonly catalogue: ScopeCatalogue;
  /** The service's policy (the authorizer reads `allowNoExpiry`). @default the defaults */
  readonly policy?: Partial<TokenPolicy>;
}

/** Imports a token service by its stack outputs, for an API in another CDK app. */
export function importTokenVerification(scope: Construct, id: string, attributes: TokenVerificationAttributes): TokenVerification {
  const imported = new Construct(scope, id);
  return {
    table: dynamodb.Table.fromTableArn(imported, 'Table', attributes.tableArn),
    keys: {
      signingKey: kms.Key.fromKeyArn(imported, 'SigningKey', attributes.signingKeyArn),
      previousKeys: (attributes.previousKeyArns ?? []).map((arn, index) => kms.Key.fromKeyArn(imported, `PreviousKey${index}`, arn)),
    },
    settings: { issuer: attributes.issuer, catalogue: attributes.catalogue, policy: attributes.policy },
  };
}

export interface TokenAuthorizerProps {
  /** The REST API whose methods this authorizer protects (one authorizer per API). */
  readonly api: apigateway.RestApiBase;
  readonly verification: TokenVerification;
  /**
   * How long a container trusts a token record it read (status, scopes, IPs). Part of the
   * revocation bound, see `revocationBound`. Whole seconds, 0–3600.
   * @default Duration.seconds(10)
   */
  readonly statusCache?: Duration;
  /**
   * How long API Gateway caches the authorizer's policy per (Authorization header, source IP).
   * Part of the revocation bound. API Gateway does not cap this at the token's `exp`: a cached
   * policy can outlive the token by up to this TTL. Whole seconds, 0 (no cache) to 3600.
   * @default Duration.seconds(20)
   */
  readonly resultCache?: Duration;
  /** `lastUsedAt` is written at most this often per token and container. @default Duration.seconds(60) */
  readonly lastUsedInterval?: Duration;
  /**
   * Add the gateway responses that answer 401/403/503 in the service's error shape. Turn off when
   * the API defines its own (API Gateway allows one per response type).
   * @default true
   */
  readonly errorResponses?: boolean;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /** @default true */
  readonly tracing?: boolean;
}

/** Options of a protected method: those of `addMethod`, and the scope it needs. */
export interface TokenMethodOptions extends Omit<apigateway.MethodOptions, 'authorizer' | 'authorizationType' | 'authorizationScopes'> {
  /**
   * The scope a token needs, e.g. `candidates:read`. It must name an area of the catalogue.
   * @default derived from the resource path and the method: `GET /api/candidates/{id}/documents`
   * needs `candidates/documents:read`
   */
  readonly scope?: string;
}

/**
 * Protects methods of a REST API with personal access tokens: an API Gateway REQUEST authorizer
 * (identity sources: the Authorization header and the client's source IP, so that a cached policy is
 * never served to another IP) backed by its own Lambda function, which knows this API's routes.
 *
 * ```ts
 * const tokens = new TokenAuthorizer(this, 'Tokens', { api, verification: service.verification });
 * tokens.addMethod(api.root.resourceForPath('/api/candidates'), 'GET', integration);
 * tokens.addMethod(documents, 'POST', integration, { scope: 'candidates/documents:write' });
 * ```
 *
 * Revocation takes effect within `statusCache + resultCache` (default 10 s + 20 s = 30 s).
 */
export class TokenAuthorizer extends Construct {
  readonly authorizer: apigateway.RequestAuthorizer;
  readonly handler: ServiceFunction;
  /** Longest time a revoked token can still be let in: status cache plus API Gateway's result cache. */
  readonly revocationBound: Duration;
  private readonly api: apigateway.RestApiBase;
  private readonly catalogue: ScopeCatalogue;
  private readonly protectedRoutes: ResolvedRoute[] = [];

  constructor(scope: Construct, id: string, props: TokenAuthorizerProps) {
    super(scope, id);
    const { settings } = props.verification;
    checkSettings(settings, this.node.path);
    requireSourceAccount(this);
    const statusCacheSeconds = wholeSeconds(props.statusCache ?? Duration.seconds(10), 'statusCache', this.node.path);
    const resultCacheSeconds = wholeSeconds(props.resultCache ?? Duration.seconds(20), 'resultCache', this.node.path);
    const lastUsedIntervalSeconds = wholeSeconds(props.lastUsedInterval ?? Duration.seconds(60), 'lastUsedInterval', this.node.path);
    this.api = props.api;
    this.catalogue = settings.catalogue;
    this.revocationBound = Duration.seconds(statusCacheSeconds + resultCacheSeconds);

    const environment = settingsEnvironment(settings, { statusCacheSeconds, lastUsedIntervalSeconds });
    this.handler = new ServiceFunction(this, 'Handler', {
      spec: authorizerHandler,
      environment,
      table: props.verification.table,
      keys: props.verification.keys,
      logRetention: props.logRetention,
      tracing: props.tracing,
    });
    // The routes are known only once every addMethod has run: read them at synth time.
    this.handler.addEnvironment(environmentNames.routes, Lazy.string({ produce: () => JSON.stringify(this.protectedRoutes) }));
    this.node.addValidation({ validate: () => this.configurationProblems() });

    this.authorizer = new apigateway.RequestAuthorizer(this, 'Authorizer', {
      handler: this.handler.function,
      identitySources: [apigateway.IdentitySource.header('Authorization'), apigateway.IdentitySource.context('identity.sourceIp')],
      resultsCacheTtl: Duration.seconds(resultCacheSeconds),
    });
    if (props.errorResponses ?? true) addErrorResponses(props.api);
  }

  /** The function's ARN, e.g. for a stack output. */
  get functionArn(): string {
    return this.handler.function.functionArn;
  }

  get function(): lambda.IFunction {
    return this.handler.function;
  }

  /** Every protected method with the scope it needs, as the authorizer's `PROTECTED_ROUTES` lists them. */
  get routes(): readonly ResolvedRoute[] {
    return this.protectedRoutes;
  }

  /**
   * Adds a method to `resource` behind this authorizer. The scope is checked against the catalogue
   * now, at synth time: a typo fails `cdk synth`, not a request.
   */
  addMethod(resource: apigateway.IResource, httpMethod: string, integration?: apigateway.Integration, options: TokenMethodOptions = {}): apigateway.Method {
    const method = httpMethod.toUpperCase();
    const where = `${this.node.path}: ${method} ${resource.path}`;
    if (resource.api !== this.api) throw new Error(`${where} belongs to another REST API than this authorizer's; create one TokenAuthorizer per API`);
    if (!permissionOf(method)) {
      throw new Error(`${where}: only GET, HEAD, POST, PUT, PATCH and DELETE can be protected by a scope; add one method per verb instead of ${method}`);
    }
    const { scope, ...methodOptions } = options;
    if (scope !== undefined) this.checkScope(scope, where);
    const route: ProtectedRoute = scope === undefined ? { method, resource: resource.path } : { method, resource: resource.path, scope };
    let resolved: ResolvedRoute;
    try {
      [resolved] = resolveRoutes([route], this.catalogue) as [ResolvedRoute];
    } catch {
      throw new Error(
        `${where}: no scope can be derived from the path (catalogue areas: ${this.catalogue.map((area) => area.name).join(', ')}); pass { scope: '<area>:<read|write|delete>' } or add the area to the catalogue`,
      );
    }
    try {
      // The authorizer refuses such a table at cold start; refuse it here, at synth, naming the routes.
      routePolicyOf([...this.protectedRoutes, resolved]);
    } catch (error) {
      throw new Error(`${where}: ${(error as Error).message}`);
    }
    const added = resource.addMethod(method, integration, {
      ...methodOptions,
      authorizer: this.authorizer,
      authorizationType: apigateway.AuthorizationType.CUSTOM,
    });
    this.protectedRoutes.push(resolved);
    Validations.of(added).acknowledge({
      id: 'AwsSolutions-COG4',
      reason: `Protected by the token authorizer (${resolved.scope}): its callers are programs holding a personal access token, not Cognito users.`,
    });
    return added;
  }

  private checkScope(scope: string, where: string): void {
    const parsed = parseScope(scope);
    if (!parsed) throw new Error(`${where}: scope "${scope}" is not of the form area[/sub-area]:read|write|delete`);
    if (!this.catalogue.some((area) => area.name === parsed.area)) {
      throw new Error(`${where}: scope "${scope}" names an area that is not in the catalogue (${this.catalogue.map((area) => area.name).join(', ')})`);
    }
  }

  /** The function's whole configuration, routes included, through the functions' own loader. */
  private configurationProblems(): string[] {
    try {
      checkEnvironment({ ...this.handler.environmentVariables, [environmentNames.routes]: JSON.stringify(this.protectedRoutes) }, this.node.path);
      return [];
    } catch (error) {
      return [(error as Error).message];
    }
  }
}

function wholeSeconds(duration: Duration, name: string, where: string): number {
  const seconds = duration.toSeconds({ integral: false });
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 3600) {
    throw new Error(`${where}: ${name} must be a whole number of seconds between 0 and 3600 (got ${seconds})`);
  }
  return seconds;
}

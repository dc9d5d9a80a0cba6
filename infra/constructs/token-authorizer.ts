import { Annotations, Aws, Duration, Lazy, Stack, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { TokenPolicy } from '../../functions/domain/token-policy';
import { routePolicyOf } from '../../functions/apigateway/route-policy';
import { permissionOf, resolveRoutes, type ProtectedRoute, type ResolvedRoute } from '../../functions/domain/routes';
import { parseScope, type ScopeCatalogue } from '../../functions/domain/scopes';
import { requireSourceAccount } from '../control-tower';
import { authorizerHandler } from '../handlers';
import { checkEnvironment, checkSettings, environmentNames, settingsEnvironment, type TokenServiceSettings } from '../settings';
import { addErrorResponses } from './error-responses';
import { isPendingCatalogue, pendingScopeOf } from './pending-lookups';
import { ServiceFunction, type SigningKeyRing } from './service-function';

/** What an authorizer needs from a token service to verify its tokens. */
export interface TokenVerification {
  readonly table: dynamodb.ITable;
  readonly keys: SigningKeyRing;
  readonly settings: TokenServiceSettings & { readonly issuer: string };
  /**
   * The service's stage flusher: each TokenAuthorizer registers its stage under `registryPath` and
   * lets `flusherRole` flush that stage's authorizer cache (and nothing else). Absent: no flush, and
   * the revocation bound is the result cache TTL (see `resultCache`).
   */
  readonly revocation?: { readonly flusherRole: iam.IRole; readonly registryPath: string };
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
  /** The `AuthorizerCacheFlusherRoleArn` output. @default no stage flush (bound = result cache TTL) */
  readonly flusherRoleArn?: string;
  /** The `AuthorizerStageRegistryPath` output; required with `flusherRoleArn`. */
  readonly stageRegistryPath?: string;
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
    revocation:
      attributes.flusherRoleArn && attributes.stageRegistryPath
        ? {
            flusherRole: iam.Role.fromRoleArn(imported, 'FlusherRole', attributes.flusherRoleArn, { mutable: true }),
            registryPath: attributes.stageRegistryPath,
          }
        : undefined,
  };
}

export interface TokenAuthorizerProps {
  /** The REST API whose methods this authorizer protects (one authorizer per API). */
  readonly api: apigateway.RestApiBase;
  readonly verification: TokenVerification;
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
  /**
   * How long API Gateway caches the authorizer's policy per (Authorization header, source IP). With
   * the service's stage flusher (`verification.revocation`) it is not part of the revocation bound
   * while flushes succeed; when they fail (alarmed) the bound becomes this TTL (+ `statusCache`).
   * Without the flusher it is the bound. Whole seconds, 0 (no cache) to 3600.
   * @default Duration.seconds(300) with the stage flusher, Duration.seconds(20) without
   */
  readonly resultCache?: Duration;
  /**
   * The stages whose authorizer cache the service flushes (registered in the service's stage
   * registry). @default the API's deployment stage
   */
  readonly stages?: readonly apigateway.IStage[];
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
 * Revocation, an edit, `exp` and a grace end take effect within 5 s (p99) by default: the service's
 * stage flusher ends API Gateway's cached decisions after each (docs/revocation.md). While flushes
 * fail (alarmed), or without the flusher, the bound is `resultCache` (+ `statusCache` without the feed).
 */
export class TokenAuthorizer extends Construct {
  readonly authorizer: apigateway.RequestAuthorizer;
  readonly handler: ServiceFunction;
  /** Longest time a revoked token can still be let in (p99), with every part of the design working. */
  readonly revocationBound: Duration;
  /** The bound while stage flushes fail (the alarm is on): API Gateway's TTL, plus the status cache without the feed. */
  readonly degradedRevocationBound: Duration;
  private readonly api: apigateway.RestApiBase;
  private readonly catalogue: ScopeCatalogue;
  private readonly protectedRoutes: ResolvedRoute[] = [];
  /** The stages registered with the service's flusher; undefined without the flusher. */
  private readonly registeredStages: readonly apigateway.IStage[] | undefined;

  constructor(scope: Construct, id: string, props: TokenAuthorizerProps) {
    super(scope, id);
    const { settings } = props.verification;
    checkSettings(settings, this.node.path);
    requireSourceAccount(this);
    const statusCacheSeconds = wholeSeconds(props.statusCache ?? Duration.seconds(10), 'statusCache', this.node.path);
    const revocation = props.verification.revocation;
    const feed = props.revocationFeed ?? true;
    const resultCacheSeconds = wholeSeconds(props.resultCache ?? Duration.seconds(revocation ? 300 : 20), 'resultCache', this.node.path);
    const feedStatusCacheSeconds = wholeSeconds(props.feedStatusCache ?? Duration.seconds(300), 'feedStatusCache', this.node.path);
    const lastUsedIntervalSeconds = wholeSeconds(props.lastUsedInterval ?? Duration.seconds(60), 'lastUsedInterval', this.node.path);
    this.api = props.api;
    this.catalogue = settings.catalogue;
    // With the feed, a container drops a changed status within its 1 s poll; without it, after statusCache.
    const containerSeconds = feed ? 1 : statusCacheSeconds;
    this.degradedRevocationBound = Duration.seconds(resultCacheSeconds + containerSeconds);
    // 5 s: flusher poll 0.5 + settle 1.2 + coalescing 2 + flush call (docs/revocation.md); never more than the degraded bound.
    this.revocationBound =
      revocation && feed ? Duration.seconds(Math.min(5, resultCacheSeconds + containerSeconds)) : this.degradedRevocationBound;

    const environment = {
      ...settingsEnvironment(settings, { statusCacheSeconds, lastUsedIntervalSeconds }),
      [environmentNames.revocationFeed]: feed ? 'on' : 'off',
      [environmentNames.feedStatusCacheSeconds]: String(feedStatusCacheSeconds),
      [environmentNames.resultCacheSeconds]: String(resultCacheSeconds),
    };
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
    this.registeredStages = revocation ? (props.stages ?? (props.api.deploymentStage ? [props.api.deploymentStage] : [])) : undefined;
    if (revocation) this.registerStages(revocation, this.registeredStages!);
    else {
      Annotations.of(this).addWarningV2(
        'pat-service:no-stage-flush',
        `No stage flusher: a revoked token is refused within ${this.revocationBound.toSeconds()} s (the result cache TTL${feed ? '' : ' plus the status cache'}), not 5 s. Import the verification with the service's flusher role and stage registry (importTokenVerification) for the 5 s bound.`,
      );
    }
  }

  /**
   * Every stage of the protected API must be flushed after a revocation: a stage deployed beside the
   * registered ones caches decisions too, and nothing would end them before the result TTL.
   */
  private unregisteredStages(): string[] {
    if (this.registeredStages === undefined) return [];
    // Compared by the API's id and the stage's name as CloudFormation sees them: an L2 Stage, an L1
    // CfnStage, a Deployment that names a stage, or a Stage on an imported handle of the same API.
    const stack = Stack.of(this);
    const resolved = (value: unknown) => JSON.stringify(stack.resolve(value));
    const apiId = resolved(this.api.restApiId);
    // An L2 Stage's stageName is a reference to its CfnStage; the CfnStage holds the name itself.
    const registered = new Set(
      this.registeredStages.flatMap((stage) => {
        const cfn = stage.node.defaultChild;
        return [resolved(stage.stageName), ...(cfn instanceof apigateway.CfnStage ? [resolved(cfn.stageName)] : [])];
      }),
    );
    const unregistered: string[] = [];
    for (const construct of this.node.root.node.findAll()) {
      const stage =
        construct instanceof apigateway.CfnStage
          ? { api: construct.restApiId, name: construct.stageName }
          : construct instanceof apigateway.CfnDeployment && construct.stageName !== undefined
            ? { api: construct.restApiId, name: construct.stageName }
            : undefined;
      if (!stage || Stack.of(construct) !== stack || resolved(stage.api) !== apiId) continue;
      if (!registered.has(resolved(stage.name))) unregistered.push(construct.node.path);
    }
    return unregistered;
  }

  /**
   * Registers each stage with the service's flusher (an SSM parameter, deleted with this stack) and
   * lets the flusher's role flush that stage's authorizer cache: `apigateway:DELETE` on exactly
   * `/restapis/{id}/stages/{stage}/cache/authorizers`, nothing else on the API.
   */
  private registerStages(revocation: NonNullable<TokenVerification['revocation']>, stages: readonly apigateway.IStage[]): void {
    if (stages.length === 0) return;
    const restApiId = this.api.restApiId;
    stages.forEach((stage, index) => {
      new ssm.StringParameter(this, `StageRegistration${index}`, {
        parameterName: `${revocation.registryPath}/${restApiId}/${stage.stageName}`,
        stringValue: JSON.stringify({ restApiId, stage: stage.stageName }),
        description: `Token authorizer stage: flushed by the token service after each revocation`,
        simpleName: false,
      });
    });
    const policy = new iam.Policy(this, 'StageFlush', {
      statements: [
        new iam.PolicyStatement({
          sid: 'FlushAuthorizerCache',
          actions: ['apigateway:DELETE'],
          resources: stages.map(
            (stage) => `arn:${Aws.PARTITION}:apigateway:${Aws.REGION}::/restapis/${restApiId}/stages/${stage.stageName}/cache/authorizers`,
          ),
        }),
      ],
    });
    revocation.flusherRole.attachInlinePolicy(policy);
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
  addMethod(
    resource: apigateway.IResource,
    httpMethod: string,
    integration?: apigateway.Integration,
    options: TokenMethodOptions = {},
  ): apigateway.Method {
    const method = httpMethod.toUpperCase();
    const where = `${this.node.path}: ${method} ${resource.path}`;
    if (resource.api !== this.api)
      throw new Error(`${where} belongs to another REST API than this authorizer's; create one TokenAuthorizer per API`);
    if (!permissionOf(method)) {
      throw new Error(
        `${where}: only GET, HEAD, POST, PUT, PATCH and DELETE can be protected by a scope; add one method per verb instead of ${method}`,
      );
    }
    const { scope, ...methodOptions } = options;
    // Parameter lookups pending (importTokenVerification.fromParameters): the CLI synthesizes again with the catalogue.
    if (isPendingCatalogue(this.catalogue)) return this.addPendingMethod(resource, method, integration, methodOptions, scope);
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

  private addPendingMethod(
    resource: apigateway.IResource,
    method: string,
    integration: apigateway.Integration | undefined,
    methodOptions: Omit<TokenMethodOptions, 'scope'>,
    scope: string | undefined,
  ): apigateway.Method {
    this.protectedRoutes.push({ method, resource: resource.path, scope: scope ?? pendingScopeOf(permissionOf(method)!) });
    return resource.addMethod(method, integration, {
      ...methodOptions,
      authorizer: this.authorizer,
      authorizationType: apigateway.AuthorizationType.CUSTOM,
    });
  }

  private checkScope(scope: string, where: string): void {
    const parsed = parseScope(scope);
    if (!parsed) throw new Error(`${where}: scope "${scope}" is not of the form area[/sub-area]:read|write|delete`);
    if (!this.catalogue.some((area) => area.name === parsed.area)) {
      throw new Error(
        `${where}: scope "${scope}" names an area that is not in the catalogue (${this.catalogue.map((area) => area.name).join(', ')})`,
      );
    }
  }

  /** The function's whole configuration, routes included, through the functions' own loader. */
  private configurationProblems(): string[] {
    const unregistered = this.unregisteredStages();
    if (unregistered.length > 0) {
      return [
        `${this.node.path}: ${unregistered.join(', ')} ${unregistered.length === 1 ? 'is a stage' : 'are stages'} of the protected API not registered for authorizer cache flushes, so a revoked token would be let in there for up to ${this.degradedRevocationBound.toSeconds()} s: list every stage in the TokenAuthorizer's stages prop`,
      ];
    }
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

function wholeSeconds(duration: Duration, name: string, where: string): number {
  const seconds = duration.toSeconds({ integral: false });
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 3600) {
    throw new Error(`${where}: ${name} must be a whole number of seconds between 0 and 3600 (got ${seconds})`);
  }
  return seconds;
}

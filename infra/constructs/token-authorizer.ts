import { Annotations, Aws, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { routePolicyOf } from '../../functions/apigateway/route-policy';
import type { ResolvedRoute } from '../../functions/domain/routes';
import type { ScopeCatalogue } from '../../functions/domain/scopes';
import { authorizerHandler } from '../handlers';
import { InvalidSettingsError } from '../settings';
import { authorizerFunction, grantTokenVerification, protectedRoute, type AuthorizerTimingProps } from './authorizer-function';
import { addErrorResponses } from './error-responses';
import { isPendingCatalogue } from './pending-lookups';
import type { TokenVerification } from './token-verification';

export {
  importTokenVerification,
  type TokenVerification,
  type TokenVerificationAttributes,
} from './token-verification';

/** The REST API a `TokenAuthorizer` protects, the service whose tokens it accepts, and its timings. */
export interface TokenAuthorizerProps extends AuthorizerTimingProps {
  /** The REST API whose methods this authorizer protects (one authorizer per API). */
  readonly api: apigateway.RestApiBase;
  /**
   * The token service whose tokens are accepted: `PatService.verification` in the same app, else
   * `importTokenVerification.fromParameters(scope, id, { path })` (or `importTokenVerification(…)`).
   */
  readonly verification: TokenVerification;
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
  /**
   * Add the gateway responses that answer 401/403/503 in the service's error shape. Turn off when
   * the API defines its own (API Gateway allows one per response type).
   * @default true
   */
  readonly errorResponses?: boolean;
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
  /** The REQUEST authorizer to name on methods added without `addMethod`. */
  readonly authorizer: apigateway.RequestAuthorizer;
  /** The authorizer's Lambda function (its role: `function.role`). */
  readonly function: lambda.IFunction;
  /** Longest time a revoked token can still be let in (p99), with every part of the design working. */
  readonly revocationBound: Duration;
  /** The bound while stage flushes fail (the alarm is on): API Gateway's TTL, plus the status cache without the feed. */
  readonly degradedRevocationBound: Duration;
  private readonly api: apigateway.RestApiBase;
  private readonly verification: TokenVerification;
  private readonly catalogue: ScopeCatalogue;
  private readonly protectedRoutes: ResolvedRoute[] = [];
  /** The stages registered with the service's flusher; undefined without the flusher. */
  private readonly registeredStages: readonly apigateway.IStage[] | undefined;

  constructor(scope: Construct, id: string, props: TokenAuthorizerProps) {
    super(scope, id);
    const { settings, revocation } = props.verification;
    this.api = props.api;
    this.verification = props.verification;
    this.catalogue = settings.catalogue;
    const { handler, timings } = authorizerFunction(
      this,
      authorizerHandler,
      props,
      props.resultCache ?? Duration.seconds(revocation ? 300 : 20),
      () => this.protectedRoutes,
    );
    this.function = handler.function;
    const { feed, resultCacheSeconds } = timings;
    // With the feed, a container drops a changed status within its 1 s poll; without it, after statusCache.
    const containerSeconds = feed ? 1 : timings.statusCacheSeconds;
    this.degradedRevocationBound = Duration.seconds(resultCacheSeconds + containerSeconds);
    // 5 s: flusher poll 0.5 + settle 1.2 + coalescing 2 + flush call (docs/revocation.md); never more than the degraded bound.
    this.revocationBound =
      revocation && feed ? Duration.seconds(Math.min(5, resultCacheSeconds + containerSeconds)) : this.degradedRevocationBound;
    this.node.addValidation({ validate: () => this.unregisteredStageProblems() });

    this.authorizer = new apigateway.RequestAuthorizer(this, 'Authorizer', {
      handler: this.function,
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

  /**
   * Lets `grantee` (a function of your own using `@pat-service/pat-verifier`) verify this service's
   * tokens as this authorizer does: the token, family and tenant reads, the revocation feed, and the
   * verifier's bookkeeping writes; no KMS (the verifier reads the JWKS).
   */
  grantVerify(grantee: iam.IGrantable): iam.Grant {
    return grantTokenVerification(grantee, this.verification);
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
      throw new InvalidSettingsError(`${where} belongs to another REST API than this authorizer's; create one TokenAuthorizer per API`);
    const { scope, ...methodOptions } = options;
    const resolved = protectedRoute(method, resource.path, scope, this.catalogue, where);
    try {
      // The authorizer refuses such a table at cold start; refuse it here, at synth, naming the routes.
      if (!isPendingCatalogue(this.catalogue)) routePolicyOf([...this.protectedRoutes, resolved]);
    } catch (error) {
      throw new InvalidSettingsError(`${where}: ${(error as Error).message}`);
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

  private unregisteredStageProblems(): string[] {
    const unregistered = this.unregisteredStages();
    if (unregistered.length === 0) return [];
    return [
      `${this.node.path}: ${unregistered.join(', ')} ${unregistered.length === 1 ? 'is a stage' : 'are stages'} of the protected API not registered for authorizer cache flushes, so a revoked token would be let in there for up to ${this.degradedRevocationBound.toSeconds()} s: list every stage in the TokenAuthorizer's stages prop`,
    ];
  }
}

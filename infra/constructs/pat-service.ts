import { Aws, Fn, Stack, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { needsSignedInUser } from '../../functions/domain/service-routes';
import { serviceHandlers, type HandlerSpec, type ServiceHandlerName, type ServiceRoute } from '../handlers';
import { requireSourceAccount } from '../control-tower';
import {
  checkEnvironment,
  checkSettings,
  defaultAdminGroup,
  defaultNotifyHorizonsDays,
  defaultTenantClaim,
  environmentNames,
  horizonsProblem,
  settingsEnvironment,
  type TokenServiceSettings,
} from '../settings';
import { ObservedRestApi, type Throttle } from './rest-api';
import { ServiceFunction } from './service-function';
import { PublicRouteRateLimit, type WafRateLimit } from './rate-limit';
import { RefreshMacKey } from './refresh-mac-key';
import { SigningKeys, type SigningKeysProps } from './signing-keys';
import { AuthorizerCacheFlusher } from './authorizer-cache-flusher';
import { authorizerPolicyOf, PublishedVerification } from './published-settings';
import { ConsumerAccounts } from './consumer-accounts';
import { ServiceMonitoring } from './service-monitoring';
import type { TokenVerification } from './token-authorizer';
import { TokenTable } from './token-table';
import { UserDirectory, type ExistingUserPool, type HostedSignIn } from './user-directory';
import { WebConsole, type WebConsoleOptions } from './web-console';

export interface ExpiryNotificationsProps {
  /** The event bus that receives one `Token Expiring` event per notice. @default 'default', unless only `topicArn` is given */
  readonly eventBusName?: string;
  /** An SNS topic that also (or instead) receives one message per notice. @default none */
  readonly topicArn?: string;
  /** Days before expiry at which a token is announced, 1–365. @default [30, 7, 1] */
  readonly horizonsDays?: number[];
  /** @default every day at 06:00 UTC */
  readonly schedule?: events.Schedule;
}

export interface PatServiceProps {
  /** Scope catalogue, token policy, issuer, admin group and tenant claim. */
  readonly settings: TokenServiceSettings;
  /** Use an existing Cognito user pool instead of creating one. @default a new pool */
  readonly userPool?: ExistingUserPool;
  /** MFA of a created pool. @default cognito.Mfa.REQUIRED (TOTP) */
  readonly mfa?: cognito.Mfa;
  /** Feature plan of a created pool. @default cognito.FeaturePlan.ESSENTIALS */
  readonly featurePlan?: cognito.FeaturePlan;
  /**
   * Managed sign-in pages and the code flow on the API's client, for a console served elsewhere; the
   * deployed console (`webConsole`) needs none of it. @default none
   */
  readonly hostedSignIn?: HostedSignIn;
  /**
   * The web console behind CloudFront, with the management API on the same origin and sign-in
   * through the user pool's managed pages; `false` leaves it out. @default deployed from `web/dist`
   */
  readonly webConsole?: WebConsoleOptions | false;
  /** Signing key generation and older keys still verifying. @default generation 1, no older keys */
  readonly signingKeys?: SigningKeysProps;
  /** @default a generated name */
  readonly tableName?: string;
  /** @default 'prod' */
  readonly stageName?: string;
  /** Default throttle of every method of the API. @default { rateLimit: 50, burstLimit: 100 } */
  readonly throttle?: Throttle;
  /**
   * Throttle of the routes open to anyone that work per call, `POST /tokens/refresh` and
   * `POST /tokens/revoke-leaked`: it bounds refresh-key guessing and the KMS Sign calls and writes a
   * caller can cause. @default { rateLimit: 10, burstLimit: 20 }
   */
  readonly publicThrottle?: Throttle;
  /** Where and when expiry notices go. @default the default event bus, daily at 06:00 UTC, horizons 30, 7, 1 days */
  readonly expiryNotifications?: ExpiryNotificationsProps;
  /**
   * A per-client limit on the public routes that work per call (`POST /tokens/refresh`,
   * `POST /tokens/revoke-leaked`): a regional WAFv2 web ACL of this stack, associated with the stage,
   * with one rate-based rule per source IP scoped down to those paths. `publicThrottle` is one bucket
   * for every client; this keeps one client from emptying it. About 6 USD a month plus 0.60 USD per
   * million requests to the API (docs/deploy.md). `false`: no web ACL, the stage-wide throttle only.
   * Not created when `webAclArn` is given.
   * @default { limit: 100, windowSeconds: 300 }: 100 requests per source IP per 5 minutes
   */
  readonly wafRateLimit?: WafRateLimit | false;
  /**
   * A regional WAFv2 web ACL of your own to associate with the stage instead of the one `wafRateLimit`
   * creates (add a rate-based rule like it to keep the per-client limit).
   * @default the web ACL of `wafRateLimit`, if any
   */
  readonly webAclArn?: string;
  /** Create API Gateway's account-wide CloudWatch Logs role. @default true */
  readonly manageApiGatewayCloudWatchRole?: boolean;
  /** Retention of the functions' and the API's logs. @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /** X-Ray tracing of the functions and the API. @default true */
  readonly tracing?: boolean;
  /**
   * An SNS topic for the service's operational alarms (today: authorizer cache flushes failing, which
   * lengthens the revocation bound to the result cache TTL). @default none: the alarms show in CloudWatch only
   */
  readonly alarmTopicArn?: string;
  /**
   * The SSM parameter path under which the service publishes what a consumer needs to verify its
   * tokens (issuer, table, keys, JWKS URL, catalogue, the policy an authorizer reads, the stage
   * flusher): read by `importTokenVerification.fromParameters(scope, id, { path })`.
   * @default `/pat-service/<stack name>/<construct id>/verification`
   */
  readonly verificationParameterPath?: string;
  /**
   * The operator's dashboard and alarms (cdk-monitoring-constructs), the alarms wired to
   * `alarmTopicArn`. `false` leaves them out. @default true
   */
  readonly monitoring?: boolean;
  /**
   * AWS accounts whose token authorizers verify this service's tokens: the table's resource policy
   * and the signing key's policy grant them exactly the authorizer's access, and the published
   * settings are shared with them through AWS RAM (as advanced-tier parameters). @default none
   */
  readonly consumerAccounts?: readonly string[];
}

/**
 * The personal access token service: the token table, the signing key, the user directory, one
 * function per handler, and the REST API that routes to them. Management routes need a Cognito ID
 * token; `POST /tokens/refresh` (the refresh key is the credential) and the JWKS are public.
 * `verification` is what a `TokenAuthorizer` on another API needs.
 */
export class PatService extends Construct {
  readonly table: TokenTable;
  readonly signingKeys: SigningKeys;
  readonly refreshMacKey: RefreshMacKey;
  readonly users: UserDirectory;
  readonly restApi: ObservedRestApi;
  readonly functions: Record<ServiceHandlerName, ServiceFunction>;
  readonly issuer: string;
  readonly jwksUrl: string;
  readonly verification: TokenVerification;
  /** Ends API Gateway's cached authorizer decisions after each revocation (docs/revocation.md). */
  readonly authorizerCacheFlusher: AuthorizerCacheFlusher;
  /** Absent when `webConsole` is `false`. */
  readonly webConsole?: WebConsole;
  /** The dashboard and alarms; absent with `monitoring: false`. */
  readonly monitoring?: ServiceMonitoring;
  /** The verification settings under one SSM path (`verificationParameterPath`). */
  readonly publishedVerification: PublishedVerification;
  /** The per-client rate limit's web ACL; absent with `webAclArn` or `wafRateLimit: false`. */
  readonly rateLimit?: PublicRouteRateLimit;

  constructor(scope: Construct, id: string, props: PatServiceProps) {
    super(scope, id);
    checkSettings(props.settings, this.node.path);
    requireSourceAccount(this);
    const adminGroup = props.settings.adminGroup ?? defaultAdminGroup;
    const tenantClaim = props.settings.tenantClaim ?? defaultTenantClaim;

    this.table = new TokenTable(this, 'Tokens', { tableName: props.tableName });
    this.signingKeys = new SigningKeys(this, 'SigningKeys', props.signingKeys);
    this.refreshMacKey = new RefreshMacKey(this, 'RefreshMacKey');
    this.users = new UserDirectory(this, 'Users', {
      adminGroup,
      tenantClaim,
      existing: props.userPool,
      mfa: props.mfa,
      featurePlan: props.featurePlan,
      hostedSignIn: props.hostedSignIn,
    });
    if (props.webAclArn === undefined && props.wafRateLimit !== false) {
      this.rateLimit = new PublicRouteRateLimit(this, 'PublicRouteRateLimit', { ...props.wafRateLimit, paths: publicThrottledPaths() });
    }
    this.restApi = new ObservedRestApi(this, 'Api', {
      restApiName: 'personal-access-tokens',
      description: 'Personal access tokens: create, list, revoke, refresh; public keys',
      stageName: props.stageName,
      throttle: props.throttle,
      methodThrottles: publicThrottles(props.publicThrottle ?? { rateLimit: 10, burstLimit: 20 }),
      manageCloudWatchRole: props.manageApiGatewayCloudWatchRole,
      webAclArn: props.webAclArn ?? this.rateLimit?.webAclArn,
      logRetention: props.logRetention,
      tracing: props.tracing,
    });
    const api = this.restApi.api;
    // The stage's base URL without the trailing slash; it names only the API id, so functions may use it.
    this.issuer =
      props.settings.issuer ??
      Fn.join('', ['https://', api.restApiId, '.execute-api.', Aws.REGION, '.', Aws.URL_SUFFIX, '/', this.restApi.stageName]);
    this.jwksUrl = api.urlForPath('/.well-known/jwks.json');
    const settings = { ...props.settings, issuer: this.issuer };

    const environment = settingsEnvironment(settings);
    this.functions = Object.fromEntries(
      Object.entries(serviceHandlers).map(([name, spec]) => [
        name,
        new ServiceFunction(this, pascalCase(name), {
          spec,
          environment,
          table: this.table.table,
          keys: this.signingKeys,
          refreshMacKey: this.refreshMacKey,
          logRetention: props.logRetention,
          tracing: props.tracing,
        }),
      ]),
    ) as Record<ServiceHandlerName, ServiceFunction>;
    // Every function loads this configuration at cold start: load it now, so a bad one fails synth.
    checkEnvironment(this.functions.catalog.environmentVariables, this.node.path);

    const notifications = props.expiryNotifications ?? {};
    for (const [name, spec] of Object.entries(serviceHandlers) as Array<[ServiceHandlerName, HandlerSpec]>) {
      const target = this.functions[name];
      if (spec.publishesNotices) bindNoticeTargets(target, notifications, this.node.path);
      if (spec.scheduled) {
        new events.Rule(this, `${pascalCase(name)}Schedule`, {
          description: spec.description,
          schedule: notifications.schedule ?? events.Schedule.cron({ minute: '0', hour: '6' }),
          targets: [new targets.LambdaFunction(target.function, { retryAttempts: 2 })],
        });
      }
    }

    const userAuthorizer = new apigateway.CognitoUserPoolsAuthorizer(this, 'UserAuthorizer', {
      cognitoUserPools: [this.users.userPool],
      identitySource: apigateway.IdentitySource.header('Authorization'),
    });
    for (const [name, spec] of Object.entries(serviceHandlers) as Array<[ServiceHandlerName, HandlerSpec]>) {
      if (spec.routes.length === 0) continue;
      const integration = new apigateway.LambdaIntegration(this.functions[name].function, { allowTestInvoke: false });
      for (const route of spec.routes) this.addRoute(route, integration, userAuthorizer);
    }

    this.authorizerCacheFlusher = new AuthorizerCacheFlusher(this, 'AuthorizerCacheFlusher', {
      table: this.table.table,
      keys: this.signingKeys,
      environment,
      // One registry per service (stack name and construct id): two services never flush each other's stages.
      registryPath: `/pat-service/${Stack.of(this).stackName}/${id}/authorizer-stages`,
      alarmTopicArn: props.alarmTopicArn,
      logRetention: props.logRetention,
      tracing: props.tracing,
    });
    this.verification = {
      table: this.table.table,
      keys: this.signingKeys,
      settings,
      revocation: { flusherRole: this.authorizerCacheFlusher.handler.role, registryPath: this.authorizerCacheFlusher.registryPath },
    };

    this.publishedVerification = new PublishedVerification(this, 'PublishedVerification', {
      path: props.verificationParameterPath ?? `/pat-service/${Stack.of(this).stackName}/${id}/verification`,
      values: {
        issuer: this.issuer,
        tableArn: this.table.table.tableArn,
        tableName: this.table.table.tableName,
        signingKeyArn: this.signingKeys.signingKey.keyArn,
        previousKeyArns: Stack.of(this).toJsonString(this.signingKeys.previousKeys.map((key) => key.keyArn)),
        jwksUrl: this.jwksUrl,
        catalogue: JSON.stringify(props.settings.catalogue),
        policy: JSON.stringify(authorizerPolicyOf(props.settings.policy)),
        flusherRoleArn: this.authorizerCacheFlusher.handler.role.roleArn,
        stageRegistryPath: this.authorizerCacheFlusher.registryPath,
      },
      advancedTier: (props.consumerAccounts ?? []).length > 0,
    });
    new ConsumerAccounts(this, 'ConsumerAccounts', {
      accounts: props.consumerAccounts ?? [],
      table: this.table.table,
      signingKey: this.signingKeys.signingKey,
      parameters: Object.values(this.publishedVerification.parameters),
    });

    if (props.monitoring !== false) {
      this.monitoring = new ServiceMonitoring(this, 'Monitoring', {
        api,
        stageName: this.restApi.stageName,
        routes: Object.values(serviceHandlers).flatMap((spec): readonly ServiceRoute[] => spec.routes),
        functions: this.functions,
        flusher: this.authorizerCacheFlusher.handler,
        table: this.table.table,
        kmsUsers: (Object.entries(serviceHandlers) as Array<[ServiceHandlerName, HandlerSpec]>)
          .filter(([, spec]) => spec.signingKeys !== undefined || spec.refreshMac === true)
          .map(([name]) => this.functions[name]),
        alarmTopicArn: props.alarmTopicArn,
      });
    }

    if (props.webConsole !== false) {
      this.webConsole = new WebConsole(this, 'Console', {
        ...props.webConsole,
        api,
        apiPaths: apiPathPatterns(),
        stageName: this.restApi.stageName,
        users: this.users,
        adminGroup,
        tenantClaim,
      });
    }
    // Only ID tokens of these app clients count (`aud`): another client of the same pool (another
    // product's, a test client) signs users in too, and API Gateway's authorizer accepts its tokens.
    const appClientIds = [
      this.users.userPoolClient.userPoolClientId,
      ...(this.webConsole ? [this.webConsole.client.userPoolClientId] : []),
      ...(props.userPool?.moreAppClientIds ?? []),
    ];
    for (const target of Object.values(this.functions)) {
      target.addEnvironment(environmentNames.appClientIds, appClientIds.join(','));
      // The handlers verify the caller's ID token themselves, against this pool's keys (aws-jwt-verify).
      target.addEnvironment(environmentNames.userPoolId, this.users.userPool.userPoolId);
    }
  }

  private addRoute(route: ServiceRoute, integration: apigateway.Integration, userAuthorizer: apigateway.IAuthorizer): void {
    const pathParameters = [...route.path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]!);
    const method = this.restApi.api.root.resourceForPath(route.path).addMethod(route.method, integration, {
      requestValidator: this.restApi.requestValidator,
      requestParameters: Object.fromEntries(pathParameters.map((name) => [`method.request.path.${name}`, true])),
      ...(needsSignedInUser(route.access)
        ? { authorizer: userAuthorizer, authorizationType: apigateway.AuthorizationType.COGNITO }
        : { authorizationType: apigateway.AuthorizationType.NONE }),
    });
    if (!needsSignedInUser(route.access)) {
      const reason = publicRouteReasons[`${route.method} ${route.path}`];
      if (!reason) throw new Error(`${route.method} ${route.path} is public: say why in publicRouteReasons`);
      Validations.of(method).acknowledge({ id: 'AwsSolutions-APIG4', reason });
      Validations.of(method).acknowledge({ id: 'AwsSolutions-COG4', reason });
    }
  }
}

/** Why each public route is public: the acknowledgment of cdk-nag's "no authorizer" findings. */
const publicRouteReasons: Record<string, string> = {
  'POST /tokens/refresh':
    'Public by design: a vendor rotates its token without a user session; the refresh key in the body is the credential (hashed, constant-time compared, reuse revokes the family) and the route is throttled.',
  'POST /tokens/revoke-leaked':
    'Public by design, like GitHub credential revocation: whoever finds a leaked secret may report it; possession is the proof, the answer never tells what was valid, and the route is throttled.',
  'GET /.well-known/jwks.json': 'Public by design: public keys that let anyone verify tokens offline (RFC 7517); nothing secret.',
  'GET /openapi.json':
    'Public by design: the description of this API (OpenAPI), built from its schemas; no data, no secret, no table or key access.',
  'GET /tokens/self':
    'Authenticated by the personal access token itself (Bearer), verified in the handler (signature, kid, alg, typ, iss); a forged token gets 401. No user session exists for a vendor; throttled.',
  'POST /oauth2/token':
    'Public by design (RFC 6749 refresh_token grant for public clients): the refresh key in the form is the credential, with the same rules as POST /tokens/refresh; throttled.',
  'POST /oauth2/revoke':
    'Public by design (RFC 7009): holding a token is the proof to revoke it; the answer is 200 whatever it was; throttled.',
  'GET /.well-known/oauth-authorization-server': 'Public by design: RFC 8414 metadata naming the OAuth endpoints; nothing secret.',
  'POST /secret-scanning/github':
    "Authenticated in the handler: GitHub's secret scanning partner program signs each alert (ECDSA P-256 over the raw body) with keys configured in secretScanningKeys; an unsigned or badly signed call is a 401 and revokes nothing. Throttled.",
};

/** The resource paths of every route marked `publicThrottle` (the per-client limit's scope). */
function publicThrottledPaths(): string[] {
  const routes = Object.values(serviceHandlers).flatMap((spec): readonly ServiceRoute[] => spec.routes);
  return [...new Set(routes.filter((route) => route.publicThrottle).map((route) => route.path))];
}

/** The stage's method settings for every route marked `publicThrottle`, keyed `/path/METHOD`. */
function publicThrottles(throttle: Throttle): Record<string, Throttle> {
  const routes = Object.values(serviceHandlers).flatMap((spec): readonly ServiceRoute[] => spec.routes);
  return Object.fromEntries(routes.filter((route) => route.publicThrottle).map((route) => [`${route.path}/${route.method}`, throttle]));
}

/**
 * The CloudFront path patterns of every API route, from the handler specs (a new route follows):
 * `/seg` for a route that has no sub-paths, `/seg/*` for sub-paths only, `/seg*` for both.
 */
export function apiPathPatterns(): string[] {
  const routes = Object.values(serviceHandlers).flatMap((spec): readonly ServiceRoute[] => spec.routes);
  const bySegment = new Map<string, { exact: boolean; deeper: boolean }>();
  for (const route of routes) {
    const [, segment, ...rest] = route.path.split('/');
    const seen = bySegment.get(segment!) ?? { exact: false, deeper: false };
    bySegment.set(segment!, rest.length === 0 ? { ...seen, exact: true } : { ...seen, deeper: true });
  }
  return [...bySegment].map(([segment, { exact, deeper }]) =>
    exact && deeper ? `/${segment}*` : deeper ? `/${segment}/*` : `/${segment}`,
  );
}

/** EVENT_BUS_NAME / SNS_TOPIC_ARN and NOTIFY_HORIZONS_DAYS, with the publish permission of each. */
function bindNoticeTargets(target: ServiceFunction, notifications: ExpiryNotificationsProps, where: string): void {
  const horizons = notifications.horizonsDays ?? defaultNotifyHorizonsDays;
  const problem = horizonsProblem(horizons);
  if (problem) throw new Error(`${where}: expiryNotifications.horizonsDays ${problem} (got ${horizons.join(', ')})`);
  target.addEnvironment(environmentNames.notifyHorizonsDays, horizons.join(','));
  const busName = notifications.eventBusName ?? (notifications.topicArn ? undefined : 'default');
  if (busName) {
    const bus = events.EventBus.fromEventBusName(target, 'NoticeBus', busName);
    target.addEnvironment(environmentNames.eventBusName, bus.eventBusName);
    target.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'ExpiryNoticeEvents', actions: ['events:PutEvents'], resources: [bus.eventBusArn] }),
    );
  }
  if (notifications.topicArn) {
    target.addEnvironment(environmentNames.snsTopicArn, notifications.topicArn);
    target.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'ExpiryNoticeTopic', actions: ['sns:Publish'], resources: [notifications.topicArn] }),
    );
  }
}

function pascalCase(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

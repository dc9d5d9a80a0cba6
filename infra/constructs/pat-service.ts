import { Aws, Fn, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { serviceHandlers, type HandlerSpec, type ServiceHandlerName, type ServiceRoute } from '../handlers';
import { requireSourceAccount } from '../control-tower';
import { checkEnvironment, checkSettings, defaultAdminGroup, defaultTenantClaim, environmentNames, settingsEnvironment } from '../settings';
import { AuthorizerCacheFlusher } from './authorizer-cache-flusher';
import { ConsumerAccounts } from './consumer-accounts';
import { bindExpiryNotices } from './expiry-notices';
import type { PatServiceProps } from './pat-service-props';
import { authorizerPolicyOf, PublishedVerification } from './published-settings';
import { PublicRouteRateLimit } from './rate-limit';
import { RefreshMacKey } from './refresh-mac-key';
import { ObservedRestApi } from './rest-api';
import { addServiceRoute, apiPathPatterns, publicThrottledPaths, publicThrottles } from './service-api-routes';
import { ServiceFunction } from './service-function';
import { ServiceMonitoring } from './service-monitoring';
import { SigningKeys } from './signing-keys';
import { TokenTable } from './token-table';
import type { TokenVerification } from './token-verification';
import { UserDirectory } from './user-directory';
import { WebConsole } from './web-console';

export type { ExpiryNotificationsProps, PatServiceProps } from './pat-service-props';
export { apiPathPatterns } from './service-api-routes';

/**
 * The personal access token service: the token table, the signing key, the user directory, one
 * function per handler, and the REST API that routes to them. Management routes need a Cognito ID
 * token; `POST /tokens/refresh` (the refresh key is the credential) and the JWKS are public.
 * `verification` is what a `TokenAuthorizer` on another API needs.
 */
export class PatService extends Construct {
  /** The token table (retained, deletion-protected; keys `pk`/`sk`, the store's indexes). */
  readonly table: dynamodb.Table;
  readonly signingKeys: SigningKeys;
  readonly refreshMacKey: RefreshMacKey;
  readonly users: UserDirectory;
  /** The service's REST API (regional): the management routes, refresh, the JWKS. */
  readonly restApi: apigateway.RestApi;
  /** The stage `restApi` is deployed to (`stageName`, 'prod' by default): the issuer URL's last segment. */
  readonly stageName: string;
  /** The request validator the service's methods use (bodies and path parameters). */
  readonly requestValidator: apigateway.RequestValidator;
  /** The API's JSON access logs (never bodies: they carry tokens and refresh keys). */
  readonly apiAccessLogs: logs.LogGroup;
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

    // Tokens/Table, as before: the table's logical id must never change (it is retained, with every token).
    this.table = new TokenTable(this, 'Tokens', { tableName: props.tableName }).table;
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
    const observedApi = new ObservedRestApi(this, 'Api', {
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
    this.restApi = observedApi.api;
    this.stageName = observedApi.stageName;
    this.requestValidator = observedApi.requestValidator;
    this.apiAccessLogs = observedApi.accessLogs;
    const api = this.restApi;
    // The stage's base URL without the trailing slash; it names only the API id, so functions may use it.
    this.issuer =
      props.settings.issuer ??
      Fn.join('', ['https://', api.restApiId, '.execute-api.', Aws.REGION, '.', Aws.URL_SUFFIX, '/', this.stageName]);
    this.jwksUrl = api.urlForPath('/.well-known/jwks.json');
    const settings = { ...props.settings, issuer: this.issuer };

    const environment = settingsEnvironment(settings);
    this.functions = Object.fromEntries(
      Object.entries(serviceHandlers).map(([name, spec]) => [
        name,
        new ServiceFunction(this, pascalCase(name), {
          spec,
          environment,
          table: this.table,
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
    for (const [name, spec] of Object.entries(serviceHandlers) as Array<[ServiceHandlerName, HandlerSpec]>)
      bindExpiryNotices(this, `${pascalCase(name)}Schedule`, this.functions[name], spec, notifications);

    const userAuthorizer = new apigateway.CognitoUserPoolsAuthorizer(this, 'UserAuthorizer', {
      cognitoUserPools: [this.users.userPool],
      identitySource: apigateway.IdentitySource.header('Authorization'),
    });
    for (const [name, spec] of Object.entries(serviceHandlers) as Array<[ServiceHandlerName, HandlerSpec]>) {
      if (spec.routes.length === 0) continue;
      const integration = new apigateway.LambdaIntegration(this.functions[name].function, { allowTestInvoke: false });
      for (const route of spec.routes) addServiceRoute(api, this.requestValidator, route, integration, userAuthorizer);
    }

    this.authorizerCacheFlusher = new AuthorizerCacheFlusher(this, 'AuthorizerCacheFlusher', {
      table: this.table,
      keys: this.signingKeys,
      environment,
      // One registry per service (stack name and construct id): two services never flush each other's stages.
      registryPath: `/pat-service/${Stack.of(this).stackName}/${id}/authorizer-stages`,
      alarmTopicArn: props.alarmTopicArn,
      logRetention: props.logRetention,
      tracing: props.tracing,
    });
    this.verification = {
      table: this.table,
      keys: this.signingKeys,
      settings,
      jwksUrl: this.jwksUrl,
      revocation: { flusherRole: this.authorizerCacheFlusher.handler.role, registryPath: this.authorizerCacheFlusher.registryPath },
    };

    this.publishedVerification = new PublishedVerification(this, 'PublishedVerification', {
      path: props.verificationParameterPath ?? `/pat-service/${Stack.of(this).stackName}/${id}/verification`,
      values: {
        issuer: this.issuer,
        tableArn: this.table.tableArn,
        tableName: this.table.tableName,
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
      table: this.table,
      signingKey: this.signingKeys.signingKey,
      parameters: Object.values(this.publishedVerification.parameters),
    });

    if (props.monitoring !== false) {
      this.monitoring = new ServiceMonitoring(this, 'Monitoring', {
        api,
        stageName: this.stageName,
        routes: Object.values(serviceHandlers).flatMap((spec): readonly ServiceRoute[] => spec.routes),
        functions: this.functions,
        flusher: this.authorizerCacheFlusher.handler,
        table: this.table,
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
        stageName: this.stageName,
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
}

function pascalCase(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Aws, Duration, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { waiveControl } from '../control-tower';
import { InvalidSettingsError } from '../settings';
import { defaultConsoleAssets } from './prebuilt-assets';
import type { UserDirectory } from './user-directory';
import { checkOptions, contentSecurityPolicy, type CognitoConsoleConfig, type WebConsoleOptions } from './web-console-options';
import { acknowledgeDeploymentFindings, acknowledgeDistributionFindings, waiveBucketControls } from './web-console-waivers';

export {
  contentSecurityPolicy,
  type CognitoConsoleConfig,
  type ConsoleCustomDomain,
  type WebConsoleOptions,
} from './web-console-options';

/** Context key naming a directory with a built console, instead of `web/dist` (`-c webConsoleAssets=…`; the tests' fixture). */
export const consoleAssetsContextKey = 'webConsoleAssets';
export { defaultConsoleAssets };

/** The console's options and what `PatService` hands it (API, stage, user pool). */
export interface WebConsoleProps extends WebConsoleOptions {
  /** The management API, served by the same distribution under `apiPaths` so the browser needs no CORS. */
  readonly api: apigateway.IRestApi;
  /** The API's stage: the origin path. */
  readonly stageName: string;
  /** CloudFront path patterns routed to the API, e.g. `/tokens*`. */
  readonly apiPaths: readonly string[];
  /** The user pool: the console's own app client and the sign-in domain are added to it. */
  readonly users: UserDirectory;
  /** The Cognito group whose members the console shows the tenant views to. */
  readonly adminGroup: string;
  /** The ID token claim that names a user's tenant. */
  readonly tenantClaim: string;
}

/**
 * A path without a file extension is a page of the single-page console: serve its one document.
 * This, rather than distribution-wide error responses (403/404 → /index.html), is the SPA fallback,
 * because error responses would apply to the API behaviours too and turn the API's own 403 and 404
 * JSON answers into a 200 HTML page. Runs on the console's (default) behaviour only.
 */
export const spaFallbackCode = `function handler(event) {
  var request = event.request;
  var last = request.uri.substring(request.uri.lastIndexOf('/') + 1);
  if (last.indexOf('.') === -1) request.uri = '/index.html';
  return request;
}`;

/**
 * The web console, deployed: its files in a private S3 bucket read only by one CloudFront
 * distribution (origin access control), the management API behind the same distribution (same
 * origin: the browser needs no CORS), security headers on every
 * answer, access logs, and sign-in through the user pool's managed pages with the authorization code
 * flow and PKCE (a public client of its own). The console learns all of it from a generated
 * `/console-config.json`.
 */
export class WebConsole extends Construct {
  readonly bucket: s3.Bucket;
  readonly logBucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  readonly client: cognito.UserPoolClient;
  /** `https://<console domain>/`: where people go, and the OAuth redirect URI. */
  readonly url: string;
  /** Base URL of the managed sign-in pages. */
  readonly signInUrl: string;
  readonly config: CognitoConsoleConfig;

  constructor(scope: Construct, id: string, props: WebConsoleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const assetsDir = props.assetsDir ?? (this.node.tryGetContext(consoleAssetsContextKey) as string | undefined) ?? defaultConsoleAssets;
    if (!existsSync(join(assetsDir, 'index.html'))) {
      throw new InvalidSettingsError(
        `${this.node.path}: the web console is not built (${join(assetsDir, 'index.html')} is missing): run \`npm run build:web\`, point webConsole.assetsDir at a build, or turn the console off with webConsole: false`,
      );
    }
    checkOptions(props, this.node.path);
    if (props.users.domain && props.domainPrefix !== undefined) {
      throw new InvalidSettingsError(
        `${this.node.path}: the pool's sign-in domain is hostedSignIn's (a pool has one); leave out webConsole.domainPrefix`,
      );
    }

    this.signInUrl =
      props.existingDomainUrl?.replace(/\/+$/, '') ?? props.users.signInDomain(props.domainPrefix ?? defaultDomainPrefix(stack)).baseUrl();
    const issuer = `https://cognito-idp.${stack.region}.${stack.urlSuffix}`;

    const logRetentionDays = props.logRetentionDays ?? 365;
    this.logBucket = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // CloudFront's standard logs are delivered with an ACL grant to the awslogsdelivery account.
      objectOwnership: s3.ObjectOwnership.OBJECT_WRITER,
      // Versioned, so a deleted or overwritten log survives for a while (Control Tower CT.S3.PR.2).
      versioned: true,
      lifecycleRules: [{ expiration: Duration.days(logRetentionDays), noncurrentVersionExpiration: Duration.days(30) }],
      // Who fetched what: kept when the stack goes, like the API's and the functions' logs.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.bucket = new s3.Bucket(this, 'Files', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: 'console-bucket/',
      lifecycleRules: [{ abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      // Only build output lives here: the deployments below empty it when the stack goes (retainOnDelete: false).
      removalPolicy: RemovalPolicy.DESTROY,
    });

    waiveBucketControls(this.bucket, this.logBucket);

    const securityHeaders = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Personal access token console: CSP, HSTS, nosniff, no framing, no referrer',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: contentSecurityPolicy({ connectTo: [issuer, this.signInUrl] }),
          override: true,
        },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(730), includeSubdomains: true, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        // The page's URL briefly holds the authorization code: never send it anywhere.
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
    });

    const apiBehavior: cloudfront.BehaviorOptions = {
      // The stage's path is the origin path: /tokens here is /<stage>/tokens there.
      origin: restApiOrigin(props.api, props.stageName),
      // Tokens travel in both directions: refuse plain HTTP rather than redirect a request already sent in clear.
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
      // Nothing of the API is cached, so every viewer header but Host (API Gateway routes on its own
      // host name) can go to the origin, Authorization included.
      cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
      originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      responseHeadersPolicy: securityHeaders,
    };
    const customDomain = props.customDomain;
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Personal access tokens: web console and management API',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: securityHeaders,
        functionAssociations: [
          {
            eventType: cloudfront.FunctionEventType.VIEWER_REQUEST,
            function: new cloudfront.Function(this, 'SpaFallback', {
              comment: 'Serves /index.html for the console pages (paths without an extension)',
              code: cloudfront.FunctionCode.fromInline(spaFallbackCode),
              runtime: cloudfront.FunctionRuntime.JS_2_0,
            }),
          },
        ],
      },
      additionalBehaviors: Object.fromEntries(props.apiPaths.map((path) => [path, apiBehavior])),
      domainNames: customDomain?.domainNames,
      certificate: customDomain ? acm.Certificate.fromCertificateArn(this, 'Certificate', customDomain.certificateArn) : undefined,
      minimumProtocolVersion: customDomain ? cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 : undefined,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      enableLogging: true,
      logBucket: this.logBucket,
      logFilePrefix: 'cloudfront/',
      webAclId: props.webAclArn,
    });
    acknowledgeDistributionFindings(this.distribution, props);
    waiveControl(
      this.distribution,
      'cloudfront_origin_failover_enabled_check',
      'Failover would need a second console bucket kept in sync in another region; the console is static files that a redeploy restores, and the API origin (API Gateway, regional) has no second region to fail over to.',
    );

    const consoleDomain = customDomain?.domainNames[0] ?? this.distribution.distributionDomainName;
    this.url = `https://${consoleDomain}/`;
    const consoleUrls = [
      this.url,
      ...(customDomain?.domainNames.slice(1).map((name) => `https://${name}/`) ?? []),
      ...(props.callbackUrls ?? []),
    ];
    this.client = props.users.addBrowserClient('ConsoleClient', { callbackUrls: consoleUrls, logoutUrls: consoleUrls });

    this.config = {
      mode: 'cognito',
      authority: `${issuer}/${props.users.userPool.userPoolId}`,
      clientId: this.client.userPoolClientId,
      redirectUri: this.url,
      // Same origin: the API's paths are behaviours of this distribution.
      apiUrl: `https://${consoleDomain}`,
      // Ends the Cognito session too, then comes back to the console (logout_uri URL-encoded).
      logoutUrl: `${this.signInUrl}/logout?client_id=${this.client.userPoolClientId}&logout_uri=https%3A%2F%2F${consoleDomain}%2F`,
      scope: 'openid email profile',
      adminGroup: props.adminGroup,
      tenantClaim: props.tenantClaim,
    };

    // Hashed file names never change content: cached for a year. Kept across deployments
    // (prune: false), so a page loaded before one can still fetch its lazily loaded chunks.
    const hashedFiles = new s3assets.Asset(this, 'HashedFiles', { path: join(assetsDir, 'assets') });
    new s3deploy.BucketDeployment(this, 'DeployAssets', {
      sources: [s3deploy.Source.bucket(hashedFiles.bucket, hashedFiles.s3ObjectKey)],
      destinationBucket: this.bucket,
      destinationKeyPrefix: 'assets/',
      prune: false,
      retainOnDelete: false,
      cacheControl: [
        s3deploy.CacheControl.setPublic(),
        s3deploy.CacheControl.maxAge(Duration.days(365)),
        s3deploy.CacheControl.immutable(),
      ],
    });
    // The page and its configuration: revalidated on every load, and invalidated in CloudFront on deploy.
    // The build's own console-config.json is the local server's ({ "mode": "local" }): replaced.
    const pages = new s3assets.Asset(this, 'Pages', { path: assetsDir, exclude: ['assets', 'console-config.json'] });
    new s3deploy.BucketDeployment(this, 'DeployPages', {
      sources: [s3deploy.Source.bucket(pages.bucket, pages.s3ObjectKey), s3deploy.Source.jsonData('console-config.json', this.config)],
      destinationBucket: this.bucket,
      prune: false,
      retainOnDelete: false,
      cacheControl: [s3deploy.CacheControl.noCache()],
      distribution: this.distribution,
      distributionPaths: ['/', '/index.html', '/console-config.json'],
    });
    acknowledgeDeploymentFindings(this, this.bucket, pages.bucket);
  }
}

/**
 * `<stack name>-<first 8 hex digits of the stack's id>`: readable, and unique per deployment without
 * publishing the account id. Cognito refuses `aws`, `amazon` and `cognito` in a prefix.
 */
function defaultDomainPrefix(stack: Stack): string {
  const name =
    stack.stackName
      .toLowerCase()
      .replace(/aws|amazon|cognito/g, '')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'pat-console';
  const stackUuid = Fn.select(2, Fn.split('/', Aws.STACK_ID));
  return Fn.join('-', [name.replace(/-+$/, ''), Fn.select(0, Fn.split('-', stackUuid))]);
}

/**
 * The API as an origin, named by its id and stage name only. `RestApiOrigin` reads `api.url`, which
 * references the deployment stage, and so every method and function behind it: the functions could
 * then not be told the console client's id (`APP_CLIENT_IDS`, the `aud` they accept) without a
 * cycle (function → console client → distribution → stage → function). Same origin settings.
 */
function restApiOrigin(api: apigateway.IRestApi, stageName: string): cloudfront.IOrigin {
  return new origins.HttpOrigin(Fn.join('', [api.restApiId, '.execute-api.', Aws.REGION, '.', Aws.URL_SUFFIX]), {
    originPath: `/${stageName}`,
    protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
    originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
  });
}

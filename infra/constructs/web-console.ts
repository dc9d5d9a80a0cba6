import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Aws, Duration, Fn, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import { Construct } from 'constructs';
import { waiveControl } from '../control-tower';
import { defaultConsoleAssets } from './prebuilt-assets';
import type { UserDirectory } from './user-directory';

/** Context key naming a directory with a built console, instead of `web/dist` (`-c webConsoleAssets=…`; the tests' fixture). */
export const consoleAssetsContextKey = 'webConsoleAssets';
export { defaultConsoleAssets };

/** The console under a domain of your own instead of (as well as) `*.cloudfront.net`. */
export interface ConsoleCustomDomain {
  /** The first is the console's URL; all of them are callback URLs. Point each (CNAME or alias) at the distribution. */
  readonly domainNames: string[];
  /** An ACM certificate in us-east-1 (CloudFront's region) covering every name. */
  readonly certificateArn: string;
}

export interface WebConsoleOptions {
  /**
   * The built console (`npm run build:web`): `index.html`, `assets/`. Its `console-config.json` is
   * replaced by the deployment's.
   * @default the `webConsoleAssets` context value, else `web/dist`
   */
  readonly assetsDir?: string;
  /**
   * Prefix of the Cognito domain of the managed sign-in pages, `https://<prefix>.auth.<region>.amazoncognito.com`.
   * Unique per region across all AWS accounts; no `aws`, `amazon` or `cognito` in it.
   * @default the `hostedSignIn` domain if there is one, else `<stack name>-<8 hex digits of the stack id>`
   */
  readonly domainPrefix?: string;
  /**
   * The sign-in domain an imported user pool already has (`https://….amazoncognito.com` or its custom
   * domain): nothing is created. A pool has at most one Cognito domain.
   * @default a domain is created (`domainPrefix`)
   */
  readonly existingDomainUrl?: string;
  /** @default the distribution's `https://<id>.cloudfront.net` only */
  readonly customDomain?: ConsoleCustomDomain;
  /** More callback and sign-out URLs for the console's client, e.g. a copy of the console served elsewhere. @default none */
  readonly callbackUrls?: string[];
  /** A WAFv2 web ACL of scope CLOUDFRONT (created in us-east-1) for the distribution. @default none */
  readonly webAclArn?: string;
  /** How long CloudFront and S3 access logs are kept, in days. @default 365 */
  readonly logRetentionDays?: number;
}

export interface WebConsoleProps extends WebConsoleOptions {
  /** The management API, served by the same distribution under `apiPaths` so the browser needs no CORS. */
  readonly api: apigateway.IRestApi;
  /** The API's stage: the origin path. */
  readonly stageName: string;
  /** CloudFront path patterns routed to the API, e.g. `/tokens*`. */
  readonly apiPaths: readonly string[];
  readonly users: UserDirectory;
  readonly adminGroup: string;
  readonly tenantClaim: string;
}

/** The console's `/console-config.json` in Cognito mode (`web/src/auth.ts` reads it). */
export interface CognitoConsoleConfig {
  readonly mode: 'cognito';
  readonly authority: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly apiUrl: string;
  readonly logoutUrl: string;
  readonly scope: string;
  readonly adminGroup: string;
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
      throw new Error(
        `${this.node.path}: the web console is not built (${join(assetsDir, 'index.html')} is missing): run \`npm run build:web\`, point webConsole.assetsDir at a build, or turn the console off with webConsole: false`,
      );
    }
    checkOptions(props, this.node.path);
    if (props.users.domain && props.domainPrefix !== undefined) {
      throw new Error(`${this.node.path}: the pool's sign-in domain is hostedSignIn's (a pool has one); leave out webConsole.domainPrefix`);
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

    this.waiveBucketControls();

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
    this.acknowledgeDistributionFindings(props);
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
    this.acknowledgeDeploymentFindings(pages.bucket);
  }

  private acknowledgeDistributionFindings(props: WebConsoleProps): void {
    const distribution = this.distribution;
    Validations.of(distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason:
        'No geo restriction: token owners and the vendors they serve may be anywhere; every request is authenticated (Cognito or a refresh key) and the API is throttled.',
    });
    if (!props.webAclArn) {
      Validations.of(distribution).acknowledge({
        id: 'AwsSolutions-CFR2',
        reason:
          'No WAF by default (billed per web ACL and rule); pass webConsole.webAclArn (scope CLOUDFRONT). The console is static files; the API behind it is throttled and authenticated.',
      });
    }
    if (!props.customDomain) {
      const defaultCertificate =
        "Without webConsole.customDomain the distribution answers on *.cloudfront.net with CloudFront's default certificate, whose TLS policy and SNI CloudFront fixes (TLSv1 minimum is CloudFront's, not configurable there); with a custom domain the distribution uses its ACM certificate, SNI and TLSv1.2_2021, and this waiver is not made.";
      for (const rule of ['cloudfront_custom_ssl_certificate_check', 'cloudfront_sni_enabled_check', 'cloudfront_security_policy_check'])
        waiveControl(distribution, rule, defaultCertificate);
      Validations.of(distribution).acknowledge({
        id: 'AwsSolutions-CFR4',
        reason:
          'The default *.cloudfront.net certificate, whose TLS policy CloudFront fixes; with webConsole.customDomain the distribution requires TLSv1.2_2021.',
      });
    }
  }

  /**
   * What cdk-nag finds in CDK's BucketDeployment function (one per stack, created beside the stack's
   * constructs, deploy time only): its grants are CDK's, narrowed to the two buckets involved.
   */
  private acknowledgeDeploymentFindings(stagingBucket: s3.IBucket): void {
    const stack = Stack.of(this);
    const handler = stack.node.children.find((child) => child.node.id.startsWith('Custom::CDKBucketDeployment'));
    if (!handler) throw new Error(`${this.node.path}: the BucketDeployment's function was not found`);
    // Named as cdk-nag names them: the grants' resources, resolved and flattened by cdk-nag's own function.
    const objectsOf = (bucket: s3.IBucket) => flattenCfnReference(stack.resolve(bucket.arnForObjects('*')));
    const s3Grants =
      "CDK's BucketDeployment reads the console's zipped files from the CDK staging bucket and writes them to the console bucket: its wildcards are object actions on those two buckets, nothing else.";
    const acknowledgements = [
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          "CDK's BucketDeployment function writes its logs with the AWS managed policy made for that; it holds only CloudWatch Logs actions.",
      },
      ...['s3:GetBucket*', 's3:GetObject*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'].map((action) => ({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason: s3Grants,
      })),
      { id: `AwsSolutions-IAM5[Resource::${objectsOf(this.bucket)}]`, reason: s3Grants },
      { id: `AwsSolutions-IAM5[Resource::${objectsOf(stagingBucket)}]`, reason: s3Grants },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          "CDK's BucketDeployment invalidates the console's page and configuration in CloudFront after each deployment; cloudfront:CreateInvalidation and GetInvalidation are granted on * by CDK.",
      },
      {
        id: 'AwsSolutions-L1',
        reason: "CDK's BucketDeployment function; its Python runtime is the one aws-cdk-lib pins and tests, upgraded with the library.",
      },
    ];
    for (const acknowledgement of acknowledgements) Validations.of(handler).acknowledge(acknowledgement);
    waiveControl(
      handler,
      'lambda_inside_vpc_check',
      "CDK's BucketDeployment function runs at deploy time only and copies between two S3 buckets: a VPC would need an S3 endpoint and isolates nothing.",
    );
    waiveControl(
      handler,
      'cloudwatch_log_group_encrypted_check',
      "The log group of CDK's BucketDeployment function: deploy-time copy reports, no secrets; CloudWatch Logs encrypts it at rest with its own keys.",
    );
  }

  /** The Control Tower S3 controls these two buckets do not meet, and why that is right for them. */
  private waiveBucketControls(): void {
    const buildOutput = 'The console bucket holds only build output (the static web console), rebuilt from the repository on every deploy';
    waiveControl(
      this.bucket,
      's3_bucket_versioning_enabled_check',
      `${buildOutput}; versions would keep the stack from emptying and deleting it (BucketDeployment deletes current objects only).`,
    );
    waiveControl(
      this.bucket,
      's3_bucket_object_lock_enabled_check',
      `${buildOutput}: write-once retention would block every redeployment of a page.`,
    );
    waiveControl(
      this.logBucket,
      's3_bucket_object_lock_enabled_check',
      'Access logs expire by lifecycle (webConsole.logRetentionDays); object lock would keep them past that and cannot be removed once on. Versioning keeps a deleted log for 30 days.',
    );
    waiveControl(
      this.bucket,
      's3_bucket_default_encryption_kms_check',
      `${buildOutput}; nothing in it is confidential (CloudFront serves it to anyone), and SSE-KMS behind CloudFront's origin access control would add a key policy and KMS charges per request without protecting a secret. SSE-S3 encrypts it at rest.`,
    );
    waiveControl(
      this.logBucket,
      's3_bucket_default_encryption_kms_check',
      'S3 server access logging delivers only to buckets encrypted with SSE-S3 (SSE-KMS destinations are not supported); SSE-S3 encrypts the logs at rest.',
    );
    waiveControl(
      this.logBucket,
      's3_bucket_logging_enabled_check',
      'This is the access-log bucket itself: logging it would log into itself (or need a third bucket for the logs of the logs).',
    );
    for (const bucket of [this.bucket, this.logBucket]) {
      waiveControl(
        bucket,
        's3_event_notifications_enabled_check',
        'Nothing consumes events of these buckets (build output and access logs); a notification target with no reader would only add a resource to watch.',
      );
    }
  }
}

/**
 * The console's Content-Security-Policy: its own scripts and styles only, no framing, and requests
 * only to itself (files and API) and to Cognito (the issuer's discovery document, the token endpoint).
 */
export function contentSecurityPolicy({ connectTo }: { connectTo: string[] }): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "manifest-src 'self'",
    `connect-src 'self' ${connectTo.join(' ')}`,
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    'upgrade-insecure-requests',
  ].join('; ');
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

function checkOptions(props: WebConsoleOptions, where: string): void {
  const problems: string[] = [];
  const known = (value: string | undefined): value is string => value !== undefined && !Token.isUnresolved(value);
  if (
    known(props.domainPrefix) &&
    (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(props.domainPrefix) || /aws|amazon|cognito/.test(props.domainPrefix))
  ) {
    problems.push(
      `domainPrefix "${props.domainPrefix}" must be lower-case letters, digits and hyphens (not at either end), without "aws", "amazon" or "cognito"`,
    );
  }
  if (props.domainPrefix !== undefined && props.existingDomainUrl !== undefined)
    problems.push('give domainPrefix (a domain is created) or existingDomainUrl (the pool has one), not both');
  if (known(props.existingDomainUrl) && !/^https:\/\/[^/]+\/?$/.test(props.existingDomainUrl))
    problems.push(`existingDomainUrl "${props.existingDomainUrl}" must be https://<host>`);
  if (props.customDomain) {
    if (props.customDomain.domainNames.length === 0) problems.push('customDomain.domainNames must name at least one domain');
    if (known(props.customDomain.certificateArn) && !/^arn:aws[a-z-]*:acm:us-east-1:/.test(props.customDomain.certificateArn)) {
      problems.push('customDomain.certificateArn must be an ACM certificate in us-east-1 (CloudFront uses only those)');
    }
  }
  if (known(props.webAclArn) && !/^arn:aws[a-z-]*:wafv2:us-east-1:\d+:global\/webacl\//.test(props.webAclArn)) {
    problems.push('webAclArn must be a WAFv2 web ACL of scope CLOUDFRONT (arn:aws:wafv2:us-east-1:<account>:global/webacl/…)');
  }
  for (const url of props.callbackUrls ?? []) {
    if (known(url) && !/^https:\/\/[^/]+\/.*$/.test(url) && !/^http:\/\/localhost(:\d+)?\//.test(url))
      problems.push(`callbackUrls: "${url}" must be an https URL ending in a path (http only for localhost)`);
  }
  if (problems.length > 0) throw new Error(`${where}: invalid web console options:\n  - ${problems.join('\n  - ')}`);
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

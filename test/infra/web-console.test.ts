import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceHandlers } from '../../infra/handlers';
import { apiPathPatterns } from '../../infra/constructs/pat-service';
import { spaFallbackCode, type WebConsole } from '../../infra/constructs/web-console';
import type { PatServiceStack } from '../../infra/pat-service-stack';
import { buildApp } from '../../infra/service-app';
import { describeResource, grantsOf, logicalIdOf, testApp } from './synth';

type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string };

// The app exactly as `cdk synth` builds it (cdk-nag included), with the console fixture for `web/dist`.
let stack: PatServiceStack;
let webConsole: WebConsole;
let template: Template;
let outdir: string;
const cleanups: Array<() => void> = [];
afterAll(() => cleanups.forEach((cleanup) => cleanup()));

beforeAll(() => {
  const test = testApp();
  cleanups.push(test.cleanup);
  stack = buildApp(test.app).service;
  webConsole = stack.service.webConsole!;
  template = Template.fromStack(stack);
  outdir = test.app.outdir;
}, 120_000);

const resources = () => template.toJSON().Resources as Record<string, Resource>;
const resourceOf = (construct: Parameters<typeof logicalIdOf>[0]) => resources()[logicalIdOf(construct)]!;
const distributionConfig = () => resourceOf(webConsole.distribution).Properties.DistributionConfig;
/** Readable names for the references the assertions meet. */
const names = () => ({
  [logicalIdOf(webConsole.distribution)]: 'Distribution',
  [logicalIdOf(webConsole.client)]: 'ConsoleClient',
  [logicalIdOf(stack.service.users.userPool)]: 'UserPool',
  [logicalIdOf(stack.service.users.domain!)]: 'SignInDomain',
  [logicalIdOf(stack.service.restApi)]: 'Api',
});
const text = (value: unknown) => describeResource(value, names());
const bucketPolicyOf = (bucketLogicalId: string) =>
  Object.values(resources()).find((r) => r.Type === 'AWS::S3::BucketPolicy' && r.Properties.Bucket.Ref === bucketLogicalId)!.Properties
    .PolicyDocument.Statement as Array<Record<string, any>>;

/** The console-config.json the deployment writes, its deploy-time values named. */
function deployedConsoleConfig(): Record<string, string> {
  const deployment = Object.values(resources()).find(
    (r) => r.Type === 'Custom::CDKBucketDeployment' && JSON.stringify(r.Properties.DistributionPaths ?? []).includes('console-config.json'),
  )!;
  const index = (deployment.Properties.SourceMarkers as object[]).findIndex((markers) => Object.keys(markers).length > 0);
  const hash = String(deployment.Properties.SourceObjectKeys[index]).replace(/\.zip$/, '');
  let json = readFileSync(join(outdir, `asset.${hash}`, 'console-config.json'), 'utf8');
  for (const [marker, value] of Object.entries(deployment.Properties.SourceMarkers[index] as Record<string, unknown>))
    json = json.replaceAll(marker, text(value));
  return JSON.parse(json);
}

describe('console bucket', () => {
  it('blocks every kind of public access, is encrypted, refuses plain HTTP and logs its accesses', () => {
    const bucket = resourceOf(webConsole.bucket).Properties;

    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
      { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
    ]);
    expect(bucket.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: logicalIdOf(webConsole.logBucket) },
      LogFilePrefix: 'console-bucket/',
    });
    expect(bucketPolicyOf(logicalIdOf(webConsole.bucket))).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 's3:*',
        Principal: { AWS: '*' },
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
  });

  it('lets this distribution only read it, through origin access control (no origin access identity)', () => {
    const allowed = bucketPolicyOf(logicalIdOf(webConsole.bucket)).filter((statement) => statement.Effect === 'Allow');
    const [s3Origin] = distributionConfig().Origins.filter((origin: Record<string, unknown>) => 'S3OriginConfig' in origin);
    const [oacId] = Object.entries(resources()).find(([, r]) => r.Type === 'AWS::CloudFront::OriginAccessControl')!;

    expect(
      allowed.map((statement) => ({
        ...statement,
        Condition: text(statement.Condition.StringEquals['AWS:SourceArn']),
        Resource: text(statement.Resource),
      })),
    ).toEqual([
      {
        Effect: 'Allow',
        Action: 's3:GetObject',
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Condition: 'arn:AWS::Partition:cloudfront::AWS::AccountId:distribution/Distribution',
        Resource: `${logicalIdOf(webConsole.bucket)}/*`,
      },
    ]);
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: { OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' },
    });
    expect(s3Origin).toMatchObject({
      OriginAccessControlId: { 'Fn::GetAtt': [oacId, 'Id'] },
      S3OriginConfig: { OriginAccessIdentity: '' },
    });
    template.resourceCountIs('AWS::CloudFront::CloudFrontOriginAccessIdentity', 0);
  });

  it('is emptied with the stack, while its access logs are kept (and expire after a year)', () => {
    const logs = resourceOf(webConsole.logBucket);

    expect(resourceOf(webConsole.bucket).DeletionPolicy).toBe('Delete');
    expect(logs.DeletionPolicy).toBe('Retain');
    expect(logs.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'ObjectWriter' }] },
      LifecycleConfiguration: { Rules: [expect.objectContaining({ ExpirationInDays: 365, Status: 'Enabled' })] },
    });
    expect(bucketPolicyOf(logicalIdOf(webConsole.logBucket))).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });
});

describe('distribution', () => {
  const apiBehaviors = () => distributionConfig().CacheBehaviors as Array<Record<string, any>>;

  it('serves the management API from the same origin: every API path to the API stage, uncached, every header but Host', () => {
    const apiOrigin = distributionConfig().Origins.find((origin: Record<string, unknown>) => 'CustomOriginConfig' in origin);

    expect(
      apiBehaviors()
        .map((behavior) => behavior.PathPattern)
        .sort(),
    ).toEqual([
      '/.well-known/*',
      '/audit',
      '/oauth2/*',
      '/openapi.json',
      '/policy',
      '/scopes',
      '/secret-scanning/*',
      '/tenant/*',
      '/tokens*',
    ]);
    for (const behavior of apiBehaviors()) {
      expect(behavior).toMatchObject({
        TargetOriginId: apiOrigin.Id,
        ViewerProtocolPolicy: 'https-only',
        AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
        // Caching disabled + AllViewerExceptHostHeader: CloudFront forwards Authorization (it is in no cache key).
        CachePolicyId: cloudfront.CachePolicy.CACHING_DISABLED.cachePolicyId,
        OriginRequestPolicyId: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER.originRequestPolicyId,
      });
    }
    expect(apiOrigin.CustomOriginConfig).toEqual({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] });
    // The host from the API's id, the stage by name: nothing that references the stage (and through it
    // the functions), so the functions can be given the console client's id (APP_CLIENT_IDS) without a cycle.
    expect(apiOrigin.DomainName).toEqual({
      'Fn::Join': [
        '',
        [{ Ref: logicalIdOf(stack.service.restApi) }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }],
      ],
    });
    expect(apiOrigin.OriginPath).toBe(`/${stack.service.stageName}`);
    expect(JSON.stringify(apiOrigin)).not.toContain(logicalIdOf(stack.service.restApi.deploymentStage));
  });

  it('routes every route of the handler specs to the API, and none of the console files', () => {
    const matches = (path: string) =>
      apiPathPatterns().some((pattern) => new RegExp(`^${pattern.replace(/[.]/g, '\\.').replace(/\*/g, '.*')}$`).test(path));
    const routes = Object.values(serviceHandlers).flatMap((spec) => spec.routes.map((route) => route.path.replace(/\{[^}]+\}/g, 'abc123')));

    expect(routes.filter((path) => !matches(path))).toEqual([]);
    expect(['/', '/index.html', '/console-config.json', '/assets/index-abc.js'].filter(matches)).toEqual([]);
  });

  it('falls back to the console page with a viewer function on the console behaviour only, never with error responses that would rewrite the API errors', () => {
    const fallback = new Function(`${spaFallbackCode}; return handler;`)() as (event: { request: { uri: string } }) => { uri: string };
    const served = (uri: string) => fallback({ request: { uri } }).uri;

    expect(distributionConfig().CustomErrorResponses).toBeUndefined();
    expect(distributionConfig().DefaultCacheBehavior.FunctionAssociations).toEqual([
      { EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [expect.stringMatching(/SpaFallback/), 'FunctionARN'] } },
    ]);
    expect(apiBehaviors().filter((behavior) => behavior.FunctionAssociations)).toEqual([]);
    expect([served('/'), served('/tokens/new'), served('/settings/')]).toEqual(['/index.html', '/index.html', '/index.html']);
    expect([served('/assets/index-abc.js'), served('/console-config.json')]).toEqual(['/assets/index-abc.js', '/console-config.json']);
    expect(distributionConfig()).toMatchObject({
      DefaultRootObject: 'index.html',
      DefaultCacheBehavior: { ViewerProtocolPolicy: 'redirect-to-https', AllowedMethods: ['GET', 'HEAD'] },
    });
  });

  it('sends a strict CSP (requests to itself and Cognito only, no framing), HSTS and nosniff on every answer', () => {
    const policy = template.findResources('AWS::CloudFront::ResponseHeadersPolicy');
    const [policyId, { Properties }] = Object.entries(policy)[0]!;
    const headers = Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    const csp = Object.fromEntries(
      text(headers.ContentSecurityPolicy.ContentSecurityPolicy)
        .split('; ')
        .map((directive) => [directive.split(' ')[0], directive.split(' ').slice(1).join(' ')]),
    );

    expect(Object.keys(policy)).toHaveLength(1);
    expect(csp).toMatchObject({
      'default-src': "'none'",
      'script-src': "'self'",
      'style-src': "'self'",
      'connect-src': "'self' https://cognito-idp.AWS::Region.AWS::URLSuffix https://SignInDomain.auth.AWS::Region.amazoncognito.com",
      'frame-ancestors': "'none'",
      'object-src': "'none'",
    });
    expect(JSON.stringify(csp)).not.toContain('unsafe');
    expect(headers.StrictTransportSecurity).toMatchObject({ AccessControlMaxAgeSec: 63_072_000, IncludeSubdomains: true, Override: true });
    expect(headers.ContentTypeOptions).toEqual({ Override: true });
    expect(headers.FrameOptions).toEqual({ FrameOption: 'DENY', Override: true });
    for (const behavior of [distributionConfig().DefaultCacheBehavior, ...apiBehaviors()])
      expect(behavior.ResponseHeadersPolicyId).toEqual({ Ref: policyId });
  });

  it('writes its access logs to the log bucket', () => {
    expect(distributionConfig().Logging).toEqual({
      Bucket: { 'Fn::GetAtt': [logicalIdOf(webConsole.logBucket), 'RegionalDomainName'] },
      Prefix: 'cloudfront/',
    });
  });
});

describe('console configuration and files', () => {
  it('writes console-config.json with the pool as authority, the console client, the distribution as redirect URI and API', () => {
    expect(deployedConsoleConfig()).toEqual({
      mode: 'cognito',
      authority: 'https://cognito-idp.AWS::Region.AWS::URLSuffix/UserPool',
      clientId: 'ConsoleClient',
      redirectUri: 'https://Distribution/',
      apiUrl: 'https://Distribution',
      logoutUrl:
        'https://SignInDomain.auth.AWS::Region.amazoncognito.com/logout?client_id=ConsoleClient&logout_uri=https%3A%2F%2FDistribution%2F',
      scope: 'openid email profile',
      adminGroup: 'pat-admins',
      tenantClaim: 'custom:tenant',
    });
  });

  it("deploys the page without the build's local console-config.json, revalidated and invalidated on each deployment", () => {
    const deployments = Object.values(resources()).filter((r) => r.Type === 'Custom::CDKBucketDeployment');
    const pages = deployments.find((r) => r.Properties.DistributionPaths)!;
    const hashed = deployments.find((r) => r.Properties.DestinationBucketKeyPrefix === 'assets/')!;
    const stagedFiles = (deployment: Resource, index: number) =>
      readdirSync(join(outdir, `asset.${String(deployment.Properties.SourceObjectKeys[index]).replace(/\.zip$/, '')}`), {
        recursive: true,
      }).sort();

    expect(stagedFiles(pages, 0)).toEqual(['index.html']);
    expect(stagedFiles(hashed, 0)).toEqual(['index-fixture.js']);
    expect(pages.Properties).toMatchObject({
      DestinationBucketName: { Ref: logicalIdOf(webConsole.bucket) },
      Prune: false,
      SystemMetadata: { 'cache-control': 'no-cache' },
      DistributionId: { Ref: logicalIdOf(webConsole.distribution) },
    });
    expect(hashed.Properties).toMatchObject({ Prune: false, SystemMetadata: { 'cache-control': 'public, max-age=31536000, immutable' } });
  });

  it("holds CDK's deployment function to the console bucket, its staged files and invalidations", () => {
    const role = Object.keys(resources()).find((id) => /^CustomCDKBucketDeployment.*ServiceRole[0-9A-F]+$/.test(id))!;
    const grants = grantsOf(template, role, { [logicalIdOf(webConsole.bucket)]: 'ConsoleBucket' });
    const buckets = new Set(grants.filter((grant) => grant.startsWith('s3:')).map((grant) => grant.split(' ')[1]!.replace(/\/\*$/, '')));

    expect([...buckets].sort()).toEqual(
      ['ConsoleBucket', 'arn:AWS::Partition:s3:::{"Fn::Sub":"cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"}'].sort(),
    );
    expect(grants.filter((grant) => !grant.startsWith('s3:'))).toEqual([
      'cloudfront:CreateInvalidation *',
      'cloudfront:GetInvalidation *',
      expect.stringMatching(/^managed-policy .*AWSLambdaBasicExecutionRole/),
    ]);
  });
});

describe('sign-in', () => {
  it('gives the console a public client of its own: authorization code only, no secret, no password flows, back to the distribution', () => {
    const client = resourceOf(webConsole.client).Properties;

    expect(client).toMatchObject({
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      GenerateSecret: false,
      ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
      SupportedIdentityProviders: ['COGNITO'],
      IdTokenValidity: 60,
      EnableTokenRevocation: true,
      PreventUserExistenceErrors: 'ENABLED',
    });
    expect(client.CallbackURLs.map(text)).toEqual(['https://Distribution/']);
    expect(client.LogoutURLs.map(text)).toEqual(['https://Distribution/']);
    expect(client.ReadAttributes).toContain('custom:tenant');
    expect(client.WriteAttributes).not.toContain('custom:tenant');
  });

  it("keeps the API's own client for the CLI, without OAuth", () => {
    const client = resourceOf(stack.service.users.userPoolClient).Properties;

    expect(client).toMatchObject({ AllowedOAuthFlowsUserPoolClient: false, GenerateSecret: false });
    expect(client.ExplicitAuthFlows).toContain('ALLOW_USER_PASSWORD_AUTH');
  });

  it('creates the managed sign-in domain, its prefix derived from the stack name and id', () => {
    const domain = resourceOf(stack.service.users.domain!).Properties;
    const stackUuid = { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] };

    expect(domain.Domain).toEqual({ 'Fn::Join': ['-', ['patservice', { 'Fn::Select': [0, { 'Fn::Split': ['-', stackUuid] }] }]] });
    template.resourceCountIs('AWS::Cognito::UserPoolDomain', 1);
  });

  it('outputs the console URL', () => {
    expect(text(template.toJSON().Outputs.ConsoleUrl.Value)).toBe('https://Distribution/');
  });
});

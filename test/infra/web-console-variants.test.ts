import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleCatalogue } from '../../functions/domain/routes';
import { PatServiceStack, type PatServiceStackProps } from '../../infra/pat-service-stack';
import { describeResource, logicalIdOf, testApp } from './synth';

/** The web console's deployment variants (web-console.test.ts holds the default one), each synthesized with cdk-nag. */
const cleanups: Array<() => void> = [];
afterAll(() => cleanups.forEach((cleanup) => cleanup()));

/** Builds one service stack with these props in an app of its own (to expect a refusal from it). */
const building =
  (id: string, props: Partial<PatServiceStackProps>, context: Record<string, unknown> = {}) =>
  () => {
    const test = testApp(context);
    cleanups.push(test.cleanup);
    return new PatServiceStack(test.app, id, { settings: { catalogue: exampleCatalogue }, ...props });
  };

describe('variants, each cdk-nag clean', () => {
  const stacks: Record<string, PatServiceStack> = {};
  const templates: Record<string, Template> = {};

  beforeAll(() => {
    const test = testApp();
    cleanups.push(test.cleanup);
    Validations.of(test.app).addPlugins(new AwsSolutionsChecks(test.app));
    const variants: Record<string, Partial<PatServiceStackProps>> = {
      CustomDomain: {
        webConsole: {
          domainPrefix: 'acme-tokens',
          customDomain: {
            domainNames: ['tokens.acme.example', 'pat.acme.example'],
            certificateArn: 'arn:aws:acm:us-east-1:111122223333:certificate/abc',
          },
          callbackUrls: ['http://localhost:5173/'],
          webAclArn: 'arn:aws:wafv2:us-east-1:111122223333:global/webacl/console/123',
        },
      },
      WithHostedSignIn: { hostedSignIn: { domainPrefix: 'acme-hosted', callbackUrls: ['https://elsewhere.acme.example/'] } },
      ImportedPool: { userPool: { userPoolId: 'eu-west-1_AbCdEf123' }, webConsole: { existingDomainUrl: 'https://login.acme.example/' } },
      NoConsole: { webConsole: false },
    };
    for (const [id, props] of Object.entries(variants)) {
      stacks[id] = new PatServiceStack(test.app, id, {
        env: { account: '111122223333', region: 'eu-west-1' },
        settings: { catalogue: exampleCatalogue },
        ...props,
      });
    }
    test.app.synth();
    for (const id of Object.keys(variants)) templates[id] = Template.fromStack(stacks[id]!);
  }, 120_000);

  const configOf = (id: string) =>
    Object.fromEntries(
      Object.entries(stacks[id]!.service.webConsole!.config).map(([key, value]) => [key, describeResource(stacks[id]!.resolve(value), {})]),
    );

  it('a custom domain: its names as aliases with their certificate and TLS 1.2, the first as the console URL, all as callbacks; the WAF', () => {
    const webConsoleOf = stacks.CustomDomain!.service.webConsole!;
    const config = templates.CustomDomain!.toJSON().Resources[logicalIdOf(webConsoleOf.distribution)].Properties.DistributionConfig;
    const client = templates.CustomDomain!.toJSON().Resources[logicalIdOf(webConsoleOf.client)].Properties;

    expect(config).toMatchObject({
      Aliases: ['tokens.acme.example', 'pat.acme.example'],
      ViewerCertificate: {
        AcmCertificateArn: 'arn:aws:acm:us-east-1:111122223333:certificate/abc',
        MinimumProtocolVersion: 'TLSv1.2_2021',
        SslSupportMethod: 'sni-only',
      },
      WebACLId: 'arn:aws:wafv2:us-east-1:111122223333:global/webacl/console/123',
    });
    expect(client.CallbackURLs).toEqual(['https://tokens.acme.example/', 'https://pat.acme.example/', 'http://localhost:5173/']);
    expect(configOf('CustomDomain')).toMatchObject({ redirectUri: 'https://tokens.acme.example/', apiUrl: 'https://tokens.acme.example' });
    templates.CustomDomain!.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'acme-tokens' });
    expect(templates.CustomDomain!.toJSON().Outputs).toMatchObject({
      ConsoleUrl: { Value: 'https://tokens.acme.example/' },
      ConsoleDistributionDomainName: { Value: { 'Fn::GetAtt': [logicalIdOf(webConsoleOf.distribution), 'DomainName'] } },
    });
  });

  it('hostedSignIn already made a domain: the console signs in there, and the pool still has one domain', () => {
    templates.WithHostedSignIn!.resourceCountIs('AWS::Cognito::UserPoolDomain', 1);
    templates.WithHostedSignIn!.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'acme-hosted' });
    expect(configOf('WithHostedSignIn').logoutUrl).toMatch(
      new RegExp(
        `^https://${logicalIdOf(stacks.WithHostedSignIn!.service.users.domain!)}\\.auth\\.eu-west-1\\.amazoncognito\\.com/logout\\?`,
      ),
    );
  });

  it('an imported pool with its own sign-in domain: nothing created there, the console and its CSP use that domain', () => {
    const csp = JSON.stringify(templates.ImportedPool!.findResources('AWS::CloudFront::ResponseHeadersPolicy'));

    templates.ImportedPool!.resourceCountIs('AWS::Cognito::UserPoolDomain', 0);
    templates.ImportedPool!.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      UserPoolId: 'eu-west-1_AbCdEf123',
      AllowedOAuthFlows: ['code'],
    });
    expect(csp).toContain('connect-src \'self\' https://cognito-idp.eu-west-1.",{"Ref":"AWS::URLSuffix"}," https://login.acme.example;');
    expect(configOf('ImportedPool')).toMatchObject({
      authority: 'https://cognito-idp.eu-west-1.AWS::URLSuffix/eu-west-1_AbCdEf123',
      logoutUrl: expect.stringMatching(/^https:\/\/login\.acme\.example\/logout\?client_id=/),
    });
  });

  it('webConsole: false leaves the console out entirely', () => {
    expect(stacks.NoConsole!.service.webConsole).toBeUndefined();
    for (const type of [
      'AWS::CloudFront::Distribution',
      'AWS::S3::Bucket',
      'Custom::CDKBucketDeployment',
      'AWS::Cognito::UserPoolDomain',
    ]) {
      templates.NoConsole!.resourceCountIs(type, 0);
    }
    expect(Object.keys(templates.NoConsole!.toJSON().Outputs)).not.toContain('ConsoleUrl');
  });

  it('refuses options that would fail at deploy time, each named', () => {
    expect(
      building('Bad', {
        webConsole: {
          domainPrefix: 'my-aws-console',
          customDomain: { domainNames: ['tokens.acme.example'], certificateArn: 'arn:aws:acm:eu-west-1:111122223333:certificate/abc' },
          webAclArn: 'arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/api/123',
        },
      }),
    ).toThrow(
      /invalid web console options:\n {2}- domainPrefix "my-aws-console" [^\n]*\n {2}- customDomain\.certificateArn must be [^\n]*us-east-1[^\n]*\n {2}- webAclArn must be a WAFv2 web ACL of scope CLOUDFRONT/,
    );
  });

  it('refuses a second sign-in domain prefix when hostedSignIn already names one', () => {
    expect(
      building('TwoDomains', {
        hostedSignIn: { domainPrefix: 'acme-hosted', callbackUrls: ['https://elsewhere.acme.example/'] },
        webConsole: { domainPrefix: 'acme-console' },
      }),
    ).toThrow(/sign-in domain is hostedSignIn's .*leave out webConsole\.domainPrefix/);
  });

  it('says how to build the console when its files are missing', () => {
    expect(building('Unbuilt', {}, { webConsoleAssets: join(tmpdir(), 'pat-no-console-here') })).toThrow(
      /the web console is not built .*npm run build:web/,
    );
  });
});

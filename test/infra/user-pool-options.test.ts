import { Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleCatalogue } from '../../functions/domain/routes';
import { PatServiceStack } from '../../infra/pat-service-stack';
import { logicalIdOf, testApp } from './synth';

// Two variants of the service in one app, synthesized once, with cdk-nag: both must stay clean.
let imported: PatServiceStack;
let hosted: PatServiceStack;
let importedTemplate: Template;
let hostedTemplate: Template;
let cleanup: () => void;

beforeAll(() => {
  const test = testApp();
  cleanup = test.cleanup;
  Validations.of(test.app).addPlugins(new AwsSolutionsChecks(test.app));
  imported = new PatServiceStack(test.app, 'WithImportedPool', {
    env: { account: '111122223333', region: 'eu-west-1' },
    settings: { catalogue: exampleCatalogue, adminGroup: 'token-admins' },
    userPool: { userPoolId: 'eu-west-1_AbCdEf123', moreAppClientIds: ['portal1234'] },
  });
  hosted = new PatServiceStack(test.app, 'WithHostedSignIn', {
    settings: { catalogue: exampleCatalogue },
    mfa: cognito.Mfa.OPTIONAL,
    hostedSignIn: { domainPrefix: 'acme-tokens', callbackUrls: ['https://tokens.acme.example/'] },
  });
  test.app.synth();
  importedTemplate = Template.fromStack(imported);
  hostedTemplate = Template.fromStack(hosted);
}, 60_000);
afterAll(() => cleanup());

describe('an imported user pool', () => {
  it('creates no pool and no group, but a client of that pool, and authorizes management routes with it', () => {
    importedTemplate.resourceCountIs('AWS::Cognito::UserPool', 0);
    importedTemplate.resourceCountIs('AWS::Cognito::UserPoolGroup', 0);
    importedTemplate.hasResourceProperties('AWS::Cognito::UserPoolClient', { UserPoolId: 'eu-west-1_AbCdEf123', GenerateSecret: false });
    importedTemplate.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'COGNITO_USER_POOLS',
      ProviderARNs: ['arn:aws:cognito-idp:eu-west-1:111122223333:userpool/eu-west-1_AbCdEf123'],
    });
  });

  it('accepts ID tokens of its own clients of that pool and of moreAppClientIds only (aud)', () => {
    const expected = {
      'Fn::Join': [
        '',
        [
          { Ref: logicalIdOf(imported.service.users.userPoolClient) },
          ',',
          { Ref: logicalIdOf(imported.service.webConsole!.client) },
          ',portal1234',
        ],
      ],
    };
    for (const fn of Object.values(imported.service.functions)) {
      expect(importedTemplate.toJSON().Resources[logicalIdOf(fn.function)].Properties.Environment.Variables.APP_CLIENT_IDS).toEqual(
        expected,
      );
    }
  });

  it('tells the functions which group is the admin group', () => {
    expect(imported.service.functions.createToken.environmentVariables.ADMIN_GROUP).toBe('token-admins');
  });
});

describe('hosted sign-in for the web console', () => {
  it('adds a Cognito domain and the code flow with the console as callback, no implicit flow', () => {
    hostedTemplate.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'acme-tokens' });
    const client = hostedTemplate.toJSON().Resources[logicalIdOf(hosted.service.users.userPoolClient)].Properties;

    expect(client).toMatchObject({
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      CallbackURLs: ['https://tokens.acme.example/'],
      AllowedOAuthFlowsUserPoolClient: true,
    });
  });

  it('makes MFA optional only when asked to', () => {
    hostedTemplate.hasResourceProperties('AWS::Cognito::UserPool', { MfaConfiguration: 'OPTIONAL', EnabledMfas: ['SOFTWARE_TOKEN_MFA'] });
  });
});

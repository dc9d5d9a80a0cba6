import { ContextProvider, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleCatalogue } from '../../functions/domain/routes';
import { importTokenVerification, verificationParameters, type VerificationParameter } from '../../infra/constructs/published-settings';
import { TokenAuthorizer } from '../../infra/constructs/token-authorizer';
import { PatServiceStack } from '../../infra/pat-service-stack';
import { logicalIdOf, testApp } from './synth';

const cleanups: Array<() => void> = [];
afterAll(() => cleanups.forEach((cleanup) => cleanup()));
const freshApp = (context: Record<string, unknown> = {}) => {
  const test = testApp(context);
  cleanups.push(test.cleanup);
  return test.app;
};

const serviceEnv = { account: '111111111111', region: 'eu-west-1' };
const path = '/pat-service/PatService/Service/verification';

/** What the CLI's SSM lookups would cache in cdk.context.json for a consumer stack in `env`. */
function contextFor(env: { account: string; region: string }, values: Record<VerificationParameter, string>, name = (n: string) => n) {
  const stack = new Stack(freshApp(), 'KeyOnly', { env });
  return Object.fromEntries(
    (Object.entries(verificationParameters) as Array<[VerificationParameter, string]>).map(([key, parameter]) => [
      ContextProvider.getKey(stack, { provider: 'ssm', props: { parameterName: name(`${path}/${parameter}`) } }).key,
      values[key],
    ]),
  );
}

const published: Record<VerificationParameter, string> = {
  issuer: 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod',
  tableArn: 'arn:aws:dynamodb:eu-west-1:111111111111:table/PatService-Tokens',
  tableName: 'PatService-Tokens',
  signingKeyArn: 'arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555',
  previousKeyArns: '[]',
  jwksUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/.well-known/jwks.json',
  catalogue: JSON.stringify(exampleCatalogue),
  policy: JSON.stringify({ allowNoExpiry: true, retentionDays: 30 }),
  flusherRoleArn: 'arn:aws:iam::111111111111:role/PatService-Flusher',
  stageRegistryPath: '/pat-service/PatService/Service/authorizer-stages',
};

describe('published verification settings', () => {
  let template: Template;
  let service: PatServiceStack;

  beforeAll(() => {
    service = new PatServiceStack(freshApp(), 'PatService', {
      env: serviceEnv,
      settings: { catalogue: exampleCatalogue, policy: { allowNoExpiry: true, maxLifetimeDays: 365 } },
      webConsole: false,
    });
    template = Template.fromStack(service);
  }, 60_000);

  it('writes every setting a consumer needs under one SSM path, and names the path in an output', () => {
    const parameters = Object.values(template.findResources('AWS::SSM::Parameter'))
      .map((resource) => resource.Properties.Name as string)
      .filter((name) => name.startsWith(`${path}/`))
      .sort();

    expect(parameters).toEqual(
      Object.values(verificationParameters)
        .map((name) => `${path}/${name}`)
        .sort(),
    );
    template.hasOutput('VerificationParameterPath', { Value: path });
  });

  it('publishes the catalogue and only the policy fields an authorizer reads', () => {
    template.hasResourceProperties('AWS::SSM::Parameter', { Name: `${path}/catalogue`, Value: JSON.stringify(exampleCatalogue) });
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: `${path}/policy`,
      Value: JSON.stringify({ allowNoExpiry: true, retentionDays: 30 }),
    });
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: `${path}/table-arn`,
      Value: { 'Fn::GetAtt': [logicalIdOf(service.service.table), 'Arn'] },
    });
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: `${path}/flusher-role-arn`,
      Value: { 'Fn::GetAtt': [logicalIdOf(service.service.authorizerCacheFlusher.handler.role), 'Arn'] },
    });
  });
});

describe('importTokenVerification.fromParameters', () => {
  it('builds the authorizer from the looked-up values: table, keys, issuer, catalogue, policy, stage flusher', () => {
    const app = freshApp(contextFor(serviceEnv, published));
    const stack = new Stack(app, 'Consumer', { env: serviceEnv });
    const verification = importTokenVerification.fromParameters(stack, 'Pat', { path });
    const api = new apigateway.RestApi(stack, 'Api');
    const tokens = new TokenAuthorizer(stack, 'Tokens', { api, verification });
    tokens.addMethod(api.root.resourceForPath('/api/candidates'), 'GET', new apigateway.MockIntegration());
    const template = Template.fromStack(stack);

    const variables = template.toJSON().Resources[logicalIdOf(tokens.function)].Properties.Environment.Variables;
    expect(variables).toMatchObject({
      TOKEN_ISSUER: published.issuer,
      KMS_KEY_IDS: published.signingKeyArn,
      SCOPE_CATALOGUE: published.catalogue,
      TOKEN_POLICY: JSON.stringify({ allowNoExpiry: true, retentionDays: 30 }),
      PROTECTED_ROUTES: JSON.stringify([{ method: 'GET', resource: '/api/candidates', scope: 'candidates:read' }]),
    });
    // The stage registered with the service's flusher, which may flush it: the 5 s bound.
    const registrations = Object.values(template.findResources('AWS::SSM::Parameter')).filter((resource) =>
      JSON.stringify(resource.Properties.Name).includes(`${published.stageRegistryPath}/`),
    );
    expect(registrations).toHaveLength(1);
    template.hasResourceProperties('AWS::IAM::Policy', { Roles: ['PatService-Flusher'] });
    expect(tokens.revocationBound.toSeconds()).toBe(5);
  });

  it('lets the first synth (lookups pending) through with stand-ins, reporting the lookups the CLI must make', () => {
    const app = freshApp();
    const stack = new Stack(app, 'Consumer', { env: serviceEnv });
    const verification = importTokenVerification.fromParameters(stack, 'Pat', { path });
    const api = new apigateway.RestApi(stack, 'Api');
    const tokens = new TokenAuthorizer(stack, 'Tokens', { api, verification });

    // A scope from the real catalogue only: unknown until the lookup, not an error now.
    tokens.addMethod(api.root.resourceForPath('/api/candidates'), 'GET', new apigateway.MockIntegration());
    const missing = app.synth().manifest.missing ?? [];

    expect(missing.map((entry) => (entry.props as { parameterName: string }).parameterName).sort()).toEqual(
      Object.values(verificationParameters)
        .map((name) => `${path}/${name}`)
        .sort(),
    );
  });

  it('reads by ARN from the service account and warns that no stage flusher reaches another account, naming the bound', () => {
    const consumerEnv = { account: '222222222222', region: 'eu-west-1' };
    const byArn = (name: string) => `arn:aws:ssm:eu-west-1:111111111111:parameter${name}`;
    const app = freshApp(contextFor(consumerEnv, published, byArn));
    const stack = new Stack(app, 'Consumer', { env: consumerEnv });
    const verification = importTokenVerification.fromParameters(stack, 'Pat', { path, serviceAccount: '111111111111' });
    const api = new apigateway.RestApi(stack, 'Api');
    new TokenAuthorizer(stack, 'Tokens', { api, verification }).addMethod(
      api.root.resourceForPath('/api/jobs'),
      'GET',
      new apigateway.MockIntegration(),
    );

    expect(verification.revocation).toBeUndefined();
    expect(verification.table.tableArn).toBe(published.tableArn);
    Annotations.fromStack(stack).hasWarning(
      '/Consumer',
      Match.stringLikeRegexp('cannot flush.*within its resultCache \\(20 s by default\\)'),
    );
  });
});

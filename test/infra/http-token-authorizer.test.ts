import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { exampleCatalogue } from '../../functions/domain/routes';
import { HttpTokenAuthorizer } from '../../infra/constructs/http-token-authorizer';
import { importTokenVerification, TokenAuthorizer } from '../../infra/constructs/token-authorizer';
import { grantsOf, logicalIdOf, testApp } from './synth';

const cleanups: Array<() => void> = [];
afterAll(() => cleanups.forEach((cleanup) => cleanup()));

const env = { account: '222222222222', region: 'eu-west-1' };
const tableArn = 'arn:aws:dynamodb:eu-west-1:111111111111:table/pat-tokens';
const signingKeyArn = 'arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555';

function consumer(props: { resultCache?: Duration; nag?: boolean } = {}) {
  const test = testApp();
  cleanups.push(test.cleanup);
  if (props.nag) Validations.of(test.app).addPlugins(new AwsSolutionsChecks(test.app));
  const stack = new Stack(test.app, 'Consumer', { env });
  const verification = importTokenVerification(stack, 'Pat', {
    tableArn,
    signingKeyArn,
    issuer: 'https://pat.example',
    catalogue: exampleCatalogue,
  });
  const api = new apigwv2.HttpApi(stack, 'Api', { createDefaultStage: true });
  const backend = new lambda.Function(stack, 'Backend', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ ok: true })'),
  });
  const tokens = new HttpTokenAuthorizer(stack, 'Tokens', { api, verification, resultCache: props.resultCache });
  return { app: test.app, stack, api, tokens, integration: new HttpLambdaIntegration('Backend', backend) };
}

describe('HttpTokenAuthorizer', () => {
  it('is a payload 2.0 Lambda authorizer with simple responses, cached per token, source IP and route key for 4 s (a 5 s bound)', () => {
    const { stack, tokens, integration } = consumer();
    tokens.addRoutes({ path: '/api/candidates', methods: [apigwv2.HttpMethod.GET], integration });

    Template.fromStack(stack).hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
      IdentitySource: ['$request.header.Authorization', '$context.identity.sourceIp', '$context.routeKey'],
      AuthorizerResultTtlInSeconds: 4,
    });
    expect(tokens.revocationBound.toSeconds()).toBe(5);
  });

  it('says at synth time that the result TTL is the bound, since an HTTP API cannot be flushed', () => {
    const { stack, tokens, integration } = consumer({ resultCache: Duration.seconds(2) });
    tokens.addRoutes({ path: '/api/jobs', methods: [apigwv2.HttpMethod.GET], integration });

    Annotations.fromStack(stack).hasInfo('/Consumer/Tokens', Match.stringLikeRegexp('cannot flush.*within 3 s \\(result cache 2 s'));
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { AuthorizerResultTtlInSeconds: 2 });
  });

  it('guards every added route with the authorizer and lists each with its scope in PROTECTED_ROUTES', () => {
    const { stack, tokens, integration } = consumer();
    tokens.addRoutes({ path: '/api/candidates/{id}', methods: [apigwv2.HttpMethod.GET, apigwv2.HttpMethod.DELETE], integration });
    tokens.addRoutes({ path: '/api/jobs', methods: [apigwv2.HttpMethod.POST], integration, scope: 'jobs:write' });
    const template = Template.fromStack(stack);

    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((r) => ({
      key: r.Properties.RouteKey,
      type: r.Properties.AuthorizationType,
    }));
    expect(routes.sort((a, b) => a.key.localeCompare(b.key))).toEqual([
      { key: 'DELETE /api/candidates/{id}', type: 'CUSTOM' },
      { key: 'GET /api/candidates/{id}', type: 'CUSTOM' },
      { key: 'POST /api/jobs', type: 'CUSTOM' },
    ]);
    const variables = template.toJSON().Resources[logicalIdOf(tokens.function)].Properties.Environment.Variables;
    expect(JSON.parse(variables.PROTECTED_ROUTES)).toEqual([
      { method: 'GET', resource: '/api/candidates/{id}', scope: 'candidates:read' },
      { method: 'DELETE', resource: '/api/candidates/{id}', scope: 'candidates:delete' },
      { method: 'POST', resource: '/api/jobs', scope: 'jobs:write' },
    ]);
    expect(variables).toMatchObject({ RESULT_CACHE_SECONDS: '4', REVOCATION_FEED: 'on' });
  });

  it.each([
    [
      'a scope of an area outside the catalogue',
      { path: '/api/jobs', methods: [apigwv2.HttpMethod.GET], scope: 'payroll:read' },
      /not in the catalogue/,
    ],
    ['a malformed scope', { path: '/api/jobs', methods: [apigwv2.HttpMethod.GET], scope: 'jobs' }, /not of the form/],
    ['a path no scope derives from', { path: '/health', methods: [apigwv2.HttpMethod.GET] }, /no scope can be derived/],
    ['ANY', { path: '/api/jobs', methods: [apigwv2.HttpMethod.ANY] }, /only GET, HEAD/],
    ['no methods (ANY)', { path: '/api/jobs' }, /name the methods/],
    ['a greedy path variable', { path: '/api/{proxy+}', methods: [apigwv2.HttpMethod.GET] }, /greedy/],
  ])('refuses %s at synth time, naming the route', (_name, options, message) => {
    const { tokens, integration } = consumer();

    expect(() => tokens.addRoutes({ ...options, integration })).toThrow(message);
  });

  it('authorizer role: the REST authorizer grants minus the feed `due` writes (nothing flushes an HTTP API)', () => {
    const { stack, tokens, integration } = consumer();
    tokens.addRoutes({ path: '/api/jobs', methods: [apigwv2.HttpMethod.GET], integration });

    expect(
      grantsOf(Template.fromStack(stack), logicalIdOf(tokens.function.role!), {
        [logicalIdOf(tokens.node.findChild('Handler').node.findChild('Logs'))]: 'OwnLogs',
      }),
    ).toEqual(
      [
        `dynamodb:BatchGetItem ${tableArn}`,
        `dynamodb:GetItem ${tableArn}`,
        `dynamodb:Query ${tableArn}`,
        `dynamodb:UpdateItem ${tableArn}`,
        `dynamodb:UpdateItem ${tableArn}`,
        `kms:GetPublicKey ${signingKeyArn}`,
        'logs:CreateLogStream OwnLogs',
        'logs:PutLogEvents OwnLogs',
        'xray:PutTelemetryRecords *',
        'xray:PutTraceSegments *',
      ].sort(),
    );
  });

  it("grantVerify: a consumer's own function may read tokens, families and the feed and write the verifier's bookkeeping; no KMS, no other write", () => {
    const { stack, tokens } = consumer();
    const own = new lambda.Function(stack, 'Verified', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({ ok: true })'),
    });
    tokens.grantVerify(own);
    const template = Template.fromStack(stack);

    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: logicalIdOf(own.role!) }]))
      .flatMap(
        (policy) => policy.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown; Condition?: any }>,
      );
    const grants = statements.flatMap((statement) => [statement.Action].flat().map((action) => `${action} ${String(statement.Resource)}`));
    expect(grants.sort()).toEqual(
      [
        `dynamodb:BatchGetItem ${tableArn}`,
        `dynamodb:GetItem ${tableArn}`,
        `dynamodb:Query ${tableArn}`,
        `dynamodb:UpdateItem ${tableArn}`,
        `dynamodb:UpdateItem ${tableArn}`,
      ].sort(),
    );
    const conditionOf = (action: string) =>
      statements.filter((statement) => [statement.Action].flat().includes(action)).map((s) => s.Condition);
    // The feed's partitions only; the updates held to lastUsedAt and the denial counter.
    expect(conditionOf('dynamodb:Query')).toEqual([
      { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': 'FEED#*' }, Null: { 'dynamodb:LeadingKeys': 'false' } },
    ]);
    expect(
      conditionOf('dynamodb:UpdateItem')
        .map((condition) => condition['ForAllValues:StringLike']['dynamodb:LeadingKeys'])
        .sort(),
    ).toEqual(['AUDIT#denied-*', 'TOKEN#*']);
  });

  it('grantVerify on the REST authorizer grants the same', () => {
    const { stack, tokens } = consumer();
    const restApi = new apigateway.RestApi(stack, 'RestApi');
    const rest = new TokenAuthorizer(stack, 'RestTokens', {
      api: restApi,
      verification: importTokenVerification(stack, 'Pat2', {
        tableArn,
        signingKeyArn,
        issuer: 'https://pat.example',
        catalogue: exampleCatalogue,
      }),
    });
    rest.addMethod(restApi.root.resourceForPath('/api/jobs'), 'GET', new apigateway.MockIntegration());
    const [viaHttp, viaRest] = ['ViaHttp', 'ViaRest'].map(
      (id) => new iam.Role(stack, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }),
    );
    tokens.grantVerify(viaHttp!);
    rest.grantVerify(viaRest!);
    const template = Template.fromStack(stack);
    const documentOf = (role: iam.Role) =>
      Object.values(template.findResources('AWS::IAM::Policy')).find(
        (policy) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: logicalIdOf(role) }]),
      )!.Properties.PolicyDocument;

    expect(documentOf(viaRest!)).toEqual(documentOf(viaHttp!));
  });

  it('adds no cdk-nag finding of its own', () => {
    const { app, stack, tokens, integration } = consumer({ nag: true });
    tokens.addRoutes({ path: '/api/jobs', methods: [apigwv2.HttpMethod.GET], integration });
    // The consumer's own API and backend, not this construct's: what a consumer decides for itself.
    for (const id of [
      'AwsSolutions-APIG1',
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'AwsSolutions-L1',
    ])
      Validations.of(stack.node.findChild('Api')).acknowledge({
        id,
        reason: 'The test consumer API and its backend are not under test here.',
      });
    Validations.of(stack.node.findChild('Backend')).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'The test consumer backend is not under test here.',
    });
    Validations.of(stack.node.findChild('Backend')).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'The test consumer backend is not under test here.',
    });

    expect(() => app.synth()).not.toThrow();
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../infra/constructs/service-function';
import { tableIndexes, TTL_ATTRIBUTE } from '../../functions/adapters/dynamodb/table-layout';
import { type HandlerSpec, serviceHandlers } from '../../infra/handlers';
import { exampleCatalogue } from '../../functions/domain/routes';
import { PatServiceStack, type PatServiceStackProps } from '../../infra/pat-service-stack';
import { logicalIdOf, methodsOf, withServiceStack, testApp } from './synth';

// One synth for the whole file: the app exactly as `cdk synth` builds it (cdk-nag included).
let stack: PatServiceStack;
let template: Template;
withServiceStack((synthesized) => ({ stack, template } = synthesized));
const cleanups: Array<() => void> = [];
afterAll(() => cleanups.forEach((clean) => clean()));

const resourceOf = (construct: Parameters<typeof logicalIdOf>[0]) => template.toJSON().Resources[logicalIdOf(construct)];

describe('token table', () => {
  it('is on demand, keyed pk/sk, with the indexes the store queries', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: Object.entries(tableIndexes).map(([name, keys]) => ({
        IndexName: name,
        KeySchema: [
          { AttributeName: keys.partitionKey, KeyType: 'HASH' },
          { AttributeName: keys.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    });
  });

  it('expires records on the attribute the store writes', () => {
    expect(TTL_ATTRIBUTE).toBe('ttl');
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
    });
  });

  it('has point-in-time recovery and deletion protection, and is retained with the stack gone', () => {
    const table = resourceOf(stack.service.table);

    expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table.Properties.DeletionProtectionEnabled).toBe(true);
    expect([table.DeletionPolicy, table.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
  });
});

describe('signing key', () => {
  it('is an ECC_NIST_P256 signing key, retained, with an alias', () => {
    const key = resourceOf(stack.service.signingKeys.signingKey);

    expect(key.Type).toBe('AWS::KMS::Key');
    expect(key.Properties).toMatchObject({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    expect([key.DeletionPolicy, key.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
    template.hasResourceProperties('AWS::KMS::Alias', {
      AliasName: 'alias/PatService/token-signing',
      TargetKeyId: { 'Fn::GetAtt': [logicalIdOf(stack.service.signingKeys.signingKey), 'Arn'] },
    });
  });
});

describe('functions', () => {
  it('run Node.js 22 on arm64, one per handler and the stage flusher, with X-Ray tracing', () => {
    const serviceFunctions = [...Object.values(stack.service.functions), stack.service.authorizerCacheFlusher.handler].map((fn) =>
      logicalIdOf(fn.function),
    );
    const functions = template.findResources('AWS::Lambda::Function');

    // The only other function is CDK's, which copies the web console into its bucket at deploy time.
    expect(Object.keys(functions).filter((id) => !serviceFunctions.includes(id))).toEqual([
      expect.stringMatching(/^CustomCDKBucketDeployment/),
    ]);
    for (const fn of serviceFunctions.map((id) => functions[id]!)) {
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' } });
    }
  });

  it('load the same validated configuration from their environment', () => {
    const environment = resourceOf(stack.service.functions.createToken.function).Properties.Environment.Variables;

    expect(environment).toMatchObject({
      SIGNER: 'kms',
      KMS_KEY_IDS: { 'Fn::GetAtt': [logicalIdOf(stack.service.signingKeys.signingKey), 'Arn'] },
      TABLE_NAME: { Ref: logicalIdOf(stack.service.table) },
      NODE_OPTIONS: '--enable-source-maps',
    });
    expect(JSON.parse(environment.SCOPE_CATALOGUE).map((area: { name: string }) => area.name)).toEqual([
      'candidates',
      'candidates/documents',
      'jobs',
      'assessments',
    ]);
    expect(environment.TOKEN_ISSUER).toEqual({
      'Fn::Join': [
        '',
        [
          'https://',
          { Ref: logicalIdOf(stack.service.restApi) },
          '.execute-api.',
          { Ref: 'AWS::Region' },
          '.',
          { Ref: 'AWS::URLSuffix' },
          '/prod',
        ],
      ],
    });
  });
  it("accept ID tokens of the service's own app clients only (API client and console client: the aud check)", () => {
    const expected = {
      'Fn::Join': [
        '',
        [{ Ref: logicalIdOf(stack.service.users.userPoolClient) }, ',', { Ref: logicalIdOf(stack.service.webConsole!.client) }],
      ],
    };
    for (const fn of Object.values(stack.service.functions)) {
      expect(resourceOf(fn.function).Properties.Environment.Variables.APP_CLIENT_IDS).toEqual(expected);
    }
  });
});

describe('REST API', () => {
  const cognito = () => ({ Ref: logicalIdOf(stack.node.findChild('Service').node.findChild('UserAuthorizer')) });

  it('guards every management route with the Cognito authorizer; only refresh, leak reports, JWKS, self and OAuth are public', () => {
    const methods = methodsOf(template).map((m) => {
      const guard =
        m.authorizationType === 'COGNITO_USER_POOLS' && JSON.stringify(m.authorizerId) === JSON.stringify(cognito())
          ? 'cognito'
          : m.authorizationType;
      return `${m.httpMethod} ${m.path} ${guard}`;
    });

    expect(methods.sort()).toEqual(
      [
        'GET /scopes cognito',
        'GET /policy cognito',
        'GET /tokens cognito',
        'POST /tokens cognito',
        'GET /tokens/{id} cognito',
        'DELETE /tokens/{id} cognito',
        'GET /tokens/{id}/audit cognito',
        'GET /audit cognito',
        'PATCH /tokens/{id} cognito',
        'POST /tokens/{id}/approve cognito',
        'POST /tokens/{id}/reject cognito',
        'POST /tokens/{id}/regenerate cognito',
        'PUT /tenant/policy cognito',
        'POST /tenant/revoke-outside-policy cognito',
        'GET /openapi.json NONE',
        'POST /tokens/refresh NONE',
        'POST /tokens/revoke-leaked NONE',
        'GET /.well-known/jwks.json NONE',
        'GET /tokens/self NONE',
        'POST /oauth2/token NONE',
        'POST /oauth2/revoke NONE',
        'GET /.well-known/oauth-authorization-server NONE',
        'POST /secret-scanning/github NONE',
      ].sort(),
    );
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'COGNITO_USER_POOLS',
      IdentitySource: 'method.request.header.Authorization',
      ProviderARNs: [{ 'Fn::GetAtt': [logicalIdOf(stack.service.users.userPool), 'Arn'] }],
    });
  });

  it('throttles the public POST routes (refresh, leak reports) below the rest of the API', () => {
    const stage = Object.values(template.findResources('AWS::ApiGateway::Stage'))[0]!;
    const settings = stage.Properties.MethodSettings as Array<Record<string, unknown>>;

    expect(settings).toContainEqual(
      expect.objectContaining({
        HttpMethod: 'POST',
        ResourcePath: '/~1tokens~1refresh',
        ThrottlingRateLimit: 10,
        ThrottlingBurstLimit: 20,
      }),
    );
    expect(settings).toContainEqual(
      expect.objectContaining({
        HttpMethod: 'POST',
        ResourcePath: '/~1tokens~1revoke-leaked',
        ThrottlingRateLimit: 10,
        ThrottlingBurstLimit: 20,
      }),
    );
    expect(settings).toContainEqual(
      expect.objectContaining({
        HttpMethod: '*',
        ResourcePath: '/*',
        ThrottlingRateLimit: 50,
        ThrottlingBurstLimit: 100,
        LoggingLevel: 'ERROR',
        DataTraceEnabled: false,
      }),
    );
  });

  it('writes JSON access logs and traces with X-Ray', () => {
    const stage = Object.values(template.findResources('AWS::ApiGateway::Stage'))[0]!;

    expect(stage.Properties.TracingEnabled).toBe(true);
    expect(JSON.parse(stage.Properties.AccessLogSetting.Format)).toMatchObject({
      requestId: '$context.requestId',
      sourceIp: '$context.identity.sourceIp',
      status: '$context.status',
      authorizerError: '$context.authorizer.error',
    });
    expect(JSON.stringify(stage.Properties.AccessLogSetting.DestinationArn)).toContain(
      `{"Ref":"${logicalIdOf(stack.service.apiAccessLogs)}"}`,
    );
  });

  it("answers API Gateway's own errors in the service's error shape", () => {
    const responses = Object.fromEntries(
      Object.values(template.findResources('AWS::ApiGateway::GatewayResponse')).map(({ Properties: p }) => [
        p.ResponseType,
        { status: p.StatusCode, body: JSON.parse(p.ResponseTemplates['application/json'].replace('$context.error.messageString', '"…"')) },
      ]),
    );

    expect(responses.UNAUTHORIZED).toEqual({ status: '401', body: { error: { code: 'unauthorized', message: expect.any(String) } } });
    expect(responses.ACCESS_DENIED).toEqual({ status: '403', body: { error: { code: 'forbidden', message: expect.any(String) } } });
    expect(responses.AUTHORIZER_FAILURE).toEqual({ status: '503', body: { error: { code: 'unavailable', message: expect.any(String) } } });
    expect(responses.AUTHORIZER_CONFIGURATION_ERROR).toEqual({
      status: '503',
      body: { error: { code: 'unavailable', message: expect.any(String) } },
    });
    expect(responses.THROTTLED).toEqual({ status: '429', body: { error: { code: 'too_many_requests', message: expect.any(String) } } });
    expect(responses.DEFAULT_4XX).toEqual({ status: undefined, body: { error: { code: 'invalid_request', message: '…' } } });
    expect(responses.DEFAULT_5XX).toEqual({ status: undefined, body: { error: { code: 'internal', message: expect.any(String) } } });
  });
});

describe('per-client limit on the public routes (WAF)', () => {
  it('associates a regional web ACL with the stage by default', () => {
    const stage = Object.keys(template.findResources('AWS::ApiGateway::Stage'))[0]!;

    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([{ Ref: stage }])]) }),
      WebACLArn: { 'Fn::GetAtt': [logicalIdOf(stack.service.rateLimit!.webAcl), 'Arn'] },
    });
    expect(resourceOf(stack.service.rateLimit!.webAcl).Properties).toMatchObject({ Scope: 'REGIONAL', DefaultAction: { Allow: {} } });
  });

  it('blocks one source IP past 100 requests in 5 minutes on the public throttled routes only, answering 429', () => {
    const rules = resourceOf(stack.service.rateLimit!.webAcl).Properties.Rules as Array<Record<string, any>>;
    const transformations = [
      { Priority: 0, Type: 'URL_DECODE' },
      { Priority: 1, Type: 'NORMALIZE_PATH' },
    ];

    expect(rules).toHaveLength(1);
    expect(rules[0]!.Action).toEqual({ Block: { CustomResponse: { ResponseCode: 429, CustomResponseBodyKey: 'tooManyRequests' } } });
    expect(rules[0]!.Statement.RateBasedStatement).toEqual({
      AggregateKeyType: 'IP',
      Limit: 100,
      EvaluationWindowSec: 300,
      ScopeDownStatement: {
        OrStatement: {
          Statements: [
            '/tokens/refresh',
            '/tokens/revoke-leaked',
            '/tokens/self',
            '/oauth2/token',
            '/oauth2/revoke',
            '/secret-scanning/github',
          ].map((path) => ({
            ByteMatchStatement: {
              FieldToMatch: { UriPath: {} },
              PositionalConstraint: 'ENDS_WITH',
              SearchString: path,
              TextTransformations: transformations,
            },
          })),
        },
      },
    });
  });

  it('takes your own web ACL instead, or none (wafRateLimit: false); refuses a limit WAF would not accept', () => {
    const build = (props: Partial<PatServiceStackProps>) => {
      const test = testApp({ checks: 'nag' });
      cleanups.push(test.cleanup);
      return new PatServiceStack(test.app, 'Options', { settings: { catalogue: exampleCatalogue }, webConsole: false, ...props });
    };
    const own = 'arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/mine/0f6b8e1e-0000-4000-8000-000000000000';

    const withOwn = Template.fromStack(build({ webAclArn: own }));
    const withNone = Template.fromStack(build({ wafRateLimit: false }));

    expect(withOwn.findResources('AWS::WAFv2::WebACL')).toEqual({});
    withOwn.hasResourceProperties('AWS::WAFv2::WebACLAssociation', { WebACLArn: own });
    expect([withNone.findResources('AWS::WAFv2::WebACL'), withNone.findResources('AWS::WAFv2::WebACLAssociation')]).toEqual([{}, {}]);
    expect(() => build({ wafRateLimit: { limit: 5 } })).toThrow(/wafRateLimit.limit must be a whole number from 10/);
  });
});

describe('expiry notifications', () => {
  it('run notify-expiring daily, announcing at 30, 7 and 1 days', () => {
    const fn = stack.service.functions.notifyExpiring.function;

    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(0 6 * * ? *)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalIdOf(fn), 'Arn'] } })],
    });
    expect(stack.service.functions.notifyExpiring.environmentVariables).toMatchObject({
      NOTIFY_HORIZONS_DAYS: '30,7,1',
      EVENT_BUS_NAME: 'default',
    });
  });
});

describe('user pool', () => {
  it('has an immutable tenant attribute that users cannot write, and no self sign-up', () => {
    const pool = resourceOf(stack.service.users.userPool);
    const client = resourceOf(stack.service.users.userPoolClient);

    expect(pool.Properties.Schema).toContainEqual(expect.objectContaining({ Name: 'tenant', AttributeDataType: 'String', Mutable: false }));
    expect(pool.Properties.AdminCreateUserConfig).toEqual({ AllowAdminCreateUserOnly: true });
    expect(pool.Properties.MfaConfiguration).toBe('ON');
    expect([pool.DeletionPolicy, pool.Properties.DeletionProtection]).toEqual(['Retain', 'ACTIVE']);
    expect(client.Properties.ReadAttributes).toContain('custom:tenant');
    expect(client.Properties.WriteAttributes).not.toContain('custom:tenant');
    expect(client.Properties.GenerateSecret).toBe(false);
  });

  it('has the admin group', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: 'pat-admins' });
  });
});

describe('outputs', () => {
  it('name the API, the JWKS, the user pool and client, the table, the key, the console, and what another app needs for stage flushes', () => {
    expect(
      Object.keys(template.toJSON().Outputs)
        .filter((name) => !name.startsWith('PublishOutput') && !name.startsWith('ServiceApi'))
        .sort(),
    ).toEqual([
      'ApiUrl',
      'AuthorizerCacheFlusherRoleArn',
      'AuthorizerStageRegistryPath',
      'ConsoleUrl',
      'Issuer',
      'JwksUrl',
      'SigningKeyArn',
      'TokenTableArn',
      'UserPoolClientId',
      'UserPoolId',
      'VerificationParameterPath',
    ]);
    const outputs = template.toJSON().Outputs;
    expect(outputs.AuthorizerCacheFlusherRoleArn.Value).toEqual({
      'Fn::GetAtt': [logicalIdOf(stack.service.authorizerCacheFlusher.handler.role), 'Arn'],
    });
    expect(outputs.AuthorizerStageRegistryPath.Value).toBe(stack.service.authorizerCacheFlusher.registryPath);
    expect(outputs.VerificationParameterPath.Value).toBe(stack.service.publishedVerification.path);
  });
});

// What the lineage needs from the deployment.
describe('interrupted family sweeps', () => {
  it('are finished by a scheduled function (SPEC: no member is left active)', () => {
    const scheduled = (Object.values(serviceHandlers) as HandlerSpec[]).filter((spec) => spec.scheduled);
    const sources = scheduled.map((spec) => readFileSync(join(projectRoot, 'functions', 'handlers', `${spec.entry}.ts`), 'utf8'));

    expect(sources.some((source) => source.includes('resumePendingSweeps'))).toBe(true);
  });
});

import { Duration, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleApiRoutes, exampleCatalogue, resolveRoutes } from '../../functions/domain/routes';
import type { ExampleApiStack } from '../../infra/example-api-stack';
import { importTokenVerification, TokenAuthorizer, type TokenVerification } from '../../infra/constructs/token-authorizer';
import type { PatServiceStack } from '../../infra/pat-service-stack';
import { buildApp } from '../../infra/service-app';
import { grantsOf, logicalIdOf, methodsOf, testApp } from './synth';

// One synth for the file: the service and the example consumer, as `cdk synth` builds them.
let service: PatServiceStack;
let example: ExampleApiStack;
let template: Template;
let cleanup: () => void;

beforeAll(() => {
  const test = testApp();
  cleanup = test.cleanup;
  ({ service, example } = buildApp(test.app) as { service: PatServiceStack; example: ExampleApiStack });
  template = Template.fromStack(example);
}, 60_000);
afterAll(() => cleanup());

describe('the example consumer API', () => {
  it('guards every example method with the token authorizer', () => {
    const authorizer = { Ref: logicalIdOf(example.authorizer.authorizer) };
    const methods = methodsOf(template);

    expect(methods.map((m) => `${m.httpMethod} ${m.path}`).sort()).toEqual(exampleApiRoutes.map((r) => `${r.method} ${r.resource}`).sort());
    for (const method of methods)
      expect({ type: method.authorizationType, authorizer: method.authorizerId }).toEqual({ type: 'CUSTOM', authorizer });
  });

  it("lists every protected method in the authorizer's PROTECTED_ROUTES, with the scopes the local front uses", () => {
    const environment = template.toJSON().Resources[logicalIdOf(example.authorizer.function)].Properties.Environment.Variables;

    expect(JSON.parse(environment.PROTECTED_ROUTES)).toEqual(resolveRoutes(exampleApiRoutes, exampleCatalogue));
    expect(environment).toMatchObject({ STATUS_CACHE_SECONDS: '10', SIGNER: 'kms' });
  });

  it('is a REQUEST authorizer keyed by the Authorization header and the source IP, caching 300 s (the stage flusher keeps the bound at 5 s)', () => {
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'REQUEST',
      IdentitySource: 'method.request.header.Authorization,context.identity.sourceIp',
      AuthorizerResultTtlInSeconds: 300,
    });
    expect(example.authorizer.revocationBound.toSeconds()).toBe(5);
  });

  it('authorizer: reads token and family records, updates only its own bookkeeping, fetches public keys, never signs', () => {
    const names = {
      [logicalIdOf(service.service.table)]: 'TokenTable',
      [logicalIdOf(service.service.signingKeys.signingKey)]: 'SigningKey',
      [logicalIdOf(example.authorizer.node.findChild('Handler').node.findChild('Logs'))]: 'OwnLogs',
    };

    expect(grantsOf(template, logicalIdOf(example.authorizer.function.role!), names)).toEqual(
      [
        'dynamodb:BatchGetItem TokenTable',
        'dynamodb:GetItem TokenTable',
        'dynamodb:Query TokenTable', // the revocation feed's FEED# partitions only (test/infra/revocation.test.ts)
        'dynamodb:UpdateItem TokenTable', // lastUsedAt on token items (conditions below)
        'dynamodb:UpdateItem TokenTable', // the hourly denial counter (conditions below)
        'dynamodb:UpdateItem TokenTable', // `due` entries of the revocation feed (conditions below)
        'kms:GetPublicKey SigningKey',
        'logs:CreateLogStream OwnLogs',
        'logs:PutLogEvents OwnLogs',
        'xray:PutTelemetryRecords *',
        'xray:PutTraceSegments *',
      ].sort(),
    );
  });

  describe('authorizer table statements', () => {
    const statements = () =>
      Object.values(template.findResources('AWS::IAM::Policy'))
        .filter(
          (policy) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: logicalIdOf(example.authorizer.function.role!) }]),
        )
        .flatMap(
          (policy) => policy.Properties.PolicyDocument.Statement as Array<{ Sid?: string; Action: string | string[]; Condition?: unknown }>,
        )
        .filter((statement) => [statement.Action].flat().some((action) => action.startsWith('dynamodb:')));

    it('reads (GetItem, BatchGetItem) without conditions, and only reads', () => {
      const reads = statements().filter((statement) => statement.Sid === 'TokenTableItems');

      expect(reads.map((statement) => [statement.Action].flat().sort())).toEqual([['dynamodb:BatchGetItem', 'dynamodb:GetItem']]);
      expect(reads[0]!.Condition).toBeUndefined();
    });

    it('updates token items on lastUsedAt and lastUsedIps only, returning nothing', () => {
      const update = statements().find((statement) => statement.Sid === 'TokenLastUse');

      expect(update).toEqual(
        expect.objectContaining({
          Action: 'dynamodb:UpdateItem',
          Condition: {
            'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': 'TOKEN#*' },
            'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['pk', 'sk', 'lastUsedAt', 'lastUsedIps'] },
            StringEqualsIfExists: { 'dynamodb:ReturnValues': 'NONE' },
            Null: { 'dynamodb:LeadingKeys': 'false', 'dynamodb:Attributes': 'false' },
          },
        }),
      );
    });

    it('updates the denial counters (AUDIT#denied-…) on the attributes recordDenial writes only', () => {
      const update = statements().find((statement) => statement.Sid === 'DeniedCounter');

      expect(update).toEqual(
        expect.objectContaining({
          Action: 'dynamodb:UpdateItem',
          Condition: {
            'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': 'AUDIT#denied-*' },
            'ForAllValues:StringEquals': {
              'dynamodb:Attributes': [
                'pk',
                'sk',
                'id',
                'at',
                'action',
                'tenant',
                'tokenId',
                'owner',
                'actor',
                'sourceIp',
                'gsi1pk',
                'gsi1sk',
                'gsi2pk',
                'gsi2sk',
                'gsi3pk',
                'gsi3sk',
                'ttl',
                'deniedCount',
                'deniedReasons',
              ],
            },
            StringEqualsIfExists: { 'dynamodb:ReturnValues': 'NONE' },
            Null: { 'dynamodb:LeadingKeys': 'false', 'dynamodb:Attributes': 'false' },
          },
        }),
      );
    });

    it('holds no unconditioned write, and no write attribute a token record needs kept (refreshKeyHash, scopes, status)', () => {
      const writes = statements().filter((statement) => [statement.Action].flat().some((action) => !/(GetItem|Query)$/.test(action)));
      const allowed = writes.flatMap(
        (statement) =>
          (statement.Condition as Record<string, Record<string, string[]>>)['ForAllValues:StringEquals']!['dynamodb:Attributes']!,
      );

      expect(writes.map((statement) => statement.Condition !== undefined)).toEqual([true, true, true]);
      for (const attribute of ['refreshKeyHash', 'scopes', 'status', 'state', 'allowedIps', 'expiresAt', 'revokedAt'])
        expect(allowed).not.toContain(attribute);
    });
  });

  it('lets only this API invoke the authorizer function', () => {
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'apigateway.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [logicalIdOf(example.authorizer.function), 'Arn'] },
    });
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission'));
    for (const permission of permissions) expect(JSON.stringify(permission.Properties.SourceArn)).toContain(logicalIdOf(example.api));
  });
});

describe('TokenAuthorizer.addMethod', () => {
  // Construction only, no synth and no bundling: these fail before anything is written.
  const cleanups: Array<() => void> = [];
  afterAll(() => cleanups.forEach((cleanup) => cleanup()));
  const fixture = () => {
    const test = testApp();
    cleanups.push(test.cleanup);
    const stack = new Stack(test.app, 'Consumer');
    const verification: TokenVerification = importTokenVerification(stack, 'Service', {
      tableArn: 'arn:aws:dynamodb:eu-west-1:111122223333:table/pat-tokens',
      signingKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/0f6b8e1e-0000-4000-8000-000000000000',
      issuer: 'https://tokens.example.com',
      catalogue: exampleCatalogue,
    });
    const api = new apigateway.RestApi(stack, 'Api');
    const tokens = new TokenAuthorizer(stack, 'Tokens', { api, verification, errorResponses: false });
    return { stack, api, tokens };
  };
  const mock = new apigateway.MockIntegration();

  it('derives the scope from the path, or takes the one declared', () => {
    const { api, tokens } = fixture();

    tokens.addMethod(api.root.resourceForPath('/v2/jobs/{id}'), 'delete', mock);
    tokens.addMethod(api.root.resourceForPath('/reports'), 'GET', mock, { scope: 'assessments:read' });

    expect(tokens.routes).toEqual([
      { method: 'DELETE', resource: '/v2/jobs/{id}', scope: 'jobs:delete' },
      { method: 'GET', resource: '/reports', scope: 'assessments:read' },
    ]);
  });

  it('refuses a path whose scope cannot be derived, naming the catalogue', () => {
    const { api, tokens } = fixture();

    expect(() => tokens.addMethod(api.root.resourceForPath('/invoices'), 'GET', mock)).toThrow(
      /GET \/invoices: no scope can be derived from the path \(catalogue areas: candidates, candidates\/documents, jobs, assessments\)/,
    );
  });

  it('refuses a declared scope outside the catalogue, or malformed', () => {
    const { api, tokens } = fixture();

    expect(() => tokens.addMethod(api.root.resourceForPath('/a'), 'GET', mock, { scope: 'invoices:read' })).toThrow(
      /"invoices:read" names an area that is not in the catalogue/,
    );
    expect(() => tokens.addMethod(api.root.resourceForPath('/b'), 'GET', mock, { scope: 'jobs:admin' })).toThrow(
      /"jobs:admin" is not of the form/,
    );
    expect(tokens.routes).toEqual([]);
  });

  it('refuses ANY, which no single scope covers', () => {
    const { api, tokens } = fixture();

    expect(() => tokens.addMethod(api.root.resourceForPath('/jobs'), 'ANY', mock)).toThrow(/add one method per verb instead of ANY/);
  });

  it('refuses a method of another API', () => {
    const { stack, tokens } = fixture();
    const other = new apigateway.RestApi(stack, 'Other');

    expect(() => tokens.addMethod(other.root.resourceForPath('/jobs'), 'GET', mock)).toThrow(/another REST API than this authorizer's/);
  });

  it('refuses cache TTLs API Gateway or the function would not accept', () => {
    const { stack, api } = fixture();
    const verification = importTokenVerification(stack, 'Again', {
      tableArn: 'arn:aws:dynamodb:eu-west-1:111122223333:table/pat-tokens',
      signingKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/0f6b8e1e-0000-4000-8000-000000000000',
      issuer: 'https://tokens.example.com',
      catalogue: exampleCatalogue,
    });

    expect(() => new TokenAuthorizer(stack, 'Long', { api, verification, resultCache: Duration.hours(2) })).toThrow(
      /resultCache must be a whole number of seconds between 0 and 3600 \(got 7200\)/,
    );
    expect(() => new TokenAuthorizer(stack, 'Fractional', { api, verification, statusCache: Duration.millis(1500) })).toThrow(
      /statusCache must be a whole number of seconds/,
    );
  });
});

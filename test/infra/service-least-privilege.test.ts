import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../functions/adapters/config';
import { secretDeriverOf } from '../../functions/adapters/key-ring';
import type { ServiceHandlerName } from '../../infra/handlers';
import type { PatServiceStack } from '../../infra/pat-service-stack';
import { grantsOf, logicalIdOf, withServiceStack } from './synth';

/**
 * Who may do what in the service stack: the keys' own policies, and each function's role, exactly
 * (service-stack.test.ts holds the rest of the stack). One synth for the whole file, as `cdk synth` builds it.
 */
let stack: PatServiceStack;
let template: Template;
withServiceStack((synthesized) => ({ stack, template } = synthesized));

const resourceOf = (construct: Parameters<typeof logicalIdOf>[0]) => template.toJSON().Resources[logicalIdOf(construct)];

describe('key policies: who may use the keys is named in the keys themselves', () => {
  type Statement = { Sid?: string; Effect: string; Action: string | string[]; Principal: { AWS: unknown } };
  const statementsOf = (key: Parameters<typeof logicalIdOf>[0]) => resourceOf(key).Properties.KeyPolicy.Statement as Statement[];
  const roleArn = (role: Parameters<typeof logicalIdOf>[0]) => ({ 'Fn::GetAtt': [logicalIdOf(role), 'Arn'] });
  const principalsOf = (statement: Statement) => [statement.Principal.AWS].flat();
  const accountRoot = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] };
  const cryptoActions = /^kms:(Sign|Verify|GenerateMac|VerifyMac|Encrypt|Decrypt|ReEncrypt.*|GenerateDataKey.*|CreateGrant|\*)$/;

  it('signing key: only the create, refresh (JSON and OAuth) and regenerate functions may Sign, named by role', () => {
    const signing = statementsOf(stack.service.signingKeys.signingKey).filter((statement) =>
      [statement.Action].flat().some((action) => /^kms:(Sign|\*)$/.test(action)),
    );

    expect(signing).toEqual([expect.objectContaining({ Sid: 'SignTokens', Effect: 'Allow', Action: 'kms:Sign' })]);
    const byJson = (values: unknown[]) => values.map((value) => JSON.stringify(value)).sort();
    expect(byJson(principalsOf(signing[0]!))).toEqual(
      byJson([
        roleArn(stack.service.functions.createToken.role),
        roleArn(stack.service.functions.refreshToken.role),
        roleArn(stack.service.functions.regenerateToken.role),
        roleArn(stack.service.functions.oauth.role),
      ]),
    );
  });

  it('signing key: the account administers it and reads its public key through IAM, but cannot sign or grant', () => {
    const forAccount = statementsOf(stack.service.signingKeys.signingKey).filter(
      (statement) => JSON.stringify(principalsOf(statement)) === JSON.stringify([accountRoot]),
    );
    const actions = forAccount.flatMap((statement) => [statement.Action].flat());

    expect(forAccount.map((statement) => statement.Sid)).toEqual(['KeyAdministration', 'VerifyThroughIam']);
    expect(actions).toContain('kms:PutKeyPolicy');
    expect(actions).toContain('kms:GetPublicKey');
    expect(actions.filter((action) => cryptoActions.test(action) || action.includes('*'))).toEqual([]);
  });

  it('refresh MAC key: HMAC_256 for GenerateMac, retained; only the refresh functions (JSON and OAuth) may GenerateMac', () => {
    const key = resourceOf(stack.service.refreshMacKey.key);
    const statements = statementsOf(stack.service.refreshMacKey.key);
    const using = statements.filter(
      (statement) => statement.Effect === 'Allow' && [statement.Action].flat().some((action) => cryptoActions.test(action)),
    );

    expect(key.Properties).toMatchObject({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    expect([key.DeletionPolicy, key.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
    expect(using).toEqual([expect.objectContaining({ Sid: 'DeriveRefreshSecrets', Action: 'kms:GenerateMac' })]);
    const byJson = (values: unknown[]) => values.map((value) => JSON.stringify(value)).sort();
    expect(byJson(principalsOf(using[0]!))).toEqual(
      byJson([roleArn(stack.service.functions.refreshToken.role), roleArn(stack.service.functions.oauth.role)]),
    );
  });

  it('both keys: no grant but one an AWS service makes for its own resource (CT.KMS.PR.3)', () => {
    for (const key of [stack.service.signingKeys.signingKey, stack.service.refreshMacKey.key]) {
      expect(statementsOf(key)).toContainEqual({
        Sid: 'GrantsOnlyForAwsServices',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'kms:CreateGrant',
        Resource: '*',
        Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
      });
    }
  });

  it('refresh MAC key: its ARN reaches the refresh functions (JSON and OAuth) as REFRESH_MAC_KEY_ID, and no other function', () => {
    const withMacKey = Object.entries(stack.service.functions)
      .filter(([, fn]) => 'REFRESH_MAC_KEY_ID' in fn.environmentVariables)
      .map(([name]) => name);

    expect(withMacKey).toEqual(['refreshToken', 'oauth']);
    expect(resourceOf(stack.service.functions.refreshToken.function).Properties.Environment.Variables.REFRESH_MAC_KEY_ID).toEqual({
      'Fn::GetAtt': [logicalIdOf(stack.service.refreshMacKey.key), 'Arn'],
    });
  });
});

describe('least privilege: each function may do exactly this', () => {
  const grants = (name: ServiceHandlerName) => {
    const fn = stack.service.functions[name];
    return grantsOf(template, logicalIdOf(fn.role), {
      [logicalIdOf(stack.service.table)]: 'TokenTable',
      [logicalIdOf(stack.service.signingKeys.signingKey)]: 'SigningKey',
      [logicalIdOf(stack.service.refreshMacKey.key)]: 'RefreshMacKey',
      [logicalIdOf(fn.logGroup)]: 'OwnLogs',
    });
  };
  const logsAndTracing = [
    'logs:CreateLogStream OwnLogs',
    'logs:PutLogEvents OwnLogs',
    'xray:PutTelemetryRecords *',
    'xray:PutTraceSegments *',
  ];

  it("catalog: reads the caller's tenant policy item, nothing else", () => {
    expect(grants('catalog')).toEqual(['dynamodb:GetItem TokenTable', ...logsAndTracing].sort());
  });

  it("create-token: reads and puts items, updates the owner's places (the cap), queries byOwner, signs", () => {
    expect(grants('createToken')).toEqual(
      [
        'dynamodb:BatchGetItem TokenTable',
        'dynamodb:GetItem TokenTable',
        'dynamodb:PutItem TokenTable',
        'dynamodb:UpdateItem TokenTable',
        'dynamodb:Query TokenTable/index/byOwner',
        'kms:GetPublicKey SigningKey',
        'kms:Sign SigningKey',
        ...logsAndTracing,
      ].sort(),
    );
  });

  it('read-tokens: reads items and queries the owner, tenant and family indexes (tokens and audit trail), nothing else', () => {
    expect(grants('readTokens')).toEqual(
      [
        'dynamodb:BatchGetItem TokenTable',
        'dynamodb:GetItem TokenTable',
        'dynamodb:Query TokenTable/index/byFamily',
        'dynamodb:Query TokenTable/index/byOwner',
        'dynamodb:Query TokenTable/index/byTenant',
        ...logsAndTracing,
      ].sort(),
    );
  });

  it('revoke-token: reads a record with its family, marks the family with its audit event, sweeps the members (Query byFamily); no key', () => {
    expect(grants('revokeToken')).toEqual(
      [
        'dynamodb:BatchGetItem TokenTable',
        'dynamodb:GetItem TokenTable',
        'dynamodb:PutItem TokenTable',
        'dynamodb:Query TokenTable/index/byFamily',
        'dynamodb:UpdateItem TokenTable',
        ...logsAndTracing,
      ].sort(),
    );
  });

  it('govern-tenant: tenant policy, approvals, edits and revoking what the policy no longer allows; never signs', () => {
    expect(grants('governTenant')).toEqual(
      [
        'dynamodb:BatchGetItem TokenTable',
        'dynamodb:GetItem TokenTable',
        'dynamodb:PutItem TokenTable',
        'dynamodb:Query TokenTable/index/byFamily',
        'dynamodb:Query TokenTable/index/byTenant',
        'dynamodb:UpdateItem TokenTable',
        ...logsAndTracing,
      ].sort(),
    );
  });

  it('regenerate-token: reads, rotates (update + puts), signs; derives no refresh secret', () => {
    expect(grants('regenerateToken')).toEqual(
      [
        'dynamodb:BatchGetItem TokenTable',
        'dynamodb:GetItem TokenTable',
        'dynamodb:PutItem TokenTable',
        'dynamodb:UpdateItem TokenTable',
        'kms:GetPublicKey SigningKey',
        'kms:Sign SigningKey',
        ...logsAndTracing,
      ].sort(),
    );
  });

  it('refresh-token: rotates (update + puts), queries byFamily, signs, derives refresh secrets', () => {
    expect(grants('refreshToken')).toEqual(
      [
        'dynamodb:GetItem TokenTable',
        'kms:GenerateMac RefreshMacKey',
        'dynamodb:PutItem TokenTable',
        'dynamodb:Query TokenTable/index/byFamily',
        'dynamodb:UpdateItem TokenTable',
        'kms:GetPublicKey SigningKey',
        'kms:Sign SigningKey',
        ...logsAndTracing,
      ].sort(),
    );
  });

  it('jwks: public keys only', () => {
    expect(grants('jwks')).toEqual(['kms:GetPublicKey SigningKey', ...logsAndTracing].sort());
  });

  it('revoke-leaked: reads, revokes with an audit event, verifies access tokens; never signs', () => {
    expect(grants('revokeLeaked')).toEqual(
      [
        'dynamodb:GetItem TokenTable',
        'dynamodb:PutItem TokenTable',
        'dynamodb:Query TokenTable/index/byFamily',
        'dynamodb:UpdateItem TokenTable',
        'kms:GetPublicKey SigningKey',
        ...logsAndTracing,
      ].sort(),
    );
  });

  it('notify-expiring: queries byExpiry, marks tokens notified, publishes to the default event bus, finishes interrupted sweeps; no key', () => {
    expect(grants('notifyExpiring')).toEqual(
      [
        'dynamodb:GetItem TokenTable',
        'dynamodb:Query TokenTable/index/byExpiry',
        'dynamodb:Query TokenTable/index/byFamily',
        'dynamodb:UpdateItem TokenTable',
        'events:PutEvents arn:AWS::Partition:events:AWS::Region:AWS::AccountId:event-bus/default',
        ...logsAndTracing,
      ].sort(),
    );
  });

  it('no role of the service holds a wildcard action, a Scan, or a managed policy', () => {
    // CDK's console deployment function has its own grants (web-console.test.ts lists them).
    const policies = Object.entries(template.findResources('AWS::IAM::Policy')).filter(
      ([id]) => !id.startsWith('CustomCDKBucketDeployment'),
    );
    const actions = policies.flatMap(([, policy]) =>
      (policy.Properties.PolicyDocument.Statement as Array<{ Action: string | string[] }>).flatMap((statement) => statement.Action),
    );
    const lambdaRoles = Object.values(stack.service.functions).map((fn) => resourceOf(fn.role));

    expect(actions.filter((action) => action.includes('*') || /Scan|BatchWrite|DeleteItem/.test(action))).toEqual([]);
    expect(lambdaRoles.filter((role) => role.Properties.ManagedPolicyArns)).toEqual([]);
  });
});

/** Every action the role's inline policies allow. */
function actionsOf(roleLogicalId: string): string[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => (policy.Properties.Roles as Array<{ Ref: string }>).some((role) => role.Ref === roleLogicalId))
    .flatMap((policy) =>
      (policy.Properties.PolicyDocument.Statement as Array<{ Action: string | string[] }>).flatMap((statement) => statement.Action),
    );
}

describe('refresh-token: the HMAC key its successor secrets are derived with', () => {
  it('starts: its environment names the key, so the secret deriver can be built at cold start', () => {
    const environment = resourceOf(stack.service.functions.refreshToken.function).Properties.Environment.Variables as Record<
      string,
      unknown
    >;
    // CloudFormation tokens stand for strings the function receives at run time.
    const strings = Object.fromEntries(
      Object.entries(environment).map(([name, value]) => [
        name,
        typeof value === 'string'
          ? value
          : name === 'USER_POOL_ID'
            ? 'eu-west-1_AbCdEf123'
            : `arn:aws:kms:eu-west-1:111122223333:key/${name}`,
      ]),
    );

    expect(environment.REFRESH_MAC_KEY_ID).toBeDefined();
    expect(() => secretDeriverOf(loadConfig(strings))).not.toThrow();
  });

  it('may GenerateMac with an HMAC_256 key of the stack', () => {
    expect(actionsOf(logicalIdOf(stack.service.functions.refreshToken.role))).toContain('kms:GenerateMac');
    const keys = Object.values(template.findResources('AWS::KMS::Key')).map((key) => key.Properties);
    expect(keys).toContainEqual(expect.objectContaining({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }));
  });
});

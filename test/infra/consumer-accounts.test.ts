import type { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { exampleCatalogue } from '../../functions/domain/routes';
import { authorizerHandler } from '../../infra/handlers';
import { PatServiceStack } from '../../infra/pat-service-stack';
import { logicalIdOf, testApp, withStackOf } from './synth';

const cleanups: Array<() => void> = [];
afterAll(() => cleanups.forEach((cleanup) => cleanup()));
const consumer = '222222222222';
const principal = { AWS: `arn:aws:iam::${consumer}:root` };

let stack: PatServiceStack;
let template: Template;

withStackOf({ consumerAccounts: [consumer] }, (synthesized) => ({ stack, template } = synthesized));

type Statement = { Sid?: string; Effect: string; Principal?: unknown; Action: string | string[]; Resource: unknown; Condition?: unknown };
const statementsFor = (statements: Statement[]) => statements.filter((statement) => JSON.stringify(statement.Principal).includes(consumer));

describe('consumerAccounts', () => {
  it("grants the account exactly the authorizer's table access in the table's resource policy, conditions included", () => {
    const table = template.toJSON().Resources[logicalIdOf(stack.service.table)].Properties;
    const granted = statementsFor(table.ResourcePolicy.PolicyDocument.Statement);

    expect(granted.map(({ Sid, Action }) => ({ Sid, Action }))).toEqual([
      { Sid: 'ConsumerTokenReads', Action: ['dynamodb:BatchGetItem', 'dynamodb:GetItem'] },
      ...(authorizerHandler.table?.narrowUpdates ?? []).map((update) => ({ Sid: `Consumer${update.sid}`, Action: 'dynamodb:UpdateItem' })),
      { Sid: 'ConsumerRevocationFeedReads', Action: 'dynamodb:Query' },
    ]);
    for (const statement of granted)
      expect({ Sid: statement.Sid, Effect: statement.Effect, Principal: statement.Principal }).toEqual({
        Sid: statement.Sid,
        Effect: 'Allow',
        Principal: principal,
      });
    // Every write is held to its items, attributes and return values; the Query to the feed.
    for (const statement of granted.filter((s) => s.Action === 'dynamodb:UpdateItem'))
      expect(statement.Condition).toMatchObject({
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': expect.any(String) },
        'ForAllValues:StringEquals': { 'dynamodb:Attributes': expect.any(Array) },
        StringEqualsIfExists: { 'dynamodb:ReturnValues': 'NONE' },
        Null: { 'dynamodb:LeadingKeys': 'false', 'dynamodb:Attributes': 'false' },
      });
    expect(granted.find((s) => s.Action === 'dynamodb:Query')?.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': 'FEED#*' },
      Null: { 'dynamodb:LeadingKeys': 'false' },
    });
  });

  it('grants nothing wider: no Put, Delete, Scan, index Query, wildcard action, or unconditioned update', () => {
    const table = template.toJSON().Resources[logicalIdOf(stack.service.table)].Properties;
    const actions = statementsFor(table.ResourcePolicy.PolicyDocument.Statement).flatMap((s) => ([] as string[]).concat(s.Action));

    expect([...new Set(actions)].sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    expect(statementsFor(table.ResourcePolicy.PolicyDocument.Statement).every((s) => JSON.stringify(s.Resource) === '"*"')).toBe(true);
  });

  it("lets the account fetch the signing key's public key, and nothing else of the key", () => {
    const key = template.toJSON().Resources[logicalIdOf(stack.service.signingKeys.signingKey)].Properties;

    expect(statementsFor(key.KeyPolicy.Statement)).toEqual([
      { Sid: 'ConsumerAccountsPublicKey', Effect: 'Allow', Principal: principal, Action: 'kms:GetPublicKey', Resource: '*' },
    ]);
  });

  it('shares the published settings with the account through RAM, as advanced parameters', () => {
    const share = Object.values(template.findResources('AWS::RAM::ResourceShare'))[0]!.Properties;

    expect(share.Principals).toEqual([consumer]);
    expect(share.ResourceArns).toHaveLength(Object.keys(stack.service.publishedVerification.parameters).length);
    for (const parameter of Object.values(stack.service.publishedVerification.parameters))
      expect(template.toJSON().Resources[logicalIdOf(parameter)].Properties.Tier).toBe('Advanced');
  });

  it('refuses something that is not an account id', () => {
    const test = testApp();
    cleanups.push(test.cleanup);

    expect(
      () =>
        new PatServiceStack(test.app, 'Bad', {
          settings: { catalogue: exampleCatalogue },
          webConsole: false,
          consumerAccounts: ['arn:aws:iam::222222222222:root'],
        }),
    ).toThrow(/12-digit AWS account ids/);
  });
});

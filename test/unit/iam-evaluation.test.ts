import { describe, expect, it } from 'vitest';
import { arnMatches, evaluatePolicy, policyLetsIn } from '../../functions/apigateway/iam-evaluation';

// How API Gateway judges a request against an authorizer's policy (functions/apigateway/iam-evaluation.ts).
const arn = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/api/jobs/42';

describe('arnMatches', () => {
  it('lets * match any run of characters, slashes and colons included', () => {
    expect(arnMatches('arn:aws:execute-api:*:abc123/prod/GET/*', arn)).toBe(true);
    expect(arnMatches('*', arn)).toBe(true);
  });

  it('lets ? match exactly one character', () => {
    expect(arnMatches(arn.replace('/42', '/4?'), arn)).toBe(true);
    expect(arnMatches(arn.replace('/42', '/?'), arn)).toBe(false);
  });

  it('reads every other character literally, regular expression characters included', () => {
    expect(arnMatches('a.c', 'abc')).toBe(false);
    expect(arnMatches('a.c', 'a.c')).toBe(true);
    expect(arnMatches('a+(b)', 'a+(b)')).toBe(true);
    expect(arnMatches('a+', 'aa')).toBe(false);
  });

  it('matches the whole ARN, case-sensitively', () => {
    expect(arnMatches('abc123/prod', 'x-abc123/prod')).toBe(false);
    expect(arnMatches('abc123/prod', 'abc123/prod/x')).toBe(false);
    expect(arnMatches(arn.replace('GET', 'get'), arn)).toBe(false);
  });
});

describe('evaluatePolicy', () => {
  const allow = { Effect: 'Allow', Action: 'execute-api:Invoke', Resource: arn };

  it('allows with an applicable Allow, the action named in any case, one or a list', () => {
    expect(evaluatePolicy([allow], arn)).toBe('allow');
    expect(evaluatePolicy([{ ...allow, Action: ['s3:GetObject', 'Execute-API:invoke'] }], arn)).toBe('allow');
    expect(evaluatePolicy([{ ...allow, Action: 'execute-api:*' }], arn)).toBe('allow');
    expect(evaluatePolicy([{ ...allow, Resource: ['arn:other', arn] }], arn)).toBe('allow');
  });

  it('lets an applicable Deny win, before or after the Allow', () => {
    const deny = { ...allow, Effect: 'Deny' };

    expect(evaluatePolicy([allow, deny], arn)).toBe('deny');
    expect(evaluatePolicy([deny, allow], arn)).toBe('deny');
  });

  it('finds no match for another action, another resource, a missing action or resource, or another effect', () => {
    expect(evaluatePolicy([{ ...allow, Action: 's3:*' }], arn)).toBe('no-match');
    expect(evaluatePolicy([{ ...allow, Action: ['s3:GetObject', 'lambda:InvokeFunction'] }], arn)).toBe('no-match');
    expect(evaluatePolicy([{ ...allow, Resource: arn.replace('GET', 'POST') }], arn)).toBe('no-match');
    expect(evaluatePolicy([{ Effect: 'Allow', Resource: arn }], arn)).toBe('no-match');
    expect(evaluatePolicy([{ Effect: 'Allow', Action: 'execute-api:Invoke' }], arn)).toBe('no-match');
    expect(evaluatePolicy([{ ...allow, Effect: 'Maybe' }], arn)).toBe('no-match');
    expect(evaluatePolicy([], arn)).toBe('no-match');
  });

  it('lets a request in only on allow', () => {
    expect(policyLetsIn([allow], arn)).toBe(true);
    expect(policyLetsIn([], arn)).toBe(false);
    expect(policyLetsIn([{ ...allow, Effect: 'Deny' }], arn)).toBe(false);
  });
});

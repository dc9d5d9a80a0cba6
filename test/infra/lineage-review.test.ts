import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import { Template as Templates } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../functions/adapters/config';
import { secretDeriverOf } from '../../functions/adapters/key-ring';
import { serviceHandlers, type HandlerSpec } from '../../infra/handlers';
import { projectRoot } from '../../infra/constructs/service-function';
import type { PatServiceStack } from '../../infra/pat-service-stack';
import { buildApp } from '../../infra/service-app';
import { logicalIdOf, testApp } from './synth';

/** Adversarial review of commit 65a1216: what the lineage needs from the deployment. */

let stack: PatServiceStack;
let template: Template;
let cleanup: () => void;

beforeAll(() => {
  const test = testApp();
  cleanup = test.cleanup;
  stack = buildApp(test.app).service;
  template = Templates.fromStack(stack);
}, 60_000);
afterAll(() => cleanup());

const resourceOf = (logicalId: string) => template.toJSON().Resources[logicalId];

/** Every action the role's inline policies allow. */
function actionsOf(roleLogicalId: string): string[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => (policy.Properties.Roles as Array<{ Ref: string }>).some((role) => role.Ref === roleLogicalId))
    .flatMap((policy) => (policy.Properties.PolicyDocument.Statement as Array<{ Action: string | string[] }>).flatMap((statement) => statement.Action));
}

describe('refresh-token: the HMAC key its successor secrets are derived with', () => {
  it('starts: its environment names the key, so the secret deriver can be built at cold start', () => {
    const environment = resourceOf(logicalIdOf(stack.service.functions.refreshToken.function)).Properties.Environment.Variables as Record<string, unknown>;
    // CloudFormation tokens stand for strings the function receives at run time.
    const strings = Object.fromEntries(Object.entries(environment).map(([name, value]) => [name, typeof value === 'string' ? value : `arn:aws:kms:eu-west-1:111122223333:key/${name}`]));

    expect(environment.REFRESH_MAC_KEY_ID).toBeDefined();
    expect(() => secretDeriverOf(loadConfig(strings))).not.toThrow();
  });

  it('may GenerateMac with an HMAC_256 key of the stack', () => {
    expect(actionsOf(logicalIdOf(stack.service.functions.refreshToken.role))).toContain('kms:GenerateMac');
    const keys = Object.values(template.findResources('AWS::KMS::Key')).map((key) => key.Properties);
    expect(keys).toContainEqual(expect.objectContaining({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }));
  });
});

describe('interrupted family sweeps', () => {
  it('are finished by a scheduled function (SPEC: no member is left active)', () => {
    const scheduled = (Object.values(serviceHandlers) as HandlerSpec[]).filter((spec) => spec.scheduled);
    const sources = scheduled.map((spec) => readFileSync(join(projectRoot, 'functions', 'handlers', `${spec.entry}.ts`), 'utf8'));

    expect(sources.some((source) => source.includes('resumePendingSweeps'))).toBe(true);
  });
});

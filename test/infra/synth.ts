import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, type CfnResource } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll } from 'vitest';
import type { IConstruct } from 'constructs';
import { projectRoot } from '../../infra/constructs/service-function';
import { consoleAssetsContextKey } from '../../infra/constructs/web-console';
import { checksContextKey, checksLevelOf } from '../../infra/control-tower';
import { PatServiceStack, type PatServiceStackProps } from '../../infra/pat-service-stack';
import { exampleCatalogue } from '../../functions/domain/routes';
import { appProps, buildApp } from '../../infra/service-app';

/** A stand-in for `web/dist` (an index.html, one asset, the local console-config.json): no vite build in tests. */
export const consoleFixture = join(projectRoot, 'test', 'infra', 'fixtures', 'web-console');

/**
 * A CDK app for template tests: the feature flags of `cdk.json` (so tests see what `cdk synth` makes),
 * esbuild bundling skipped (the real bundling is `cdk synth`'s), the web console's files from a small
 * fixture (the real build is `cdk synth`'s), and a temporary output directory removed by `cleanup`.
 * The Control Tower checks (cfn-guard, seconds per synth) run only where a test asks for them
 * (`{ checks: 'all' }`, control-tower.test.ts); cdk-nag runs everywhere.
 */
export function testApp(context: Record<string, unknown> = {}): { app: App; cleanup: () => void } {
  const cdkJson = JSON.parse(readFileSync(join(projectRoot, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  const outdir = mkdtempSync(join(tmpdir(), 'pat-infra-test-'));
  const app = new App({
    outdir,
    // CDK's own CloudFormation validation runs with the full checks, as in `cdk synth` (appProps).
    ...appProps(checksLevelOf(context[checksContextKey] ?? 'nag')),
    context: {
      ...cdkJson.context,
      'aws:cdk:bundling-stacks': [],
      [consoleAssetsContextKey]: consoleFixture,
      [checksContextKey]: 'nag',
      ...context,
    },
  });
  return { app, cleanup: () => rmSync(outdir, { recursive: true, force: true }) };
}

/**
 * One synth of the app exactly as `cdk synth` builds it (cdk-nag included) for the whole test file:
 * `use` receives the service stack and its template before the file's tests run; the app's output
 * is removed after them.
 */
export function withServiceStack(use: (synthesized: { stack: PatServiceStack; template: Template }) => void): void {
  let cleanup = () => {};
  beforeAll(() => {
    const test = testApp();
    cleanup = test.cleanup;
    const stack = buildApp(test.app).service;
    use({ stack, template: Template.fromStack(stack) });
  }, 120_000);
  afterAll(() => cleanup());
}

/**
 * A service stack for one test file, with the props a template test varies (beside account
 * 111111111111 in eu-west-1, the example catalogue, no console); `extend` adds the file's own
 * constructs before the template is taken. Synthesized before the file's tests, its output removed after.
 */
export function withStackOf(
  props: Partial<PatServiceStackProps>,
  use: (synthesized: { stack: PatServiceStack; template: Template }) => void,
  extend: (stack: PatServiceStack) => void = () => {},
): void {
  let cleanup = () => {};
  beforeAll(() => {
    const test = testApp();
    cleanup = test.cleanup;
    const stack = new PatServiceStack(test.app, 'PatService', {
      env: { account: '111111111111', region: 'eu-west-1' },
      settings: { catalogue: exampleCatalogue },
      webConsole: false,
      ...props,
    });
    extend(stack);
    use({ stack, template: Template.fromStack(stack) });
  }, 60_000);
  afterAll(() => cleanup());
}

export const logicalIdOf = (construct: IConstruct): string => {
  const resource = construct.node.defaultChild as CfnResource | undefined;
  return Stack.of(construct).getLogicalId((resource ?? construct) as CfnResource);
};

type Json = unknown;

/** A readable name for an IAM resource: logical ids named by `names`, intrinsics flattened. */
export function describeResource(value: Json, names: Record<string, string>): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const record = value as Record<string, Json>;
    if ('Ref' in record) return nameOf(String(record.Ref), names);
    if ('Fn::GetAtt' in record) return nameOf(String((record['Fn::GetAtt'] as Json[])[0]), names);
    if ('Fn::Join' in record) {
      const [separator, parts] = record['Fn::Join'] as [string, Json[]];
      return parts.map((part) => describeResource(part, names)).join(separator);
    }
    // A value from another stack: its output is named after the producer's logical id.
    if ('Fn::GetStackOutput' in record || 'Fn::ImportValue' in record) return nameOf(JSON.stringify(record), names);
  }
  return JSON.stringify(value);
}

function nameOf(reference: string, names: Record<string, string>): string {
  for (const [logicalId, name] of Object.entries(names)) if (reference.includes(logicalId)) return name;
  return reference;
}

/**
 * Everything a role may do, one `action resource` line per pair, sorted: its inline policies, the
 * policies attached to it, and its managed policies. Equal to an expected list means no more, no less.
 */
export function grantsOf(template: Template, roleLogicalId: string, names: Record<string, string>): string[] {
  const grants: string[] = [];
  const addStatements = (document: { Statement: Array<Record<string, Json>> }) => {
    for (const statement of document.Statement) {
      const effect = statement.Effect === 'Allow' ? '' : `${String(statement.Effect)} `;
      const actions = ([] as Json[]).concat(statement.Action ?? []);
      const resources = ([] as Json[]).concat(statement.Resource ?? []);
      if (statement.NotAction || statement.NotResource) grants.push(`${effect}UNEXPECTED NotAction/NotResource`);
      for (const action of actions)
        for (const resource of resources) grants.push(`${effect}${String(action)} ${describeResource(resource, names)}`);
    }
  };
  const role = template.toJSON().Resources[roleLogicalId] as { Properties: Record<string, Json> } | undefined;
  if (!role) throw new Error(`No resource ${roleLogicalId}`);
  for (const policy of (role.Properties.Policies as Array<{ PolicyDocument: never }> | undefined) ?? [])
    addStatements(policy.PolicyDocument);
  for (const arn of (role.Properties.ManagedPolicyArns as Json[] | undefined) ?? []) grants.push(`managed-policy ${JSON.stringify(arn)}`);
  const policies = template.findResources('AWS::IAM::Policy');
  for (const policy of Object.values(policies)) {
    const roles = (policy.Properties.Roles as Json[]).map((ref) => JSON.stringify(ref));
    if (roles.includes(JSON.stringify({ Ref: roleLogicalId }))) addStatements(policy.Properties.PolicyDocument);
  }
  return grants.sort();
}

export interface MethodSummary {
  httpMethod: string;
  path: string;
  authorizationType: string;
  authorizerId: Json;
}

/** Every method of a stack's REST API with its full resource path, rebuilt from the resources. */
export function methodsOf(template: Template): MethodSummary[] {
  const resources = template.findResources('AWS::ApiGateway::Resource');
  const pathOf = (parent: Json): string => {
    if (parent && typeof parent === 'object' && 'Fn::GetAtt' in (parent as object)) return '';
    const id = (parent as { Ref: string }).Ref;
    const resource = resources[id]!;
    return `${pathOf(resource.Properties.ParentId)}/${String(resource.Properties.PathPart)}`;
  };
  return Object.values(template.findResources('AWS::ApiGateway::Method'))
    .map(({ Properties: p }) => ({
      httpMethod: String(p.HttpMethod),
      path: pathOf(p.ResourceId) || '/',
      authorizationType: String(p.AuthorizationType),
      authorizerId: p.AuthorizerId,
    }))
    .sort((a, b) => `${a.path} ${a.httpMethod}`.localeCompare(`${b.path} ${b.httpMethod}`));
}

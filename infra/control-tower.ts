import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  AspectPriority,
  Aspects,
  Stack,
  Token,
  Validations,
  type IPolicyValidationContextBeta1,
  type IPolicyValidationPluginBeta1,
  type PolicyValidationPluginReportBeta1,
} from 'aws-cdk-lib';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { InvalidSettingsError } from './settings';

/**
 * Which compliance checks a synth runs (`-c checks=…`): `nag`, cdk-nag's AwsSolutions (the default:
 * about a second); `all`, cdk-nag and AWS Control Tower's proactive controls (cfn-guard, tens of
 * seconds: `npm test` and CI run them, test/infra/control-tower.test.ts); `none`.
 */
export const checksContextKey = 'checks';
export type ChecksLevel = 'all' | 'nag' | 'none';

/** The `checks` context value, `nag` when unset; anything else is refused rather than read as "none". */
export function checksLevelOf(value: unknown): ChecksLevel {
  if (value === undefined) return 'nag';
  if (value === 'all' || value === 'nag' || value === 'none') return value;
  throw new InvalidSettingsError(`-c ${checksContextKey}=${String(value)}: expected all (cdk-nag and Control Tower), nag or none`);
}

/** The plugin's name, which is also the namespace of its rule ids in an acknowledgment. */
const pluginName = 'cdk-validator-cfnguard';

// Resolved on use: the construct library, which ships waiveControl but not these checks, must load without the validator.
const rulesRoot = () =>
  join(
    dirname(createRequire(import.meta.url).resolve('@cdklabs/cdk-validator-cfnguard/package.json')),
    'rules',
    'control-tower',
    'cfn-guard',
  );

/**
 * AWS Control Tower's proactive controls (the CloudFormation Guard rules that
 * `@cdklabs/cdk-validator-cfnguard` ships, run by the cfn-guard binary inside that package) as a CDK
 * validation plugin: a finding without an acknowledgment fails `cdk synth`, as cdk-nag's do.
 *
 * Only the rule files that name a resource type present in the templates are run. A rule about a
 * type the templates lack is "not applicable" anyway, and handing cfn-guard all ~240 files costs tens
 * of seconds per synth; a new resource type brings its rules in by itself.
 */
export class ControlTowerChecks implements IPolicyValidationPluginBeta1 {
  readonly name = pluginName;
  readonly version = new CfnGuardValidator().version;

  validate(context: IPolicyValidationContextBeta1): PolicyValidationPluginReportBeta1 {
    const types = new Set(
      context.templatePaths.flatMap((path) =>
        Object.values((JSON.parse(readFileSync(path, 'utf8')) as { Resources?: Record<string, { Type: string }> }).Resources ?? {}).map(
          (resource) => resource.Type,
        ),
      ),
    );
    const rules = ruleFiles(rulesRoot()).filter((file) =>
      (readFileSync(file, 'utf8').match(/AWS::[A-Za-z0-9]+::[A-Za-z0-9]+/g) ?? []).some((type) => types.has(type)),
    );
    if (rules.length === 0) return { success: true, violations: [] };
    const report = new CfnGuardValidator({ controlTowerRulesEnabled: false, rules, maxBuffer: 64 * 1024 * 1024 }).validate(context);
    // The plugin leaves severity out, and CDK re-judges a report that had anything acknowledged by its
    // violations' severities: without one, an unwaived finding would pass as soon as another is waived.
    return { ...report, violations: report.violations.map((violation) => ({ ...violation, severity: violation.severity ?? 'error' })) };
  }
}

function ruleFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((entry) => {
    const path = join(directory, entry);
    return statSync(path).isDirectory() ? ruleFiles(path) : path.endsWith('.guard') ? [path] : [];
  });
}

/**
 * Waives a Control Tower rule for `construct` and what it contains, with the reason a reviewer reads
 * (it lands in the synth's validation report and the construct's metadata). `rule` is the guard
 * rule's name, e.g. `lambda_inside_vpc_check`.
 */
export function waiveControl(construct: IConstruct, rule: string, reason: string): void {
  Validations.of(construct).acknowledge({ id: `${pluginName}::${rule}`, reason });
}

/**
 * Gives every Lambda permission under `scope` that a service principal holds the account it must come
 * from (`SourceAccount`), besides the `SourceArn` CDK sets: Control Tower's CT.LAMBDA.PR.2 asks for
 * it, and it keeps a same-named resource in another account from invoking the function.
 */
export function requireSourceAccount(scope: IConstruct): void {
  Aspects.of(scope).add(
    {
      visit(node: IConstruct): void {
        if (!(node instanceof lambda.CfnPermission) || node.sourceAccount !== undefined) return;
        if (typeof node.principal !== 'string' || !node.principal.endsWith('.amazonaws.com')) return;
        const account = Stack.of(node).account;
        node.sourceAccount = account;
        if (Token.isUnresolved(account)) {
          waiveControl(
            node,
            'lambda_function_public_access_prohibited_check',
            "SourceAccount and SourceArn are set, but this stack is environment-agnostic: both are deploy-time references (AWS::AccountId, the API's execution ARN) that the rule cannot read as strings. A synth with the account known (CDK_DEFAULT_ACCOUNT or env) passes the rule unwaived.",
          );
        }
      },
    },
    { priority: AspectPriority.MUTATING },
  );
}

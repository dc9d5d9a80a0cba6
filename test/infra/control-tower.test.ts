import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChecksLevel, checksLevelOf, ControlTowerChecks, waiveControl } from '../../infra/control-tower';
import { InvalidSettingsError } from '../../infra/settings';
import { addChecks, appProps, buildApp } from '../../infra/service-app';
import { testApp } from './synth';

interface ValidationReport {
  pluginReports: Array<{
    pluginName: string;
    conclusion: string;
    violations: Array<{ ruleName: string; violatingConstructs: Array<{ constructPath: string }> }>;
  }>;
}

const cleanups: Array<() => void> = [];
afterAll(() => cleanups.forEach((cleanup) => cleanup()));
const freshApp = (context: Record<string, unknown> = {}) => {
  const test = testApp(context);
  cleanups.push(test.cleanup);
  return test.app;
};

/** Every Control Tower rule waived anywhere in the app, with the construct paths it is waived on. */
function waiversOf(app: App): Record<string, string[]> {
  const waivers: Record<string, string[]> = {};
  for (const construct of app.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const id of Object.keys(entry.data as Record<string, string>)) {
        if (id.startsWith('cdk-validator-cfnguard::'))
          (waivers[id.slice('cdk-validator-cfnguard::'.length)] ??= []).push(construct.node.path);
      }
    }
  }
  return waivers;
}

describe('AWS Control Tower proactive controls (cfn-guard)', () => {
  let app: App;

  beforeAll(() => {
    app = freshApp({ checks: 'all' });
    buildApp(app);
    app.synth();
  }, 120_000);

  it('finds nothing unwaived in the service and example stacks', () => {
    const report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8')) as ValidationReport;
    const guard = report.pluginReports.filter((plugin) => plugin.pluginName === 'cdk-validator-cfnguard');
    const violations = guard.flatMap((plugin) =>
      plugin.violations.flatMap((v) => v.violatingConstructs.map((c) => `${v.ruleName} ${c.constructPath}`)),
    );

    expect(guard).toHaveLength(1);
    expect(violations).toEqual([]);
  });

  it('waives only these rules (each with its reason in code; docs/security.md lists them)', () => {
    expect(Object.keys(waiversOf(app)).sort()).toEqual(
      [
        'cloudfront_custom_ssl_certificate_check', // default *.cloudfront.net certificate without webConsole.customDomain
        'cloudfront_origin_failover_enabled_check',
        'cloudfront_security_policy_check', // idem
        'cloudfront_sni_enabled_check', // idem
        'cloudwatch_alarm_action_check', // the flush-failure alarm, only while no alarmTopicArn is given
        'cloudwatch_log_group_encrypted_check', // no secrets in logs, by design and by test
        'dynamodb_table_encrypted_kms_check',
        'lambda_function_public_access_prohibited_check', // only while the account is unknown at synth (SourceAccount is a Ref)
        'lambda_inside_vpc_check',
        's3_bucket_default_encryption_kms_check',
        's3_bucket_logging_enabled_check', // the access-log bucket itself
        's3_bucket_object_lock_enabled_check',
        's3_bucket_versioning_enabled_check', // the console bucket (build output) only
        's3_event_notifications_enabled_check',
      ].sort(),
    );
    expect(waiversOf(app).s3_bucket_versioning_enabled_check).toEqual(['PatService/Service/Console/Files']);
    // The flusher's alarms and the operator dashboard's (service-monitoring.ts), none of which has a topic without alarmTopicArn.
    const alarmWaivers = waiversOf(app).cloudwatch_alarm_action_check ?? [];
    expect(alarmWaivers.filter((path) => !path.startsWith('PatService/Service/Monitoring/Facade/'))).toEqual([
      'PatService/Service/AuthorizerCacheFlusher/FlushFailures',
      'PatService/Service/AuthorizerCacheFlusher/FlusherStopped',
      'PatService/Service/AuthorizerCacheFlusher/FlushesLate',
      'PatService/Service/AuthorizerCacheFlusher/FlusherErrors',
    ]);
    expect(alarmWaivers.length).toBeGreaterThan(2);
  });
});

describe('the check is live', () => {
  it('fails a synth on an unwaived finding, even when another finding of the same rule is waived', () => {
    const control = new App({ outdir: freshApp().outdir, context: { '@aws-cdk/core:validateAgainstDefaultRules': false } });
    Validations.of(control).addPlugins(new ControlTowerChecks());
    const stack = new Stack(control, 'Control');
    waiveControl(
      new logs.LogGroup(stack, 'Waived'),
      'cloudwatch_log_group_encrypted_check',
      'A waived log group, to show that a waiver covers only its construct.',
    );
    new logs.LogGroup(stack, 'NotWaived');

    const failure = (() => {
      try {
        control.synth();
        return 'synth passed';
      } catch (error) {
        return (error as Error).message;
      }
    })();

    expect(failure).toContain("Acknowledge with 'cdk-validator-cfnguard::cloudwatch_log_group_encrypted_check'");
    expect(failure).toContain('Control/NotWaived/Resource');
    expect(failure).not.toContain('Control/Waived/Resource');
  });
});

describe('which checks a synth runs (-c checks=…)', () => {
  it('reads the level from context: cdk-nag alone by default (a plain `cdk synth`); an unknown value is refused', () => {
    expect([undefined, 'all', 'nag', 'none'].map(checksLevelOf)).toEqual(['nag', 'all', 'nag', 'none']);
    expect(() => checksLevelOf('false')).toThrow(InvalidSettingsError);
  });

  /** The synth's failure with these checks over a stack holding one queue that breaks both rule sets, or 'synth passed'. */
  const failureWith = (checks: ChecksLevel) => {
    const app = new App({ outdir: freshApp().outdir, ...appProps(checks) });
    addChecks(app, checks);
    new sqs.Queue(new Stack(app, 'Checked'), 'Queue');
    try {
      app.synth();
      return 'synth passed';
    } catch (error) {
      return `${(error as Error).message}\n${readFileSync(join(app.outdir, 'validation-report.json'), 'utf8')}`;
    }
  };

  it('nag: cdk-nag fails the synth, Control Tower does not run', () => {
    const failure = failureWith('nag');
    expect(failure).toMatch(/AwsSolutions-SQS/);
    expect(failure).not.toMatch(/cdk-validator-cfnguard/);
  });

  it('all: both run', () => {
    const failure = failureWith('all');
    expect(failure).toMatch(/AwsSolutions-SQS/);
    expect(failure).toMatch(/cdk-validator-cfnguard/);
  }, 120_000);

  it('none: neither', () => {
    expect(failureWith('none')).toBe('synth passed');
  });
});

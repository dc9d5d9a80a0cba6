import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack, Validations, type App } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/service-app';
import { testApp } from './synth';

interface ValidationReport {
  pluginReports: Array<{
    pluginName: string;
    conclusion: string;
    violations: Array<{ ruleName: string; severity: string; violatingConstructs: Array<{ constructPath: string }> }>;
  }>;
}

const reportOf = (app: App): ValidationReport => JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8'));

const cleanups: Array<() => void> = [];
afterAll(() => cleanups.forEach((cleanup) => cleanup()));
const freshApp = () => {
  const test = testApp();
  cleanups.push(test.cleanup);
  return test.app;
};

describe('cdk-nag AwsSolutions', () => {
  let app: App;
  let templates: Array<{
    Resources: Record<string, { Metadata?: { cdk_nag?: { rules_to_suppress: Array<{ id: string; reason: string }> } } }>;
  }>;

  beforeAll(() => {
    app = freshApp();
    buildApp(app);
    const assembly = app.synth();
    templates = assembly.stacks.map((stack) => stack.template);
  }, 60_000);

  it('finds nothing unacknowledged in the service and example stacks', () => {
    const violations = reportOf(app).pluginReports.flatMap((report) =>
      report.violations.flatMap((violation) =>
        violation.violatingConstructs.map((construct) => `${violation.ruleName} ${construct.constructPath}`),
      ),
    );

    expect(violations).toEqual([]);
  });

  it('acknowledges only these rules, each with its reason written into the template', () => {
    const acknowledged = templates
      .flatMap((template) => Object.values(template.Resources).flatMap((resource) => resource.Metadata?.cdk_nag?.rules_to_suppress ?? []))
      .filter(({ id }) => id.startsWith('AwsSolutions-')); // the Control Tower waivers have their own test (control-tower.test.ts)

    for (const { id, reason } of acknowledged) expect({ id, reasonLength: reason.length > 40 }).toEqual({ id, reasonLength: true });
    expect([...new Set(acknowledged.map(({ id }) => id))].sort()).toEqual(
      [
        'AwsSolutions-APIG3', // no WAF unless webAclArn is given (billed per ACL and rule)
        'AwsSolutions-CFR1', // the console's distribution: no geo restriction (users anywhere, every request authenticated)
        'AwsSolutions-CFR2', // no WAF on the distribution unless webConsole.webAclArn is given
        'AwsSolutions-CFR4', // the default *.cloudfront.net certificate, unless webConsole.customDomain
        // CDK's BucketDeployment function (copies the console into its bucket at deploy time):
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'AwsSolutions-IAM5[Action::s3:Abort*]',
        'AwsSolutions-IAM5[Action::s3:DeleteObject*]',
        'AwsSolutions-IAM5[Action::s3:GetBucket*]',
        'AwsSolutions-IAM5[Action::s3:GetObject*]',
        'AwsSolutions-IAM5[Action::s3:List*]',
        'AwsSolutions-IAM5[Resource::<ServiceConsoleFilesDD594474.Arn>/*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]',
        // The stage flusher lists the stages registered under its own SSM path (one parameter per stage):
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/pat-service/PatService/Service/authorizer-stages/*]',
        'AwsSolutions-APIG4', // refresh (the refresh key is the credential) and JWKS (public keys) are public
        'AwsSolutions-COG4', // the same two public routes; the example API's methods use the token authorizer
        'AwsSolutions-COG8', // Plus feature plan is opt-in (billed per MAU)
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        'AwsSolutions-IAM5[Resource::*]', // X-Ray actions have no resource-level permissions; CloudFront invalidations (console deployment)
        'AwsSolutions-L1', // Node.js 22 is the specified runtime; the console deployment's Python runtime is CDK's
      ].sort(),
    );
  });

  it('does fail a synth on an unacknowledged finding (the check is live)', () => {
    const control = freshApp();
    Validations.of(control).addPlugins(new AwsSolutionsChecks(control));
    new sqs.Queue(new Stack(control, 'Control'), 'Queue');

    expect(() => control.synth()).toThrow(/AwsSolutions-SQS3/);
  });
});

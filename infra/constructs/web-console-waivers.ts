import { Stack, Validations } from 'aws-cdk-lib';
import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import type { Construct } from 'constructs';
import { waiveControl } from '../control-tower';
import { InvalidSettingsError } from '../settings';
import type { WebConsoleOptions } from './web-console-options';

/** What cdk-nag and the Control Tower rules find in the console's distribution, buckets and deployment, and why each is right. */
export function acknowledgeDistributionFindings(distribution: cloudfront.Distribution, props: WebConsoleOptions): void {
  Validations.of(distribution).acknowledge({
    id: 'AwsSolutions-CFR1',
    reason:
      'No geo restriction: token owners and the vendors they serve may be anywhere; every request is authenticated (Cognito or a refresh key) and the API is throttled.',
  });
  if (!props.webAclArn) {
    Validations.of(distribution).acknowledge({
      id: 'AwsSolutions-CFR2',
      reason:
        'No WAF by default (billed per web ACL and rule); pass webConsole.webAclArn (scope CLOUDFRONT). The console is static files; the API behind it is throttled and authenticated.',
    });
  }
  if (!props.customDomain) {
    const defaultCertificate =
      "Without webConsole.customDomain the distribution answers on *.cloudfront.net with CloudFront's default certificate, whose TLS policy and SNI CloudFront fixes (TLSv1 minimum is CloudFront's, not configurable there); with a custom domain the distribution uses its ACM certificate, SNI and TLSv1.2_2021, and this waiver is not made.";
    for (const rule of ['cloudfront_custom_ssl_certificate_check', 'cloudfront_sni_enabled_check', 'cloudfront_security_policy_check'])
      waiveControl(distribution, rule, defaultCertificate);
    Validations.of(distribution).acknowledge({
      id: 'AwsSolutions-CFR4',
      reason:
        'The default *.cloudfront.net certificate, whose TLS policy CloudFront fixes; with webConsole.customDomain the distribution requires TLSv1.2_2021.',
    });
  }
}

/**
 * What cdk-nag finds in CDK's BucketDeployment function (one per stack, created beside the stack's
 * constructs, deploy time only): its grants are CDK's, narrowed to the two buckets involved.
 */
export function acknowledgeDeploymentFindings(scope: Construct, consoleBucket: s3.IBucket, stagingBucket: s3.IBucket): void {
  const stack = Stack.of(scope);
  const handler = stack.node.children.find((child) => child.node.id.startsWith('Custom::CDKBucketDeployment'));
  if (!handler) throw new InvalidSettingsError(`${scope.node.path}: the BucketDeployment's function was not found`);
  // Named as cdk-nag names them: the grants' resources, resolved and flattened by cdk-nag's own function.
  const objectsOf = (bucket: s3.IBucket) => flattenCfnReference(stack.resolve(bucket.arnForObjects('*')));
  const s3Grants =
    "CDK's BucketDeployment reads the console's zipped files from the CDK staging bucket and writes them to the console bucket: its wildcards are object actions on those two buckets, nothing else.";
  const acknowledgements = [
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        "CDK's BucketDeployment function writes its logs with the AWS managed policy made for that; it holds only CloudWatch Logs actions.",
    },
    ...['s3:GetBucket*', 's3:GetObject*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'].map((action) => ({
      id: `AwsSolutions-IAM5[Action::${action}]`,
      reason: s3Grants,
    })),
    { id: `AwsSolutions-IAM5[Resource::${objectsOf(consoleBucket)}]`, reason: s3Grants },
    { id: `AwsSolutions-IAM5[Resource::${objectsOf(stagingBucket)}]`, reason: s3Grants },
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        "CDK's BucketDeployment invalidates the console's page and configuration in CloudFront after each deployment; cloudfront:CreateInvalidation and GetInvalidation are granted on * by CDK.",
    },
    {
      id: 'AwsSolutions-L1',
      reason: "CDK's BucketDeployment function; its Python runtime is the one aws-cdk-lib pins and tests, upgraded with the library.",
    },
  ];
  for (const acknowledgement of acknowledgements) Validations.of(handler).acknowledge(acknowledgement);
  waiveControl(
    handler,
    'lambda_inside_vpc_check',
    "CDK's BucketDeployment function runs at deploy time only and copies between two S3 buckets: a VPC would need an S3 endpoint and isolates nothing.",
  );
  waiveControl(
    handler,
    'cloudwatch_log_group_encrypted_check',
    "The log group of CDK's BucketDeployment function: deploy-time copy reports, no secrets; CloudWatch Logs encrypts it at rest with its own keys.",
  );
}

/** The Control Tower S3 controls these two buckets do not meet, and why that is right for them. */
export function waiveBucketControls(bucket: s3.IBucket, logBucket: s3.IBucket): void {
  const buildOutput = 'The console bucket holds only build output (the static web console), rebuilt from the repository on every deploy';
  waiveControl(
    bucket,
    's3_bucket_versioning_enabled_check',
    `${buildOutput}; versions would keep the stack from emptying and deleting it (BucketDeployment deletes current objects only).`,
  );
  waiveControl(
    bucket,
    's3_bucket_object_lock_enabled_check',
    `${buildOutput}: write-once retention would block every redeployment of a page.`,
  );
  waiveControl(
    logBucket,
    's3_bucket_object_lock_enabled_check',
    'Access logs expire by lifecycle (webConsole.logRetentionDays); object lock would keep them past that and cannot be removed once on. Versioning keeps a deleted log for 30 days.',
  );
  waiveControl(
    bucket,
    's3_bucket_default_encryption_kms_check',
    `${buildOutput}; nothing in it is confidential (CloudFront serves it to anyone), and SSE-KMS behind CloudFront's origin access control would add a key policy and KMS charges per request without protecting a secret. SSE-S3 encrypts it at rest.`,
  );
  waiveControl(
    logBucket,
    's3_bucket_default_encryption_kms_check',
    'S3 server access logging delivers only to buckets encrypted with SSE-S3 (SSE-KMS destinations are not supported); SSE-S3 encrypts the logs at rest.',
  );
  waiveControl(
    logBucket,
    's3_bucket_logging_enabled_check',
    'This is the access-log bucket itself: logging it would log into itself (or need a third bucket for the logs of the logs).',
  );
  for (const each of [bucket, logBucket]) {
    waiveControl(
      each,
      's3_event_notifications_enabled_check',
      'Nothing consumes events of these buckets (build output and access logs); a notification target with no reader would only add a resource to watch.',
    );
  }
}

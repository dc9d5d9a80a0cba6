import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { denyGrantsOutsideAwsServices, keyAdministration, NamedUsers } from './key-policy';
import type { RefreshMacKeyBinding } from './service-function';

/**
 * The KMS HMAC key (HMAC_256, GENERATE_VERIFY_MAC) from which the refresh function derives a
 * successor's refresh secret, so that a retried refresh can answer the same secret without it ever
 * being stored (the spec's retry-safe refresh). Retained: deleting it would make every secret derived
 * within the retry leeway unrecoverable. Only the roles passed to `allowGenerateMac` may use it,
 * named in its key policy; the account only administers it.
 */
export class RefreshMacKey extends Construct implements RefreshMacKeyBinding {
  readonly key: kms.Key;
  private readonly users: NamedUsers;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      keySpec: kms.KeySpec.HMAC_256,
      keyUsage: kms.KeyUsage.GENERATE_VERIFY_MAC,
      description: 'Derives the refresh secrets of rotated personal access tokens (HMAC-SHA-256)',
      removalPolicy: RemovalPolicy.RETAIN,
      policy: new iam.PolicyDocument({ statements: [keyAdministration(), denyGrantsOutsideAwsServices()] }),
    });
    this.users = new NamedUsers(this.key, 'DeriveRefreshSecrets', ['kms:GenerateMac']);
  }

  allowGenerateMac(role: iam.IRole): void {
    this.users.allow(role);
  }

  get macRoles(): readonly iam.IRole[] {
    return this.users.named;
  }
}

import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';

/**
 * What the account (its IAM administrators) may do with a key of this service: manage it, and nothing
 * that uses it. CDK's default key policy gives the account `kms:*`, so any principal with broad IAM
 * KMS rights could sign tokens or derive refresh secrets. Left out on purpose: every cryptographic
 * operation, and `kms:CreateGrant` (a grant would hand those operations out around this policy).
 * `kms:PutKeyPolicy` stays, as AWS requires of a key that must not become unmanageable; changing the
 * policy is an audited administrative act.
 */
export function keyAdministration(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'KeyAdministration',
    principals: [new iam.AccountRootPrincipal()],
    actions: [
      'kms:CancelKeyDeletion',
      'kms:CreateAlias',
      'kms:DeleteAlias',
      'kms:DescribeKey',
      'kms:DisableKey',
      'kms:EnableKey',
      'kms:GetKeyPolicy',
      'kms:GetKeyRotationStatus',
      'kms:ListAliases',
      'kms:ListGrants',
      'kms:ListKeyPolicies',
      'kms:ListResourceTags',
      'kms:PutKeyPolicy',
      'kms:RetireGrant',
      'kms:RevokeGrant',
      'kms:ScheduleKeyDeletion',
      'kms:TagResource',
      'kms:UntagResource',
      'kms:UpdateAlias',
      'kms:UpdateKeyDescription',
    ],
    resources: ['*'],
  });
}

/**
 * No grant on the key but one an AWS service makes for a resource of its own (Control Tower
 * CT.KMS.PR.3): a grant is the one way to hand out a key's use without its policy saying so.
 */
export function denyGrantsOutsideAwsServices(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'GrantsOnlyForAwsServices',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
  });
}

/**
 * A key-policy statement that allows `actions` to the roles named through `allow`, added to the key
 * on the first one (a statement without principals is invalid). Further roles join the same statement,
 * so a new function that signs is one more `allow`.
 */
export class NamedUsers {
  private statement?: iam.PolicyStatement;
  private readonly roles: iam.IRole[] = [];

  constructor(
    private readonly key: kms.Key,
    private readonly sid: string,
    private readonly actions: readonly string[],
  ) {}

  allow(role: iam.IRole): void {
    if (this.roles.includes(role)) return;
    this.roles.push(role);
    if (!this.statement) {
      this.statement = new iam.PolicyStatement({ sid: this.sid, actions: [...this.actions], resources: ['*'] });
      this.key.addToResourcePolicy(this.statement);
    }
    this.statement.addArnPrincipal(role.roleArn);
  }

  /** The roles named so far. */
  get named(): readonly iam.IRole[] {
    return this.roles;
  }
}

import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { denyGrantsOutsideAwsServices, keyAdministration, NamedUsers } from './key-policy';
import type { SigningKeyRing } from './service-function';
import { InvalidSettingsError } from '../settings';

/** The signing key's generation, the older keys still verifying, and its alias. */
export interface SigningKeysProps {
  /**
   * The generation of the signing key. Raising it creates a new key that signs from then on; the old
   * one is retained (removed from the stack, kept in the account): list its ARN in
   * `previousKeyArns` so that the tokens it signed keep verifying until they expire.
   * @default 1
   */
  readonly generation?: number;
  /** Keys of earlier generations whose tokens must still verify. @default none */
  readonly previousKeyArns?: readonly string[];
  /** The KMS alias of the signing key. @default `alias/<stack name>/token-signing` */
  readonly aliasName?: string;
}

/**
 * The KMS key that signs tokens: ECC_NIST_P256 for ES256, SIGN_VERIFY, private key never leaves KMS.
 * Retained: deleting it would invalidate every token it signed. Asymmetric keys have no automatic
 * rotation; rotation is a new generation (see `generation`).
 *
 * Its key policy names who may sign: only the roles passed to `allowSigning` (the functions whose
 * spec says `signingKeys: 'sign'`), not the account. The account administers the key and, through
 * IAM, may read its public key (published as the JWKS anyway), which is all a verifier needs, in this
 * stack or another.
 */
export class SigningKeys extends Construct implements SigningKeyRing {
  readonly signingKey: kms.Key;
  readonly previousKeys: kms.IKey[];
  readonly alias: kms.Alias;
  private readonly signers: NamedUsers;

  constructor(scope: Construct, id: string, props: SigningKeysProps = {}) {
    super(scope, id);
    const generation = props.generation ?? 1;
    if (!Number.isInteger(generation) || generation < 1)
      throw new InvalidSettingsError(`SigningKeys generation must be a positive integer (got ${generation})`);
    this.signingKey = new kms.Key(this, generation === 1 ? 'Key' : `KeyGeneration${generation}`, {
      keySpec: kms.KeySpec.ECC_NIST_P256,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      description: `Signs personal access tokens (ES256), generation ${generation}`,
      removalPolicy: RemovalPolicy.RETAIN,
      policy: new iam.PolicyDocument({
        statements: [
          keyAdministration(),
          denyGrantsOutsideAwsServices(),
          new iam.PolicyStatement({
            sid: 'VerifyThroughIam',
            principals: [new iam.AccountRootPrincipal()],
            actions: ['kms:GetPublicKey'],
            resources: ['*'],
          }),
        ],
      }),
    });
    this.signers = new NamedUsers(this.signingKey, 'SignTokens', ['kms:Sign']);
    // The alias has its own construct id so that a new generation moves it instead of recreating it.
    this.alias = new kms.Alias(this, 'Alias', {
      aliasName: props.aliasName ?? `alias/${Stack.of(this).stackName}/token-signing`,
      targetKey: this.signingKey,
    });
    this.previousKeys = (props.previousKeyArns ?? []).map((arn, index) => kms.Key.fromKeyArn(this, `Previous${index}`, arn));
  }

  allowSigning(role: iam.IRole): void {
    this.signers.allow(role);
  }

  /** The roles the key policy lets sign. */
  get signingRoles(): readonly iam.IRole[] {
    return this.signers.named;
  }
}

import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { TokenPolicy } from '../../functions/domain/token-policy';
import type { ScopeCatalogue } from '../../functions/domain/scopes';
import type { TokenServiceSettings } from '../settings';
import type { SigningKeyRing } from './service-function';

/** What an authorizer needs from a token service to verify its tokens. */
export interface TokenVerification {
  /** The service's token table: the authorizer reads token, family and tenant items and the revocation feed. */
  readonly table: dynamodb.ITable;
  /** The signing keys whose public halves verify tokens (the newest and older generations). */
  readonly keys: SigningKeyRing;
  /** The service's settings: the issuer (`iss`), the scope catalogue and the policy the authorizer enforces. */
  readonly settings: TokenServiceSettings & { readonly issuer: string };
  /**
   * The service's JWKS URL, for a function of your own that verifies tokens with
   * `@pat-service/pat-verifier` (its `PAT_JWKS_URL`). @default unknown (imported by outputs without it)
   */
  readonly jwksUrl?: string;
  /**
   * The service's stage flusher: each TokenAuthorizer registers its stage under `registryPath` and
   * lets `flusherRole` flush that stage's authorizer cache (and nothing else). Absent: no flush, and
   * the revocation bound is the result cache TTL (see `resultCache`).
   * @default none: no flush, the bound is the result cache TTL
   */
  readonly revocation?: { readonly flusherRole: iam.IRole; readonly registryPath: string };
}

/** A token service deployed elsewhere (another app or account-local stack), by its outputs. */
export interface TokenVerificationAttributes {
  /** The `TokenTableArn` output. */
  readonly tableArn: string;
  /** The `SigningKeyArn` output. */
  readonly signingKeyArn: string;
  /** Keys of earlier generations, still verifying. @default none */
  readonly previousKeyArns?: readonly string[];
  /** The `Issuer` output. */
  readonly issuer: string;
  /** The `JwksUrl` output. @default unknown */
  readonly jwksUrl?: string;
  /** The service's scope catalogue (routes may only need scopes from it). */
  readonly catalogue: ScopeCatalogue;
  /** The service's policy (the authorizer reads `allowNoExpiry`). @default the defaults */
  readonly policy?: Partial<TokenPolicy>;
  /** The `AuthorizerCacheFlusherRoleArn` output. @default no stage flush (bound = result cache TTL) */
  readonly flusherRoleArn?: string;
  /** The `AuthorizerStageRegistryPath` output; required with `flusherRoleArn`. @default none */
  readonly stageRegistryPath?: string;
}

/** Imports a token service by its stack outputs, for an API in another CDK app. */
export function importTokenVerification(scope: Construct, id: string, attributes: TokenVerificationAttributes): TokenVerification {
  const imported = new Construct(scope, id);
  return {
    table: dynamodb.Table.fromTableArn(imported, 'Table', attributes.tableArn),
    keys: {
      signingKey: kms.Key.fromKeyArn(imported, 'SigningKey', attributes.signingKeyArn),
      previousKeys: (attributes.previousKeyArns ?? []).map((arn, index) => kms.Key.fromKeyArn(imported, `PreviousKey${index}`, arn)),
    },
    settings: { issuer: attributes.issuer, catalogue: attributes.catalogue, policy: attributes.policy },
    jwksUrl: attributes.jwksUrl,
    revocation:
      attributes.flusherRoleArn && attributes.stageRegistryPath
        ? {
            flusherRole: iam.Role.fromRoleArn(imported, 'FlusherRole', attributes.flusherRoleArn, { mutable: true }),
            registryPath: attributes.stageRegistryPath,
          }
        : undefined,
  };
}

import { Annotations, Arn, Stack, Token } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { defaultPolicy, type TokenPolicy } from '../../functions/domain/token-policy';
import type { ScopeCatalogue } from '../../functions/domain/scopes';
import {
  importTokenVerification as importByAttributes,
  type TokenVerification,
  type TokenVerificationAttributes,
} from './token-verification';
import { markPending, pendingArea } from './pending-lookups';
import { InvalidSettingsError } from '../settings';

/**
 * The parameters a token service publishes under its verification path, one value each: what a
 * `TokenAuthorizer`, an `HttpTokenAuthorizer` or the verifier package needs, so nothing is copied by hand.
 */
export const verificationParameters = {
  issuer: 'issuer',
  tableArn: 'table-arn',
  tableName: 'table-name',
  signingKeyArn: 'signing-key-arn',
  /** JSON array of ARNs (`[]` when none): an SSM parameter cannot be empty. */
  previousKeyArns: 'previous-key-arns',
  jwksUrl: 'jwks-url',
  /** JSON, as `SCOPE_CATALOGUE`. */
  catalogue: 'catalogue',
  /** JSON: the policy fields an authorizer reads (`allowNoExpiry`, `retentionDays`). */
  policy: 'policy',
  flusherRoleArn: 'flusher-role-arn',
  stageRegistryPath: 'stage-registry-path',
} as const;

export type VerificationParameter = keyof typeof verificationParameters;

/** The policy fields an authorizer reads: published, the rest stays the service's. */
export function authorizerPolicyOf(policy: Partial<TokenPolicy> | undefined): Pick<TokenPolicy, 'allowNoExpiry' | 'retentionDays'> {
  const effective = { ...defaultPolicy, ...policy };
  return { allowNoExpiry: effective.allowNoExpiry, retentionDays: effective.retentionDays };
}

/** Where and what `PublishedVerification` writes. */
export interface PublishedVerificationProps {
  /** Starts with `/`, no trailing `/`, e.g. `/pat-service/prod/verification`. */
  readonly path: string;
  /** One value per published setting (deploy-time tokens allowed). */
  readonly values: Record<VerificationParameter, string>;
  /** Advanced tier for every parameter: AWS RAM shares only advanced parameters. @default false (standard, unless a value needs more) */
  readonly advancedTier?: boolean;
}

/** Writes the verification settings as SSM String parameters under one path (deleted with the stack). */
export class PublishedVerification extends Construct {
  readonly path: string;
  readonly parameters: Record<VerificationParameter, ssm.StringParameter>;

  constructor(scope: Construct, id: string, props: PublishedVerificationProps) {
    super(scope, id);
    if (!Token.isUnresolved(props.path) && !/^\/[A-Za-z0-9_.\-/]*[A-Za-z0-9_.-]$/.test(props.path))
      throw new InvalidSettingsError(
        `${this.node.path}: the verification parameter path must start with / and not end with one (got ${props.path})`,
      );
    this.path = props.path;
    this.parameters = Object.fromEntries(
      (Object.entries(verificationParameters) as Array<[VerificationParameter, string]>).map(([key, name]) => {
        const value = props.values[key];
        const parameter = new ssm.StringParameter(this, name, {
          parameterName: `${props.path}/${name}`,
          stringValue: value,
          description: `Token verification setting ${name}: read by importTokenVerification.fromParameters`,
          simpleName: false,
          // A catalogue can outgrow the standard tier's 4 KB.
          tier:
            props.advancedTier || (!Token.isUnresolved(value) && Buffer.byteLength(value) > 4096)
              ? ssm.ParameterTier.ADVANCED
              : ssm.ParameterTier.STANDARD,
        });
        return [key, parameter];
      }),
    ) as Record<VerificationParameter, ssm.StringParameter>;
  }
}

/** Where `importTokenVerification.fromParameters` looks the published settings up. */
export interface VerificationParametersLookup {
  /** The service's `VerificationParameterPath` output, e.g. `/pat-service/PatService/Service/verification`. */
  readonly path: string;
  /**
   * The service's account, when it is not this stack's: the parameters are then read by ARN (shared
   * with this account through AWS RAM, `PatService` `consumerAccounts`), and the stage flusher cannot
   * reach this account's APIs. @default this stack's account
   */
  readonly serviceAccount?: string;
  /** The service's region, when it is not this stack's (the parameters are then read by ARN). @default this stack's region */
  readonly serviceRegion?: string;
}

/** The partition of a region (a literal; `Stack.partition` may be a token). */
function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** What `valueFromLookup` answers while the CLI has not looked a parameter up yet. */
const DUMMY_PREFIX = 'dummy-value-for-';
/**
 * Imports a token service by the settings it publishes under `path` (`PatService`
 * `verificationParameterPath`): CDK context lookups, as `ssm.StringParameter.valueFromLookup` does,
 * cached in `cdk.context.json` (commit it). The stack needs an explicit account and region.
 */
export function verificationFromParameters(scope: Construct, id: string, lookup: VerificationParametersLookup): TokenVerification {
  const stack = Stack.of(scope);
  const account = lookup.serviceAccount ?? stack.account;
  const region = lookup.serviceRegion ?? stack.region;
  const crossAccount = lookup.serviceAccount !== undefined && lookup.serviceAccount !== stack.account;
  const nameOf = (key: VerificationParameter) => {
    const name = `${lookup.path}/${verificationParameters[key]}`;
    // A literal ARN: a context lookup's key may hold no token (the partition is one in an app without region-aware flags).
    return crossAccount || region !== stack.region ? `arn:${partitionOf(region)}:ssm:${region}:${account}:parameter${name}` : name;
  };
  const values = Object.fromEntries(
    (Object.keys(verificationParameters) as VerificationParameter[]).map((key) => [
      key,
      ssm.StringParameter.valueFromLookup(scope, nameOf(key)),
    ]),
  ) as Record<VerificationParameter, string>;
  const pending = Object.values(values).some((value) => value.startsWith(DUMMY_PREFIX));
  const catalogue: ScopeCatalogue = pending
    ? [{ name: pendingArea, description: 'Stand-in while the CDK CLI looks the published catalogue up' }]
    : (JSON.parse(values.catalogue) as ScopeCatalogue);
  if (pending) markPending(catalogue);
  const attributes: TokenVerificationAttributes = {
    tableArn: pending
      ? Arn.format({ service: 'dynamodb', account, region, resource: 'table', resourceName: 'lookup-pending' }, stack)
      : values.tableArn,
    signingKeyArn: pending
      ? Arn.format({ service: 'kms', account, region, resource: 'key', resourceName: 'lookup-pending' }, stack)
      : values.signingKeyArn,
    previousKeyArns: pending ? [] : (JSON.parse(values.previousKeyArns) as string[]),
    issuer: pending ? 'https://lookup-pending.invalid' : values.issuer,
    jwksUrl: pending ? 'https://lookup-pending.invalid/.well-known/jwks.json' : values.jwksUrl,
    catalogue,
    policy: pending ? {} : (JSON.parse(values.policy) as Partial<TokenPolicy>),
    // The flusher's role cannot flush another account's stages: a consumer there has no flush.
    ...(crossAccount || pending ? {} : { flusherRoleArn: values.flusherRoleArn, stageRegistryPath: values.stageRegistryPath }),
  };
  if (crossAccount) {
    Annotations.of(scope).addWarningV2(
      'pat-service:no-stage-flush',
      `${id}: the token service is in account ${account}: its stage flusher cannot flush this account's APIs. A TokenAuthorizer here refuses a revoked token within its resultCache (20 s by default) plus 1 s, not 5 s; an HttpTokenAuthorizer or the verifier within its own bound (5 s by default).`,
    );
  }
  return importByAttributes(scope, id, attributes);
}

/**
 * A token service deployed elsewhere: by its outputs (`importTokenVerification(scope, id, attributes)`)
 * or, preferably, by the settings it publishes (`importTokenVerification.fromParameters(scope, id, { path })`).
 */
export const importTokenVerification: typeof importByAttributes & { fromParameters: typeof verificationFromParameters } = Object.assign(
  (scope: Construct, id: string, attributes: TokenVerificationAttributes) => importByAttributes(scope, id, attributes),
  { fromParameters: verificationFromParameters },
);

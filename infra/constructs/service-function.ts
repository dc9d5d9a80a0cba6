import { Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { HandlerSpec, KeyAccess, NarrowUpdate, TableAccess } from '../handlers';
import { waiveControl } from '../control-tower';
import { InvalidSettingsError, environmentNames } from '../settings';
import { functionCode } from './prebuilt-assets';
import { metricNamespace, serviceDimension } from './service-metrics';

export { projectRoot } from './prebuilt-assets';

/** The signing keys of a deployment: the newest signs, every one verifies (key rotation). */
export interface SigningKeyRing {
  /** The newest key: it signs (only the functions whose spec says `sign`), and verifies. */
  readonly signingKey: kms.IKey;
  /** Older keys whose tokens are still valid: verify only. */
  readonly previousKeys: readonly kms.IKey[];
  /**
   * Names `role` in the signing key's own policy as one that may `kms:Sign`. Absent on keys imported
   * from another stack, which only verify here.
   */
  allowSigning?(role: iam.IRole): void;
}

/** The HMAC key that derives refresh secrets: its id for the function, and the key-policy side of `kms:GenerateMac`. */
export interface RefreshMacKeyBinding {
  /** The HMAC_256 KMS key. */
  readonly key: kms.IKey;
  /** Names `role` in the key's own policy as one that may `kms:GenerateMac`. */
  allowGenerateMac(role: iam.IRole): void;
}

/** The environment variable that carries the refresh MAC key's ARN (a valid KMS `KeyId`). */
export const REFRESH_MAC_KEY_ENV = 'REFRESH_MAC_KEY_ID';

/** One handler's spec and what its bindings need. */
export interface ServiceFunctionProps {
  /** The handler: its entry, and exactly what it may touch. */
  readonly spec: HandlerSpec;
  /** The settings' environment variables (`environmentOf`). */
  readonly environment: Record<string, string>;
  /** Required when the spec declares table access. @default none (a spec that declares table access then fails) */
  readonly table?: dynamodb.ITable;
  /** Every function needs the key ids to load its configuration; only a spec's `signingKeys` grants IAM on them. */
  readonly keys: SigningKeyRing;
  /** Required when the spec declares `refreshMac`. @default none (a spec that declares `refreshMac` then fails) */
  readonly refreshMacKey?: RefreshMacKeyBinding;
  /** Retention of the function's log group. @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /** X-Ray active tracing. @default true */
  readonly tracing?: boolean;
}

/** Lambda's limit on the total size of a function's environment variables. */
const ENVIRONMENT_LIMIT_BYTES = 4096;

/**
 * One handler as a Lambda function: Node.js 22 on arm64, its code the handler's prebuilt bundle
 * (`scripts/build-functions.ts`: esbuild, minified, with source maps, the AWS SDK bundled and
 * tree-shaken: it loads faster than the runtime's copy, `npm run bench` measures both), its own log group, and its own role that holds
 * exactly what its spec lists. Each binding sets the environment variable and grants the permission
 * that goes with it, in one place.
 */
export class ServiceFunction extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** Every variable set on the function, kept to check the 4 KB limit at synth time. */
  private readonly environment: Record<string, string> = {};

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    super(scope, id);
    const { spec } = props;
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${spec.entry}: ${spec.description}`.slice(0, 1000),
    });
    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR });
    this.logGroup.grantWrite(this.role);

    this.function = new lambda.Function(this, 'Function', {
      code: functionCode(this, spec.entry),
      handler: 'index.handler',
      description: spec.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: spec.memorySize ?? 256,
      timeout: spec.timeout ?? Duration.seconds(10),
      role: this.role,
      logGroup: this.logGroup,
      tracing: props.tracing === false ? lambda.Tracing.DISABLED : lambda.Tracing.ACTIVE,
    });
    const environment = {
      ...props.environment,
      NODE_OPTIONS: '--enable-source-maps',
      // One service name and namespace for every function: the metrics' dimensions stay comparable.
      POWERTOOLS_SERVICE_NAME: serviceDimension.service,
      POWERTOOLS_METRICS_NAMESPACE: metricNamespace,
    };
    for (const [name, value] of Object.entries(environment)) this.addEnvironment(name, value);

    // Every function loads the same configuration, which names the keys; naming is not using.
    const keyArns = [props.keys.signingKey, ...props.keys.previousKeys].map((key) => key.keyArn);
    this.addEnvironment(environmentNames.signer, 'kms');
    this.addEnvironment(environmentNames.kmsKeyIds, keyArns.join(','));
    if (spec.signingKeys) bindSigningKeys(this, props.keys, spec.signingKeys);
    if (spec.refreshMac) {
      if (!props.refreshMacKey) throw new InvalidSettingsError(`${spec.entry} needs the refresh MAC key`);
      bindRefreshMacKey(this, props.refreshMacKey);
    }

    if (spec.table) {
      if (!props.table) throw new InvalidSettingsError(`${spec.entry} needs the token table`);
      bindTable(this, props.table, spec.table);
    }

    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is the runtime the service is specified and tested for (a supported LTS); moving to a newer one is this one line, after the handlers are tested on it.',
    });
    waiveControl(
      this.function,
      'lambda_inside_vpc_check',
      'The function calls only AWS APIs (DynamoDB, KMS, X-Ray, CloudWatch) and no private resource: a VPC would add NAT gateways or interface endpoints and cold-start latency and buy no isolation; IAM scopes what it can reach.',
    );
    waiveControl(
      this.logGroup,
      'cloudwatch_log_group_encrypted_check',
      'CloudWatch Logs encrypts at rest with its own keys; these logs carry no secrets by design (tokens and refresh keys are never logged, a test scans every log line for them), so a customer managed key would add cost and a failure path without protecting a secret.',
    );
    if (props.tracing !== false) {
      Validations.of(this.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions (Resource "*" is the only form AWS accepts).',
      });
    }
    this.node.addValidation({ validate: () => this.environmentProblems() });
  }

  /** The variables set so far (deploy-time values as tokens). */
  get environmentVariables(): Record<string, string> {
    return { ...this.environment };
  }

  addEnvironment(name: string, value: string): void {
    this.environment[name] = value;
    this.function.addEnvironment(name, value);
  }

  /** Lambda refuses an environment over 4 KB at deploy time; say so at synth time with the culprits. */
  private environmentProblems(): string[] {
    let bytes = 0;
    const sizes: string[] = [];
    for (const [name, value] of Object.entries(this.environment)) {
      const resolved = Stack.of(this).resolve(value) as unknown;
      // Deploy-time values (ARNs, names) are counted at a generous fixed size.
      const size = typeof resolved === 'string' && !Token.isUnresolved(resolved) ? Buffer.byteLength(resolved) : 160;
      bytes += Buffer.byteLength(name) + size;
      sizes.push(`${name} ${size} B`);
    }
    return bytes > ENVIRONMENT_LIMIT_BYTES
      ? [
          `The environment of ${this.node.path} is about ${bytes} bytes, over Lambda's 4 KB limit (${sizes.join(', ')}): shorten the catalogue descriptions or split the protected routes over several authorizers`,
        ]
      : [];
  }
}

/** TABLE_NAME, and the item and index actions of `access`: nothing else, never Scan. */
export function bindTable(target: ServiceFunction, table: dynamodb.ITable, access: TableAccess): void {
  target.addEnvironment(environmentNames.tableName, table.tableName);
  if (access.items.length > 0) {
    target.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'TokenTableItems', actions: [...access.items], resources: [table.tableArn] }),
    );
  }
  for (const update of access.narrowUpdates ?? []) {
    target.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: update.sid,
        actions: ['dynamodb:UpdateItem'],
        resources: [table.tableArn],
        conditions: narrowUpdateConditions(update),
      }),
    );
  }
  if (access.feedReads) {
    target.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'RevocationFeedReads',
        actions: ['dynamodb:Query'],
        resources: [table.tableArn],
        conditions: revocationFeedReadConditions(access.feedReads),
      }),
    );
  }
  if (access.queries && access.queries.length > 0) {
    target.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'TokenTableQueries',
        actions: ['dynamodb:Query'],
        resources: access.queries.map((index) => `${table.tableArn}/index/${index}`),
      }),
    );
  }
}

/** The IAM conditions that hold an UpdateItem to some items and attributes (a role's policy and a table's resource policy). */
export function narrowUpdateConditions(update: NarrowUpdate): Record<string, Record<string, unknown>> {
  return {
    'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': update.partitionKeyLike },
    'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...update.attributes] },
    // An UpdateItem that asked for ALL_OLD/ALL_NEW would read back attributes outside the list.
    StringEqualsIfExists: { 'dynamodb:ReturnValues': 'NONE' },
    // ForAllValues holds vacuously when a key is absent from the request: require both.
    Null: { 'dynamodb:LeadingKeys': 'false', 'dynamodb:Attributes': 'false' },
  };
}

/** A Query held to the revocation feed's partitions. */
export function revocationFeedReadConditions(reads: TableAccess['feedReads'] = 'changes'): Record<string, Record<string, unknown>> {
  return {
    // The changes (FEED#); the flusher also the due entries (DUE#).
    'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': reads === 'with-due' ? ['FEED#*', 'DUE#*'] : 'FEED#*' },
    Null: { 'dynamodb:LeadingKeys': 'false' },
  };
}

/** Public keys of every key in the ring; `sign` adds kms:Sign on the newest key only. */
export function bindSigningKeys(target: ServiceFunction, keys: SigningKeyRing, access: KeyAccess): void {
  target.role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'SigningKeysPublic',
      actions: ['kms:GetPublicKey'],
      resources: [keys.signingKey, ...keys.previousKeys].map((key) => key.keyArn),
    }),
  );
  if (access === 'sign') {
    if (!keys.allowSigning)
      throw new InvalidSettingsError(
        `${target.node.path} signs, but its signing key is imported: only the stack that owns the key can name its signers`,
      );
    target.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'SigningKeySign', actions: ['kms:Sign'], resources: [keys.signingKey.keyArn] }),
    );
    // The key policy names the signers too: an IAM policy alone no longer lets anyone sign.
    keys.allowSigning(target.role);
  }
}

/** REFRESH_MAC_KEY_ID, and `kms:GenerateMac` on that key, in IAM and in the key's own policy. */
export function bindRefreshMacKey(target: ServiceFunction, macKey: RefreshMacKeyBinding): void {
  target.addEnvironment(REFRESH_MAC_KEY_ENV, macKey.key.keyArn);
  target.role.addToPrincipalPolicy(
    new iam.PolicyStatement({ sid: 'RefreshMacKey', actions: ['kms:GenerateMac'], resources: [macKey.key.keyArn] }),
  );
  macKey.allowGenerateMac(target.role);
}

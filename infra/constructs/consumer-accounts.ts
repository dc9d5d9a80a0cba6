import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as ram from 'aws-cdk-lib/aws-ram';
import type * as ssm from 'aws-cdk-lib/aws-ssm';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { authorizerHandler, type TableAccess } from '../handlers';
import { narrowUpdateConditions, revocationFeedReadConditions } from './service-function';
import { InvalidSettingsError } from '../settings';

/** An AWS account id: twelve digits. */
const ACCOUNT = /^\d{12}$/;

/** What `ConsumerAccounts` grants and shares. */
export interface ConsumerAccountsProps {
  /** 12-digit AWS account ids whose token authorizers verify this service's tokens (none: nothing is created). */
  readonly accounts: readonly string[];
  /** The token table whose resource policy grants those accounts the authorizer's access. */
  readonly table: dynamodb.Table;
  /** The signing key whose policy lets those accounts `kms:GetPublicKey`. */
  readonly signingKey: kms.Key;
  /** The published verification settings, shared with the accounts through AWS RAM. */
  readonly parameters: readonly ssm.StringParameter[];
}

/**
 * Lets token authorizers in other accounts verify this service's tokens, and nothing more: the
 * table's resource policy grants those accounts exactly the authorizer's table access (the record
 * reads, the narrow bookkeeping UpdateItems with their IAM conditions, the revocation feed Query),
 * the signing key's policy `kms:GetPublicKey`, and a RAM share makes the published settings
 * readable there (`importTokenVerification.fromParameters(…, { serviceAccount })`). Each account's
 * own IAM decides which of its roles use the grant (a `TokenAuthorizer` role holds the same list).
 */
export class ConsumerAccounts extends Construct {
  constructor(scope: Construct, id: string, props: ConsumerAccountsProps) {
    super(scope, id);
    const accounts = [...new Set(props.accounts)];
    const wrong = accounts.filter((account) => !ACCOUNT.test(account));
    if (wrong.length > 0)
      throw new InvalidSettingsError(`${this.node.path}: consumerAccounts must be 12-digit AWS account ids (got ${wrong.join(', ')})`);
    if (accounts.length === 0) return;
    const principals = accounts.map((account) => new iam.AccountPrincipal(account));
    for (const statement of tableStatements(authorizerHandler.table!, principals)) props.table.addToResourcePolicy(statement);
    props.signingKey.addToResourcePolicy(
      new iam.PolicyStatement({ sid: 'ConsumerAccountsPublicKey', principals, actions: ['kms:GetPublicKey'], resources: ['*'] }),
    );
    new ram.CfnResourceShare(this, 'VerificationSettings', {
      name: `${this.node.path.replace(/\//g, '-')}-verification-settings`,
      principals: accounts,
      resourceArns: props.parameters.map((parameter) => parameter.parameterArn),
      allowExternalPrincipals: true,
    });
  }
}

/**
 * The table access of the authorizer as resource-policy statements: the same actions and conditions
 * `bindTable` gives its role, on the table itself (`*` in a table's own policy means that table).
 */
function tableStatements(access: TableAccess, principals: iam.IPrincipal[]): iam.PolicyStatement[] {
  const statements: iam.PolicyStatement[] = [];
  if (access.items.length > 0)
    statements.push(new iam.PolicyStatement({ sid: 'ConsumerTokenReads', principals, actions: [...access.items], resources: ['*'] }));
  for (const update of access.narrowUpdates ?? []) {
    statements.push(
      new iam.PolicyStatement({
        sid: `Consumer${update.sid}`,
        principals,
        actions: ['dynamodb:UpdateItem'],
        resources: ['*'],
        conditions: narrowUpdateConditions(update),
      }),
    );
  }
  if (access.feedReads) {
    statements.push(
      new iam.PolicyStatement({
        sid: 'ConsumerRevocationFeedReads',
        principals,
        actions: ['dynamodb:Query'],
        resources: ['*'],
        conditions: revocationFeedReadConditions(),
      }),
    );
  }
  return statements;
}

import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { waiveControl } from '../control-tower';
import { tableIndexes, TTL_ATTRIBUTE } from '../../functions/adapters/dynamodb/table-layout';

/** The token table's name, if it must be fixed. */
export interface TokenTableProps {
  /**
   * A fixed table name. Leave it to CloudFormation unless something outside this stack must know it:
   * a retained table with a fixed name blocks a redeployment of the stack under another name.
   * @default a generated name
   */
  readonly tableName?: string;
}

/**
 * The token records and description locks: keys `pk`/`sk`, the indexes the store queries (by owner,
 * by tenant, by refresh family; never a scan), on-demand capacity, TTL on the attribute the store
 * writes, point-in-time recovery, and deletion protection. Retained when the stack goes: it holds
 * every issued token's record, and without it no token can be verified.
 */
export class TokenTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: TokenTableProps = {}) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      tableName: props.tableName,
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    waiveControl(
      this.table,
      'dynamodb_table_encrypted_kms_check',
      "Encrypted at rest with DynamoDB's AWS owned key. The table holds no secret in clear (refresh keys only as hashes, access tokens never), and a customer managed key on the hot path would add a KMS dependency to every read of the authorizer, which fails closed.",
    );
    // The same layout as the store's and DynamoDB Local's (`tableIndexes`), so they cannot drift.
    for (const [indexName, keys] of Object.entries(tableIndexes)) {
      this.table.addGlobalSecondaryIndex({
        indexName,
        partitionKey: { name: keys.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: keys.sortKey, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
  }
}

import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { tableIndexes, type IndexName } from '../../functions/adapters/dynamodb/table-layout';
import { applyUpdate, evaluateCondition, ValidationException, type ExpressionContext, type Item } from './expressions';

/** One committed change of one item: its image before and after (undefined: no item). */
export interface ItemChange {
  key: string;
  before: Item | undefined;
  after: Item | undefined;
}

/** Told of every commit: all its changes, at one instant, and which actor's call made it. */
export type CommitListener = (changes: ItemChange[], at: number, actor: string) => void;

interface Version {
  at: number;
  item: Item | undefined;
}

type Condition = { ConditionExpression?: string; ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Item };

const keyOf = (key: Item): string => {
  if (typeof key.pk !== 'string' || typeof key.sk !== 'string')
    throw new ValidationException('The provided key element does not match the schema');
  return `${key.pk}\u0000${key.sk}`;
};

const contextOf = (input: Condition): ExpressionContext => ({
  names: input.ExpressionAttributeNames,
  values: input.ExpressionAttributeValues,
});

const conditionFailed = (old: Item | undefined, returnOld: boolean) =>
  new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: {},
    ...(returnOld && old ? { Item: marshall(old, { removeUndefinedValues: true }) } : {}),
  });

function withoutUndefined(item: Item): Item {
  const copy: Item = {};
  for (const [name, value] of Object.entries(item)) if (value !== undefined) copy[name] = value;
  return structuredClone(copy);
}

/**
 * The token table as DynamoDB keeps it, at the level of the document client: items by (pk, sk),
 * every version kept with the instant it committed. Strongly consistent reads see the newest
 * version; a query on a global secondary index sees the table as of an instant the caller draws
 * (DynamoDB's indexes are eventually consistent: a write shows up there later). Each operation
 * runs at one instant; a transaction's writes commit together or not at all.
 */
export class SimulatedDynamoDb {
  private readonly versions = new Map<string, Version[]>();
  /** Keys by partition, for table queries (the feed). */
  private readonly partitions = new Map<string, Set<string>>();
  /** TransactWriteItems' ClientRequestToken: a retry of a committed transaction succeeds without writing again. */
  private readonly transactionTokens = new Set<string>();
  readonly listeners: CommitListener[] = [];

  constructor(private readonly now: () => number) {}

  current(key: string): Item | undefined {
    const history = this.versions.get(key);
    return history?.[history.length - 1]?.item;
  }

  /** Every item as it is now. */
  *items(): Iterable<Item> {
    for (const history of this.versions.values()) {
      const item = history[history.length - 1]!.item;
      if (item) yield item;
    }
  }

  private asOf(key: string, at: number): Item | undefined {
    const history = this.versions.get(key)!;
    for (let index = history.length - 1; index >= 0; index--) if (history[index]!.at <= at) return history[index]!.item;
    return undefined;
  }

  private commit(changes: ItemChange[], actor: string): void {
    const at = this.now();
    for (const change of changes) {
      let history = this.versions.get(change.key);
      if (!history) {
        history = [];
        this.versions.set(change.key, history);
        const pk = change.key.split('\u0000')[0]!;
        let keys = this.partitions.get(pk);
        if (!keys) this.partitions.set(pk, (keys = new Set()));
        keys.add(change.key);
      }
      history.push({ at, item: change.after });
    }
    for (const listener of this.listeners) listener(changes, at, actor);
  }

  get(input: { Key: Item }): { Item?: Item } {
    const item = this.current(keyOf(input.Key));
    return item ? { Item: structuredClone(item) } : {};
  }

  batchGet(input: { RequestItems: Record<string, { Keys: Item[] }> }): {
    Responses: Record<string, Item[]>;
    UnprocessedKeys: Record<string, never>;
  } {
    const responses: Record<string, Item[]> = {};
    for (const [table, request] of Object.entries(input.RequestItems)) {
      if (request.Keys.length > 100) throw new ValidationException('Too many items requested for the BatchGetItem call');
      responses[table] = request.Keys.map((key) => this.current(keyOf(key)))
        .filter((item) => item !== undefined)
        .map((item) => structuredClone(item));
    }
    // Never unprocessed keys: the adapter would back off on a real timer.
    return { Responses: responses, UnprocessedKeys: {} };
  }

  /** The change a Put, Update, Delete or ConditionCheck would make, or the failed condition. */
  private planned(
    kind: 'Put' | 'Update' | 'Delete' | 'ConditionCheck',
    input: Item & Condition,
  ): { change?: ItemChange; failed?: Item | undefined; ok: boolean } {
    const keySource = kind === 'Put' ? (input.Item as Item) : (input.Key as Item);
    const key = keyOf(keySource);
    const before = this.current(key);
    if (input.ConditionExpression && !evaluateCondition(input.ConditionExpression, before, contextOf(input)))
      return { ok: false, failed: before };
    if (kind === 'ConditionCheck') return { ok: true };
    if (kind === 'Delete') return { ok: true, change: { key, before, after: undefined } };
    if (kind === 'Put') return { ok: true, change: { key, before, after: withoutUndefined(input.Item as Item) } };
    const after = applyUpdate(
      input.UpdateExpression as string,
      before ?? { pk: (input.Key as Item).pk, sk: (input.Key as Item).sk },
      contextOf(input),
    );
    if (after.pk !== (input.Key as Item).pk || after.sk !== (input.Key as Item).sk)
      throw new ValidationException('Cannot update attribute pk or sk: it is part of the key');
    return { ok: true, change: { key, before, after } };
  }

  write(kind: 'Put' | 'Update' | 'Delete', input: Item & Condition, actor: string): Item {
    const plan = this.planned(kind, input);
    if (!plan.ok) throw conditionFailed(plan.failed, input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD');
    this.commit([plan.change!], actor);
    return {};
  }

  transact(input: { TransactItems: Item[]; ClientRequestToken?: string }, actor: string): Item {
    if (input.ClientRequestToken && this.transactionTokens.has(input.ClientRequestToken)) return {};
    const seen = new Set<string>();
    const plans = input.TransactItems.map((entry) => {
      const kind = (['Put', 'Update', 'Delete', 'ConditionCheck'] as const).find((name) => entry[name] !== undefined);
      if (!kind) throw new ValidationException('A transaction item names no operation');
      const operation = entry[kind] as Item & Condition;
      const key = keyOf(kind === 'Put' ? (operation.Item as Item) : (operation.Key as Item));
      if (seen.has(key)) throw new ValidationException('Transaction request cannot include multiple operations on one item');
      seen.add(key);
      return { plan: this.planned(kind, operation), returnOld: operation.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' };
    });
    if (plans.some(({ plan }) => !plan.ok)) {
      const reasons = plans.map(({ plan, returnOld }) =>
        plan.ok
          ? { Code: 'None' }
          : {
              Code: 'ConditionalCheckFailed',
              Message: 'The conditional request failed',
              ...(returnOld && plan.failed ? { Item: marshall(plan.failed, { removeUndefinedValues: true }) } : {}),
            },
      );
      throw new TransactionCanceledException({
        message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
        $metadata: {},
        CancellationReasons: reasons,
      });
    }
    if (input.ClientRequestToken) this.transactionTokens.add(input.ClientRequestToken);
    this.commit(
      plans.map(({ plan }) => plan.change).filter((change) => change !== undefined),
      actor,
    );
    return {};
  }

  /**
   * A query on the table (strongly consistent when asked) or on an index, as of `indexAsOf` for an
   * index (its lag). `Limit` counts items read before the filter, as DynamoDB's does.
   */
  query(
    input: Item &
      Condition & {
        KeyConditionExpression: string;
        FilterExpression?: string;
        IndexName?: string;
        Limit?: number;
        ExclusiveStartKey?: Item;
        ScanIndexForward?: boolean;
        Select?: string;
        ConsistentRead?: boolean;
      },
    indexAsOf: number,
  ): Item {
    const index = input.IndexName as IndexName | undefined;
    if (index !== undefined && !(index in tableIndexes))
      throw new ValidationException(`The table does not have the specified index: ${index}`);
    if (index !== undefined && input.ConsistentRead)
      throw new ValidationException('Consistent reads are not supported on global secondary indexes');
    const partitionKey = index ? tableIndexes[index].partitionKey : 'pk';
    const sortKey = index ? tableIndexes[index].sortKey : 'sk';
    const context = contextOf(input);
    const candidates: Item[] = [];
    const keys = index ? this.versions.keys() : (this.partitionOf(input) ?? []);
    for (const key of keys) {
      const item = index ? this.asOf(key, indexAsOf) : this.current(key);
      if (!item || item[partitionKey] === undefined || item[sortKey] === undefined) continue;
      if (evaluateCondition(input.KeyConditionExpression, item, context)) candidates.push(item);
    }
    const position = (item: Item) => [item[sortKey], item.pk, item.sk] as string[];
    const compare = (a: string[], b: string[]) => {
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
      return 0;
    };
    const forward = input.ScanIndexForward !== false;
    candidates.sort((a, b) => (forward ? 1 : -1) * compare(position(a), position(b)));
    let start = 0;
    if (input.ExclusiveStartKey) {
      const from = position(input.ExclusiveStartKey);
      start = candidates.findIndex((item) => (forward ? 1 : -1) * compare(position(item), from) > 0);
      if (start < 0) start = candidates.length;
    }
    const limit = input.Limit ?? Number.POSITIVE_INFINITY;
    const evaluated = candidates.slice(start, start + limit);
    const matched = input.FilterExpression
      ? evaluated.filter((item) => evaluateCondition(input.FilterExpression!, item, context))
      : evaluated;
    const last = evaluated[evaluated.length - 1];
    const lastKey =
      evaluated.length === limit && last
        ? { pk: last.pk, sk: last.sk, ...(index ? { [partitionKey]: last[partitionKey], [sortKey]: last[sortKey] } : {}) }
        : undefined;
    return {
      ...(input.Select === 'COUNT' ? {} : { Items: matched.map((item) => structuredClone(item)) }),
      Count: matched.length,
      ScannedCount: evaluated.length,
      ...(lastKey ? { LastEvaluatedKey: lastKey } : {}),
    };
  }

  /** The keys of the one partition a table query's key condition names (`pk = :value`). */
  private partitionOf(input: Item & Condition & { KeyConditionExpression: string }): Iterable<string> | undefined {
    const match = /^\s*(#?\w+)\s*=\s*(:\w+)/.exec(input.KeyConditionExpression);
    if (!match) throw new ValidationException('Query condition missed key schema element: pk');
    const name = match[1]!.startsWith('#') ? input.ExpressionAttributeNames?.[match[1]!] : match[1];
    if (name !== 'pk') throw new ValidationException('Query condition missed key schema element: pk');
    const value = input.ExpressionAttributeValues?.[match[2]!];
    return typeof value === 'string' ? this.partitions.get(value) : undefined;
  }
}

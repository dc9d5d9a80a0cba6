import { ConditionalCheckFailedException, TransactionCanceledException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  TransactWriteCommand,
  UpdateCommand,
  type TransactWriteCommandInput,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { DependencyUnavailable } from '../../domain/errors';
import { DAY_SECONDS } from '../../domain/token-policy';
import type { Clock } from '../../service/ports';

export interface DynamoTableOptions {
  tableName: string;
  /** Days a dead record is kept after expiry (or revocation) before TTL deletes it. */
  retentionDays: number;
  /**
   * Stamps revocation feed entries when they are written (the system clock unless given: tests and
   * the bench pass their simulated one).
   */
  clock?: Clock;
  /** Pauses between retries (timers unless given: the simulation passes its scheduler's). */
  sleep?: (ms: number) => Promise<void>;
  /**
   * The document client to send through, instead of one built on `client` (the simulation in
   * test/simulation gives its in-process DynamoDB model here).
   */
  documents?: DynamoDBDocumentClient;
}

/** Attempts of a transaction cancelled by another transaction on one of its items. */
const TRANSACTION_CONFLICT_ATTEMPTS = 5;

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** A transaction whose items have names, so that a cancellation says which condition failed. */
export type NamedTransaction = Record<string, TransactItem>;

/** A transaction cancelled by conditions: which named items failed, with their old images. */
export class TransactionRefused extends Error {
  constructor(readonly failed: Map<string, Record<string, unknown> | undefined>) {
    super(`Transaction refused by ${[...failed.keys()].join(', ')}`);
    this.name = 'TransactionRefused';
  }
}

/**
 * The table every DynamoDB adapter shares: one document client, the table's name, and the one way
 * SDK calls are made, which turns faults into `DependencyUnavailable` (503) and cancelled
 * transactions into `TransactionRefused` naming the items whose condition failed.
 */
export class DynamoTable {
  readonly documents: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    readonly options: DynamoTableOptions,
  ) {
    this.documents = options.documents ?? DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  get name(): string {
    return this.options.tableName;
  }

  /** Now, by the clock that stamps feed entries. */
  now(): number {
    return this.options.clock?.now() ?? Date.now();
  }

  /** TTL (epoch seconds) for a record that is dead from `millis` on: that moment plus the retention. */
  deadRecordTtl(millis: number): number {
    return Math.floor(millis / 1000) + this.options.retentionDays * DAY_SECONDS;
  }

  /**
   * Runs one transaction. Every conditional item returns its old image when its condition fails.
   * A transaction cancelled only because another one was writing the same item at that moment
   * (`TransactionConflict`: concurrent creates of one owner share the owner's item) wrote nothing
   * and is retried a few times after a short random pause before it is a fault (503).
   */
  async transact(items: NamedTransaction): Promise<void> {
    const names = Object.keys(items);
    const transactItems = names.map((name) => withOldImageOnFailure(items[name]!));
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.documents.send(new TransactWriteCommand({ TransactItems: transactItems }));
          return;
        } catch (error) {
          const conflicted =
            error instanceof TransactionCanceledException &&
            error.CancellationReasons?.some((reason) => reason.Code === 'TransactionConflict') &&
            !error.CancellationReasons.some((reason) => reason.Code === 'ConditionalCheckFailed');
          if (!conflicted || attempt >= TRANSACTION_CONFLICT_ATTEMPTS) throw error;
          await this.sleep(5 + Math.floor(Math.random() * 20 * attempt));
        }
      }
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) return this.call(() => Promise.reject(error));
      const failed = new Map<string, Record<string, unknown> | undefined>();
      error.CancellationReasons?.forEach((reason, index) => {
        if (reason.Code === 'ConditionalCheckFailed') failed.set(names[index]!, reason.Item ? unmarshall(reason.Item) : undefined);
      });
      if (failed.size === 0) return this.call(() => Promise.reject(error));
      throw new TransactionRefused(failed);
    }
  }

  /** Waits `ms` by the table's clock of waits (the simulation's scheduler; timers otherwise). */
  sleep(ms: number): Promise<void> {
    return this.options.sleep ? this.options.sleep(ms) : new Promise((resolve) => setTimeout(resolve, ms));
  }

  /**
   * Updates one item of this table; false when its condition refused the write (the item is gone,
   * or already as the update would make it), which for these callers is an answer, not a fault.
   */
  async update(input: Omit<UpdateCommandInput, 'TableName'>): Promise<boolean> {
    try {
      await this.call(() => this.documents.send(new UpdateCommand({ TableName: this.name, ...input })));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Runs an SDK call; faults of the service become `DependencyUnavailable` (503), not 500s. */
  async call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (
        error instanceof TransactionCanceledException &&
        !error.CancellationReasons?.some((reason) => reason.Code === 'ConditionalCheckFailed')
      ) {
        // Cancelled for TransactionConflict (a concurrent write to one of the items, e.g. the
        // authorizer's lastUsedAt), ThrottlingError…: a fault of the moment, worth a retry.
        throw new DependencyUnavailable('DynamoDB', { cause: error });
      }
      if (error instanceof ConditionalCheckFailedException || error instanceof TransactionCanceledException) throw error;
      // A request DynamoDB rejects as malformed is a bug of ours: let it surface as a 500, logged.
      if (error instanceof Error && error.name === 'ValidationException') throw error;
      throw new DependencyUnavailable('DynamoDB', { cause: error });
    }
  }
}

function withOldImageOnFailure(item: TransactItem): TransactItem {
  if (item.Put?.ConditionExpression) return { Put: { ...item.Put, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } };
  if (item.Update?.ConditionExpression) return { Update: { ...item.Update, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } };
  return item;
}

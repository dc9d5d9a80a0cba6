import {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { SimulatedDynamoDb } from './dynamodb-model';
import type { Item } from './expressions';
import type { Random } from './random';
import type { Scheduler } from './scheduler';

/** How often each fault happens to a call, and how slow a slow leg is. One profile per seed. */
export interface FaultProfile {
  /** Each leg (request, response) of a call is slow with this probability. */
  slowProbability: number;
  slowMs: readonly [number, number];
  /** A write's request leg is slow (it commits late, its stamps early) with this probability, besides `slowProbability`. */
  slowWriteProbability?: number;
  /** Throttled: nothing written, the caller gets an error. */
  failBefore: number;
  /** Written, then the caller's request times out: it gets an error although the write landed. */
  timeoutAfterCommit: number;
  /** Written, the answer lost, and the SDK sends the very same input again (its original stamps). */
  retryAfterCommit: number;
  /** The caller dies (its Lambda times out, its process stops): the call never answers, before or after its write. */
  crash: number;
  /** A transaction cancelled for a conflicting concurrent write (a fault of the moment). */
  transactionConflict: number;
  /** How far behind the table a global secondary index read may be. */
  indexLagMaxMs: number;
}

export const calmProfile: FaultProfile = {
  slowProbability: 0,
  slowMs: [0, 0],
  failBefore: 0,
  timeoutAfterCommit: 0,
  retryAfterCommit: 0,
  crash: 0,
  transactionConflict: 0,
  indexLagMaxMs: 0,
};

export type FaultKind =
  | 'slow'
  | 'fail_before'
  | 'timeout_after_commit'
  | 'retry_after_commit'
  | 'crash'
  | 'transaction_conflict'
  | 'index_lag';

export class FaultCounters {
  readonly counts = new Map<string, number>();
  add(kind: string): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
  }
}

type Operation = 'Get' | 'BatchGet' | 'Put' | 'Update' | 'Delete' | 'TransactWrite' | 'Query';

function operationOf(command: unknown): Operation {
  if (command instanceof GetCommand) return 'Get';
  if (command instanceof BatchGetCommand) return 'BatchGet';
  if (command instanceof PutCommand) return 'Put';
  if (command instanceof UpdateCommand) return 'Update';
  if (command instanceof DeleteCommand) return 'Delete';
  if (command instanceof TransactWriteCommand) return 'TransactWrite';
  if (command instanceof QueryCommand) return 'Query';
  throw new Error(`The simulated DynamoDB does not model ${(command as object).constructor.name}`);
}

const isWrite = (operation: Operation) =>
  operation === 'Put' || operation === 'Update' || operation === 'Delete' || operation === 'TransactWrite';

export interface ClientOptions {
  /** The caller's name in the trace and in commit notices. */
  actor: string;
  faults: FaultProfile;
  /** An IAM model: throws (AccessDeniedException) for a call the actor's role does not allow. */
  authorize?: (operation: Operation, input: Item) => void;
}

/**
 * The network and the SDK between an adapter and the simulated DynamoDB: every call takes a
 * latency drawn from the seed, and may be throttled, time out after its write landed, be resent by
 * the SDK with its original input, or never answer because its caller died.
 */
export class SimulatedNetwork {
  private calls = 0;

  constructor(
    private readonly db: SimulatedDynamoDb,
    private readonly scheduler: Scheduler,
    private readonly random: Random,
    readonly faults: FaultCounters,
    private readonly note: (actor: string, text: string) => void,
  ) {}

  /** A document client for one actor: a real `DynamoDBDocumentClient` (paginators check that) whose `send` comes here. */
  documentsFor(options: ClientOptions): DynamoDBDocumentClient {
    const documents = Object.create(DynamoDBDocumentClient.prototype) as DynamoDBDocumentClient;
    Object.defineProperty(documents, 'send', { value: (command: { input: Item }) => this.send(command, options) });
    return documents;
  }

  private leg(profile: FaultProfile, lateWrite = false): number {
    const slow = profile.slowProbability + (lateWrite ? (profile.slowWriteProbability ?? 0) : 0);
    if (slow > 0 && this.random.chance(slow)) {
      this.faults.add('slow');
      return this.random.int(profile.slowMs[0], profile.slowMs[1]);
    }
    return this.random.int(2, 12);
  }

  private send(command: { input: Item }, options: ClientOptions): Promise<Item> {
    const operation = operationOf(command);
    const input = structuredClone(command.input);
    const profile = options.faults;
    const call = ++this.calls;
    if (operation === 'TransactWrite') input.ClientRequestToken ??= `sim-${call}`;
    const requestMs = this.leg(profile, isWrite(operation));
    const responseMs = this.leg(profile);
    if (requestMs >= 250 || responseMs >= 250)
      this.note(options.actor, `slow ${operation}: ${requestMs} ms to DynamoDB, ${responseMs} ms back`);
    const draw = this.random.float();
    let fault: FaultKind | 'none' = 'none';
    let threshold = 0;
    for (const [kind, probability] of [
      ['fail_before', profile.failBefore],
      ['crash', profile.crash],
      ['timeout_after_commit', isWrite(operation) ? profile.timeoutAfterCommit : 0],
      ['retry_after_commit', isWrite(operation) ? profile.retryAfterCommit : 0],
      ['transaction_conflict', operation === 'TransactWrite' ? profile.transactionConflict : 0],
    ] as const) {
      threshold += probability;
      if (draw < threshold) {
        fault = kind;
        break;
      }
    }
    const crashAfterWrite = fault === 'crash' && this.random.chance(0.5);
    const indexLag = operation === 'Query' && input.IndexName !== undefined ? this.random.int(0, profile.indexLagMaxMs) : 0;
    if (indexLag > 0) this.faults.add('index_lag');
    if (fault !== 'none') {
      this.faults.add(fault);
      this.note(
        options.actor,
        `fault ${fault}${fault === 'crash' ? (crashAfterWrite ? ' (after its write)' : ' (before its write)') : ''} on ${operation}`,
      );
    }

    const execute = (): { ok: true; output: Item } | { ok: false; error: unknown } => {
      try {
        options.authorize?.(operation, input);
        return { ok: true, output: this.execute(operation, input, options.actor, indexLag) };
      } catch (error) {
        return { ok: false, error };
      }
    };
    return new Promise<Item>((resolve, reject) => {
      const answer = (result: { ok: true; output: Item } | { ok: false; error: unknown }) =>
        result.ok ? resolve(structuredClone(result.output)) : reject(result.error);
      this.scheduler.after(requestMs, () => {
        switch (fault) {
          case 'fail_before':
            return this.scheduler.after(responseMs, () => reject(throttled()));
          case 'transaction_conflict':
            return this.scheduler.after(responseMs, () =>
              reject(
                new TransactionCanceledException({
                  message: 'Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict]',
                  $metadata: {},
                  CancellationReasons: (input.TransactItems as unknown[]).map(() => ({ Code: 'TransactionConflict' })),
                }),
              ),
            );
          case 'crash':
            if (crashAfterWrite) execute();
            return; // never answers
          case 'timeout_after_commit':
            execute();
            return this.scheduler.after(responseMs, () => reject(timedOut()));
          case 'retry_after_commit': {
            execute();
            // The answer is lost; the SDK resends the same request after its backoff.
            const backoff = this.random.int(50, 400);
            return this.scheduler.after(responseMs + backoff, () => {
              const retried = execute();
              this.scheduler.after(this.leg(profile), () => answer(retried));
            });
          }
          default: {
            const result = execute();
            return this.scheduler.after(responseMs, () => answer(result));
          }
        }
      });
    });
  }

  private execute(operation: Operation, input: Item, actor: string, indexLag: number): Item {
    switch (operation) {
      case 'Get':
        return this.db.get(input as never);
      case 'BatchGet':
        return this.db.batchGet(input as never);
      case 'Put':
      case 'Update':
      case 'Delete':
        return this.db.write(operation, input as never, actor);
      case 'TransactWrite':
        return this.db.transact(input as never, actor);
      case 'Query':
        return this.db.query(input as never, this.scheduler.now() - indexLag);
    }
  }
}

function throttled(): Error {
  const error = new Error('Rate of requests exceeds the allowed throughput');
  error.name = 'ProvisionedThroughputExceededException';
  return error;
}

function timedOut(): Error {
  const error = new Error('Connection timed out after the request was sent');
  error.name = 'TimeoutError';
  return error;
}

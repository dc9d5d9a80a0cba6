import {
  DynamoDBServiceException,
  InternalServerError,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterAll, beforeAll, expect } from 'vitest';
import { dynamoClient } from '../../../functions/adapters/aws-clients';
import { DynamoTokenStore } from '../../support/dynamo-token-store';
import type { LocalKeyRing } from '../../../functions/adapters/local-signer';
import { DependencyUnavailable, DomainError } from '../../../functions/domain/errors';
import { defaultPolicy } from '../../../functions/domain/token-policy';
import { httpHandler } from '../../../functions/http/http-handler';
import { json } from '../../../functions/http/responses';
import { lambdaContext } from '../../../functions/local/api-gateway-event';
import { logger } from '../../../functions/observability/logger';
import type { AuthorizeRequest } from '../../../functions/service/authorize';
import { allItems, freshTable } from '../../support/dynamo';
import { ManualClock, newKeyRing, tokenService, user } from '../../support/fixtures';
import { report, setHandlerLogLevel, setLogEcho, table } from './log-capture';

/**
 * What the fault suites share (faults-dynamodb, faults-conditions, faults-kms): faults injected at the
 * SDK level into the real DynamoTokenStore (a middleware inside the SDK's retry loop, so its retries
 * run as in production), a scenario per test on a table of the suite's own, the shared HTTP error map
 * a use case's failure goes through, and the table of outcomes each suite prints.
 */

export type FaultTable = Awaited<ReturnType<typeof freshTable>>;
/** use case, fault, SDK attempts, outcome, HTTP, half-writes */
export type FaultRow = [string, string, string, string, string, string];

/**
 * Registers the suite's hooks: a fresh table before, the outcome table after (every failure is
 * logged at ERROR: captured and scanned for secrets, not echoed).
 */
export function faultSuite(title: string): {
  rows: FaultRow[];
  table: () => FaultTable;
  scenario: (options?: { keys?: LocalKeyRing }) => Scenario;
} {
  let shared: FaultTable | undefined;
  const rows: FaultRow[] = [];
  beforeAll(async () => {
    setLogEcho(false);
    setHandlerLogLevel(logger, 'INFO');
    shared = await freshTable('faults');
  });
  afterAll(() => {
    setHandlerLogLevel(logger, 'WARN');
    const halfWrites = rows.reduce((sum, row) => sum + (Number.parseInt(row[5], 10) || 0), 0);
    const serverErrors = rows.filter((row) => row[4].split('/').includes('500'));
    report(
      `\nFault injection: ${title}\n${table(['use case', 'fault', 'SDK attempts', 'outcome', 'HTTP', 'half-writes'], rows)}\n` +
        `faults (${title}): ${rows.length} scenarios, ${serverErrors.length} answered 500, ` +
        `${rows.filter((row) => row[4] === 'hangs').length} hung, ${halfWrites} half-writes\n`,
    );
  });
  const tableOf = () => {
    if (!shared) throw new Error('the fault table is created in beforeAll');
    return shared;
  };
  return { rows, table: tableOf, scenario: (options = {}) => scenarioOn(tableOf(), options) };
}

// ---------------------------------------------------------------------------------------------
// Fault injection on a DynamoDB client

interface Fault {
  command: string;
  error: () => Error;
  /** How many calls fail; the rest pass. */
  times: number;
  /** Fail after the real call went through (the answer is lost, the write happened). */
  afterCall: boolean;
}

export class FaultyDynamo {
  readonly client: DynamoDBClient;
  readonly store: DynamoTokenStore;
  private faults: Fault[] = [];
  readonly attempts = new Map<string, number>();

  constructor(shared: FaultTable) {
    this.client = dynamoClient(shared.endpoint);
    this.store = new DynamoTokenStore(this.client, { tableName: shared.tableName, retentionDays: defaultPolicy.retentionDays });
    this.client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = context.commandName ?? '';
        this.attempts.set(command, (this.attempts.get(command) ?? 0) + 1);
        const fault = this.faults.find((f) => f.command === command && f.times > 0);
        if (fault && !fault.afterCall) {
          fault.times--;
          throw fault.error();
        }
        const output = await next(args);
        if (fault?.afterCall) {
          fault.times--;
          throw fault.error();
        }
        return output;
      },
      // Inside the retry middleware (finalizeRequest, high priority): each attempt passes here.
      { step: 'finalizeRequest', priority: 'low', name: 'faultInjection' },
    );
  }

  fail(command: string, error: () => Error, options: { times?: number; afterCall?: boolean } = {}): this {
    this.faults.push({ command, error, times: options.times ?? Number.POSITIVE_INFINITY, afterCall: options.afterCall ?? false });
    this.attempts.clear();
    return this;
  }

  heal(): void {
    this.faults = [];
  }
}

export const metadata = (httpStatusCode: number) => ({ httpStatusCode, requestId: 'fault-injection', attempts: 1, totalRetryDelay: 0 });
export const dynamoFaults: Record<string, () => Error> = {
  throttling: () =>
    new ProvisionedThroughputExceededException({ message: 'Rate of requests exceeds the allowed throughput', $metadata: metadata(400) }),
  '500 InternalServerError': () => new InternalServerError({ message: 'Internal server error', $metadata: metadata(500) }),
  '503 ServiceUnavailable': () =>
    new DynamoDBServiceException({
      name: 'ServiceUnavailable',
      $fault: 'server',
      message: 'Service unavailable',
      $metadata: metadata(503),
    }),
  timeout: () => Object.assign(new Error('the request socket timed out'), { name: 'TimeoutError', code: 'ETIMEDOUT' }),
};
export const cancelled =
  (...codes: string[]) =>
  () =>
    new TransactionCanceledException({
      message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
      CancellationReasons: codes.map((Code) => ({ Code, ...(Code === 'None' ? {} : { Message: Code }) })),
      $metadata: metadata(400),
    });

// ---------------------------------------------------------------------------------------------
// Scenarios and outcomes

export const keys = newKeyRing();

/** A user of the shared table nobody else uses, with a clean (unfaulted) service for setup and checks. */
export type Scenario = ReturnType<typeof scenarioOn>;

export function scenarioOn(shared: FaultTable, options: { keys?: LocalKeyRing } = {}) {
  const owner = `u-${Math.random().toString(36).slice(2, 10)}`;
  const clock = new ManualClock(Date.now());
  const clean = tokenService(shared.store, clock, { keys: options.keys ?? keys }).service;
  const faulty = new FaultyDynamo(shared);
  const service = tokenService(faulty.store, clock, { keys: options.keys ?? keys }).service;
  const ownItems = async () =>
    (await allItems(shared.client, shared.tableName))
      .map((item) => JSON.stringify(item))
      .filter((text) => text.includes(owner))
      .sort();
  return { owner, clock, clean, faulty, service, ownItems, caller: user(owner) };
}
export interface HttpOutcome {
  status: number;
  body: { error?: { code: string; message: string } } & Record<string, unknown>;
  error: unknown;
}

const event = {
  headers: {},
  multiValueHeaders: {},
  requestContext: {},
  body: null,
  httpMethod: 'POST',
  resource: '/x',
  path: '/x',
} as unknown as APIGatewayProxyEvent;

/** Runs a use case behind the shared middy stack and error map, as every handler does. */
export async function viaHttp(useCase: () => Promise<unknown>): Promise<HttpOutcome> {
  let error: unknown;
  const handler = httpHandler(async () => {
    try {
      return json(200, (await useCase()) ?? {});
    } catch (caught) {
      error = caught;
      throw caught;
    }
  });
  const response = await handler(event, lambdaContext('faults', `req-${Math.random().toString(16).slice(2)}`));
  return { status: response.statusCode, body: JSON.parse(response.body), error };
}

export function outcomeName(error: unknown): string {
  if (error === undefined) return 'ok';
  if (error instanceof DependencyUnavailable) return `DependencyUnavailable(${error.dependency})`;
  if (error instanceof DomainError) return error.code;
  return `raw ${(error as Error).name}`;
}

export function expectUnavailable(outcome: HttpOutcome) {
  expect(outcomeName(outcome.error)).toMatch(/^DependencyUnavailable/);
  expect(outcome.status).toBe(503);
  expect(outcome.body).toEqual({ error: { code: 'unavailable', message: expect.any(String) } });
  // The 5xx body says nothing internal.
  expect(outcome.body.error!.message).not.toMatch(/dynamo|kms|exception|throughput|timed out|stack/i);
}

export const authRequest = (token: string): AuthorizeRequest => ({
  authorization: `Bearer ${token}`,
  sourceIp: '203.0.113.7',
  method: 'GET',
  resource: '/api/jobs',
});

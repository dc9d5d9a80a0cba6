import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { localDynamoClient } from '../../functions/local/dynamodb-local';
import { startLocalService, type LocalServiceOptions } from '../../functions/local/service';
import { allItems } from './dynamo';
import { ContractRecorder } from './openapi-contract';

export type TestService = Awaited<ReturnType<typeof startTestService>>;

/** The people of the API suites: two users and an admin of tenant acme, and an admin of another tenant. */
export async function acmeAndGlobexSessions(service: Pick<TestService, 'session'>) {
  const [alice, bob, admin, foreignAdmin] = await Promise.all([
    service.session('alice', 'acme'),
    service.session('bob', 'acme'),
    service.session('ada', 'acme', true),
    service.session('eve', 'globex', true),
  ]);
  return { alice, bob, admin, foreignAdmin };
}

/**
 * What `GET /policy` answers a tenant without overrides under the service's defaults. Written out,
 * not derived from `defaultPolicy`, so that a changed default fails a test instead of following it.
 */
export const defaultPolicyView = {
  lifetimesDays: [90, 180, 365],
  defaultLifetimeDays: 90,
  maxLifetimeDays: 365,
  allowNoExpiry: false,
  maxIpEntries: 20,
  maxDescriptionLength: 100,
  maxCredentialAgeDays: null,
  idleExpiryDays: null,
  creators: 'everyone',
  requireIpRestriction: false,
  allowedAreas: null,
  maxActiveTokensPerOwner: 100,
  requireApproval: false,
  allowedIpRanges: null,
};

/**
 * The local service on a free port, against the run's DynamoDB Local with a table of its own.
 * One per test file: handlers read their configuration once per module graph, as in Lambda.
 * Every answer `call()` receives is checked against the OpenAPI document when the service stops
 * (`stop()` then throws, failing the file's afterAll): a handler that drifts from the document fails
 * the suite that exercised it. `contract: false` only for tests that break the contract on purpose.
 */
export async function startTestService(options: Partial<LocalServiceOptions> = {}, { contract = true }: { contract?: boolean } = {}) {
  const service = await startLocalService({
    port: 0,
    dataDir: mkdtempSync(join(tmpdir(), 'pat-test-')),
    dynamoEndpoint: inject('dynamoEndpoint'),
    tableName: `e2e-${randomBytes(6).toString('hex')}`,
    ...options,
  });
  const client = localDynamoClient(service.dynamoEndpoint, service.dynamoRegion);
  const contractRecorder = new ContractRecorder();

  async function call(
    method: string,
    path: string,
    init: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
  ) {
    const response = await fetch(`${service.url}${path}`, {
      method,
      headers: {
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
        ...(init.body !== undefined || init.rawBody !== undefined ? { 'content-type': 'application/json' } : {}),
        ...init.headers,
      },
      body: init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
    });
    const text = await response.text();
    let body: any;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = text;
    }
    contractRecorder.record({
      method: method.toUpperCase(),
      path: new URL(path, service.url).pathname,
      status: response.status,
      contentType: response.headers.get('content-type'),
      body,
    });
    return { status: response.status, body, headers: response.headers };
  }

  async function session(user: string, tenant: string, admin = false): Promise<string> {
    const response = await call('POST', '/local/session', { body: { user, tenant, admin } });
    if (response.status !== 200) throw new Error(`session failed: ${response.status}`);
    return response.body.idToken as string;
  }

  async function createToken(idToken: string, body: Record<string, unknown> = {}) {
    const response = await call('POST', '/tokens', {
      token: idToken,
      body: { description: `token ${randomBytes(4).toString('hex')}`, scopes: ['candidates:read'], ...body },
    });
    if (response.status !== 201) throw new Error(`create failed: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body as { id: string; accessToken: string; refreshKey: string; [key: string]: unknown };
  }

  return {
    ...service,
    client,
    call,
    session,
    createToken,
    items: () => allItems(client, service.tableName),
    contractRecorder,
    stop: async () => {
      client.destroy();
      await service.stop();
      const problems = contract ? contractProblemsOf(contractRecorder) : [];
      if (problems.length > 0)
        throw new Error(`Responses that break the OpenAPI document (functions/http/openapi-document.ts):\n${problems.join('\n')}`);
    },
  };
}

/** Each distinct problem once, with how many responses showed it. */
function contractProblemsOf(recorder: ContractRecorder): string[] {
  const counts = new Map<string, number>();
  for (const problem of recorder.problems()) counts.set(problem, (counts.get(problem) ?? 0) + 1);
  return [...counts].map(([problem, count]) => (count > 1 ? `${problem} (×${count})` : problem));
}

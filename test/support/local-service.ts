import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { localDynamoClient } from '../../functions/local/dynamodb-local';
import { startLocalService, type LocalServiceOptions } from '../../functions/local/service';
import { allItems } from './dynamo';

export type TestService = Awaited<ReturnType<typeof startTestService>>;

/**
 * The local service on a free port, against the run's DynamoDB Local with a table of its own.
 * One per test file: handlers read their configuration once per module graph, as in Lambda.
 */
export async function startTestService(options: Partial<LocalServiceOptions> = {}) {
  const service = await startLocalService({
    port: 0,
    dataDir: mkdtempSync(join(tmpdir(), 'pat-test-')),
    dynamoEndpoint: inject('dynamoEndpoint'),
    tableName: `e2e-${randomBytes(6).toString('hex')}`,
    ...options,
  });
  const client = localDynamoClient(service.dynamoEndpoint, service.dynamoRegion);

  async function call(method: string, path: string, init: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {}) {
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
    stop: async () => {
      client.destroy();
      await service.stop();
    },
  };
}

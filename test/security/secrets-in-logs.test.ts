import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logger } from '../../functions/observability/logger';
import { startTestService, type TestService } from '../support/local-service';
import {
  logCapture,
  recordAccessToken,
  recordRefreshKey,
  report,
  scanForSecrets,
  setHandlerLogLevel,
  setLogEcho,
  type LogCaptureState,
} from './support/log-capture';

/**
 * Secrets never logged. Every test file of the integration project already has its log captured
 * and scanned for every token, refresh key and session token issued in it (see
 * support/log-capture.setup.ts; the run ends with a `secrets-in-logs:` line). This file drives
 * every path that logs — at DEBUG, the most verbose level — and asserts the scan here, by name.
 */

let service: TestService;

beforeAll(async () => {
  setLogEcho(false);
  setHandlerLogLevel(logger, 'DEBUG');
  service = await startTestService({ settings: { policy: { reuseLeewaySeconds: 0 } } });
});
afterAll(async () => {
  setHandlerLogLevel(logger, 'WARN');
  await service?.stop();
});

async function callApi(token: string, path = '/api/candidates') {
  return (await fetch(`${service.url}${path}`, { headers: { authorization: `Bearer ${token}` } })).status;
}

describe('secrets never logged', () => {
  it('control: the scan finds a planted access token, refresh key or session token, and nothing public', () => {
    const state: LogCaptureState = {
      lines: [],
      bytes: 0,
      secrets: new Map(),
      issued: { accessTokens: 0, refreshKeys: 0, sessionTokens: 0 },
      echo: false,
    };
    const jwt = `eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.${'s'.repeat(86)}`;
    const refreshKey = `patr_${'a'.repeat(32)}_${'k'.repeat(43)}`;
    const swap = logCapture().secrets;
    try {
      // Record into a scratch state: the planted secrets must not count against this file.
      Object.assign(logCapture(), { secrets: state.secrets });
      recordAccessToken(jwt);
      recordRefreshKey(refreshKey);
      recordAccessToken(`eyJhbGciOiJIUzI1NiJ9.e30.${'i'.repeat(43)}`, 'session token');
    } finally {
      Object.assign(logCapture(), { secrets: swap });
    }
    state.lines = [
      `{"message":"ok","token":"${jwt}"}`,
      `refresh with ${refreshKey.slice(-43)}`,
      `Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.${'i'.repeat(43)}`,
      '{"message":"claims","header":"eyJhbGciOiJFUzI1NiJ9","payload":"eyJzdWIiOiJ4In0","tokenId":"aaaa"}',
    ];
    expect(scanForSecrets(state)).toEqual([
      { kind: 'access token', line: 1 },
      { kind: 'refresh key', line: 2 },
      { kind: 'session token', line: 3 },
    ]);
  });

  it('a whole lifecycle at DEBUG level — create, list, use, refuse, refresh, reuse detection, revoke, leak report — logs no secret', async () => {
    const alice = await service.session('alice', 'acme');
    const admin = await service.session('root', 'acme', true);
    const created = await service.createToken(alice, { scopes: ['candidates:read'], allowedIps: ['10.0.0.0/8', '127.0.0.1'] });
    const forAlice = await service.createToken(admin, { owner: 'alice', scopes: ['jobs:read'] });
    await service.call('GET', '/tokens?status=all', { token: alice });
    await service.call('GET', `/tokens/${created.id}`, { token: admin });
    expect(await callApi(created.accessToken)).toBe(200);
    expect(await callApi(created.accessToken, '/api/jobs')).toBe(403);
    expect(await callApi(`${created.accessToken.slice(0, -2)}AA`)).toBe(401);
    expect(await callApi(created.refreshKey)).toBe(401);

    const refreshed = await service.call('POST', '/tokens/refresh', { body: { refreshKey: created.refreshKey } });
    expect(refreshed.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 10));
    // The rotated key again after the leeway: reuse detection revokes the family (logged at WARN).
    expect((await service.call('POST', '/tokens/refresh', { body: { refreshKey: created.refreshKey } })).status).toBe(401);
    expect((await service.call('POST', '/tokens/refresh', { body: { refreshKey: `${forAlice.refreshKey.slice(0, -1)}x` } })).status).toBe(
      401,
    );
    expect((await service.call('POST', '/tokens/refresh', { body: { refreshKey: forAlice.accessToken } })).status).toBe(401);
    expect((await service.call('DELETE', `/tokens/${forAlice.id}`, { token: alice })).status).toBe(200);
    const leaked = await service.createToken(alice, { scopes: ['jobs:read'] });
    await service.call('POST', '/tokens/revoke-leaked', { body: { tokens: [leaked.accessToken, leaked.refreshKey] } });
    await service.call('POST', '/tokens', {
      token: alice,
      body: { description: created.accessToken.slice(0, 100), scopes: ['jobs:read'] },
    });

    const state = logCapture();
    const findings = scanForSecrets();
    report(
      `secrets-in-logs (this file, DEBUG level): ${state.lines.length} log lines scanned for ${state.secrets.size} secrets: ${findings.length} found`,
    );
    expect(state.lines.length).toBeGreaterThan(10);
    expect(state.issued.accessTokens).toBeGreaterThanOrEqual(4);
    expect(findings).toEqual([]);
  });

  it("fixed logs-1: Powertools' own debug switch POWERTOOLS_LOGGER_LOG_EVENT=true does not put refresh keys and ID tokens in the log", async () => {
    const previous = process.env.POWERTOOLS_LOGGER_LOG_EVENT;
    process.env.POWERTOOLS_LOGGER_LOG_EVENT = 'true';
    (logger as unknown as { setLogEvent(): void }).setLogEvent();
    const state = logCapture();
    const before = state.lines.length;
    try {
      const bob = await service.session('bob', 'acme');
      const issued = await service.createToken(bob, { scopes: ['jobs:read'] });
      await service.call('POST', '/tokens/refresh', { body: { refreshKey: issued.refreshKey } });
      const findings = scanForSecrets().filter((finding) => finding.line > before);
      report(
        `secrets-in-logs with POWERTOOLS_LOGGER_LOG_EVENT=true: ${findings.length} found (${[...new Set(findings.map((f) => f.kind))].join(', ')})`,
      );
      expect(findings).toEqual([]);
    } finally {
      if (previous === undefined) delete process.env.POWERTOOLS_LOGGER_LOG_EVENT;
      else process.env.POWERTOOLS_LOGGER_LOG_EVENT = previous;
      (logger as unknown as { setLogEvent(): void }).setLogEvent();
      // The lines this finding planted are dropped, so that the file's own scan judges the rest.
      const fragments = [...state.secrets.keys()];
      state.lines = state.lines.filter((line, index) => index < before || !fragments.some((fragment) => line.includes(fragment)));
    }
  });
});

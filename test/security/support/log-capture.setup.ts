import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { format } from 'node:util';
import { afterAll, expect, inject } from 'vitest';
import { LocalSessions } from '../../../functions/local/local-sessions';
import { TenantGovernance } from '../../../functions/service/tenant-governance';
import { TokenIssuance } from '../../../functions/service/token-issuance';
import { TokenManagement } from '../../../functions/service/token-management';
import { TokenRotation } from '../../../functions/service/token-rotation';
import { logCapture, recordAccessToken, recordIssued, recordLogText, resetLogCapture, scanForSecrets } from './log-capture';

/**
 * Setup file of the integration project: tees every write to stdout/stderr and every console call
 * of the test process (the in-process Lambda handlers log there), records every token the use
 * cases and the local sign-in issue, and after the file's tests scans the log for them.
 */
const PATCHED = Symbol.for('pat.test.log-capture.patched');
const holder = globalThis as unknown as Record<symbol, boolean | undefined>;

if (!holder[PATCHED]) {
  holder[PATCHED] = true;
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      recordLogText(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      if (logCapture().echo) return write(chunk, ...rest);
      const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof stream.write;
  }
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    const original = console[method].bind(console) as (...args: unknown[]) => void;
    console[method] = (...args: unknown[]) => {
      recordLogText(format(...args));
      if (logCapture().echo) original(...args);
    };
  }
}

// Every use case's result is searched for issued secrets, whatever its name (create, refresh, …).
for (const prototype of [TokenIssuance, TokenManagement, TokenRotation, TenantGovernance].map((useCases) => useCases.prototype))
  for (const name of Object.getOwnPropertyNames(prototype)) {
    const method = (prototype as unknown as Record<string, unknown>)[name];
    if (name === 'constructor' || typeof method !== 'function' || (method as { recorded?: boolean }).recorded) continue;
    const wrapped = function (this: unknown, ...args: unknown[]) {
      const result = (method as (...a: unknown[]) => unknown).apply(this, args);
      if (result instanceof Promise) return result.then((value) => (recordIssued(value), value));
      recordIssued(result);
      return result;
    };
    (wrapped as { recorded?: boolean }).recorded = true;
    (prototype as unknown as Record<string, unknown>)[name] = wrapped;
  }
const issue = LocalSessions.prototype.issue;
if (!(issue as { recorded?: boolean }).recorded) {
  const wrapped = async function (this: LocalSessions, ...args: Parameters<typeof issue>) {
    const token = await issue.apply(this, args);
    recordAccessToken(token, 'session token');
    return token;
  };
  (wrapped as { recorded?: boolean }).recorded = true;
  LocalSessions.prototype.issue = wrapped;
}

resetLogCapture();

afterAll(() => {
  const state = logCapture();
  const findings = scanForSecrets(state);
  const file = expect.getState().testPath ?? 'unknown';
  const summary = {
    file: file.replace(`${process.cwd()}/`, ''),
    lines: state.lines.length,
    bytes: state.bytes,
    secrets: state.secrets.size,
    issued: state.issued,
    found: findings.length,
    findings: findings.slice(0, 20),
  };
  const directory = inject('logCaptureDir');
  if (directory) writeFileSync(join(directory, `${basename(file)}-${process.pid}-${Date.now()}.json`), JSON.stringify(summary));
  if (findings.length > 0) {
    throw new Error(`Secrets found in the log: ${findings.map((f) => `${f.kind} on line ${f.line}`).join(', ')}`);
  }
});

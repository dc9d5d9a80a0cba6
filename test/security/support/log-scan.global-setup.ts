import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    logCaptureDir: string;
  }
}

interface FileSummary {
  file: string;
  lines: number;
  bytes: number;
  secrets: number;
  issued: { accessTokens: number; refreshKeys: number; sessionTokens: number };
  found: number;
}

/**
 * Each test file's log scan (see log-capture.setup.ts) leaves a summary here; at the end of the
 * run they are added up into one line: log lines scanned, secrets issued, secrets found.
 */
export default function setup(project: TestProject) {
  const directory = mkdtempSync(join(tmpdir(), 'pat-log-scan-'));
  project.provide('logCaptureDir', directory);
  return () => {
    const summaries = readdirSync(directory).map((name) => JSON.parse(readFileSync(join(directory, name), 'utf8')) as FileSummary);
    rmSync(directory, { recursive: true, force: true });
    if (summaries.length === 0) return;
    const total = summaries.reduce(
      (sum, s) => ({
        lines: sum.lines + s.lines,
        bytes: sum.bytes + s.bytes,
        accessTokens: sum.accessTokens + s.issued.accessTokens,
        refreshKeys: sum.refreshKeys + s.issued.refreshKeys,
        sessionTokens: sum.sessionTokens + s.issued.sessionTokens,
        found: sum.found + s.found,
      }),
      { lines: 0, bytes: 0, accessTokens: 0, refreshKeys: 0, sessionTokens: 0, found: 0 },
    );
    process.stdout.write(
      `\nsecrets-in-logs: ${summaries.length} test files, ${total.lines} log lines (${(total.bytes / 1024).toFixed(0)} KiB) scanned for ` +
        `${total.accessTokens} access tokens, ${total.refreshKeys} refresh keys, ${total.sessionTokens} session tokens: ${total.found} found\n`,
    );
    if (total.found > 0) {
      const files = summaries.filter((s) => s.found > 0).map((s) => `${s.file} (${s.found})`);
      throw new Error(`Secrets were written to the log in ${files.join(', ')}`);
    }
  };
}

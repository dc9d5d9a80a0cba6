import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** `npm start`'s entry point as a child process, as the local-mode suites start it. */

export const repo = join(import.meta.dirname, '..', '..', '..');

export interface StartedMain {
  child: ChildProcess;
  url: string;
  dataDir: string;
  output: () => string;
}

export interface MainProcess {
  child: ChildProcess;
  ready: Promise<StartedMain>;
  exited: Promise<number | null>;
  output: () => string;
}

/** `npm start`'s entry point as a child process, on a free port, with its own data directory. */
export function startMain(env: Record<string, string> = {}): MainProcess {
  const dataDir = mkdtempSync(join(tmpdir(), 'pat-local-mode-'));
  const child = spawn(
    process.execPath,
    [join(repo, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(repo, 'functions', 'local', 'main.ts')],
    {
      cwd: repo,
      env: { ...process.env, PORT: '0', PAT_DATA_DIR: dataDir, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const ready = new Promise<StartedMain>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not come up in 90 s:\n${output}`)), 90_000);
    child.stdout!.on('data', () => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]!, dataDir, output: () => output });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited (${code}):\n${output}`));
    });
  });
  ready.catch(() => undefined); // A test that expects the exit does not await `ready`.
  return { child, ready, exited, output: () => output };
}

export async function stopMain(child: ChildProcess, exited: Promise<number | null>) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

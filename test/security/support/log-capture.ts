/**
 * Every log line written in a test process, and every secret issued in it, so a suite can prove
 * that no access token, refresh key or session token ever reached a log.
 *
 * The state lives on `globalThis` (one per worker process) because setup files and test files may
 * hold different module instances. Only fragments that are secret on their own are searched for:
 * the signature segment of a JWT (the header and claims are public) and the secret part of a
 * refresh key — a log holding a whole token or key holds these too.
 */
export interface SecretFinding {
  kind: string;
  line: number;
}

export interface LogCaptureState {
  lines: string[];
  bytes: number;
  /** fragment → kind ('access token', 'refresh key', 'session token') */
  secrets: Map<string, string>;
  issued: { accessTokens: number; refreshKeys: number; sessionTokens: number };
  /** Whether captured output still goes to the terminal. Suites that raise the log level turn it off. */
  echo: boolean;
}

const KEY = Symbol.for('pat.test.log-capture');

export function logCapture(): LogCaptureState {
  const holder = globalThis as unknown as Record<symbol, LogCaptureState | undefined>;
  holder[KEY] ??= { lines: [], bytes: 0, secrets: new Map(), issued: { accessTokens: 0, refreshKeys: 0, sessionTokens: 0 }, echo: true };
  return holder[KEY]!;
}

export function resetLogCapture(): void {
  const state = logCapture();
  state.lines = [];
  state.bytes = 0;
  state.secrets = new Map();
  state.issued = { accessTokens: 0, refreshKeys: 0, sessionTokens: 0 };
  state.echo = true;
}

export function recordLogText(text: string): void {
  const state = logCapture();
  state.bytes += Buffer.byteLength(text);
  for (const line of text.split('\n')) if (line !== '') state.lines.push(line);
}

const jwtSignature = (token: string) => token.split('.')[2] ?? '';

export function recordAccessToken(token: unknown, kind = 'access token'): void {
  if (typeof token !== 'string') return;
  const signature = jwtSignature(token);
  if (signature.length < 20) return;
  const state = logCapture();
  state.secrets.set(signature, kind);
  if (kind === 'access token') state.issued.accessTokens++;
  else state.issued.sessionTokens++;
}

export function recordRefreshKey(key: unknown): void {
  if (typeof key !== 'string') return;
  const secret = /^patr_[0-9a-f]{32}_([A-Za-z0-9_-]{43})$/.exec(key)?.[1];
  const state = logCapture();
  state.secrets.set(secret ?? key, 'refresh key');
  state.issued.refreshKeys++;
}

/** Records every `accessToken` / `refreshKey` found in a value a use case returned. */
export function recordIssued(value: unknown, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 4) return;
  const object = value as Record<string, unknown>;
  if ('accessToken' in object) recordAccessToken(object.accessToken);
  if ('refreshKey' in object) recordRefreshKey(object.refreshKey);
  for (const child of Object.values(object)) if (child !== null && typeof child === 'object') recordIssued(child, depth + 1);
}

/** Every place a recorded secret appears in the captured lines (line number, kind; never the secret). */
export function scanForSecrets(state = logCapture()): SecretFinding[] {
  const findings: SecretFinding[] = [];
  state.lines.forEach((line, index) => {
    if (line.length < 20) return;
    for (const [fragment, kind] of state.secrets) if (line.includes(fragment)) findings.push({ kind, line: index + 1 });
  });
  return findings;
}

export function setLogEcho(echo: boolean): void {
  logCapture().echo = echo;
}

/** Prints a suite's table or figures to the terminal even while captured output is not echoed. */
export function report(text: string): void {
  const state = logCapture();
  const echo = state.echo;
  state.echo = true;
  try {
    console.log(text);
  } finally {
    state.echo = echo;
  }
}

/** A plain text table: one header row, aligned columns. */
export function table(header: string[], rows: Array<Array<string | number>>): string {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  const line = (row: string[]) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join(' | ')
      .trimEnd();
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('-|-'), ...cells.slice(1).map(line)].join('\n');
}

/**
 * Sets the level of the handlers' Powertools logger for a whole test file. `setLogLevel` alone does
 * not stick: the middy middleware puts every invocation after the first back on the initial level,
 * which is what this sets.
 */
export function setHandlerLogLevel(logger: object, level: 'DEBUG' | 'INFO' | 'WARN'): void {
  (logger as { setInitialLogLevel(level: string): void }).setInitialLogLevel(level);
  (logger as { setLogLevel(level: string): void }).setLogLevel(level);
}

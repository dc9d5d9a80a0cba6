#!/usr/bin/env node
// @ts-check
/**
 * `pat`: the command line of the personal-access-token service.
 *
 * - Vendors rotate their token with `pat refresh --credentials FILE` (e.g. from cron). The file is
 *   replaced atomically, so it always holds either the old credentials or the new ones, never a mix.
 * - Users create, list and revoke their tokens with their ID token.
 *
 * Plain ESM JavaScript with JSDoc types and only Node built-ins: it runs without a build step or
 * dependencies. It never prints an access token or a refresh key, except `pat create` without
 * `--save`, which shows them once, as the service does.
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { open, readFile, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';

const VERSION = '0.1.0';
const DEFAULT_TIMEOUT_SECONDS = 30;

/**
 * `pat refresh` retries a refresh whose outcome is unknown (timeout, broken connection, 502/503/504)
 * or that lost a race (409) with the SAME refresh key: the service answers a key presented again
 * within 30 s of its rotation with the same successor, so a lost answer is recovered, never
 * re-spent. Every attempt starts and ends within REFRESH_WINDOW_MS of the first, well inside those
 * 30 s (which run from the rotation, itself after the first send).
 */
const REFRESH_RETRY_DELAYS_MS = [1000, 2000, 4000];
const REFRESH_WINDOW_MS = 20_000;
/** An attempt that cannot get this long before the window closes is not started. */
const REFRESH_MIN_ATTEMPT_MS = 2000;
const REFRESH_DEFAULT_TIMEOUT_SECONDS = 8;
const RETRYABLE_REFRESH_STATUSES = new Set([409, 502, 503, 504]);

/** Exit codes, so that a cron job can tell "retry later" from "a human must act". */
const EXIT = {
  ok: 0,
  /** Not done (network, server or file problem); the message says whether and when to retry. */
  failure: 1,
  /** Wrong command line. */
  usage: 2,
  /** The credential was rejected (401): a human must issue a new token or sign in again. */
  rejected: 3,
  /** 409: the refresh key was just used by another refresh. */
  conflict: 4,
};

/** A failure to report on one line of stderr, with its exit code. */
class CliError extends Error {
  /**
   * @param {string} message
   * @param {number} [exitCode]
   */
  constructor(message, exitCode = EXIT.failure) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** The service could not be reached, or the connection broke before its answer arrived. */
class NetworkError extends CliError {
  /**
   * @param {string} message
   * @param {boolean} requestMaybeSent false only when the request certainly never left this machine
   */
  constructor(message, requestMaybeSent) {
    super(message, EXIT.failure);
    this.requestMaybeSent = requestMaybeSent;
  }
}

/** @param {string} message */
const usageError = (message) => new CliError(`${message} (see pat help)`, EXIT.usage);

// ---------------------------------------------------------------------------------------------
// Output hygiene: one line, no control characters, no secrets.

/** Every secret this process has handled, so no message can ever echo one. */
const knownSecrets = new Set();

/** @param {unknown} value */
function rememberSecret(value) {
  if (typeof value === 'string' && value.length >= 8) knownSecrets.add(value);
}

/**
 * Characters a terminal may act on instead of showing, or that make shown text lie: C0 and C1
 * controls (ESC starts CSI/OSC sequences that move the cursor, retitle the window or plant links; the
 * C1 CSI U+009B does the same without ESC), DEL, line and paragraph separators, and invisible
 * format characters such as the bidi overrides and isolates (U+202A–U+202E, U+2066–U+2069) that
 * reorder what follows them. A lone surrogate is not text either.
 */
const UNSAFE_CHARACTERS = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

/**
 * THE sanitizer: every byte this process writes to stdout or stderr passes through it (`say` and
 * `sayJson` and the error line in `main`), whatever the field, so a hostile server, proxy or
 * description cannot reach the terminal. Controls become spaces (they often separate words),
 * format characters vanish.
 * @param {string} text
 */
function terminalSafe(text) {
  return text.replace(UNSAFE_CHARACTERS, (character) => (/[\p{Cc}\p{Zl}\p{Zp}]/u.test(character) ? ' ' : ''));
}

/**
 * A field for one line of a table or message: terminal-safe, trimmed, and anything that looks like
 * a token or a refresh key masked. Non-strings (a hostile server may send anything) are shown as
 * their JSON.
 * @param {unknown} value
 */
function safeText(value) {
  let result = terminalSafe(typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value));
  for (const secret of knownSecrets) result = result.split(secret).join('[redacted]');
  return result
    .replace(/\beyJ[\w-]*\.[\w-]*\.[\w-]*/g, '[redacted]')
    .replace(/\bpatr_[\w-]+/g, '[redacted]')
    .trim();
}

/**
 * Writes lines to stdout, each through the sanitizer (a field put there unsanitized by mistake is
 * still made safe here).
 * @param {string} text
 * @returns {void}
 */
const say = (text) => {
  process.stdout.write(`${text.split('\n').map(terminalSafe).join('\n')}\n`);
};

/**
 * JSON for stdout. JSON.stringify escapes C0 controls but leaves C1 controls and bidi overrides raw;
 * they occur only inside strings, where a \uXXXX escape means the same, so the output stays the same
 * JSON and terminal-safe.
 * @param {unknown} value
 * @param {boolean} [pretty]
 */
function sayJson(value, pretty = false) {
  const json = JSON.stringify(value, null, pretty ? 2 : undefined);
  // A raw newline can only be the pretty layout's: JSON.stringify escapes those inside strings.
  const escaped = json.replace(UNSAFE_CHARACTERS, (character) => (character === '\n' ? character : `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`));
  process.stdout.write(`${escaped}\n`);
}

// ---------------------------------------------------------------------------------------------
// HTTP

/**
 * @typedef {{ status: number, body: any }} ApiAnswer
 * @typedef {{ method: string, url: URL, bearer?: string, body?: unknown, timeoutSeconds: number }} ApiCall
 */

/** @param {URL} url */
const shownUrl = (url) => `${url.origin}${url.pathname}`;

/** Connection failures where the request certainly never reached the server. */
const notSentCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * The API base URL from an option, the environment or a credentials file; http only to this
 * machine unless allowed, since every call carries a secret.
 * @param {string | undefined} raw
 * @param {string} source where the value came from, for the message
 * @param {boolean} allowHttp
 */
function apiBase(raw, source, allowHttp) {
  if (!raw) throw usageError(`missing the API URL: ${source}`);
  let url;
  try {
    url = new URL(raw);
  } catch {
    throw usageError(`the API URL is not a valid URL (${source})`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw usageError(`the API URL must be http(s) (${source})`);
  const loopback = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/.test(url.hostname);
  if (url.protocol === 'http:' && !loopback && !allowHttp) {
    throw usageError(`refusing to send credentials over plain http to ${url.host}; use https (or --allow-http)`);
  }
  url.username = '';
  url.password = '';
  url.search = '';
  url.hash = '';
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

/**
 * One call to the service. Network failures become a NetworkError; HTTP errors are returned for
 * the caller to explain in its own terms. `body` is undefined when the answer is not a JSON object
 * (a proxy's error page, a wrong URL).
 * @param {ApiCall} call
 * @returns {Promise<{ status: number, body: any }>}
 */
async function callService(call) {
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json', 'user-agent': `pat-cli/${VERSION}` };
  if (call.bearer) headers.authorization = `Bearer ${call.bearer}`;
  if (call.body !== undefined) headers['content-type'] = 'application/json';
  /** @type {Response} */
  let response;
  let text;
  try {
    response = await fetch(call.url, {
      method: call.method,
      headers,
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
      signal: AbortSignal.timeout(call.timeoutSeconds * 1000),
      redirect: 'error',
    });
    text = await response.text();
  } catch (error) {
    throw networkError(call, error);
  }
  let body;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, body: typeof body === 'object' && body !== null && !Array.isArray(body) ? body : undefined };
}

/** @param {ApiCall} call @param {number} status */
const notJsonMessage = (call, status) => `unexpected answer from ${call.method} ${shownUrl(call.url)}: HTTP ${status}, not the service's JSON (is the URL the token service's API?)`;

/**
 * A call whose answer must be the service's JSON.
 * @param {ApiCall} call
 * @returns {Promise<ApiAnswer>}
 */
async function callApi(call) {
  const answer = await callService(call);
  if (answer.body === undefined) throw new CliError(notJsonMessage(call, answer.status));
  return answer;
}

/**
 * @param {ApiCall} call
 * @param {unknown} error
 */
function networkError(call, error) {
  const err = /** @type {{ name?: string, message?: string, cause?: { code?: string, message?: string } }} */ (error ?? {});
  const where = `${call.method} ${shownUrl(call.url)}`;
  if (err.name === 'TimeoutError') return new NetworkError(`no answer from ${where} within ${call.timeoutSeconds} s`, true);
  const code = err.cause?.code ?? '';
  const reason = code || err.cause?.message || err.message || 'network error';
  // `bad port`: fetch refuses some ports before connecting.
  if (notSentCodes.has(code) || err.cause?.message === 'bad port') return new NetworkError(`cannot reach ${where} (${reason}): is the server up and the URL right?`, false);
  return new NetworkError(`the connection to ${where} failed (${reason})`, true);
}

/**
 * The server's own words for a failed call: `409 conflict: <message>`.
 * @param {ApiAnswer} answer
 */
function serverReason(answer) {
  const error = answer.body?.error;
  const code = typeof error?.code === 'string' ? error.code : 'error';
  const message = typeof error?.message === 'string' ? error.message : 'no message';
  return `${answer.status} ${code}: ${message}`;
}

/**
 * The usual explanation of a failed management call.
 * @param {ApiAnswer} answer
 * @param {string} doing e.g. "create the token"
 */
function managementError(answer, doing) {
  const reason = serverReason(answer);
  if (answer.status === 401) return new CliError(`could not ${doing}: the ID token was rejected (${reason}); sign in again and pass a fresh --id-token / PAT_ID_TOKEN`, EXIT.rejected);
  if (answer.status === 429 || answer.status >= 500) return new CliError(`could not ${doing}: the service failed (${reason}); try again later`);
  return new CliError(`could not ${doing} (${reason})`, answer.status === 409 ? EXIT.conflict : EXIT.failure);
}

// ---------------------------------------------------------------------------------------------
// Credentials files

/**
 * @typedef {{ apiUrl: string, accessToken?: string, refreshKey: string, tokenId?: string, expiresAt?: string | null, [extra: string]: unknown }} Credentials
 */

/** @param {unknown} error */
const errnoOf = (error) => /** @type {{ code?: string }} */ (error ?? {}).code ?? String(error);

/**
 * Reads and checks a credentials file. Its content is never quoted in a message: a JSON parse
 * error would echo the text around the mistake, which may be the refresh key.
 * @param {string} path
 * @returns {Promise<{ credentials: Credentials, raw: Buffer }>}
 */
async function readCredentials(path) {
  let raw;
  try {
    raw = await readFile(path);
  } catch (error) {
    const code = errnoOf(error);
    const why = { ENOENT: 'no such file', EACCES: 'permission denied', EISDIR: 'it is a directory' }[code] ?? code;
    throw new CliError(`cannot read the credentials file ${path}: ${why}`);
  }
  let parsed;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new CliError(`the credentials file ${path} is not valid JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new CliError(`the credentials file ${path} must hold a JSON object`);
  /** @type {string[]} */
  const problems = [];
  if (typeof parsed.refreshKey !== 'string' || parsed.refreshKey === '') problems.push('"refreshKey" must be a non-empty string');
  if (parsed.apiUrl !== undefined && typeof parsed.apiUrl !== 'string') problems.push('"apiUrl" must be a string');
  if (parsed.accessToken !== undefined && typeof parsed.accessToken !== 'string') problems.push('"accessToken" must be a string');
  if (problems.length > 0) throw new CliError(`the credentials file ${path} is invalid: ${problems.join('; ')}`);
  rememberSecret(parsed.refreshKey);
  rememberSecret(parsed.accessToken);
  return { credentials: parsed, raw };
}

/**
 * Makes a rename durable across a power cut. Best effort: the rename has already happened and is
 * atomic, and some platforms cannot fsync a directory at all, so a failure here is not a failure
 * of the replacement.
 * @param {string} directory
 */
async function syncDirectory(directory) {
  let handle;
  try {
    handle = await open(directory, fsConstants.O_RDONLY);
    await handle.sync();
  } catch {
    // see above
  } finally {
    await handle?.close().catch(() => {});
  }
}

/**
 * A replacement for `target` prepared in the same directory (so the rename is atomic), opened
 * BEFORE any secret is spent: a directory we cannot write to fails while the old key still works.
 */
class PendingReplacement {
  /**
   * @param {string} target
   * @param {string} tempPath
   * @param {import('node:fs/promises').FileHandle} handle
   */
  constructor(target, tempPath, handle) {
    this.target = target;
    this.tempPath = tempPath;
    this.handle = handle;
    this.done = false;
  }

  /**
   * @param {string} target the real path (not a symlink) of the file to replace
   * @param {{ uid: number, gid: number } | undefined} owner keep this owner when running as root
   */
  static async prepare(target, owner) {
    const tempPath = join(dirname(target), `.${basename(target)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
    let handle;
    try {
      // O_EXCL: never write through a file (or symlink) someone else placed there.
      handle = await open(tempPath, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o600);
      await handle.chmod(0o600);
      if (owner && process.getuid?.() === 0) await handle.chown(owner.uid, owner.gid);
    } catch (error) {
      await handle?.close().catch(() => {});
      if (handle) await unlink(tempPath).catch(() => {});
      throw new CliError(`cannot create a file next to ${target} (${errnoOf(error)}): the directory must be writable to replace the file safely; nothing was sent`);
    }
    return new PendingReplacement(target, tempPath, handle);
  }

  /**
   * Writes, fsyncs, renames over the target and fsyncs the directory.
   * @param {string} content
   */
  async commit(content) {
    try {
      await this.handle.writeFile(content, 'utf8');
      await this.handle.sync();
      await this.handle.close();
    } catch (error) {
      await this.discard();
      throw new Error(errnoOf(error));
    }
    try {
      await rename(this.tempPath, this.target);
    } catch (error) {
      // Keep the complete new file: it is the only copy of the new refresh key.
      this.done = true;
      throw Object.assign(new Error(errnoOf(error)), { keptAt: this.tempPath });
    }
    this.done = true;
    await syncDirectory(dirname(this.target));
  }

  async discard() {
    if (this.done) return;
    this.done = true;
    await this.handle.close().catch(() => {});
    await unlink(this.tempPath).catch(() => {});
  }
}

/** @param {unknown} value */
const credentialsText = (value) => `${JSON.stringify(value, null, 2)}\n`;

// ---------------------------------------------------------------------------------------------
// Commands

/**
 * @typedef {{ args: string[], env: NodeJS.ProcessEnv }} Invocation
 */

const commonOptions = /** @type {const} */ ({
  help: { type: 'boolean', short: 'h' },
  timeout: { type: 'string' },
  'allow-http': { type: 'boolean' },
});

/**
 * @param {string | undefined} raw
 * @param {number} [fallback]
 */
function timeoutOf(raw, fallback = DEFAULT_TIMEOUT_SECONDS) {
  if (raw === undefined) return fallback;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 600) throw usageError('--timeout must be a number of seconds between 0 and 600');
  return seconds;
}

/**
 * @template {import('node:util').ParseArgsConfig['options']} O
 * @param {string[]} args
 * @param {O} options
 * @param {boolean} [allowPositionals]
 */
function parse(args, options, allowPositionals = false) {
  try {
    return parseArgs({ args, options: { ...commonOptions, ...options }, allowPositionals, strict: true });
  } catch (error) {
    throw usageError(/** @type {Error} */ (error).message);
  }
}

/**
 * The management API and the caller's ID token, from options or the environment.
 * @param {{ url?: string | boolean, 'id-token'?: string | boolean, 'allow-http'?: string | boolean }} values
 * @param {NodeJS.ProcessEnv} env
 */
function userSession(values, env) {
  const rawUrl = typeof values.url === 'string' ? values.url : env.PAT_API_URL;
  const base = apiBase(rawUrl, rawUrl === undefined ? 'pass --url URL or set PAT_API_URL' : values.url ? '--url' : 'PAT_API_URL', values['allow-http'] === true);
  const idToken = typeof values['id-token'] === 'string' ? values['id-token'] : env.PAT_ID_TOKEN;
  if (!idToken) throw usageError('missing the ID token: pass --id-token TOKEN or set PAT_ID_TOKEN');
  rememberSecret(idToken);
  return { base, idToken };
}

/** @param {string} value @param {string} option */
function listOf(value, option) {
  const items = value.split(',').map((item) => item.trim()).filter((item) => item !== '');
  if (items.length === 0) throw usageError(`${option} must not be empty`);
  return items;
}

/** @param {Invocation} invocation */
async function refreshCommand({ args, env }) {
  const { values, positionals } = parse(args, { credentials: { type: 'string', short: 'c' }, url: { type: 'string' }, json: { type: 'boolean' } });
  if (values.help) return say(helpText.refresh);
  if (positionals.length > 0) throw usageError('refresh takes no arguments');
  const given = values.credentials ?? env.PAT_CREDENTIALS;
  if (!given) throw usageError('missing --credentials FILE');
  const timeoutSeconds = timeoutOf(values.timeout, REFRESH_DEFAULT_TIMEOUT_SECONDS);

  let target;
  try {
    // Replace the file a symlink points to, not the symlink.
    target = await realpath(given);
  } catch (error) {
    throw new CliError(`cannot read the credentials file ${given}: ${errnoOf(error) === 'ENOENT' ? 'no such file' : errnoOf(error)}`);
  }
  const { credentials, raw } = await readCredentials(target);
  const base = apiBase(values.url ?? credentials.apiUrl, values.url ? '--url' : `"apiUrl" of ${given} (or pass --url)`, values['allow-http'] === true);
  const fileStat = await stat(target);
  const replacement = await PendingReplacement.prepare(target, { uid: fileStat.uid, gid: fileStat.gid });

  const call = { method: 'POST', url: new URL('tokens/refresh', base), body: { refreshKey: credentials.refreshKey }, timeoutSeconds };
  /** @type {Record<string, any>} */
  let token;
  let attempts = 1;
  try {
    // When the outcome is still unknown after the retries, one more run tells: the key still works,
    // or a 401 says it was spent and its answer lost.
    const mayHaveHappened = `${given} was left unchanged, but the refresh may have happened: run pat refresh again at once — a 401 then means it did and its new key was lost (ask the token's owner for a new token)`;
    const outcome = await refreshWithRetries(call);
    attempts = outcome.attempts;
    const tried = attempts > 1 ? ` (${attempts} attempts over ${Math.round(outcome.elapsedMs / 1000)} s)` : '';
    if (outcome.error) {
      if (outcome.error.requestMaybeSent) throw new CliError(`${outcome.error.message}${tried}; ${mayHaveHappened}`);
      throw new CliError(`${outcome.error.message}${tried}; ${given} was left unchanged and its key still works — try again later`);
    }
    const answer = /** @type {ApiAnswer} */ (outcome.answer);
    token = answer.body;
    rememberSecret(token?.accessToken);
    rememberSecret(token?.refreshKey);
    if (answer.status === 200 && (typeof token?.accessToken !== 'string' || typeof token.refreshKey !== 'string' || typeof token.id !== 'string')) {
      throw new CliError(`unexpected answer from POST ${shownUrl(call.url)}: HTTP 200 without a new token; ${mayHaveHappened}`);
    }
    if (answer.status !== 200) throw await refreshError(answer, call, { given, target, sentFrom: raw, mayHaveHappened, tried });
    /** @type {Credentials} */
    const next = {
      ...credentials,
      apiUrl: credentials.apiUrl ?? base.href,
      tokenId: token.id,
      accessToken: token.accessToken,
      refreshKey: token.refreshKey,
      expiresAt: token.expiresAt ?? null,
    };
    try {
      await replacement.commit(credentialsText(next));
    } catch (error) {
      const failure = /** @type {{ message: string, keptAt?: string }} */ (error);
      if (failure.keptAt) {
        throw new CliError(`refreshed, but could not rename the new credentials over ${given} (${failure.message}): they are in ${failure.keptAt} — move that file over ${given} now`);
      }
      throw new CliError(`refreshed, but could not write the new credentials next to ${given} (${failure.message}): the new key is lost and the old one is spent; the old access token works for the grace period (60 s by default) — ask the token's owner for a new token`);
    }
  } finally {
    await replacement.discard();
  }

  const { accessToken: _token, refreshKey: _key, ...metadata } = token;
  if (values.json) return sayJson(metadata);
  const from = credentials.tokenId ? `${safeText(credentials.tokenId)} → ` : '';
  const retried = attempts > 1 ? ` (after ${attempts} attempts: the service answered the retry with the same new token)` : '';
  say(`Refreshed token ${from}${safeText(metadata.id)}, expires ${safeText(metadata.expiresAt ?? 'never')}; new credentials saved to ${safeText(given)}${retried}`);
}

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * POST /tokens/refresh, retried with the same key while the outcome is unknown or lost a race
 * (see REFRESH_RETRY_DELAYS_MS). A failure where the request certainly never left this machine is
 * not retried: the key is unspent and the next run will do.
 * @param {ApiCall} call
 * @returns {Promise<{ answer?: ApiAnswer, error?: NetworkError, attempts: number, elapsedMs: number }>}
 */
async function refreshWithRetries(call) {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    const remainingMs = REFRESH_WINDOW_MS - (Date.now() - started);
    /** @type {{ answer?: ApiAnswer, error?: NetworkError }} */
    let outcome;
    try {
      const answer = await callService({ ...call, timeoutSeconds: Math.min(call.timeoutSeconds, remainingMs / 1000) });
      outcome = { answer };
      if (!RETRYABLE_REFRESH_STATUSES.has(answer.status)) return { answer, attempts: attempt, elapsedMs: Date.now() - started };
    } catch (error) {
      if (!(error instanceof NetworkError)) throw error;
      outcome = { error };
      if (!error.requestMaybeSent) return { error, attempts: attempt, elapsedMs: Date.now() - started };
    }
    const delay = REFRESH_RETRY_DELAYS_MS[attempt - 1];
    if (delay === undefined || Date.now() - started + delay + REFRESH_MIN_ATTEMPT_MS > REFRESH_WINDOW_MS) {
      return { ...outcome, attempts: attempt, elapsedMs: Date.now() - started };
    }
    await sleep(delay);
  }
}

/**
 * Explains a refresh that did not return a new token. The file is never touched on this path.
 * @param {{ status: number, body: any }} answer the last answer, after any retries
 * @param {ApiCall} call
 * @param {{ given: string, target: string, sentFrom: Buffer, mayHaveHappened: string, tried: string }} file
 *   the path as the user wrote it, the real path, the content that was sent from, how often it was tried
 */
async function refreshError(answer, call, { given, target, sentFrom, mayHaveHappened, tried }) {
  const unchanged = `${given} was left unchanged`;
  // A gateway's timeout (504) or a proxy's error page may come after the service did refresh.
  if (answer.body === undefined || (answer.status >= 500 && !answer.body.error)) {
    return new CliError(`${notJsonMessage(call, answer.status)}${tried}; ${answer.status >= 500 ? mayHaveHappened : unchanged}`);
  }
  const reason = serverReason(answer);
  if (answer.status === 401) {
    return new CliError(
      `refresh key rejected (${reason}): the token was revoked, expired beyond its refresh window, or this key was already used more than 30 s ago (a reuse revokes the whole chain); ${unchanged} — ask the token's owner for a new token`,
      EXIT.rejected,
    );
  }
  if (answer.status === 409) {
    const now = await readFile(target).catch(() => sentFrom);
    // Several cron runs or workers on one file: the winner already saved the new credentials.
    if (!now.equals(sentFrom)) {
      return new CliError(`refresh key was just used (${reason})${tried}: another pat refresh replaced ${given} meanwhile, so it holds the newer credentials`, EXIT.conflict);
    }
    return new CliError(
      `refresh key still in conflict with another refresh (${reason})${tried}; ${unchanged}. Do not retry this key later (a reuse after 30 s revokes the whole chain): use the credentials that refresh returned, or ask the token's owner for a new token`,
      EXIT.conflict,
    );
  }
  if (answer.status === 429) return new CliError(`the service is throttling refreshes (${reason}); ${unchanged} and its key still works — try again later`);
  if (answer.status >= 500) return new CliError(`the service failed (${reason})${tried}; ${mayHaveHappened}`);
  return new CliError(`refresh failed (${reason}); ${unchanged}`);
}

/** @param {Invocation} invocation */
async function createCommand({ args, env }) {
  const { values, positionals } = parse(args, {
    url: { type: 'string' },
    'id-token': { type: 'string' },
    description: { type: 'string', short: 'd' },
    scope: { type: 'string', short: 's', multiple: true },
    'expires-in-days': { type: 'string' },
    'expires-at': { type: 'string' },
    'no-expiry': { type: 'boolean' },
    'allow-ip': { type: 'string', multiple: true },
    owner: { type: 'string' },
    save: { type: 'string' },
    force: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (values.help) return say(helpText.create);
  if (positionals.length > 0) throw usageError('create takes no arguments; give the description with --description');
  if (!values.description) throw usageError('missing --description TEXT');
  if (!values.scope || values.scope.length === 0) throw usageError('missing --scope SCOPE (repeat it for several scopes)');
  const expiryOptions = [values['expires-in-days'], values['expires-at'], values['no-expiry']].filter((value) => value !== undefined);
  if (expiryOptions.length > 1) throw usageError('give at most one of --expires-in-days, --expires-at and --no-expiry');
  const { base, idToken } = userSession(values, env);
  const timeoutSeconds = timeoutOf(values.timeout);

  /** @type {Record<string, unknown>} */
  const body = { description: values.description, scopes: values.scope.flatMap((scope) => listOf(scope, '--scope')) };
  if (values['expires-in-days'] !== undefined) {
    const days = values['expires-in-days'];
    if (!/^\d+$/.test(days)) throw usageError('--expires-in-days must be a whole number of days');
    body.expiresInDays = Number(days);
  }
  if (values['expires-at'] !== undefined) body.expiresAt = values['expires-at'];
  if (values['no-expiry']) body.expiresAt = null;
  if (values['allow-ip']) body.allowedIps = values['allow-ip'].flatMap((entry) => listOf(entry, '--allow-ip'));
  if (values.owner !== undefined) body.owner = values.owner;

  // Check the file can be written before the token exists: its secrets are shown only once.
  /** @type {PendingReplacement | undefined} */
  let saveTo;
  if (values.save) {
    const exists = await stat(values.save).then(() => true, () => false);
    if (exists && !values.force) throw new CliError(`${values.save} already exists; pass --force to replace it`);
    saveTo = await PendingReplacement.prepare(values.save, undefined);
  }

  try {
    const call = { method: 'POST', url: new URL('tokens', base), bearer: idToken, body, timeoutSeconds };
    const answer = await callApi(call);
    if (answer.status !== 201) throw managementError(answer, 'create the token');
    const { accessToken, refreshKey, ...metadata } = answer.body;
    rememberSecret(accessToken);
    rememberSecret(refreshKey);

    if (saveTo) {
      const credentials = { apiUrl: base.href, tokenId: metadata.id, accessToken, refreshKey, expiresAt: metadata.expiresAt ?? null };
      try {
        await saveTo.commit(credentialsText(credentials));
      } catch (error) {
        // A token nobody can use must not stay active: revoke it.
        const revoked = await callApi({ method: 'DELETE', url: new URL(`tokens/${encodeURIComponent(metadata.id)}`, base), bearer: idToken, timeoutSeconds }).then(
          (revocation) => revocation.status === 200,
          () => false,
        );
        throw new CliError(
          `created token ${safeText(String(metadata.id))} but could not write ${values.save} (${/** @type {Error} */ (error).message}); ${revoked ? 'the token was revoked' : 'revoke it with pat revoke'}`,
        );
      }
      if (values.json) return sayJson(metadata);
      say(`Created token ${safeText(metadata.id)} "${safeText(metadata.description)}" (${safeText(scopesOf(metadata))}), expires ${safeText(metadata.expiresAt ?? 'never')}; credentials saved to ${safeText(values.save)} (mode 0600)`);
      return;
    }

    // The one place a secret is printed: the user asked for the token and this is the only time it exists.
    if (values.json) return sayJson(answer.body);
    say(`Created token ${safeText(metadata.id)} "${safeText(metadata.description)}"`);
    say(`  scopes:        ${safeText(scopesOf(metadata))}`);
    say(`  expires:       ${safeText(metadata.expiresAt ?? 'never')}`);
    if (Array.isArray(metadata.allowedIps) && metadata.allowedIps.length > 0) say(`  allowed IPs:   ${safeText(metadata.allowedIps.join(', '))}`);
    // Not through safeText, which would mask them; `say` still strips anything a terminal acts on.
    say(`  access token:  ${accessToken}`);
    say(`  refresh key:   ${refreshKey}`);
    say('Copy both now: they are not shown again.');
  } finally {
    await saveTo?.discard();
  }
}

/**
 * @param {string | null | undefined} iso
 */
const shortTime = (iso) => (typeof iso === 'string' ? safeText(iso.replace(/:\d\d(\.\d+)?Z$/, 'Z').replace('T', ' ')) : '-');

/** @param {any} token */
const scopesOf = (token) => (Array.isArray(token?.scopes) ? token.scopes.map(String).join(' ') : '');

/**
 * @param {string[]} headings
 * @param {string[][]} rows
 */
function table(headings, rows) {
  const widths = headings.map((heading, column) => Math.max(heading.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (/** @type {string[]} */ cells) => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ').trimEnd();
  return [line(headings), ...rows.map(line)].join('\n');
}

/**
 * "just now", "5 min ago", "2 h ago", "3 d ago": enough to tell a working rotation from a stuck one.
 * @param {unknown} iso
 * @param {number} now
 */
function ago(iso, now) {
  const at = typeof iso === 'string' ? Date.parse(iso) : Number.NaN;
  if (!Number.isFinite(at)) return '?';
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} d ago`;
}

/** @param {any} token */
const generationOf = (token) => (Number.isInteger(token?.generation) && token.generation > 0 ? /** @type {number} */ (token.generation) : undefined);

/**
 * One credential per family (a token and its rotated successors), in listing order (newest first),
 * represented by its newest member. A token without a family (an older server) is its own.
 * @param {any[]} items
 * @returns {{ newest: any, members: any[] }[]}
 */
function credentialsOf(items) {
  /** @type {Map<string, { newest: any, members: any[] }>} */
  const families = new Map();
  for (const item of items) {
    const key = typeof item?.familyId === 'string' && item.familyId !== '' ? item.familyId : String(item?.id);
    const family = families.get(key);
    if (!family) {
      families.set(key, { newest: item, members: [item] });
      continue;
    }
    family.members.push(item);
    if ((generationOf(item) ?? 0) > (generationOf(family.newest) ?? 0)) family.newest = item;
  }
  return [...families.values()];
}

/**
 * "15, rotated 2 h ago": a successor is created by its rotation, so its createdAt is the last rotation.
 * @param {any} token
 * @param {number} now
 */
function generationText(token, now) {
  const generation = generationOf(token);
  if (generation === undefined) return '-';
  return generation > 1 ? `${generation}, rotated ${ago(token.createdAt, now)}` : `${generation}`;
}

/** @param {Invocation} invocation */
async function listCommand({ args, env }) {
  const { values, positionals } = parse(args, {
    url: { type: 'string' },
    'id-token': { type: 'string' },
    status: { type: 'string' },
    owner: { type: 'string' },
    limit: { type: 'string' },
    cursor: { type: 'string' },
    'all-pages': { type: 'boolean' },
    'all-generations': { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (values.help) return say(helpText.list);
  if (positionals.length > 0) throw usageError('list takes no arguments');
  if (values.status !== undefined && !['active', 'revoked', 'expired', 'all'].includes(values.status)) throw usageError('--status must be one of active, revoked, expired, all');
  const { base, idToken } = userSession(values, env);
  const timeoutSeconds = timeoutOf(values.timeout);

  /** @type {any[]} */
  const items = [];
  let cursor = values.cursor;
  /** @type {string | null} */
  let nextCursor = null;
  do {
    const url = new URL('tokens', base);
    if (values.status) url.searchParams.set('status', values.status);
    if (values.owner) url.searchParams.set('owner', values.owner);
    if (values.limit) url.searchParams.set('limit', values.limit);
    if (cursor) url.searchParams.set('cursor', cursor);
    const answer = await callApi({ method: 'GET', url, bearer: idToken, timeoutSeconds });
    if (answer.status !== 200) throw managementError(answer, 'list the tokens');
    if (!Array.isArray(answer.body.items)) throw new CliError(`unexpected answer from GET ${shownUrl(url)}: no "items" list`);
    items.push(...answer.body.items.filter((/** @type {unknown} */ item) => typeof item === 'object' && item !== null));
    nextCursor = typeof answer.body.nextCursor === 'string' ? answer.body.nextCursor : null;
    cursor = nextCursor ?? undefined;
  } while (values['all-pages'] && cursor);

  if (values.json) return sayJson({ items, nextCursor }, true);
  if (items.length === 0) {
    say(`No ${values.status && values.status !== 'all' ? `${values.status} ` : ''}tokens.`);
  } else {
    const now = Date.now();
    const shown = values['all-generations'] ? items : credentialsOf(items).map((credential) => credential.newest);
    const rows = shown.map((item) => [
      safeText(item.id),
      safeText(item.status) + (item.revokeReason && item.revokeReason !== 'revoked' ? ` (${safeText(item.revokeReason)})` : ''),
      item.expiresAt === null ? 'never' : shortTime(item.expiresAt),
      shortTime(item.lastUsedAt),
      safeText(item.owner),
      values['all-generations'] ? safeText(String(generationOf(item) ?? '-')) : safeText(generationText(item, now)),
      safeText(item.description),
      safeText(scopesOf(item)),
    ]);
    say(table(['ID', 'STATUS', 'EXPIRES', 'LAST USED', 'OWNER', 'GENERATION', 'DESCRIPTION', 'SCOPES'], rows));
  }
  if (nextCursor) {
    say(`More tokens: pat list --cursor ${safeText(nextCursor)}${values.status ? ` --status ${safeText(values.status)}` : ''}${values.owner ? ` --owner ${safeText(values.owner)}` : ''} (or --all-pages)`);
  }
}

/** @param {Invocation} invocation */
async function revokeCommand({ args, env }) {
  const { values, positionals } = parse(args, { url: { type: 'string' }, 'id-token': { type: 'string' }, json: { type: 'boolean' } }, true);
  if (values.help) return say(helpText.revoke);
  if (positionals.length !== 1) throw usageError('revoke takes exactly one token ID');
  const id = /** @type {string} */ (positionals[0]);
  const { base, idToken } = userSession(values, env);
  const timeoutSeconds = timeoutOf(values.timeout);
  const answer = await callApi({ method: 'DELETE', url: new URL(`tokens/${encodeURIComponent(id)}`, base), bearer: idToken, timeoutSeconds });
  if (answer.status === 404) throw new CliError(`no token ${safeText(id)} that you may see (${serverReason(answer)})`);
  if (answer.status !== 200) throw managementError(answer, `revoke token ${safeText(id)}`);
  const token = answer.body;
  if (values.json) return sayJson(token);
  const description = `"${safeText(token.description)}"`;
  if (!Array.isArray(token.revokedTokenIds)) {
    // A server without token families: it revoked the one token addressed.
    say(`Revoked token ${safeText(token.id)} ${description} (${safeText(token.revokeReason ?? token.status)} at ${safeText(token.revokedAt ?? '?')})`);
    return;
  }
  /** @type {string[]} */
  const revokedIds = token.revokedTokenIds.filter((/** @type {unknown} */ revoked) => typeof revoked === 'string');
  if (revokedIds.length === 0) {
    const was = `${safeText(token.status)}${token.revokeReason ? ` (${safeText(token.revokeReason)})` : ''}`;
    say(`Nothing was live any more: ${description} (token ${safeText(token.id)}) was already ${was}; nothing changed`);
    return;
  }
  // Newest first: the first id is the credential's current generation, the others rotated ones in their grace period.
  let generation = revokedIds[0] === token.id ? generationOf(token) : undefined;
  if (generation === undefined && revokedIds[0] !== token.id) {
    const newest = await callApi({ method: 'GET', url: new URL(`tokens/${encodeURIComponent(revokedIds[0] ?? '')}`, base), bearer: idToken, timeoutSeconds }).catch(() => undefined);
    if (newest?.status === 200) generation = generationOf(newest.body);
  }
  const others = revokedIds.length - 1;
  const inGrace = others > 0 ? ` and ${others} token${others === 1 ? '' : 's'} still in its grace period` : '';
  say(`Revoked ${description} (${generation === undefined ? `token ${safeText(revokedIds[0])}` : `generation ${generation}`}${inGrace})`);
}

const helpText = {
  main: `pat ${VERSION}: personal access tokens from the command line

Usage:
  pat refresh --credentials FILE        rotate a vendor's token; FILE is replaced atomically
  pat create --description TEXT --scope SCOPE [...] [--save FILE]
  pat list [--status S] [--owner USER] [--all-pages] [--all-generations] [--json]
  pat revoke ID
  pat help [COMMAND]

User commands (create, list, revoke) need the service's API URL and your ID token:
  --url URL          or PAT_API_URL     e.g. http://127.0.0.1:3000 for npm start
  --id-token TOKEN   or PAT_ID_TOKEN    (prefer the variable: options show up in ps)

Common options: --timeout SECONDS (default ${DEFAULT_TIMEOUT_SECONDS}), --allow-http (plain http to a
host other than this machine), --help.

Exit codes: 0 done; 1 not done (network, server or file problem: the message says what to do);
2 wrong command line; 3 credential rejected (401: a human must act); 4 conflict (409).`,
  refresh: `pat refresh --credentials FILE [--url URL] [--json] [--timeout SECONDS]

Rotates a token with its refresh key: POST {apiUrl}/tokens/refresh, then replaces FILE with the
new access token and refresh key (temporary file in the same directory, mode 0600, fsync, rename,
fsync of the directory), so FILE always holds a complete set of working credentials. On any
failure FILE is left exactly as it was. The old access token keeps working for the service's grace
period (60 s by default).

FILE (JSON, mode 0600; also PAT_CREDENTIALS):
  { "apiUrl": "https://...", "accessToken": "...", "refreshKey": "patr_...",
    "tokenId": "...", "expiresAt": "..." }
Other fields are kept. --url overrides "apiUrl".

Retries: when the answer is lost (timeout, broken connection, 502/503/504) or the refresh lost a
race (409), pat retries at once with the same key, up to 4 attempts within 20 s (each waits at
most --timeout, default ${REFRESH_DEFAULT_TIMEOUT_SECONDS} s): the service answers a key presented again within 30 s of its
rotation with the same new token, so FILE is written once, with it.

Exit codes: 0 refreshed; 1 not done (server down, file unreadable...): retry; 3 the key was
rejected (revoked, expired, or reused): ask the token's owner for a new token; 4 the key was in
conflict with another refresh on every attempt: do not retry it later.`,
  create: `pat create --description TEXT --scope SCOPE [--scope SCOPE ...] [options]

  --description, -d TEXT   unique among the owner's active tokens
  --scope, -s SCOPE        e.g. candidates:read (repeat, or separate with commas)
  --expires-in-days N      one of the offered lifetimes (default 90)
  --expires-at ISO-8601    a custom expiry instead
  --no-expiry              no expiry (only if the service allows it)
  --allow-ip ENTRY         IP, CIDR or range from-to (repeat, or separate with commas)
  --owner USER             create for another user of your tenant (admins)
  --save FILE              write a credentials file (mode 0600) for a vendor instead of
                           printing the secrets; --force replaces an existing FILE
  --json                   print the JSON answer
Without --save the access token and refresh key are printed once; they cannot be shown again.`,
  list: `pat list [--status active|revoked|expired|all] [--owner USER] [--limit N] [--cursor C] [--all-pages] [--all-generations] [--json]

Lists your credentials (admins: the tenant's, --owner to filter), newest first. Default: active ones,
first page; --all-pages follows every page.

A credential is a token and the successors its refreshes created (one family). The table shows one
row per credential, its newest token: GENERATION is 1 when created, +1 per refresh, and says when it
was last rotated. --all-generations shows every token instead (with --status all, the rotated ones
too). --json prints every token of the page(s) as the service answered them.`,
  revoke: `pat revoke ID [--json]

Revokes the credential the token ID belongs to (idempotent): every live token of its family, the
rotated ones still in their grace period included, whichever member ID names. Says what was
revoked, or that nothing was live any more. A vendor holding it gets 401 within the authorizer's
cache window.`,
};

/** @type {Record<string, (invocation: Invocation) => Promise<void>>} */
const commands = { refresh: refreshCommand, create: createCommand, list: listCommand, revoke: revokeCommand };

/**
 * @param {string[]} argv the arguments after `pat`
 * @param {NodeJS.ProcessEnv} env
 * @returns {Promise<number>} the exit code
 */
async function main(argv, env) {
  const [name, ...args] = argv;
  try {
    if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
      const topic = name === 'help' ? args[0] : undefined;
      if (topic !== undefined && !(topic in helpText && topic !== 'main')) throw usageError(`no command ${safeText(topic)}`);
      say(helpText[/** @type {keyof typeof helpText} */ (topic ?? 'main')]);
      return name === undefined ? EXIT.usage : EXIT.ok;
    }
    if (name === '--version' || name === 'version') {
      say(VERSION);
      return EXIT.ok;
    }
    const command = commands[name];
    if (!command) throw usageError(`unknown command ${safeText(name)}`);
    await command({ args, env });
    return EXIT.ok;
  } catch (error) {
    const failure = error instanceof CliError ? error : new CliError(`unexpected failure: ${/** @type {Error} */ (error)?.message ?? String(error)}`);
    process.stderr.write(`pat${name && name in commands ? ` ${name}` : ''}: ${safeText(failure.message)}\n`);
    return failure.exitCode;
  }
}

process.exitCode = await main(process.argv.slice(2), process.env);

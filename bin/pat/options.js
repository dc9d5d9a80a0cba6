// @ts-check
/** What every command parses the same way: common options, timeouts, the user's session. */
import { parseArgs } from 'node:util';
import { usageError } from './errors.js';
import { apiBase, callApi, DEFAULT_TIMEOUT_SECONDS } from './http.js';
import { rememberSecret } from './output.js';

/**
 * @typedef {{ args: string[], env: NodeJS.ProcessEnv }} Invocation
 */

export const commonOptions = /** @type {const} */ ({
  help: { type: 'boolean', short: 'h' },
  timeout: { type: 'string' },
  'allow-http': { type: 'boolean' },
});

/**
 * @param {string | undefined} raw
 * @param {number} [fallback]
 */
export function timeoutOf(raw, fallback = DEFAULT_TIMEOUT_SECONDS) {
  if (raw === undefined) return fallback;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 600)
    throw usageError('--timeout must be a number of seconds between 0 and 600');
  return seconds;
}

/**
 * @template {import('node:util').ParseArgsConfig['options']} O
 * @param {string[]} args
 * @param {O} options
 * @param {boolean} [allowPositionals]
 */
export function parse(args, options, allowPositionals = false) {
  try {
    return parseArgs({ args, options: { ...commonOptions, ...options }, allowPositionals, strict: true });
  } catch (error) {
    throw usageError(/** @type {Error} */ (error).message);
  }
}

/**
 * The management API, the caller's ID token and the timeout, from options or the environment, and
 * `call`: one request to that API with that token.
 * @param {{ url?: string | boolean, 'id-token'?: string | boolean, 'allow-http'?: string | boolean, timeout?: string | boolean }} values
 * @param {NodeJS.ProcessEnv} env
 */
export function userSession(values, env) {
  const rawUrl = typeof values.url === 'string' ? values.url : env.PAT_API_URL;
  const base = apiBase(
    rawUrl,
    rawUrl === undefined ? 'pass --url URL or set PAT_API_URL' : values.url ? '--url' : 'PAT_API_URL',
    values['allow-http'] === true,
  );
  const idToken = typeof values['id-token'] === 'string' ? values['id-token'] : env.PAT_ID_TOKEN;
  if (!idToken) throw usageError('missing the ID token: pass --id-token TOKEN or set PAT_ID_TOKEN');
  rememberSecret(idToken);
  const timeoutSeconds = timeoutOf(typeof values.timeout === 'string' ? values.timeout : undefined);
  /**
   * @param {string} method
   * @param {string | URL} path relative to the API base, or a URL made from it (with a query)
   * @param {unknown} [body]
   */
  const call = (method, path, body) => callApi({ method, url: new URL(path, base), bearer: idToken, body, timeoutSeconds });
  return { base, idToken, timeoutSeconds, call };
}

/**
 * What the commands about a credentials file (refresh, status) parse alike: --credentials FILE (or
 * PAT_CREDENTIALS), --url, --json, and no arguments.
 * @param {Invocation} invocation
 * @param {string} command
 * @returns the options and the file as given, or undefined when --help asks for the command's help
 */
export function credentialsFileOptions({ args, env }, command) {
  const { values, positionals } = parse(args, {
    credentials: { type: 'string', short: 'c' },
    url: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.help) return undefined;
  if (positionals.length > 0) throw usageError(`${command} takes no arguments`);
  const given = values.credentials ?? env.PAT_CREDENTIALS;
  if (!given) throw usageError('missing --credentials FILE');
  return { values, given };
}

/**
 * The API base of a credentials file: --url, else the file's "apiUrl".
 * @param {{ url?: string, 'allow-http'?: boolean }} values
 * @param {{ apiUrl?: string }} credentials
 * @param {string} given the file's path as the user wrote it
 */
export const credentialsApiBase = (values, credentials, given) =>
  apiBase(values.url ?? credentials.apiUrl, values.url ? '--url' : `"apiUrl" of ${given} (or pass --url)`, values['allow-http'] === true);

/** @param {string} value @param {string} option */
export function listOf(value, option) {
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  if (items.length === 0) throw usageError(`${option} must not be empty`);
  return items;
}

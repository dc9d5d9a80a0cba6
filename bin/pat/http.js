// @ts-check
/** Calls to the service: URLs, timeouts, network failures, and the server's own words for an error. */
import { CliError, EXIT, NetworkError, usageError } from './errors.js';
import { safeText } from './output.js';
import { VERSION } from './version.js';

export const DEFAULT_TIMEOUT_SECONDS = 30;

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
export const REFRESH_DEFAULT_TIMEOUT_SECONDS = 8;
const RETRYABLE_REFRESH_STATUSES = new Set([409, 502, 503, 504]);

/**
 * @typedef {{ status: number, body: any }} ApiAnswer
 * @typedef {{ method: string, url: URL, bearer?: string, body?: unknown, timeoutSeconds: number }} ApiCall
 */

/** @param {URL} url */
export const shownUrl = (url) => `${url.origin}${url.pathname}`;

/** Connection failures where the request certainly never reached the server. */
const notSentCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * The API base URL from an option, the environment or a credentials file; http only to this
 * machine unless allowed, since every call carries a secret.
 * @param {string | undefined} raw
 * @param {string} source where the value came from, for the message
 * @param {boolean} allowHttp
 */
export function apiBase(raw, source, allowHttp) {
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
export async function callService(call) {
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
export const notJsonMessage = (call, status) =>
  `unexpected answer from ${call.method} ${shownUrl(call.url)}: HTTP ${status}, not the service's JSON (is the URL the token service's API?)`;

/**
 * A call whose answer must be the service's JSON.
 * @param {ApiCall} call
 * @returns {Promise<ApiAnswer>}
 */
export async function callApi(call) {
  const answer = await callService(call);
  if (answer.body === undefined) throw new CliError(notJsonMessage(call, answer.status));
  return answer;
}

/**
 * @param {ApiCall} call
 * @param {unknown} error
 */
export function networkError(call, error) {
  const err = /** @type {{ name?: string, message?: string, cause?: { code?: string, message?: string } }} */ (error ?? {});
  const where = `${call.method} ${shownUrl(call.url)}`;
  if (err.name === 'TimeoutError') return new NetworkError(`no answer from ${where} within ${call.timeoutSeconds} s`, true);
  const code = err.cause?.code ?? '';
  const reason = code || err.cause?.message || err.message || 'network error';
  // `bad port`: fetch refuses some ports before connecting.
  if (notSentCodes.has(code) || err.cause?.message === 'bad port')
    return new NetworkError(`cannot reach ${where} (${reason}): is the server up and the URL right?`, false);
  return new NetworkError(`the connection to ${where} failed (${reason})`, true);
}

/**
 * The server's own words for a failed call: `400 invalid_request: <message> [field: problem; ...]`.
 * The field details are added where the message does not already say them, so a 400 always names
 * the field to fix.
 * @param {ApiAnswer} answer
 */
export function serverReason(answer) {
  const error = answer.body?.error;
  const code = typeof error?.code === 'string' ? error.code : 'error';
  const message = typeof error?.message === 'string' ? error.message : 'no message';
  const details = Array.isArray(error?.details)
    ? error.details.map(fieldProblem).filter((/** @type {string} */ text) => text !== '' && !message.includes(text))
    : [];
  return `${answer.status} ${code}: ${message}${details.length > 0 ? ` [${details.join('; ')}]` : ''}`;
}

/**
 * One entry of an error's `details`: `field: problem` (the spec's shape), or its JSON if a server
 * sends something else.
 * @param {unknown} detail
 */
function fieldProblem(detail) {
  const { field, message } = /** @type {{ field?: unknown, message?: unknown }} */ (
    typeof detail === 'object' && detail !== null ? detail : {}
  );
  if (typeof field !== 'string') return detail === undefined ? '' : JSON.stringify(detail);
  return typeof message === 'string' ? `${field}: ${message}` : field;
}

/**
 * The usual explanation of a failed management call.
 * @param {ApiAnswer} answer
 * @param {string} doing e.g. "create the token"
 */
export function managementError(answer, doing) {
  const reason = serverReason(answer);
  if (answer.status === 401)
    return new CliError(
      `could not ${doing}: the ID token was rejected (${reason}); sign in again and pass a fresh --id-token / PAT_ID_TOKEN`,
      EXIT.rejected,
    );
  if (answer.status === 429 || answer.status >= 500)
    return new CliError(`could not ${doing}: the service failed (${reason}); try again later`);
  return new CliError(`could not ${doing} (${reason})`, answer.status === 409 ? EXIT.conflict : EXIT.failure);
}

/**
 * `tokens/{id}` or `tokens/{id}/{action}`, relative to the API base.
 * @param {string} id
 * @param {string} [action] e.g. `regenerate`
 */
export const tokenPath = (id, action) => `tokens/${encodeURIComponent(id)}${action === undefined ? '' : `/${action}`}`;

/**
 * The body of a successful (200) call about one token, or the error that says why there is none:
 * a 404 names the token, anything else is explained by managementError.
 * @param {ApiAnswer} answer
 * @param {string} id
 * @param {string} doing e.g. "revoke"
 */
export function tokenBody(answer, id, doing) {
  if (answer.status === 404) throw new CliError(`no token ${safeText(id)} that you may see (${serverReason(answer)})`);
  if (answer.status !== 200) throw managementError(answer, `${doing} token ${safeText(id)}`);
  return answer.body;
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
export async function refreshWithRetries(call) {
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

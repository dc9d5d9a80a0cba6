// @ts-check
/** `pat refresh`: a vendor's unattended rotation, with its credentials file replaced atomically. */
import { readFile, realpath, stat } from 'node:fs/promises';
import { credentialsText, errnoOf, issuedCredentials, lockCredentials, PendingReplacement, readCredentials } from '../credentials-file.js';
import { CliError, EXIT } from '../errors.js';
import { notJsonMessage, refreshWithRetries, REFRESH_DEFAULT_TIMEOUT_SECONDS, serverReason, shownUrl } from '../http.js';
import { credentialsApiBase, credentialsFileOptions, timeoutOf } from '../options.js';
import { rememberSecret, safeText, say, sayJson } from '../output.js';

/**
 * @typedef {import('../options.js').Invocation} Invocation
 * @typedef {import('../http.js').ApiAnswer} ApiAnswer
 * @typedef {import('../http.js').ApiCall} ApiCall
 * @typedef {import('../credentials-file.js').Credentials} Credentials
 */

export const help = `pat refresh --credentials FILE [--url URL] [--json] [--timeout SECONDS]

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

Concurrent runs on one FILE take turns: each holds .FILE.lock (created next to FILE with O_EXCL;
one left by a run that died is taken over) while it reads, refreshes and replaces FILE, so a run
never writes an older successor over a newer one. A run waits up to 30 s for the lock.

Exit codes: 0 refreshed; 1 not done (server down, file unreadable, lock held...): retry; 3 the key
was rejected (revoked, expired, or reused — a reuse revokes the whole credential at that very
call, and the message says so): ask the token's owner for a new token; 4 the key was in conflict
with another refresh on every attempt: do not retry it later.`;

/** @param {Invocation} invocation */
export async function run(invocation) {
  const options = credentialsFileOptions(invocation, 'refresh');
  if (!options) return say(help);
  const { values, given } = options;
  const timeoutSeconds = timeoutOf(values.timeout, REFRESH_DEFAULT_TIMEOUT_SECONDS);

  let target;
  try {
    // Replace the file a symlink points to, not the symlink.
    target = await realpath(given);
  } catch (error) {
    throw new CliError(`cannot read the credentials file ${given}: ${errnoOf(error) === 'ENOENT' ? 'no such file' : errnoOf(error)}`);
  }
  // A file that cannot be read or is invalid is reported as such, before any lock is taken.
  await readCredentials(target);
  // Read the file (again) only once this run holds the lock: a concurrent run's newer successor is then
  // what this run reads and rotates, never overwritten with an older one.
  const unlock = await lockCredentials(target);
  /** @type {{ credentials: Credentials, token: Record<string, any>, attempts: number, base: URL }} */
  let done;
  try {
    done = await refreshLocked({ given, target, values, timeoutSeconds });
  } finally {
    await unlock();
  }
  const { credentials, token, attempts } = done;

  const { accessToken: _token, refreshKey: _key, ...metadata } = token;
  if (values.json) return sayJson(metadata);
  const from = credentials.tokenId ? `${safeText(credentials.tokenId)} → ` : '';
  const retried = attempts > 1 ? ` (after ${attempts} attempts: the service answered the retry with the same new token)` : '';
  say(
    `Refreshed token ${from}${safeText(metadata.id)}, expires ${safeText(metadata.expiresAt ?? 'never')}; new credentials saved to ${safeText(given)}${retried}`,
  );
}

/**
 * The refresh itself, run while holding the file's lock.
 * @param {{ given: string, target: string, values: { url?: string, 'allow-http'?: boolean }, timeoutSeconds: number }} run
 * @returns {Promise<{ credentials: Credentials, token: Record<string, any>, attempts: number, base: URL }>}
 */
async function refreshLocked({ given, target, values, timeoutSeconds }) {
  const { credentials, raw } = await readCredentials(target);
  const base = credentialsApiBase(values, credentials, given);
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
    if (
      answer.status === 200 &&
      (typeof token?.accessToken !== 'string' || typeof token.refreshKey !== 'string' || typeof token.id !== 'string')
    ) {
      throw new CliError(`unexpected answer from POST ${shownUrl(call.url)}: HTTP 200 without a new token; ${mayHaveHappened}`);
    }
    if (answer.status !== 200) throw await refreshError(answer, call, { given, target, sentFrom: raw, mayHaveHappened, tried });
    try {
      await replacement.commit(credentialsText(issuedCredentials(token, base.href, credentials)));
    } catch (error) {
      const failure = /** @type {{ message: string, keptAt?: string }} */ (error);
      if (failure.keptAt) {
        throw new CliError(
          `refreshed, but could not rename the new credentials over ${given} (${failure.message}): they are in ${failure.keptAt} — move that file over ${given} now`,
        );
      }
      throw new CliError(
        `refreshed, but could not write the new credentials next to ${given} (${failure.message}): the new key is lost and the old one is spent; the old access token works for the grace period (60 s by default) — ask the token's owner for a new token`,
      );
    }
  } finally {
    await replacement.discard();
  }

  return { credentials, token, attempts, base };
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
  if (answer.status === 401 && /revoked the whole credential/i.test(reason)) {
    // The service's words for a reuse (POST /tokens/refresh): this very request revoked the chain.
    return new CliError(
      `refresh key REUSED (${reason}): the key in ${given} had already been spent by an earlier refresh (a second copy of this file, a restored backup, or a stolen key), so this run has just revoked the whole credential — every token of its chain, including any newer one another copy holds. ${unchanged}, but nothing in it works any more: ask the token's owner for a new token, and find out where the other copy of the key came from`,
      EXIT.rejected,
    );
  }
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
      return new CliError(
        `refresh key was just used (${reason})${tried}: another pat refresh replaced ${given} meanwhile, so it holds the newer credentials`,
        EXIT.conflict,
      );
    }
    return new CliError(
      `refresh key still in conflict with another refresh (${reason})${tried}; ${unchanged}. Do not retry this key later (a reuse after 30 s revokes the whole chain): use the credentials that refresh returned, or ask the token's owner for a new token`,
      EXIT.conflict,
    );
  }
  if (answer.status === 429)
    return new CliError(`the service is throttling refreshes (${reason}); ${unchanged} and its key still works — try again later`);
  if (answer.status >= 500) return new CliError(`the service failed (${reason})${tried}; ${mayHaveHappened}`);
  return new CliError(`refresh failed (${reason}); ${unchanged}`);
}

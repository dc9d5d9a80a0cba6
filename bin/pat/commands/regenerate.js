// @ts-check
/** `pat regenerate`: a rotation started by a person; new secrets shown once or saved to a file. */
import { readFile, realpath, stat } from 'node:fs/promises';
import { PendingReplacement, credentialsText, errnoOf, issuedCredentials } from '../credentials-file.js';
import { CliError, usageError } from '../errors.js';
import { shownUrl, tokenBody, tokenPath } from '../http.js';
import { parse, userSession } from '../options.js';
import { generationOf, rememberSecret, safeText, say, sayIssuedToken, sayJson } from '../output.js';

/** @typedef {import('../options.js').Invocation} Invocation */

export const help = `pat regenerate ID [--credentials FILE [--force]] [--json]

Regenerates a token (owner or admin): POST /tokens/{ID}/regenerate. The service rotates it as a
refresh would (a new token in the same credential, next generation) and answers a new access token
and refresh key, shown once. The old access token keeps working for the grace period (60 s by
default); its refresh key stops working at once.

  --credentials, -c FILE  write the new secrets to a vendor credentials file instead of printing
                          them: replaced atomically (temporary file, mode 0600, fsync, rename), a
                          symlink followed, other fields of an existing file kept. FILE is checked
                          before anything is regenerated. An existing FILE that is not a JSON object
                          is replaced only with --force.
  --json                  print the JSON answer (with the secrets unless --credentials is given)

Use it when a refresh key was lost or may have leaked, or to hand a vendor fresh credentials.
Exit codes as for every command (pat help): 1 also for 403/404 (not yours, or no such token),
4 when the token is no longer the credential's current one (409: regenerate the newest ID).`;

/**
 * Where --credentials writes: the real path of an existing file (so a symlink stays a symlink) with
 * its fields and owner kept, or a new file.
 * @param {string} given
 * @param {boolean} force
 * @returns {Promise<{ target: string, kept: Record<string, unknown>, owner?: { uid: number, gid: number } }>}
 */
async function credentialsTarget(given, force) {
  let target;
  try {
    target = await realpath(given);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return { target: given, kept: {} };
    throw new CliError(`cannot use the credentials file ${given}: ${errnoOf(error)}; nothing was regenerated`);
  }
  const info = await stat(target);
  if (!info.isFile()) throw new CliError(`cannot use the credentials file ${given}: it is not a regular file; nothing was regenerated`);
  /** @type {Record<string, unknown>} */
  let kept = {};
  try {
    // Never quoted in a message: it may hold the old refresh key.
    const parsed = JSON.parse(await readFile(target, 'utf8'));
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) kept = parsed;
    else if (!force) throw new Error('not an object');
  } catch (error) {
    if (!force) {
      const why = errnoOf(error) === 'EACCES' ? 'permission denied' : 'it does not hold a JSON object';
      throw new CliError(`will not replace ${given}: ${why}; pass --force to replace it anyway (nothing was regenerated)`);
    }
  }
  return { target, kept, owner: { uid: info.uid, gid: info.gid } };
}

/** @param {Invocation} invocation */
export async function run({ args, env }) {
  const { values, positionals } = parse(
    args,
    {
      url: { type: 'string' },
      'id-token': { type: 'string' },
      credentials: { type: 'string', short: 'c' },
      force: { type: 'boolean' },
      json: { type: 'boolean' },
    },
    true,
  );
  if (values.help) return say(help);
  if (positionals.length !== 1) throw usageError('regenerate takes exactly one token ID');
  const id = /** @type {string} */ (positionals[0]);
  const session = userSession(values, env);

  // The file must be writable before the old refresh key is spent: the new secrets exist only once.
  const file =
    values.credentials === undefined
      ? undefined
      : { given: values.credentials, ...(await credentialsTarget(values.credentials, values.force === true)) };
  const replacement = file ? await PendingReplacement.prepare(file.target, file.owner) : undefined;
  try {
    const url = new URL(tokenPath(id, 'regenerate'), session.base);
    const token = tokenBody(await session.call('POST', url), id, 'regenerate');
    rememberSecret(token.accessToken);
    rememberSecret(token.refreshKey);
    if (typeof token.accessToken !== 'string' || typeof token.refreshKey !== 'string' || typeof token.id !== 'string') {
      throw new CliError(
        `unexpected answer from POST ${shownUrl(url)}: HTTP 200 without a new token; list the credential with pat list to see whether it was regenerated`,
      );
    }
    const { accessToken: _token, refreshKey: _key, ...metadata } = token;
    const generation = generationOf(metadata);
    const headline = `Regenerated token ${safeText(id)} → ${safeText(metadata.id)} "${safeText(metadata.description)}"${generation === undefined ? '' : ` (generation ${generation})`}`;

    if (file && replacement) {
      try {
        await replacement.commit(credentialsText(issuedCredentials(token, session.base.href, file.kept)));
      } catch (error) {
        const failure = /** @type {{ message: string, keptAt?: string }} */ (error);
        if (failure.keptAt)
          throw new CliError(
            `regenerated, but could not rename the new credentials over ${file.given} (${failure.message}): they are in ${failure.keptAt} — move that file over ${file.given} now`,
          );
        // Regenerating needs no refresh key, so lost secrets are recovered by regenerating again.
        throw new CliError(
          `regenerated token ${safeText(metadata.id)}, but could not write ${file.given} (${failure.message}): its new secrets are lost — run pat regenerate ${safeText(metadata.id)} --credentials FILE again`,
        );
      }
      if (values.json) return sayJson(metadata);
      say(
        `${headline}, expires ${safeText(metadata.expiresAt ?? 'never')}; new credentials saved to ${safeText(file.given)} (mode 0600). The old access token works for the grace period only.`,
      );
      return;
    }
    if (values.json) return sayJson(token);
    sayIssuedToken(headline, token);
  } finally {
    await replacement?.discard();
  }
}

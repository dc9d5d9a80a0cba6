// @ts-check
/** `pat create`: a new token, its secrets shown once or saved to a credentials file. */
import { stat } from 'node:fs/promises';
import { PendingReplacement, credentialsText, issuedCredentials } from '../credentials-file.js';
import { CliError, usageError } from '../errors.js';
import { managementError, tokenPath } from '../http.js';
import { listOf, parse, userSession } from '../options.js';
import { rememberSecret, safeText, say, sayIssuedToken, sayJson, scopesOf } from '../output.js';

/** @typedef {import('../options.js').Invocation} Invocation */

export const help = `pat create --description TEXT --scope SCOPE [--scope SCOPE ...] [options]

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
Without --save the access token and refresh key are printed once; they cannot be shown again.`;

/** @param {Invocation} invocation */
export async function run({ args, env }) {
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
  if (values.help) return say(help);
  if (positionals.length > 0) throw usageError('create takes no arguments; give the description with --description');
  if (!values.description) throw usageError('missing --description TEXT');
  if (!values.scope || values.scope.length === 0) throw usageError('missing --scope SCOPE (repeat it for several scopes)');
  const expiryOptions = [values['expires-in-days'], values['expires-at'], values['no-expiry']].filter((value) => value !== undefined);
  if (expiryOptions.length > 1) throw usageError('give at most one of --expires-in-days, --expires-at and --no-expiry');
  const session = userSession(values, env);

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
    const exists = await stat(values.save).then(
      () => true,
      () => false,
    );
    if (exists && !values.force) throw new CliError(`${values.save} already exists; pass --force to replace it`);
    saveTo = await PendingReplacement.prepare(values.save, undefined);
  }

  try {
    const answer = await session.call('POST', 'tokens', body);
    if (answer.status !== 201) throw managementError(answer, 'create the token');
    const { accessToken, refreshKey, ...metadata } = answer.body;
    rememberSecret(accessToken);
    rememberSecret(refreshKey);

    if (saveTo) {
      try {
        await saveTo.commit(credentialsText(issuedCredentials(answer.body, session.base.href)));
      } catch (error) {
        // A token nobody can use must not stay active: revoke it.
        const revoked = await session.call('DELETE', tokenPath(metadata.id)).then(
          (revocation) => revocation.status === 200,
          () => false,
        );
        throw new CliError(
          `created token ${safeText(String(metadata.id))} but could not write ${values.save} (${/** @type {Error} */ (error).message}); ${revoked ? 'the token was revoked' : 'revoke it with pat revoke'}`,
        );
      }
      if (values.json) return sayJson(metadata);
      say(
        `Created token ${safeText(metadata.id)} "${safeText(metadata.description)}" (${safeText(scopesOf(metadata))}), expires ${safeText(metadata.expiresAt ?? 'never')}; credentials saved to ${safeText(values.save)} (mode 0600)`,
      );
      return;
    }

    // The user asked for the token and this is the only time it exists.
    if (values.json) return sayJson(answer.body);
    sayIssuedToken(`Created token ${safeText(metadata.id)} "${safeText(metadata.description)}"`, answer.body);
  } finally {
    await saveTo?.discard();
  }
}

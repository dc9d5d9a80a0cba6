// @ts-check
/** `pat status`: what the service says about the access token in a credentials file. */
import { readCredentials } from '../credentials-file.js';
import { CliError, EXIT } from '../errors.js';
import { callApi, serverReason } from '../http.js';
import { credentialsApiBase, credentialsFileOptions, timeoutOf } from '../options.js';
import { allowedIpsOf, safeText, say, sayJson, scopesOf } from '../output.js';

/** @typedef {import('../options.js').Invocation} Invocation */

export const help = `pat status --credentials FILE [--url URL] [--json]

Asks the service about the access token in FILE (GET /tokens/self, with that access token as
Bearer; the refresh key is neither sent nor spent) and shows its status, expiry, until when it can
be refreshed, its scopes and allowed IPs. FILE is the credentials file pat refresh keeps (also
PAT_CREDENTIALS); --url overrides its "apiUrl". Nothing is written.

Exit codes: 0 the token is active (or pending approval); 1 not reached or another failure;
3 the service does not know the token, or it is revoked or expired: see the status line.`;

/**
 * @param {Invocation} invocation
 * @returns {Promise<number | void>} the exit code
 */
export async function run(invocation) {
  const options = credentialsFileOptions(invocation, 'status');
  if (!options) return say(help);
  const { values, given } = options;
  const { credentials } = await readCredentials(given);
  if (typeof credentials.accessToken !== 'string' || credentials.accessToken === '')
    throw new CliError(`the credentials file ${given} has no "accessToken" to ask about`);
  const base = credentialsApiBase(values, credentials, given);
  const answer = await callApi({
    method: 'GET',
    url: new URL('tokens/self', base),
    bearer: credentials.accessToken,
    timeoutSeconds: timeoutOf(values.timeout),
  });
  if (answer.status === 401)
    throw new CliError(
      `the service does not know the access token in ${given} (${serverReason(answer)}): ask the token's owner for a new token`,
      EXIT.rejected,
    );
  if (answer.status !== 200) throw new CliError(`could not read the token's status (${serverReason(answer)})`);
  const token = answer.body;
  if (values.json) {
    sayJson(token);
  } else {
    const lines = [
      ['token', safeText(token.id)],
      [
        'status',
        `${safeText(token.status)}${token.outsidePolicy === true ? ' (outside the tenant policy: it works until it expires or rotates)' : ''}`,
      ],
      ['expires', safeText(token.expiresAt ?? 'never')],
      ['refreshable until', safeText(token.refreshableUntil ?? '-')],
      ['generation', safeText(String(token.generation ?? '-'))],
      ['scopes', safeText(scopesOf(token))],
      ['allowed IPs', allowedIpsOf(token)],
    ];
    if (typeof token.graceUntil === 'string') lines.push(['grace until', safeText(token.graceUntil)]);
    const width = Math.max(...lines.map(([label]) => String(label).length));
    say(lines.map(([label, value]) => `${String(label).padEnd(width)}  ${value}`).join('\n'));
  }
  return token.status === 'active' || token.status === 'pending' ? EXIT.ok : EXIT.rejected;
}

// @ts-check
/** What `pat approve` and `pat reject` share: a tenant admin's decision on a pending token. */
import { CliError, usageError } from './errors.js';
import { callApi, managementError, serverReason } from './http.js';
import { parse, timeoutOf, userSession } from './options.js';
import { safeText, say, sayJson } from './output.js';

/**
 * POST /tokens/{id}/approve or /reject.
 * @param {import('./options.js').Invocation} invocation
 * @param {'approve' | 'reject'} verdict
 * @param {string} help
 */
export async function decide({ args, env }, verdict, help) {
  const { values, positionals } = parse(args, { url: { type: 'string' }, 'id-token': { type: 'string' }, json: { type: 'boolean' } }, true);
  if (values.help) return say(help);
  if (positionals.length !== 1) throw usageError(`${verdict} takes exactly one token ID`);
  const id = /** @type {string} */ (positionals[0]);
  const { base, idToken } = userSession(values, env);
  const timeoutSeconds = timeoutOf(values.timeout);

  const answer = await callApi({
    method: 'POST',
    url: new URL(`tokens/${encodeURIComponent(id)}/${verdict}`, base),
    bearer: idToken,
    timeoutSeconds,
  });
  if (answer.status === 404) throw new CliError(`no token ${safeText(id)} that you may see (${serverReason(answer)})`);
  if (answer.status !== 200) throw managementError(answer, `${verdict} token ${safeText(id)}`);
  const token = answer.body;
  if (values.json) return sayJson(token);
  const outcome = `${safeText(token.status)}${token.revokeReason ? ` (${safeText(token.revokeReason)})` : ''}`;
  say(
    `${verdict === 'approve' ? 'Approved' : 'Rejected'} token ${safeText(token.id)} "${safeText(token.description)}" of ${safeText(token.owner)}: now ${outcome}`,
  );
}

// @ts-check
/** What `pat approve` and `pat reject` share: a tenant admin's decision on a pending token. */
import { CliError, EXIT, usageError } from './errors.js';
import { serverReason, tokenBody, tokenPath } from './http.js';
import { parse, userSession } from './options.js';
import { allowedIpsOf, safeText, say, sayJson, scopesOf } from './output.js';

/** The limits the API puts on a rejection's reason. */
const REASON_MAX_LENGTH = 500;

/**
 * GET /tokens/{id} (what the admin decides on, shown), then POST /tokens/{id}/approve or /reject
 * with that token's `revision`: the service refuses (409) a decision on a token that changed since.
 * @param {import('./options.js').Invocation} invocation
 * @param {'approve' | 'reject'} verdict
 * @param {string} help
 */
export async function decide({ args, env }, verdict, help) {
  const { values, positionals } = parse(
    args,
    { url: { type: 'string' }, 'id-token': { type: 'string' }, json: { type: 'boolean' }, reason: { type: 'string' } },
    true,
  );
  if (values.help) return say(help);
  if (positionals.length !== 1) throw usageError(`${verdict} takes exactly one token ID`);
  if (values.reason !== undefined && verdict !== 'reject') throw usageError('--reason is for pat reject');
  const reason = values.reason?.trim();
  if (reason !== undefined && (reason.length < 1 || reason.length > REASON_MAX_LENGTH))
    throw usageError(`--reason must be 1 to ${REASON_MAX_LENGTH} characters`);
  const id = /** @type {string} */ (positionals[0]);
  const session = userSession(values, env);

  const pending = tokenBody(await session.call('GET', tokenPath(id)), id, 'read');
  if (pending.status !== 'pending')
    throw new CliError(`token ${safeText(id)} is ${safeText(pending.status)}, not pending: nothing to ${verdict}`, EXIT.conflict);
  const revision = Number.isInteger(pending.revision) ? pending.revision : 0;
  // What was decided on, said with the outcome (stdout stays empty on a failure).
  const shown = [
    `  scopes: ${safeText(scopesOf(pending))}`,
    `  expires: ${safeText(pending.expiresAt ?? 'never')}`,
    `  allowed IPs: ${allowedIpsOf(pending)}`,
    `  revision: ${revision}`,
  ];
  if (typeof pending.justification === 'string') shown.push(`  justification: ${safeText(pending.justification)}`);

  /** @type {{ revision: number, reason?: string }} */
  const body = { revision };
  if (reason !== undefined) body.reason = reason;
  const answer = await session.call('POST', tokenPath(id, verdict), body);
  if (answer.status === 409)
    throw new CliError(
      `could not ${verdict} token ${safeText(id)}: it changed since it was read (${serverReason(answer)}); run pat ${verdict} ${safeText(id)} again to see it as it is now`,
      EXIT.conflict,
    );
  const token = tokenBody(answer, id, verdict);
  if (values.json) return sayJson(token);
  const outcome = `${safeText(token.status)}${token.revokeReason ? ` (${safeText(token.revokeReason)})` : ''}`;
  say(
    `${verdict === 'approve' ? 'Approved' : 'Rejected'} token ${safeText(token.id)} "${safeText(token.description)}" of ${safeText(token.owner)}: now ${outcome}`,
  );
  if (reason !== undefined) shown.push(`  reason (shown to the owner): ${safeText(reason)}`);
  say(shown.join('\n'));
}

// @ts-check
/** `pat revoke`: revokes the whole credential (token family) an ID belongs to. */
import { usageError } from '../errors.js';
import { tokenBody, tokenPath } from '../http.js';
import { parse, userSession } from '../options.js';
import { generationOf, safeText, say, sayJson } from '../output.js';

/** @typedef {import('../options.js').Invocation} Invocation */

export const help = `pat revoke ID [--json]

Revokes the credential the token ID belongs to (idempotent): every live token of its family, the
rotated ones still in their grace period included, whichever member ID names. Says what was
revoked, or that nothing was live any more. A vendor holding it gets 401 within the authorizer's
cache window.`;

/** @param {Invocation} invocation */
export async function run({ args, env }) {
  const { values, positionals } = parse(args, { url: { type: 'string' }, 'id-token': { type: 'string' }, json: { type: 'boolean' } }, true);
  if (values.help) return say(help);
  if (positionals.length !== 1) throw usageError('revoke takes exactly one token ID');
  const id = /** @type {string} */ (positionals[0]);
  const session = userSession(values, env);
  const token = tokenBody(await session.call('DELETE', tokenPath(id)), id, 'revoke');
  if (values.json) return sayJson(token);
  const description = `"${safeText(token.description)}"`;
  if (!Array.isArray(token.revokedTokenIds)) {
    // A server without token families: it revoked the one token addressed.
    say(
      `Revoked token ${safeText(token.id)} ${description} (${safeText(token.revokeReason ?? token.status)} at ${safeText(token.revokedAt ?? '?')})`,
    );
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
    const newest = await session.call('GET', tokenPath(revokedIds[0] ?? '')).catch(() => undefined);
    if (newest?.status === 200) generation = generationOf(newest.body);
  }
  const others = revokedIds.length - 1;
  const inGrace = others > 0 ? ` and ${others} token${others === 1 ? '' : 's'} still in its grace period` : '';
  say(`Revoked ${description} (${generation === undefined ? `token ${safeText(revokedIds[0])}` : `generation ${generation}`}${inGrace})`);
}

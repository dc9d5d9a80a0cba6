// @ts-check
/** `pat edit`: changes a token's description or IP entries, or narrows its scopes. */
import { usageError } from '../errors.js';
import { tokenBody, tokenPath } from '../http.js';
import { listOf, parse, userSession } from '../options.js';
import { allowedIpsOf, safeText, say, sayJson, scopesOf } from '../output.js';

/** @typedef {import('../options.js').Invocation} Invocation */

export const help = `pat edit ID [--description TEXT] [--scope SCOPE ...] [--allow-ip ENTRY ... | --any-ip] [--json]

Edits a token (owner or admin): PATCH /tokens/{ID}. Give at least one of:
  --description, -d TEXT   a new description (unique among the owner's active tokens)
  --scope, -s SCOPE        the scopes the token keeps (repeat, or separate with commas): a subset
                           of its current ones; scopes can only narrow, a wider one is refused (400)
  --allow-ip ENTRY         the IP entries it may be used from, replacing the current ones: IP,
                           CIDR or range from-to (repeat, or separate with commas)
  --any-ip                 remove the IP restriction (if the tenant's policy allows it)
  --json                   print the JSON answer

The secrets do not change. The authorizer applies the edit within its revocation bound (5 s by
default). Exit codes as for every command (pat help): 1 for a refused edit (400 names the field),
403 or 404; 4 when the token was rotated meanwhile (409: edit its newest ID).`;

/** @param {Invocation} invocation */
export async function run({ args, env }) {
  const { values, positionals } = parse(
    args,
    {
      url: { type: 'string' },
      'id-token': { type: 'string' },
      description: { type: 'string', short: 'd' },
      scope: { type: 'string', short: 's', multiple: true },
      'allow-ip': { type: 'string', multiple: true },
      'any-ip': { type: 'boolean' },
      json: { type: 'boolean' },
    },
    true,
  );
  if (values.help) return say(help);
  if (positionals.length !== 1) throw usageError('edit takes exactly one token ID');
  const id = /** @type {string} */ (positionals[0]);
  if (values['allow-ip'] && values['any-ip']) throw usageError('give either --allow-ip or --any-ip, not both');

  /** @type {Record<string, unknown>} */
  const body = {};
  if (values.description !== undefined) body.description = values.description;
  if (values.scope) body.scopes = values.scope.flatMap((scope) => listOf(scope, '--scope'));
  if (values['allow-ip']) body.allowedIps = values['allow-ip'].flatMap((entry) => listOf(entry, '--allow-ip'));
  if (values['any-ip']) body.allowedIps = [];
  if (Object.keys(body).length === 0) throw usageError('nothing to change: give --description, --scope, --allow-ip or --any-ip');
  const session = userSession(values, env);

  const token = tokenBody(await session.call('PATCH', tokenPath(id), body), id, 'edit');
  if (values.json) return sayJson(token);
  say(`Edited token ${safeText(token.id)} "${safeText(token.description)}"`);
  say(`  scopes:        ${safeText(scopesOf(token))}`);
  say(`  allowed IPs:   ${allowedIpsOf(token)}`);
}

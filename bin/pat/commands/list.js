// @ts-check
/** `pat list`: the caller's (or the tenant's) credentials, one row per token family. */
import { CliError, usageError } from '../errors.js';
import { managementError, shownUrl } from '../http.js';
import { parse, userSession } from '../options.js';
import { ago, generationOf, safeText, say, sayJson, scopesOf, shortTime, table } from '../output.js';

/** @typedef {import('../options.js').Invocation} Invocation */

export const help = `pat list [--status active|pending|revoked|expired|all] [--owner USER] [--limit N] [--cursor C] [--all-pages] [--all-generations] [--json]

Lists your credentials (admins: the tenant's, --owner to filter), newest first. Default: active ones,
first page; --all-pages follows every page.

A credential is a token and the successors its refreshes created (one family). The table shows one
row per credential, its newest token (LAST USED: the newest use of any of its generations): GENERATION is 1 when created, +1 per refresh, and says when it
was last rotated. --all-generations shows every token instead (with --status all, the rotated ones
too). STATUS says "(outside policy)" for a token the tenant's policy no longer allows: it
works until it expires or rotates, and "(reason: …)" for a request an admin rejected with a reason. --status pending lists tokens waiting for an admin's pat approve
(admins see the tenant's). --json prints every token of the page(s) as the service answered them.`;

/**
 * One credential per family (a token and its rotated successors), in listing order (newest first),
 * represented by its newest member. A token without a family (an older server) is its own.
 * @param {any[]} items
 * @returns {{ newest: any, members: any[] }[]}
 */
function credentialsOf(items) {
  /** @type {Map<string, { newest: any, members: any[] }>} */
  const families = new Map();
  for (const item of items) {
    const key = typeof item?.familyId === 'string' && item.familyId !== '' ? item.familyId : String(item?.id);
    const family = families.get(key);
    if (!family) {
      families.set(key, { newest: item, members: [item] });
      continue;
    }
    family.members.push(item);
    if ((generationOf(item) ?? 0) > (generationOf(family.newest) ?? 0)) family.newest = item;
  }
  return [...families.values()];
}

/**
 * The credential's last use: the newest of its members' own uses and of what the service carried
 * over from generations not on this page (`credentialLastUsedAt`).
 * @param {any[]} members
 * @returns {string | undefined}
 */
function lastUseOf(members) {
  const uses = members
    .flatMap((member) => [member?.lastUsedAt, member?.credentialLastUsedAt])
    .filter((at) => typeof at === 'string' && !Number.isNaN(Date.parse(at)));
  return uses.sort((a, b) => Date.parse(b) - Date.parse(a))[0];
}

/**
 * "15, rotated 2 h ago": a successor is created by its rotation, so its createdAt is the last rotation.
 * @param {any} token
 * @param {number} now
 */
function generationText(token, now) {
  const generation = generationOf(token);
  if (generation === undefined) return '-';
  return generation > 1 ? `${generation}, rotated ${ago(token.createdAt, now)}` : `${generation}`;
}

/** @param {Invocation} invocation */
export async function run({ args, env }) {
  const { values, positionals } = parse(args, {
    url: { type: 'string' },
    'id-token': { type: 'string' },
    status: { type: 'string' },
    owner: { type: 'string' },
    limit: { type: 'string' },
    cursor: { type: 'string' },
    'all-pages': { type: 'boolean' },
    'all-generations': { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (values.help) return say(help);
  if (positionals.length > 0) throw usageError('list takes no arguments');
  if (values.status !== undefined && !['active', 'pending', 'revoked', 'expired', 'all'].includes(values.status))
    throw usageError('--status must be one of active, pending, revoked, expired, all');
  const session = userSession(values, env);

  /** @type {any[]} */
  const items = [];
  let cursor = values.cursor;
  /** @type {string | null} */
  let nextCursor = null;
  do {
    const url = new URL('tokens', session.base);
    if (values.status) url.searchParams.set('status', values.status);
    if (values.owner) url.searchParams.set('owner', values.owner);
    if (values.limit) url.searchParams.set('limit', values.limit);
    if (cursor) url.searchParams.set('cursor', cursor);
    const answer = await session.call('GET', url);
    if (answer.status !== 200) throw managementError(answer, 'list the tokens');
    if (!Array.isArray(answer.body.items)) throw new CliError(`unexpected answer from GET ${shownUrl(url)}: no "items" list`);
    items.push(...answer.body.items.filter((/** @type {unknown} */ item) => typeof item === 'object' && item !== null));
    nextCursor = typeof answer.body.nextCursor === 'string' ? answer.body.nextCursor : null;
    cursor = nextCursor ?? undefined;
  } while (values['all-pages'] && cursor);

  if (values.json) return sayJson({ items, nextCursor }, true);
  if (items.length === 0) {
    say(`No ${values.status && values.status !== 'all' ? `${values.status} ` : ''}tokens.`);
  } else {
    const now = Date.now();
    const shown = values['all-generations']
      ? items.map((item) => ({ item, lastUsed: item.lastUsedAt }))
      : credentialsOf(items).map((credential) => ({ item: credential.newest, lastUsed: lastUseOf(credential.members) }));
    const rows = shown.map(({ item, lastUsed }) => [
      safeText(item.id),
      safeText(item.status) +
        (item.revokeReason && item.revokeReason !== 'revoked' ? ` (${safeText(item.revokeReason)})` : '') +
        (item.outsidePolicy === true ? ' (outside policy)' : '') +
        (typeof item.rejectReason === 'string' ? ` (reason: ${safeText(item.rejectReason)})` : ''),
      item.expiresAt === null ? 'never' : shortTime(item.expiresAt),
      shortTime(lastUsed),
      safeText(item.owner),
      values['all-generations'] ? safeText(String(generationOf(item) ?? '-')) : safeText(generationText(item, now)),
      safeText(item.description),
      safeText(scopesOf(item)),
    ]);
    say(table(['ID', 'STATUS', 'EXPIRES', 'LAST USED', 'OWNER', 'GENERATION', 'DESCRIPTION', 'SCOPES'], rows));
  }
  if (nextCursor) {
    say(
      `More tokens: pat list --cursor ${safeText(nextCursor)}${values.status ? ` --status ${safeText(values.status)}` : ''}${values.owner ? ` --owner ${safeText(values.owner)}` : ''} (or --all-pages)`,
    );
  }
}

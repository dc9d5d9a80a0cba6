// @ts-check
/** `pat policy` and `pat policy set`: the tenant's effective token policy, and its tightening by an admin. */
import { CliError, usageError } from '../errors.js';
import { managementError, shownUrl } from '../http.js';
import { listOf, parse, userSession } from '../options.js';
import { safeText, say, sayJson, table } from '../output.js';

/** @typedef {import('../options.js').Invocation} Invocation */

export const help = `pat policy [--json]
pat policy set [--lifetimes 90,180] [--default-lifetime-days N] [--max-lifetime-days N]
               [--allow-no-expiry true|false] [--creators admins|everyone]
               [--require-ip-restriction true|false] [--allowed-areas a,b | all]
               [--max-active N] [--require-approval true|false] [--json]

pat policy shows your tenant's effective token policy (GET /policy), one setting a line, with the
option of pat policy set that changes it.

pat policy set changes the tenant's policy (tenant admins: PUT /tenant/policy) and shows the new
effective policy. Give any subset:
  --lifetimes 90,180               the lifetimes offered, in days
  --default-lifetime-days N        the lifetime of a token created without one (one of the offered)
  --max-lifetime-days N            the longest lifetime, also for refreshed successors
  --allow-no-expiry true|false     tokens without expiry
  --creators admins|everyone       who may create tokens
  --require-ip-restriction true|false   every token must name the IPs it may be used from
  --allowed-areas a,b | all        the catalogue areas tokens may have scopes in (all: every area)
  --max-active N                   active tokens per owner
  --require-approval true|false    a non-admin's new token waits for pat approve
A tenant can only tighten the deployment's policy: a wider value is refused (400 naming the field).
A change applies to new tokens and successors; tokens it no longer allows keep working until they
expire or rotate (pat list shows them as "outside policy").
Exit codes as for every command (pat help): 1 for a refused value (400) or a non-admin (403).`;

/** The policy's keys in the order shown, each with the `pat policy set` option that changes it. */
const SETTINGS = /** @type {const} */ ([
  ['lifetimesDays', '--lifetimes'],
  ['defaultLifetimeDays', '--default-lifetime-days'],
  ['maxLifetimeDays', '--max-lifetime-days'],
  ['allowNoExpiry', '--allow-no-expiry'],
  ['creators', '--creators'],
  ['requireIpRestriction', '--require-ip-restriction'],
  ['allowedAreas', '--allowed-areas'],
  ['maxActiveTokensPerOwner', '--max-active'],
  ['requireApproval', '--require-approval'],
  ['maxIpEntries', '-'],
  ['maxDescriptionLength', '-'],
]);

const setOptions = /** @type {const} */ ({
  lifetimes: { type: 'string' },
  'default-lifetime-days': { type: 'string' },
  'max-lifetime-days': { type: 'string' },
  'allow-no-expiry': { type: 'string' },
  creators: { type: 'string' },
  'require-ip-restriction': { type: 'string' },
  'allowed-areas': { type: 'string' },
  'max-active': { type: 'string' },
  'require-approval': { type: 'string' },
});

/** @param {string} raw @param {string} option */
function wholeNumber(raw, option) {
  if (!/^\d{1,9}$/.test(raw)) throw usageError(`${option} must be a whole number`);
  return Number(raw);
}

/** @param {string} raw @param {string} option */
function yesNo(raw, option) {
  if (raw !== 'true' && raw !== 'false') throw usageError(`${option} must be true or false`);
  return raw === 'true';
}

/**
 * The PUT body from the options given. Values are checked for their type here; whether they are
 * allowed (tighter than the deployment, known areas) is the service's to say.
 * @param {{ [K in keyof typeof setOptions]?: string }} values
 */
function policyChange(values) {
  /** @type {Record<string, unknown>} */
  const body = {};
  if (values.lifetimes !== undefined)
    body.lifetimesDays = listOf(values.lifetimes, '--lifetimes').map((days) => wholeNumber(days, '--lifetimes'));
  if (values['default-lifetime-days'] !== undefined)
    body.defaultLifetimeDays = wholeNumber(values['default-lifetime-days'], '--default-lifetime-days');
  if (values['max-lifetime-days'] !== undefined) body.maxLifetimeDays = wholeNumber(values['max-lifetime-days'], '--max-lifetime-days');
  if (values['allow-no-expiry'] !== undefined) body.allowNoExpiry = yesNo(values['allow-no-expiry'], '--allow-no-expiry');
  if (values.creators !== undefined) body.creators = values.creators;
  if (values['require-ip-restriction'] !== undefined)
    body.requireIpRestriction = yesNo(values['require-ip-restriction'], '--require-ip-restriction');
  if (values['allowed-areas'] !== undefined)
    body.allowedAreas = values['allowed-areas'] === 'all' ? null : listOf(values['allowed-areas'], '--allowed-areas');
  if (values['max-active'] !== undefined) body.maxActiveTokensPerOwner = wholeNumber(values['max-active'], '--max-active');
  if (values['require-approval'] !== undefined) body.requireApproval = yesNo(values['require-approval'], '--require-approval');
  return body;
}

/**
 * @param {string} key
 * @param {unknown} value
 */
function shownValue(key, value) {
  if (key === 'allowedAreas' && value === null) return 'all';
  if (Array.isArray(value))
    return value.length === 0 ? 'none' : safeText(value.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))).join(', '));
  return safeText(typeof value === 'string' ? value : String(JSON.stringify(value)));
}

/**
 * The effective policy as a table: the known settings in order, then anything newer servers add.
 * @param {Record<string, unknown>} policy
 */
function policyTable(policy) {
  /** @type {Map<string, string>} */
  const optionOf = new Map(SETTINGS);
  const keys = [
    ...SETTINGS.map(([key]) => key).filter((key) => Object.hasOwn(policy, key)),
    ...Object.keys(policy).filter((key) => !optionOf.has(key)),
  ];
  return table(
    ['SETTING', 'VALUE', 'SET WITH'],
    keys.map((key) => [safeText(key), shownValue(key, policy[key]), optionOf.get(key) ?? '-']),
  );
}

/** @param {Invocation} invocation */
export async function run({ args, env }) {
  const { values, positionals } = parse(
    args,
    { url: { type: 'string' }, 'id-token': { type: 'string' }, json: { type: 'boolean' }, ...setOptions },
    true,
  );
  if (values.help) return say(help);
  const [action, ...rest] = positionals;
  if (rest.length > 0 || (action !== undefined && action !== 'set'))
    throw usageError('policy takes no arguments, or set followed by options');
  const change = policyChange(values);
  if (action === undefined && Object.keys(change).length > 0) throw usageError('to change the policy use pat policy set');
  if (action === 'set' && Object.keys(change).length === 0)
    throw usageError('nothing to change: give at least one option of pat policy set (pat help policy)');
  const session = userSession(values, env);

  const url = new URL(action === 'set' ? 'tenant/policy' : 'policy', session.base);
  const answer = await (action === 'set' ? session.call('PUT', url, change) : session.call('GET', url));
  if (answer.status !== 200) throw managementError(answer, action === 'set' ? "change the tenant's policy" : "read the tenant's policy");
  if (values.json) return sayJson(answer.body, true);
  if (Object.keys(answer.body).length === 0)
    throw new CliError(`unexpected answer from ${action === 'set' ? 'PUT' : 'GET'} ${shownUrl(url)}: an empty policy`);
  if (action === 'set') say("Policy changed. The tenant's effective policy is now:");
  say(policyTable(answer.body));
}

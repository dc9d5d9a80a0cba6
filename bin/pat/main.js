// @ts-check
/** The command table and the one place a failure becomes a line on stderr and an exit code. */
import * as approve from './commands/approve.js';
import * as create from './commands/create.js';
import * as edit from './commands/edit.js';
import * as list from './commands/list.js';
import * as policy from './commands/policy.js';
import * as refresh from './commands/refresh.js';
import * as regenerate from './commands/regenerate.js';
import * as reject from './commands/reject.js';
import * as revoke from './commands/revoke.js';
import * as status from './commands/status.js';
import { CliError, EXIT, usageError } from './errors.js';
import { DEFAULT_TIMEOUT_SECONDS } from './http.js';
import { safeText, say } from './output.js';
import { VERSION } from './version.js';

/**
 * @typedef {{ help: string, run: (invocation: import('./options.js').Invocation) => Promise<void | number> }} Command
 */

/** A Map, not an object literal: `pat toString` or `pat help constructor` must not find Object.prototype. */
/** @type {Map<string, Command>} */
const commands = new Map(
  /** @type {[string, Command][]} */ ([
    ['refresh', refresh],
    ['create', create],
    ['list', list],
    ['revoke', revoke],
    ['regenerate', regenerate],
    ['edit', edit],
    ['policy', policy],
    ['approve', approve],
    ['reject', reject],
    ['status', status],
  ]),
);

export const mainHelp = `pat ${VERSION}: personal access tokens from the command line

Usage:
  pat refresh --credentials FILE        rotate a vendor's token; FILE is replaced atomically
  pat status --credentials FILE         what the service says of FILE's access token (GET /tokens/self)
  pat create --description TEXT --scope SCOPE [...] [--save FILE]
  pat list [--status S] [--owner USER] [--all-pages] [--all-generations] [--json]
  pat revoke ID
  pat regenerate ID [--credentials FILE] new secrets for a token (same credential), shown once
  pat edit ID [--description TEXT] [--allow-ip ENTRY ...] [--scope SCOPE ...]
  pat policy                            your tenant's effective token policy
  pat policy set --max-lifetime-days N [...]   tighten the tenant's policy (admins)
  pat approve ID / pat reject ID [--reason TEXT]   decide a pending token (admins)
  pat help [COMMAND]

User commands (all but refresh and status) need the service's API URL and your ID token:
  --url URL          or PAT_API_URL     e.g. http://127.0.0.1:3000 for npm start
  --id-token TOKEN   or PAT_ID_TOKEN    (prefer the variable: options show up in ps)

Common options: --timeout SECONDS (default ${DEFAULT_TIMEOUT_SECONDS}), --allow-http (plain http to a
host other than this machine), --help.

Exit codes: 0 done; 1 not done (network, server or file problem, or refused: 400 bad input, 403 not
allowed, 404 no such token; the message says what to do); 2 wrong command line; 3 credential
rejected (401: a human must act); 4 conflict (409).`;

/**
 * @param {string[]} argv the arguments after `pat`
 * @param {NodeJS.ProcessEnv} env
 * @returns {Promise<number>} the exit code
 */
export async function main(argv, env) {
  const [name, ...args] = argv;
  try {
    if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
      const topic = name === 'help' ? args[0] : undefined;
      if (topic === undefined) {
        say(mainHelp);
        return name === undefined ? EXIT.usage : EXIT.ok;
      }
      const command = commands.get(topic);
      if (!command) throw usageError(`no command ${safeText(topic)}`);
      say(command.help);
      return EXIT.ok;
    }
    if (name === '--version' || name === 'version') {
      say(VERSION);
      return EXIT.ok;
    }
    const command = commands.get(name);
    if (!command) throw usageError(`unknown command ${safeText(name)}`);
    const code = await command.run({ args, env });
    return typeof code === 'number' ? code : EXIT.ok;
  } catch (error) {
    const failure =
      error instanceof CliError ? error : new CliError(`unexpected failure: ${/** @type {Error} */ (error)?.message ?? String(error)}`);
    process.stderr.write(`pat${name && commands.has(name) ? ` ${name}` : ''}: ${safeText(failure.message)}\n`);
    return failure.exitCode;
  }
}

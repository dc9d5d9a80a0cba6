#!/usr/bin/env node
// @ts-check
/**
 * `pat`: the command line of the personal-access-token service.
 *
 * - Vendors rotate their token with `pat refresh --credentials FILE` (e.g. from cron). The file is
 *   replaced atomically, so it always holds either the old credentials or the new ones, never a mix.
 * - Users create, list, edit, regenerate and revoke their tokens with their ID token; admins also
 *   set the tenant's policy and approve or reject pending tokens.
 *
 * Plain ESM JavaScript with JSDoc types (checked by `tsc -p bin`) and only Node built-ins: it runs
 * without a build step or dependencies. The modules are under bin/pat/: output.js (the one
 * sanitizer), http.js, credentials-file.js, options.js, and one file per command in commands/.
 * It never prints an access token or a refresh key, except `pat create` and `pat regenerate`
 * without a file to save them to, which show them once, as the service does.
 */
import { main } from './pat/main.js';

process.exitCode = await main(process.argv.slice(2), process.env);

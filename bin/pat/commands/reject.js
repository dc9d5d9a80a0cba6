// @ts-check
/** `pat reject`: a tenant admin refuses a pending token for good. */
import { decide } from '../decision.js';

/** @typedef {import('../options.js').Invocation} Invocation */

export const help = `pat reject ID [--json]

Rejects a pending token (tenant admins): POST /tokens/{ID}/reject. The token is revoked with
reason "rejected": neither its access token nor its refresh key will ever work. List pending
tokens with pat list --status pending.
Exit codes as for every command (pat help): 1 for 403 (not an admin) or 404; 4 when the token is
not pending any more (409).`;

/** @param {Invocation} invocation */
export const run = (invocation) => decide(invocation, 'reject', help);

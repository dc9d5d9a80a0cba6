// @ts-check
/** `pat reject`: a tenant admin refuses a pending token for good. */
import { decide } from '../decision.js';

/** @typedef {import('../options.js').Invocation} Invocation */

export const help = `pat reject ID [--reason TEXT] [--json]

Rejects a pending token (tenant admins). Reads the token first (GET /tokens/{ID}) and shows what is
rejected, then POST /tokens/{ID}/reject with the revision that was shown: if the token changed in
between, the service refuses (409) and nothing is rejected. The token is revoked with
reason "rejected": neither its access token nor its refresh key will ever work. --reason (1 to 500
characters) is shown to the requester on their token. List pending tokens with pat list --status pending.
Exit codes as for every command (pat help): 1 for 403 (not an admin) or 404; 4 when the token is
not pending any more or changed since it was read (409).`;

/** @param {Invocation} invocation */
export const run = (invocation) => decide(invocation, 'reject', help);

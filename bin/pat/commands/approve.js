// @ts-check
/** `pat approve`: a tenant admin lets a pending token work. */
import { decide } from '../decision.js';

/** @typedef {import('../options.js').Invocation} Invocation */

export const help = `pat approve ID [--json]

Approves a pending token (tenant admins). Reads the token first (GET /tokens/{ID}) and shows what
is approved (scopes, expiry, IPs, the requester's justification), then POST /tokens/{ID}/approve
with the revision that was shown: if the token changed in between, the service refuses (409) and
nothing is approved. Tokens are pending when the
tenant's policy requires approval (pat policy set --require-approval true) and a non-admin created
them; the authorizer refuses them until approved. List them with pat list --status pending.
Exit codes as for every command (pat help): 1 for 403 (not an admin) or 404; 4 when the token is
not pending any more or changed since it was read (409).`;

/** @param {Invocation} invocation */
export const run = (invocation) => decide(invocation, 'approve', help);

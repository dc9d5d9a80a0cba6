import type { Clock } from './ports';

/** What the canary needs from the world: a token, the protected route, a revocation, a wait. */
export interface RevocationCanaryPorts {
  /** Issues a short-lived token in the canary tenant, allowed on the canary route. */
  issue(): Promise<{ id: string; accessToken: string }>;
  /** Calls the canary route through the real stage with the token: the HTTP status. */
  probe(accessToken: string): Promise<number>;
  /** Revokes the token (by its id) through the service. */
  revoke(id: string): Promise<void>;
  clock: Clock;
  sleep(ms: number): Promise<void>;
}

export type CanaryOutcome =
  /** The gateway refused the revoked token `boundMs` after the revocation was acknowledged. */
  | { kind: 'measured'; boundMs: number; probes: number }
  /** Still let in after `timeoutMs`: the bound is at least that (alarm). */
  | { kind: 'timed_out'; boundMs: number; probes: number }
  /** The fresh token was not let in: the route, the authorizer or the service is broken (alarm). */
  | { kind: 'not_allowed'; status: number };

/**
 * Measures the revocation bound as a client sees it: issue a token, have the gateway allow (and
 * cache) it on the canary route, revoke it, and probe until the gateway refuses it. The time is
 * taken from when the revocation call returned, as a user who revoked a token would count it.
 */
export async function measureRevocation(
  ports: RevocationCanaryPorts,
  { pollMs = 100, timeoutMs = 60_000 }: { pollMs?: number; timeoutMs?: number } = {},
): Promise<CanaryOutcome> {
  const token = await ports.issue();
  const first = await ports.probe(token.accessToken);
  if (first !== 200) return { kind: 'not_allowed', status: first };
  await ports.revoke(token.id);
  const revokedAt = ports.clock.now();
  let probes = 0;
  for (;;) {
    const status = await ports.probe(token.accessToken);
    probes++;
    const elapsed = ports.clock.now() - revokedAt;
    if (status === 401 || status === 403) return { kind: 'measured', boundMs: elapsed, probes };
    if (elapsed >= timeoutMs) return { kind: 'timed_out', boundMs: elapsed, probes };
    await ports.sleep(pollMs);
  }
}

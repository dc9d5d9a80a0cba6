import { describe, expect, it } from 'vitest';
import { measureRevocation, type RevocationCanaryPorts } from '../../functions/service/revocation-canary';

/** The revocation canary over fake ports: a clock that only the revocation and the sleeps move. */
function ports(statuses: number[], { revokeTakesMs = 40 } = {}) {
  let now = 1_000;
  const probed: string[] = [];
  const sleeps: number[] = [];
  const revoked: string[] = [];
  const world: RevocationCanaryPorts = {
    issue: async () => ({ id: 'tok-1', accessToken: 'access-1' }),
    probe: async (accessToken) => {
      probed.push(accessToken);
      return statuses[Math.min(probed.length - 1, statuses.length - 1)]!;
    },
    revoke: async (id) => {
      revoked.push(id);
      now += revokeTakesMs;
    },
    clock: { now: () => now },
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
  return { world, probed, sleeps, revoked };
}

describe('measureRevocation', () => {
  it('stops at a fresh token the gateway does not let in, revoking nothing', async () => {
    const { world, revoked, probed } = ports([403]);

    expect(await measureRevocation(world)).toStrictEqual({ kind: 'not_allowed', status: 403 });
    expect(revoked).toEqual([]);
    expect(probed).toEqual(['access-1']);
  });

  it('counts from when the revocation returned until the first 401, every 100 ms by default', async () => {
    const { world, revoked, sleeps, probed } = ports([200, 200, 200, 500, 401]);

    expect(await measureRevocation(world)).toStrictEqual({ kind: 'measured', boundMs: 300, probes: 4 });
    expect(revoked).toEqual(['tok-1']);
    expect(sleeps).toEqual([100, 100, 100]);
    expect(probed).toEqual(['access-1', 'access-1', 'access-1', 'access-1', 'access-1']);
  });

  it('takes a 403 as a refusal too, and a refusal at once as a bound of 0', async () => {
    expect(await measureRevocation(ports([200, 403]).world)).toStrictEqual({ kind: 'measured', boundMs: 0, probes: 1 });
  });

  it('polls at the interval given', async () => {
    const { world, sleeps } = ports([200, 200, 200, 401]);

    expect(await measureRevocation(world, { pollMs: 250 })).toStrictEqual({ kind: 'measured', boundMs: 500, probes: 3 });
    expect(sleeps).toEqual([250, 250]);
  });

  it('times out once the elapsed time reaches the timeout, not before', async () => {
    const { world, sleeps } = ports([200]);

    expect(await measureRevocation(world, { timeoutMs: 300 })).toStrictEqual({ kind: 'timed_out', boundMs: 300, probes: 4 });
    expect(sleeps).toEqual([100, 100, 100]);
  });

  it('still takes a refusal seen at the timeout as measured', async () => {
    expect(await measureRevocation(ports([200, 200, 200, 200, 401]).world, { timeoutMs: 300 })).toStrictEqual({
      kind: 'measured',
      boundMs: 300,
      probes: 4,
    });
  });

  it('gives up after a minute by default', async () => {
    expect(await measureRevocation(ports([200]).world)).toStrictEqual({ kind: 'timed_out', boundMs: 60_000, probes: 601 });
  });
});

import { describe, expect, it } from 'vitest';
import type { StatusRead } from '../../functions/service/ports';
import { allowsSourceIp, StatusCache } from '../../functions/service/status-cache';
import { ManualClock } from '../support/fixtures';
import { routes, tokenId, tokenRecord } from './authorize-fixtures';

// StatusCache and allowsSourceIp (functions/service/status-cache.ts) used directly: the idle expiry a
// token is held to (the tighter of the deployment's and its tenant's), what an unknown token's status
// holds, and the per-status memory of IP verdicts.

function cacheOver(read: StatusRead, idleExpiryDays: number | null) {
  const clock = new ManualClock();
  return new StatusCache({ store: { getWithFamily: async () => read }, clock, routes, statusCacheMs: 10_000, idleExpiryDays });
}

async function idleOf(deployment: number | null, tenant: number | null | undefined): Promise<number | null> {
  const read: StatusRead = { record: tokenRecord(), family: undefined, ...(tenant === undefined ? {} : { tenantIdleExpiryDays: tenant }) };
  return (await cacheOver(read, deployment).status(tokenId, undefined, 'acme', 0)).idleExpiryDays;
}

describe('the idle expiry a status holds', () => {
  it.each([
    [null, null, null],
    [null, undefined, null],
    [null, 5, 5],
    [30, null, 30],
    [30, undefined, 30],
    [30, 10, 10],
    [10, 30, 10],
  ])('deployment %s, tenant %s: %s', async (deployment, tenant, expected) => {
    expect(await idleOf(deployment, tenant)).toBe(expected);
  });
});

describe('the status of an unknown token', () => {
  it('holds no record, no IP ranges and no routes', async () => {
    const status = await cacheOver({ record: undefined, family: undefined }, null).status(tokenId, undefined, 'acme', 0);

    expect(status.record).toBeUndefined();
    expect(status.ipRanges).toEqual([]);
    expect(status.allowedRoutes).toEqual([]);
  });
});

describe('allowsSourceIp', () => {
  it('allows every address to a token without IP entries, remembering no verdict', async () => {
    const record = tokenRecord({ allowedIps: [] });
    const status = await cacheOver({ record, family: undefined }, null).status(tokenId, undefined, 'acme', 0);

    expect(allowsSourceIp(status, record, '192.0.2.1')).toBe(true);
    expect(status.ipVerdicts.size).toBe(0);
  });

  it('judges an address once per status: the verdict is remembered and then read, not recomputed', async () => {
    const record = tokenRecord({ allowedIps: ['10.0.0.0/8'] });
    const status = await cacheOver({ record, family: undefined }, null).status(tokenId, undefined, 'acme', 0);

    expect(allowsSourceIp(status, record, '10.1.2.3')).toBe(true);
    expect(allowsSourceIp(status, record, '192.0.2.1')).toBe(false);
    expect([...status.ipVerdicts]).toEqual([
      ['10.1.2.3', true],
      ['192.0.2.1', false],
    ]);
    // A remembered verdict is what answers (here a planted one, to show no address is parsed again).
    status.ipVerdicts.set('10.1.2.3', false);
    expect(allowsSourceIp(status, record, '10.1.2.3')).toBe(false);
  });
});

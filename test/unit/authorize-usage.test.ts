import { describe, expect, it } from 'vitest';
import { crowd, many, setup, tokenId } from './authorize-fixtures';

// The authorizer's writes about a token (functions/service/usage-recorder.ts): its throttled last use
// and its batched denials, through the authorizer as a client would reach them.

describe('usage records', () => {
  it('writes the first use at once, then at most once per interval', async () => {
    const { request, store, clock } = setup();
    const start = clock.now();

    await request();
    clock.advance(59_999);
    await request();
    clock.advance(1);
    await request();

    expect(store.uses).toEqual([
      { id: tokenId, at: start, lastUsedIps: ['10.1.2.3'] },
      { id: tokenId, at: start + 60_000, lastUsedIps: ['10.1.2.3'] },
    ]);
  });

  it('keeps the last five distinct addresses, newest first', async () => {
    const { request, store } = setup({}, { lastUsedIps: ['10.0.0.1', '10.0.0.2', '10.1.2.3', '10.0.0.4', '10.0.0.5', '10.0.0.6'] });

    await request({ sourceIp: '10.1.2.3' });

    expect(store.uses[0]?.lastUsedIps).toEqual(['10.1.2.3', '10.0.0.1', '10.0.0.2', '10.0.0.4', '10.0.0.5']);
  });

  it('reports a failed usage write and still allows', async () => {
    const { request, store, usageErrors } = setup();
    store.failWrites = true;

    expect((await request()).effect).toBe('allow');
    expect(usageErrors).toEqual([tokenId]);
  });
});

describe('failed writes without an error callback', () => {
  it('still answer', async () => {
    const { request, store } = setup({ onUsageWriteError: undefined }, { allowedIps: ['10.0.0.0/8'] });
    store.failWrites = true;

    expect((await request()).effect).toBe('allow');
    expect(await request({ sourceIp: '192.168.0.1' })).toMatchObject({ effect: 'forbidden', reason: 'ip' });
  });
});

describe('denial records', () => {
  it('writes the first denial at once, folds the next ones, and writes them with their reasons after the flush interval', async () => {
    const { request, store, clock } = setup({}, { allowedIps: ['10.0.0.0/8'] });
    const start = clock.now();

    await request({ sourceIp: '192.168.0.1' });
    clock.advance(5_000);
    await request({ sourceIp: '192.168.0.2' });
    await request({ sourceIp: '10.0.0.1', method: 'POST' });
    clock.advance(4_999);
    await request({ sourceIp: '192.168.0.3' });
    expect(store.denials).toHaveLength(1);
    clock.advance(1);
    await request({ sourceIp: '192.168.0.4' });

    expect(store.denials).toEqual([
      { tokenId, tenant: 'acme', owner: 'alice', reasons: ['ip'], sourceIp: '192.168.0.1', at: start, count: 1 },
      { tokenId, tenant: 'acme', owner: 'alice', reasons: ['ip', 'scope'], sourceIp: '192.168.0.4', at: start + 10_000, count: 4 },
    ]);
  });

  it('follows a configured flush interval', async () => {
    const { request, store, clock } = setup({ denialFlushMs: 1_000 }, { allowedIps: ['10.0.0.0/8'] });

    await request({ sourceIp: '192.168.0.1' });
    clock.advance(1_000);
    await request({ sourceIp: '192.168.0.1' });

    expect(store.denials.map((denial) => denial.count)).toEqual([1, 1]);
  });

  it('reports a failed denial write and still answers', async () => {
    const { request, store, usageErrors } = setup({}, { state: 'revoked', revokeReason: 'revoked' });
    store.failWrites = true;

    expect(await request()).toMatchObject({ reason: 'revoked' });
    expect(usageErrors).toEqual([tokenId]);
  });
});

describe('bounded memory: the usage recorder keeps at most 10 000 tokens', () => {
  it('forgets the oldest usage write, so that token is written again', async () => {
    const { request, store } = crowd();
    for (let n = 0; n < many; n++) await request({ authorization: `Bearer t${n}` });

    await request({ authorization: 'Bearer t1' });
    expect(store.uses).toHaveLength(many);
    await request({ authorization: 'Bearer t0' });
    expect(store.uses).toHaveLength(many + 1);
  });

  it('forgets the oldest pending denials, so that token is written again', async () => {
    const { request, store } = crowd({ state: 'revoked', revokeReason: 'revoked' });
    for (let n = 0; n < many; n++) await request({ authorization: `Bearer t${n}` });

    await request({ authorization: 'Bearer t1' });
    expect(store.denials).toHaveLength(many);
    await request({ authorization: 'Bearer t0' });
    expect(store.denials).toHaveLength(many + 1);
  });
});

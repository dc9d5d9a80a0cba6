import { describe, expect, it } from 'vitest';
import { DependencyUnavailable } from '../../functions/domain/errors';
import { FeedWatcher } from '../../functions/service/revocation-watch';
import { ManualClock } from '../support/fixtures';
import { setup, tokenId } from './authorize-fixtures';

// The authorizer's refusals (functions/service/authorize.ts) that name a reason the other tests do not
// pin: a revoked token without expiry, an idle token (its decision and its denial counter), and the
// error of a token end the feed could not be told about.

const DAY = 86_400_000;
const start = new ManualClock().now();

describe('refusals', () => {
  it('calls a revoked token without expiry revoked, not expired', async () => {
    const { request } = setup({}, { state: 'revoked', revokeReason: 'revoked', expiresAt: null });

    expect(await request()).toEqual({ effect: 'unauthorized', reason: 'revoked', tokenId });
  });

  it('refuses an idle token as idle, and counts the denial as idle', async () => {
    const { request, store } = setup({ idleExpiryDays: 7, denialFlushMs: 0 }, { createdAt: start - 8 * DAY });

    expect(await request({ sourceIp: '192.0.2.7' })).toEqual({ effect: 'unauthorized', reason: 'idle', tokenId });
    expect(store.denials).toEqual([expect.objectContaining({ tokenId, reasons: ['idle'], sourceIp: '192.0.2.7', count: 1 })]);
  });

  it('fails with the dependency and the cause when a token end cannot be announced', async () => {
    const watcher = new FeedWatcher({ read: async () => [], readDue: async () => [], append: async () => {} }, 1_000);
    const cause = new Error('ConditionalCheckFailed');
    const log = { append: async () => Promise.reject(cause) };
    const { request } = setup({ feed: { watcher, log, statusCacheMs: 300_000, resultCacheMs: 300_000 } }, { expiresAt: start + 120_000 });

    const error = await request().then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(DependencyUnavailable);
    expect(error).toMatchObject({ dependency: 'DynamoDB (announcing a token end to the stage flusher)', cause });
  });
});

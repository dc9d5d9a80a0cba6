import { describe, expect, it } from 'vitest';
import type { FeedEntry } from '../../functions/domain/revocation-feed';
import { StageFlusher, type FlushOutcome, type StageRef } from '../../functions/service/stage-flusher';

/**
 * Review of issue 20, target 5: "a stage added late" with "slow reads". A stage that serves before
 * the registry lists it (CloudFormation creates the stage, then its SSM registration; or the SSM
 * read is slow) is found by a background registry read; `refreshRegistry` marks it pending from
 * the read's return, with `oldestEntryAt` = that instant, not the revocation the flusher has
 * already seen. The stage's flush then lands past the bound after the revocation, and its outcome
 * says `late: false`: the lag metric and the FlushesLate alarm never see it.
 */
const prod: StageRef = { restApiId: 'abc123', stage: 'prod' };
const beta: StageRef = { restApiId: 'abc123', stage: 'beta' };

describe('review: a revocation while a stage is being found', () => {
  it('reports the stage flush late when it lands past the bound after the revocation', async () => {
    let now = 1_000_000;
    const changes: FeedEntry[] = [];
    let registered = [prod];
    /** The registry read in flight, answered once the virtual clock reaches `at`. */
    let slowRead: { at: number; resolve: (stages: StageRef[]) => void; stages: StageRef[] } | undefined;
    let registryDelayMs = 0;
    const outcomes: FlushOutcome[] = [];
    const flusher = new StageFlusher({
      feed: { read: async (from, to) => changes.filter((entry) => entry.at >= from && entry.at <= to), readDue: async () => [] },
      registry: {
        list: () =>
          registryDelayMs === 0
            ? Promise.resolve([...registered])
            : new Promise<StageRef[]>((resolve) => {
                slowRead = { at: now + registryDelayMs, resolve, stages: [...registered] };
              }),
      },
      cache: { flush: async () => undefined },
      clock: { now: () => now },
      onFlush: (outcome) => outcomes.push(outcome),
    });
    await flusher.tick();
    now += 5_000;
    await flusher.tick();
    outcomes.length = 0;

    // beta is deployed and serving (caching decisions); its registration follows, and SSM is slow (6 s).
    registered = [prod, beta];
    registryDelayMs = 6_000;
    const revokedAt = now;
    changes.push({ id: 'evt-revoke', at: revokedAt, kind: 'revoked', tokenId: 'tok' });

    for (let elapsed = 0; elapsed < 20_000; elapsed += 500) {
      now += 500;
      if (slowRead && now >= slowRead.at) {
        slowRead.resolve(slowRead.stages);
        slowRead = undefined;
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      await flusher.tick();
    }

    const betaFlush = outcomes.find((outcome) => outcome.stage.stage === 'beta' && outcome.ok);
    expect(betaFlush, 'beta is flushed').toBeDefined();
    const lag = betaFlush!.flushedAt - revokedAt;
    expect({ lagPastBound: lag > 5_000, late: betaFlush!.late }, `beta flushed ${lag} ms after the revocation`).not.toEqual({
      lagPastBound: true,
      late: false,
    });
  });
});

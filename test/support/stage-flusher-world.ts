import type { FeedEntry } from '../../functions/domain/revocation-feed';
import { type FlushOutcome, StageFlusher, type StageFlusherOptions, type StageRef } from '../../functions/service/stage-flusher';

/**
 * A StageFlusher over an in-memory feed, registry and cache that record what they were asked, and a
 * clock the test moves. Timing: settle 1 200 ms, at most one flush per stage every 2 000 ms.
 */
export const prod: StageRef = { restApiId: 'abc123', stage: 'prod' };

type WorldOptions = Partial<Pick<StageFlusherOptions, 'registryRefreshMs' | 'boundMs'>> & {
  /** Each flush call takes this long on the clock. */
  flushTakesMs?: number;
  /** The registry answers after a real timer, as a slow SSM read would. */
  slowRegistry?: boolean;
};

export function setup(options: WorldOptions = {}) {
  const { flushTakesMs = 0, slowRegistry = false, ...flusherOptions } = options;
  let now = 1_000_000;
  const entries: FeedEntry[] = [];
  const windows: [number, number][] = [];
  const stages: StageRef[] = [prod];
  const flushed: string[] = [];
  const outcomes: FlushOutcome[] = [];
  const errors: string[] = [];
  const failing = { feed: false, registry: false, flush: false };
  let registryReads = 0;
  const flusher = new StageFlusher({
    feed: {
      readDue: async () => [],
      read: async (from, to) => {
        windows.push([from, to]);
        if (failing.feed) throw new Error('feed down');
        return entries.filter((entry) => entry.at >= from && entry.at <= to);
      },
    },
    registry: {
      list: async () => {
        registryReads++;
        if (slowRegistry) await new Promise((resolve) => setTimeout(resolve, 5));
        if (failing.registry) throw new Error('registry down');
        return [...stages];
      },
    },
    cache: {
      flush: async (stage) => {
        now += flushTakesMs;
        if (failing.flush) throw new Error('TooManyRequestsException');
        flushed.push(`${stage.stage}@${now}`);
      },
    },
    clock: { now: () => now },
    onFlush: (outcome) => outcomes.push(outcome),
    onError: (_error, what) => errors.push(what),
    ...flusherOptions,
  });
  return {
    flusher,
    entries,
    windows,
    stages,
    flushed,
    outcomes,
    errors,
    failing,
    registryReads: () => registryReads,
    advance: (ms: number) => (now += ms),
    now: () => now,
  };
}

/** A flusher past its start-up flush: every known stage flushed and settled, nothing pending. */
export async function settled(options: WorldOptions = {}) {
  const context = setup(options);
  await context.flusher.tick();
  context.advance(1_200);
  await context.flusher.tick();
  context.flushed.length = 0;
  context.outcomes.length = 0;
  context.advance(5_000);
  await context.flusher.tick();
  return context;
}

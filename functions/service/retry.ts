import { conflict } from '../domain/errors';

/** One try of an optimistic write: its value, or the conflict to report if no try is left. */
export type Attempt<T> = { ok: true; value: T } | { ok: false; conflict: string };

/**
 * Runs `fn` until a try settles, at most `attempts` times: a try that lost a race to a concurrent
 * change (its conditional write refused) decides again on what the data has become. When the last
 * try loses too, its conflict is the answer (409). Errors `fn` throws end the loop at once.
 */
export async function retryOnConflict<T>(attempts: number, fn: () => Promise<Attempt<T>>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const outcome = await fn();
    if (outcome.ok) return outcome.value;
    if (attempt >= attempts) throw conflict(outcome.conflict);
  }
}

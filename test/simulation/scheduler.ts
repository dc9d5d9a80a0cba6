import type { Clock } from '../../functions/service/ports';

interface ScheduledEvent {
  at: number;
  seq: number;
  run: () => void;
}

/**
 * The virtual clock and the one queue of everything that happens: each event runs at its instant,
 * then every promise it settled runs to completion (the microtask queue drains) before the next
 * event. Nothing in a run awaits real I/O or real timers, so the order of events, and so the whole
 * run, follows from the seed. Ties run in the order they were scheduled.
 */
export class Scheduler implements Clock {
  private time: number;
  private seq = 0;
  private readonly heap: ScheduledEvent[] = [];
  steps = 0;

  constructor(start: number) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  /** Runs `run` `delay` ms from now (never in the past). */
  after(delay: number, run: () => void): void {
    this.push({ at: this.time + Math.max(0, Math.round(delay)), seq: this.seq++, run });
  }

  sleep = (ms: number): Promise<void> => new Promise((resolve) => this.after(ms, resolve));

  pendingEvents(): number {
    return this.heap.length;
  }

  /**
   * Runs events up to `until` (virtual ms). After each event and the work it set off, `afterStep`
   * checks the world; returning false stops the run there.
   */
  async run(until: number, afterStep: () => boolean): Promise<void> {
    await drain();
    while (this.heap.length > 0 && this.heap[0]!.at <= until) {
      const event = this.pop();
      this.time = event.at;
      event.run();
      await drain();
      this.steps++;
      if (!afterStep()) return;
    }
    if (this.time < until) this.time = until;
  }

  private push(event: ScheduledEvent): void {
    const heap = this.heap;
    heap.push(event);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(heap[index]!, heap[parent]!)) break;
      [heap[index], heap[parent]] = [heap[parent]!, heap[index]!];
      index = parent;
    }
  }

  private pop(): ScheduledEvent {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let index = 0;
      for (;;) {
        const left = 2 * index + 1;
        const right = left + 1;
        let smallest = index;
        if (left < heap.length && before(heap[left]!, heap[smallest]!)) smallest = left;
        if (right < heap.length && before(heap[right]!, heap[smallest]!)) smallest = right;
        if (smallest === index) break;
        [heap[index], heap[smallest]] = [heap[smallest]!, heap[index]!];
        index = smallest;
      }
    }
    return top;
  }
}

const before = (a: ScheduledEvent, b: ScheduledEvent) => a.at < b.at || (a.at === b.at && a.seq < b.seq);

/** Lets every pending promise continuation run: a macrotask comes only after the microtask queue is empty. */
export const drain = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

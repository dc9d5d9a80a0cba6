import { createHash } from 'node:crypto';
import type { Clock } from '../../functions/service/ports';

/** The readable story of a run: virtual time, actor, what it did, what came of it. */
export class Trace {
  readonly lines: string[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly start: number,
  ) {}

  log(actor: string, text: string): void {
    this.lines.push(`${elapsed(this.clock.now() - this.start)}  ${actor.padEnd(18)} ${text}`);
  }

  tail(count: number): string[] {
    return this.lines.slice(-count);
  }

  /** A digest of the whole trace: two runs of one seed must give the same. */
  digest(): string {
    const hash = createHash('sha256');
    for (const line of this.lines) hash.update(line).update('\n');
    return hash.digest('hex').slice(0, 16);
  }
}

export function elapsed(ms: number): string {
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = ((ms % 60_000) / 1000).toFixed(3).padStart(6, '0');
  return `+${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}:${seconds}`;
}

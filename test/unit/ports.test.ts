import { describe, expect, it } from 'vitest';
import { systemClock } from '../../functions/service/ports';

// functions/service/ports.ts holds interfaces and one implementation: the clock of production.
describe('systemClock', () => {
  it('reads the system time in epoch milliseconds', () => {
    const before = Date.now();
    const now = systemClock.now();

    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});

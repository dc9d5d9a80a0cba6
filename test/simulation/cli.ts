/**
 * `npm run test:sim -- --seeds N [--from S] [--minutes M]`: runs N seeds (S, S+1…), each M simulated
 * minutes, and prints the figures and every failure's trace. `--seed S` replays one seed, printing
 * its failure (if any) with the trace's last `--lines` lines; `--full` prints the whole trace.
 */
import { parseArgs } from 'node:util';
import { figuresOf, formatFailure, formatFigures } from './report';
import type { ProfileName } from './profiles';
import { runSeed, type RunResult } from './world';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '20' },
    from: { type: 'string', default: '1' },
    seed: { type: 'string' },
    minutes: { type: 'string', default: '20' },
    lines: { type: 'string', default: '40' },
    full: { type: 'boolean', default: false },
    /** Go on after a violation, keeping the first of each invariant (to find every hole of one seed). */
    'keep-going': { type: 'boolean', default: false },
    /** Force every seed's profile (calm, lagging, faulty, harsh) or its attacker (on, off): pass the same to replay. */
    profile: { type: 'string' },
    attacker: { type: 'string' },
    /** Leave operations out of the workload, comma-separated (e.g. burst). */
    without: { type: 'string' },
  },
});

const minutes = Number(values.minutes);
const seeds =
  values.seed !== undefined ? [Number(values.seed)] : Array.from({ length: Number(values.seeds) }, (_, i) => Number(values.from) + i);
const results: RunResult[] = [];
const started = Date.now();
for (const seed of seeds) {
  const result = await runSeed(seed, {
    durationMs: minutes * 60_000,
    keepGoing: values['keep-going'],
    ...(values.profile ? { profile: values.profile as ProfileName } : {}),
    ...(values.attacker ? { attacker: values.attacker === 'on' } : {}),
    ...(values.without ? { without: values.without.split(',') } : {}),
  });
  results.push(result);
  if (values.full) console.log(result.trace.lines.join('\n'));
  for (const violation of result.violations) console.log(`\n${formatFailure(result, Number(values.lines), violation)}\n`);
  if (result.violations.length === 0 && values.seed !== undefined)
    console.log(`seed ${seed}: no violation (trace digest ${result.trace.digest()})`);
}
console.log(`\n${formatFigures(figuresOf(results))}\nwall time ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exitCode = results.some((result) => result.violations.length > 0) ? 1 : 0;

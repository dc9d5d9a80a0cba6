import type { Violation } from './invariants';
import type { RunResult } from './world';

/** Figures over runs: what the issue asks a simulation note to show. */
export interface Figures {
  seeds: number;
  steps: number;
  simulatedMs: number;
  faults: Map<string, number>;
  checks: number;
  requests: number;
  operations: number;
  violations: number;
  failedSeeds: number[];
}

export function figuresOf(results: readonly RunResult[]): Figures {
  const faults = new Map<string, number>();
  for (const result of results) for (const [kind, count] of result.faults) faults.set(kind, (faults.get(kind) ?? 0) + count);
  return {
    seeds: results.length,
    steps: results.reduce((sum, result) => sum + result.steps, 0),
    simulatedMs: results.reduce((sum, result) => sum + result.simulatedMs, 0),
    faults,
    checks: results.reduce((sum, result) => sum + result.checks, 0),
    requests: results.reduce((sum, result) => sum + result.requests, 0),
    operations: results.reduce((sum, result) => sum + result.operations, 0),
    violations: results.reduce((sum, result) => sum + result.violations.length, 0),
    failedSeeds: results.filter((result) => result.violations.length > 0).map((result) => result.seed),
  };
}

export function formatFigures(figures: Figures): string {
  const faults = [...figures.faults.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, count]) => `${kind} ${count}`)
    .join(', ');
  const total = [...figures.faults.values()].reduce((sum, count) => sum + count, 0);
  return [
    `seeds ${figures.seeds}, steps ${figures.steps}, simulated hours ${(figures.simulatedMs / 3_600_000).toFixed(2)}`,
    `operations ${figures.operations}, gateway requests ${figures.requests}`,
    `faults injected ${total} (${faults || 'none'})`,
    `invariant checks ${figures.checks}, violations ${figures.violations}${figures.failedSeeds.length > 0 ? ` (seeds ${figures.failedSeeds.join(', ')})` : ''}`,
  ].join('\n');
}

/** What a failure prints: the seed, the violation, and the trace's last lines (replay: same seed, same trace). */
export function formatFailure(result: RunResult, lines = 40, violation: Violation = result.violations[0]!): string {
  const end = violation.traceLine ?? result.trace.lines.length;
  return [
    `seed ${result.seed} (profile ${result.profile.name}${result.profile.attacker ? ', attacker' : ''}) violates ${violation.invariant}${violation.kind ? ` (${violation.kind})` : ''}:`,
    `  ${violation.message.split('\n')[0]}`,
    `replay: ${replayCommand(result)}   (trace digest ${result.trace.digest()})`,
    ...result.trace.lines.slice(Math.max(0, end - lines), end).map((line) => `  ${line}`),
  ].join('\n');
}

/** The command that replays a run exactly (the same seed, length and options give the same trace). */
export function replayCommand(result: RunResult): string {
  const { options } = result;
  return [
    `npm run test:sim -- --seed ${result.seed} --minutes ${options.durationMs / 60_000}`,
    options.keepGoing ? ' --keep-going' : '',
    options.profile ? ` --profile ${options.profile}` : '',
    options.attacker !== undefined ? ` --attacker ${options.attacker ? 'on' : 'off'}` : '',
    options.without?.length ? ` --without ${options.without.join(',')}` : '',
  ].join('');
}

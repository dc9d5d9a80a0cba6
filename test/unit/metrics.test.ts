import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuthorizationCounters } from '../../functions/observability/metrics';

describe('authorization metrics', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('emits allowed and denied-by-reason counts as EMF, at most once per interval', () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    vi.stubEnv('POWERTOOLS_DEV', '');
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: unknown) => {
      lines.push(String(chunk));
      return true;
    }) as never);
    const sink = new Metrics({ namespace: 'PatTest', serviceName: 'test' });
    const counters = new AuthorizationCounters(sink, 1_000);

    counters.record('allowed', 0);
    counters.record('allowed', 100);
    counters.record({ denied: 'scope' }, 200);
    counters.record({ denied: 'scope' }, 300);
    counters.record({ denied: 'ip' }, 400);
    const beforeFlush = lines.length;
    counters.record('allowed', 1_000);

    const emf = lines.map((line) => JSON.parse(line));
    expect(beforeFlush).toBe(1); // the first record flushes at once (1 allowed), the rest wait
    const denied = emf.filter((blob) => 'AuthorizationsDenied' in blob).map((blob) => [blob.reason, blob.AuthorizationsDenied]);
    expect(denied.sort()).toEqual([
      ['ip', 1],
      ['scope', 2],
    ]);
    expect(emf.filter((blob) => 'AuthorizationsAllowed' in blob).map((blob) => blob.AuthorizationsAllowed)).toEqual([1, 2]);
    expect(emf[0]._aws.CloudWatchMetrics[0].Namespace).toBe('PatTest');
  });
});

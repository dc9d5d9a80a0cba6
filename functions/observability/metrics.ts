import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * Business metrics as CloudWatch embedded metric format (EMF) log lines. Names are the contract
 * with dashboards and alarms: TokensCreated, TokensRevoked, TokensRefreshed, ReuseDetections,
 * LeakedTokensRevoked, AuthorizationsAllowed, AuthorizationsDenied (dimension `reason`).
 */
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'PatService',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'pat-service',
});

export function count(name: string, value = 1): void {
  metrics.addMetric(name, MetricUnit.Count, value);
}

/**
 * The authorizer's counters, folded in memory and emitted at most once a second: one EMF line per
 * request would cost the hot path more than the decision itself.
 */
export class AuthorizationCounters {
  private allowed = 0;
  private readonly denied = new Map<string, number>();
  private lastFlush = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly sink: Metrics = metrics,
    private readonly flushEveryMs = 1_000,
  ) {}

  record(outcome: 'allowed' | { denied: string }, now = Date.now()): void {
    if (outcome === 'allowed') this.allowed++;
    else this.denied.set(outcome.denied, (this.denied.get(outcome.denied) ?? 0) + 1);
    if (now - this.lastFlush >= this.flushEveryMs) this.flush(now);
  }

  flush(now = Date.now()): void {
    this.lastFlush = now;
    if (this.allowed > 0) {
      this.sink.addMetric('AuthorizationsAllowed', MetricUnit.Count, this.allowed);
      this.sink.publishStoredMetrics();
    }
    for (const [reason, value] of this.denied) {
      const single = this.sink.singleMetric();
      single.addDimension('reason', reason);
      single.addMetric('AuthorizationsDenied', MetricUnit.Count, value);
    }
    this.allowed = 0;
    this.denied.clear();
  }
}

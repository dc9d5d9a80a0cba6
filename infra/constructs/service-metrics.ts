/**
 * The metrics the functions emit, named once for the dashboards and alarms that read them
 * (test/infra/monitoring.test.ts checks each name against the functions' code: `count('…')`,
 * `addMetric('…')`). Powertools Metrics writes them as EMF lines in this namespace, with the default
 * dimension `service` (ServiceFunction sets both, `POWERTOOLS_METRICS_NAMESPACE` and `POWERTOOLS_SERVICE_NAME`).
 */
export const metricNamespace = 'PatService';
export const serviceDimension = { service: 'pat-service' } as const;

export const emittedMetrics = {
  // functions/handlers/*: one per outcome of a use case.
  tokensCreated: 'TokensCreated',
  tokensRevoked: 'TokensRevoked',
  tokensRefreshed: 'TokensRefreshed',
  refreshesReplayed: 'RefreshesReplayed',
  reuseDetections: 'ReuseDetections',
  tokensRegenerated: 'TokensRegenerated',
  leakedTokensRevoked: 'LeakedTokensRevoked',
  // functions/observability/metrics.ts AuthorizationCounters: every authorizer (REST and HTTP API).
  authorizationsAllowed: 'AuthorizationsAllowed',
  /** With the dimension `reason` (one of `denialReasons`) beside `service`. */
  authorizationsDenied: 'AuthorizationsDenied',
  // functions/handlers/flush-authorizer-caches.ts: the stage flusher.
  cacheFlushes: 'AuthorizerCacheFlushes',
  cacheFlushLag: 'AuthorizerCacheFlushLag',
  cacheFlushFailures: 'AuthorizerCacheFlushFailures',
  flusherRuns: 'AuthorizerCacheFlusherRuns',
  // functions/handlers/canary.ts: the opt-in revocation canary.
  canaryBound: 'RevocationCanaryBoundMs',
  canaryFailures: 'RevocationCanaryFailures',
} as const;

/** The `reason` dimension values of AuthorizationsDenied (functions/handlers/authorizer.ts, http-authorizer.ts). */
export const denialReasons = ['unauthorized', 'scope', 'ip'] as const;

/**
 * Counted by a CloudWatch Logs metric filter, not by code: the HTTP middleware's
 * `Dependency unavailable` log line names the dependency (`"dependency": "KMS"`).
 */
export const kmsErrorsMetric = 'KmsErrors';

import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod/mini';
import { dynamoClient } from '../adapters/aws-clients';
import { loadConfig, required } from '../adapters/config';
import { DynamoRevocationFeed } from '../adapters/dynamodb/dynamo-revocation-feed';
import { DynamoTable } from '../adapters/dynamodb/dynamo-table';
import { ApiGatewayStageCache, SsmStageRegistry, stageFlushClients } from '../adapters/stage-flush';
import { logger } from '../observability/logger';
import { metrics } from '../observability/metrics';
import { systemClock } from '../service/ports';
import { StageFlusher, type FlushOutcome } from '../service/stage-flusher';

const env = z
  .object({
    // Where every TokenAuthorizer registers its stage (an SSM parameter path, ending without `/`).
    STAGE_REGISTRY_PATH: z.string().check(z.regex(/^\/[A-Za-z0-9_.\-/]+[^/]$/)),
    // Each invocation runs this long; the schedule starts one a minute, so consecutive runs overlap.
    FLUSH_RUN_SECONDS: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(840)), 65),
    FLUSH_POLL_MS: z._default(z.coerce.number().check(z.int(), z.minimum(100), z.maximum(5_000)), 500),
  })
  .parse(process.env);
const config = loadConfig(process.env);
const { apigateway, ssm } = stageFlushClients();
const feed = new DynamoRevocationFeed(
  new DynamoTable(dynamoClient(config.dynamoEndpoint), {
    tableName: required(config.tableName, 'TABLE_NAME'),
    retentionDays: config.policy.retentionDays,
  }),
);

/**
 * Metrics the alarms and dashboards use: AuthorizerCacheFlushes, AuthorizerCacheFlushFailures (the
 * alarm: while flushes fail the revocation bound is API Gateway's result TTL), AuthorizerCacheFlushLag
 * (ms from the change's own instant to the flush that ended its cached decisions),
 * AuthorizerCacheFlushesLate (a flush past the bound: the FlushesLate alarm), and
 * AuthorizerCacheFlusherRuns (one per run: the FlusherStopped alarm's heartbeat).
 */
function report(outcome: FlushOutcome): void {
  const where = { restApiId: outcome.stage.restApiId, stage: outcome.stage.stage };
  if (outcome.late) {
    metrics.addMetric('AuthorizerCacheFlushesLate', MetricUnit.Count, 1);
    logger.warn('Authorizer cache flush later than the revocation bound', { ...where, lagMs: outcome.flushedAt - outcome.oldestEntryAt });
  }
  if (outcome.ok) {
    metrics.addMetric('AuthorizerCacheFlushes', MetricUnit.Count, 1);
    metrics.addMetric('AuthorizerCacheFlushLag', MetricUnit.Milliseconds, outcome.flushedAt - outcome.oldestEntryAt);
    logger.debug('Authorizer cache flushed', where);
  } else {
    metrics.addMetric('AuthorizerCacheFlushFailures', MetricUnit.Count, 1);
    logger.error('Authorizer cache flush failed: revocations fall back to the result TTL on this stage until a retry succeeds', {
      ...where,
      error: outcome.error as Error,
    });
  }
  metrics.publishStoredMetrics();
}

const flusher = new StageFlusher({
  feed,
  registry: new SsmStageRegistry(ssm, env.STAGE_REGISTRY_PATH),
  cache: new ApiGatewayStageCache(apigateway),
  clock: systemClock,
  onFlush: report,
  onError: (error, what) => {
    metrics.addMetric('AuthorizerCacheFlushFailures', MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
    logger.error(`Stage flusher: ${what} failed`, { error: error as Error });
  },
});

/**
 * Scheduled once a minute: follows the revocation feed for `FLUSH_RUN_SECONDS` and flushes the
 * authorizer cache of every registered stage after each change (see docs/revocation.md). The state
 * (what was seen, when each stage was flushed) lives in the warm container across runs.
 */
export const handler = async (_event: unknown, context?: { getRemainingTimeInMillis?: () => number }): Promise<void> => {
  const budget = Math.min(env.FLUSH_RUN_SECONDS * 1000, (context?.getRemainingTimeInMillis?.() ?? Number.POSITIVE_INFINITY) - 3_000);
  const deadline = Date.now() + budget;
  // The heartbeat the FlusherStopped alarm watches: a flusher that does not run publishes nothing else.
  metrics.addMetric('AuthorizerCacheFlusherRuns', MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
  await flusher.run(
    () => Date.now() < deadline,
    env.FLUSH_POLL_MS,
    (ms) => sleep(ms),
  );
};

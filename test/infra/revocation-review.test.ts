import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { PatServiceStack } from '../../infra/pat-service-stack';
import { testApp } from './synth';

/**
 * Revocation review (issue 14): a flusher that never runs (throttled, failing at load, its schedule
 * removed) publishes no AuthorizerCacheFlushFailures, and that alarm treats missing data as OK: the
 * revocation bound would silently become the 300 s result TTL. A heartbeat alarm must catch it.
 */
const topicArn = 'arn:aws:sns:eu-west-1:111122223333:pat-operations';
let template: Template;
let cleanup: () => void;

beforeAll(() => {
  const test = testApp();
  cleanup = test.cleanup;
  template = Template.fromStack(
    new PatServiceStack(test.app, 'ReviewFlusher', {
      settings: { catalogue: [{ name: 'orders', description: 'Orders' }] },
      webConsole: false,
      alarmTopicArn: topicArn,
    }),
  );
}, 60_000);
afterAll(() => cleanup());

describe('revocation review: a stopped flusher is alarmed on', () => {
  it('alarms when the flusher published no run heartbeat for 3 minutes, missing data counting as breaching, on the operator topic', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'AuthorizerCacheFlusherRuns',
      Namespace: 'PatService',
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      EvaluationPeriods: 3,
      TreatMissingData: 'breaching',
      AlarmActions: [topicArn],
      OKActions: [topicArn],
    });
  });
});

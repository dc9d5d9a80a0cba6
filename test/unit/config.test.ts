import { describe, expect, it } from 'vitest';
import { configIssues, defaults, environmentOf, loadConfig, loadNotificationConfig } from '../../functions/adapters/config';
import { exampleApiRoutes, exampleCatalogue } from '../../functions/domain/routes';

const base = {
  ...environmentOf({ issuer: 'https://pat.example', catalogue: exampleCatalogue, routes: exampleApiRoutes }),
  KMS_KEY_IDS: 'key-1,key-2',
  TABLE_NAME: 'tokens',
};

describe('configuration from the environment', () => {
  it('reads what environmentOf wrote, with the defaults', () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({
      tableName: 'tokens',
      issuer: 'https://pat.example',
      signer: { kind: 'kms', keyIds: ['key-1', 'key-2'] },
      identity: { adminGroup: 'pat-admins', tenantClaim: 'custom:tenant', userIdClaim: 'cognito:username' },
      statusCacheMs: 10_000,
      lastUsedIntervalMs: 60_000,
    });
    expect(config.policy.lifetimesDays).toEqual([90, 180, 365]);
    expect(config.routes).toHaveLength(exampleApiRoutes.length);
  });

  it('merges a partial policy over the defaults', () => {
    const config = loadConfig({ ...base, TOKEN_POLICY: JSON.stringify({ rotationGraceSeconds: 0, allowNoExpiry: true }) });
    expect(config.policy).toMatchObject({ rotationGraceSeconds: 0, allowNoExpiry: true, maxLifetimeDays: 365 });
  });

  it.each([
    ['no issuer', { TOKEN_ISSUER: undefined }, /TOKEN_ISSUER/],
    ['a catalogue that is not JSON', { SCOPE_CATALOGUE: '[{' }, /SCOPE_CATALOGUE.*JSON/],
    ['a catalogue with a bad area name', { SCOPE_CATALOGUE: JSON.stringify([{ name: 'Bad Area', description: 'x' }]) }, /SCOPE_CATALOGUE/],
    ['an unknown policy field', { TOKEN_POLICY: JSON.stringify({ maxLifetime: 3 }) }, /TOKEN_POLICY/],
    ['an incoherent policy', { TOKEN_POLICY: JSON.stringify({ defaultLifetimeDays: 30 }) }, /defaultLifetimeDays/],
    ['a grace period over an hour', { TOKEN_POLICY: JSON.stringify({ rotationGraceSeconds: 7200 }) }, /rotationGraceSeconds/],
    ['KMS without key ids', { KMS_KEY_IDS: ' , ' }, /KMS_KEY_IDS/],
    ['local signing without a key file', { SIGNER: 'local' }, /LOCAL_SIGNING_KEY_FILE/],
    [
      'a route whose scope cannot be derived',
      { PROTECTED_ROUTES: JSON.stringify([{ method: 'GET', resource: '/payroll' }]) },
      /No scope for GET \/payroll/,
    ],
    ['a cache window that is not a number', { STATUS_CACHE_SECONDS: 'ten' }, /STATUS_CACHE_SECONDS/],
  ])('fails at load time with a clear message on %s', (_name, change, message) => {
    expect(() => loadConfig({ ...base, ...change })).toThrow(message);
  });
});

describe("the notification job's environment", () => {
  it('announces at the default horizons when NOTIFY_HORIZONS_DAYS is unset', () => {
    expect(loadNotificationConfig({}).horizonsDays).toEqual([...defaults.notifyHorizonsDays]);
  });

  it('reads the horizons and the targets', () => {
    expect(
      loadNotificationConfig({ NOTIFY_HORIZONS_DAYS: '14, 2', EVENT_BUS_NAME: 'bus', SNS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:1:t' }),
    ).toEqual({
      horizonsDays: [14, 2],
      eventBusName: 'bus',
      snsTopicArn: 'arn:aws:sns:eu-west-1:1:t',
    });
  });

  it.each([['0'], ['366'], ['7,x'], ['1.5'], ['']])('refuses the horizons %j at load time', (horizons) => {
    expect(() => loadNotificationConfig({ NOTIFY_HORIZONS_DAYS: horizons })).toThrow(
      /NOTIFY_HORIZONS_DAYS must be whole days between 1 and 365/,
    );
  });
});

describe('configuration issues', () => {
  it('names each issue by its variable and the path inside its JSON, unknown fields by name', () => {
    const issues = configIssues({
      ...base,
      SCOPE_CATALOGUE: JSON.stringify([{ name: 'jobs', description: ' ' }]),
      TOKEN_POLICY: JSON.stringify({ maxLifetime: 3 }),
    });

    expect(issues).toEqual([
      { variable: 'SCOPE_CATALOGUE', path: '[0].description', message: 'needs a description' },
      { variable: 'TOKEN_POLICY', path: '', message: 'has unknown fields: maxLifetime' },
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { environmentOf, loadConfig } from '../../functions/adapters/config';
import { exampleApiRoutes, exampleCatalogue } from '../../functions/domain/routes';

const base = { ...environmentOf({ issuer: 'https://pat.example', catalogue: exampleCatalogue, routes: exampleApiRoutes }), KMS_KEY_IDS: 'key-1,key-2', TABLE_NAME: 'tokens' };

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
    ['a route whose scope cannot be derived', { PROTECTED_ROUTES: JSON.stringify([{ method: 'GET', resource: '/payroll' }]) }, /No scope for GET \/payroll/],
    ['a cache window that is not a number', { STATUS_CACHE_SECONDS: 'ten' }, /STATUS_CACHE_SECONDS/],
  ])('fails at load time with a clear message on %s', (_name, change, message) => {
    expect(() => loadConfig({ ...base, ...change })).toThrow(message);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { afterAll, describe, expect, it } from 'vitest';
import { exampleCatalogue } from '../../functions/domain/routes';
import { deployConfig } from '../../infra/deploy-config';
import { PatServiceStack } from '../../infra/pat-service-stack';
import type { TokenServiceSettings } from '../../infra/settings';
import { testApp } from './synth';

// Construction only (no synth, no bundling): a bad configuration fails before anything is built.
const cleanups: Array<() => void> = [];
afterAll(() => cleanups.forEach((cleanup) => cleanup()));
const serviceWith = (settings: TokenServiceSettings, extra: Partial<ConstructorParameters<typeof PatServiceStack>[2]> = {}) => {
  const test = testApp();
  cleanups.push(test.cleanup);
  return new PatServiceStack(test.app, 'PatService', { settings, ...extra });
};

describe('service settings are checked at synth time', () => {
  it('accepts the example catalogue with the default policy', () => {
    expect(() => serviceWith({ catalogue: exampleCatalogue })).not.toThrow();
  });

  it('names every policy problem at once', () => {
    expect(() => serviceWith({ catalogue: exampleCatalogue, policy: { defaultLifetimeDays: 30, rotationGraceSeconds: 7200 } })).toThrow(
      /invalid token service settings:\n {2}- policy: defaultLifetimeDays \(30\) must be one of lifetimesDays\n {2}- policy: rotationGraceSeconds must be an integer between 0 and 3600/,
    );
  });

  it('refuses an unknown policy field (a typo would otherwise be ignored)', () => {
    expect(() => serviceWith({ catalogue: exampleCatalogue, policy: { maxLifetime: 30 } as never })).toThrow(
      /policy: has unknown fields: maxLifetime/,
    );
  });

  it('refuses a catalogue area that is not a valid name, or has no description', () => {
    expect(() =>
      serviceWith({
        catalogue: [
          { name: 'Candidates', description: 'x' },
          { name: 'jobs', description: ' ' },
        ],
      }),
    ).toThrow(/catalogue\[0\]\.name: is not a valid area name[\s\S]*catalogue\[1\]\.description: needs a description/);
  });

  it("reports the functions' own schema issues in the settings' terms (duplicate area names)", () => {
    expect(() => serviceWith({ catalogue: [...exampleCatalogue, exampleCatalogue[0]!] })).toThrow(
      /invalid token service settings:\n {2}- catalogue: area names must be unique/,
    );
  });

  it('refuses a retention shorter than the refresh window', () => {
    expect(() => serviceWith({ catalogue: exampleCatalogue, policy: { retentionDays: 7 } })).toThrow(
      /retentionDays must be an integer at least refreshWindowDays/,
    );
  });

  it('refuses a tenant claim a created user pool cannot carry', () => {
    expect(() => serviceWith({ catalogue: exampleCatalogue, tenantClaim: 'tenant' })).toThrow(
      /tenantClaim "tenant" must be a custom attribute/,
    );
  });

  it("refuses an imported pool's app client id that is not one (a comma would split it into two accepted audiences)", () => {
    const withClients = (userPoolClientId: string | undefined, moreAppClientIds: string[]) =>
      serviceWith({ catalogue: exampleCatalogue }, { userPool: { userPoolId: 'eu-west-1_AbCdEf123', userPoolClientId, moreAppClientIds } });

    expect(() => withClients(undefined, ['portal1234,other5678'])).toThrow(
      /userPool\.moreAppClientIds\[0\]: "portal1234,other5678" is not an app client id/,
    );
    expect(() => withClients(undefined, [' portal1234'])).toThrow(/userPool\.moreAppClientIds\[0\]/);
    expect(() => withClients(undefined, [''])).toThrow(/userPool\.moreAppClientIds\[0\]/);
    expect(() => withClients('api,client', [])).toThrow(/userPool\.userPoolClientId: "api,client" is not an app client id/);
    expect(() => withClients('api1234', ['portal1234'])).not.toThrow();
  });

  it('passes the admin group and tenant claim to the functions and the user pool', () => {
    const stack = serviceWith({ catalogue: exampleCatalogue, adminGroup: 'token-admins', tenantClaim: 'custom:org' });
    const pool = stack.service.users.userPool.node.defaultChild as cognito.CfnUserPool;

    expect(stack.service.functions.readTokens.environmentVariables).toMatchObject({
      ADMIN_GROUP: 'token-admins',
      TENANT_CLAIM: 'custom:org',
    });
    expect(stack.resolve(pool.schema)).toContainEqual(expect.objectContaining({ name: 'org', mutable: false }));
  });
});

describe('deploy configuration (-c config=<file>)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pat-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const fileWith = (content: unknown) => {
    const path = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(path, JSON.stringify(content));
    return path;
  };

  it('deploys the example catalogue and both stacks without one', () => {
    const config = deployConfig(() => undefined);

    expect(config.service.settings.catalogue).toEqual(exampleCatalogue);
    expect(config).toMatchObject({ exampleApi: true, serviceStackName: 'PatService', exampleStackName: 'PatExampleApi' });
  });

  it('reads settings and deployment options from the file', () => {
    const path = fileWith({
      catalogue: [{ name: 'orders', description: 'Orders' }],
      policy: { lifetimesDays: [30, 90], defaultLifetimeDays: 30, maxLifetimeDays: 90 },
      userPool: { userPoolId: 'eu-west-1_abc' },
      mfa: 'OPTIONAL',
      publicThrottle: { rateLimit: 2, burstLimit: 5 },
      expiryNotifications: { topicArn: 'arn:aws:sns:eu-west-1:111122223333:expiring', horizonsDays: [14] },
      alarmTopicArn: 'arn:aws:sns:eu-west-1:111122223333:pager',
    });

    const config = deployConfig((key) => ({ config: path, exampleApi: 'false' })[key]);

    expect(config.exampleApi).toBe(false);
    expect(config.service).toMatchObject({
      settings: { catalogue: [{ name: 'orders', description: 'Orders' }], policy: { defaultLifetimeDays: 30 } },
      userPool: { userPoolId: 'eu-west-1_abc' },
      mfa: cognito.Mfa.OPTIONAL,
      publicThrottle: { rateLimit: 2, burstLimit: 5 },
      expiryNotifications: { topicArn: 'arn:aws:sns:eu-west-1:111122223333:expiring', horizonsDays: [14] },
      alarmTopicArn: 'arn:aws:sns:eu-west-1:111122223333:pager',
    });
  });

  it("reads an imported pool's further app clients (moreAppClientIds), whose ID tokens the API then accepts", () => {
    const path = fileWith({
      catalogue: exampleCatalogue,
      userPool: { userPoolId: 'eu-west-1_abc', userPoolClientId: 'api1234', moreAppClientIds: ['portal1234'] },
    });
    const notAnId = fileWith({
      catalogue: exampleCatalogue,
      userPool: { userPoolId: 'eu-west-1_abc', moreAppClientIds: ['portal1234,other'] },
    });

    expect(deployConfig((key) => (key === 'config' ? path : undefined)).service.userPool).toEqual({
      userPoolId: 'eu-west-1_abc',
      userPoolClientId: 'api1234',
      moreAppClientIds: ['portal1234'],
    });
    expect(() => deployConfig((key) => (key === 'config' ? notAnId : undefined))).toThrow(/userPool\.moreAppClientIds\.0: /);
  });

  it('reads the secret-scanning alert keys into the settings, and refuses one that is not a PEM public key', () => {
    const key = {
      keyIdentifier: 'bcb53661c06b4728e59d897fb6165d5c9cda0fd9cdf9d09ead458168deb7518c',
      key: '-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----',
    };
    const withKeys = fileWith({ catalogue: exampleCatalogue, secretScanningKeys: [key] });
    const notAKey = fileWith({ catalogue: exampleCatalogue, secretScanningKeys: [{ keyIdentifier: 'k', key: 'not a key' }] });

    expect(deployConfig((name) => (name === 'config' ? withKeys : undefined)).service.settings.secretScanningKeys).toEqual([key]);
    expect(() => deployConfig((name) => (name === 'config' ? notAKey : undefined))).toThrow(/secretScanningKeys\.0\.key: /);
  });

  it('reads the web console options, or false to leave it out', () => {
    const withConsole = fileWith({
      catalogue: exampleCatalogue,
      webConsole: {
        domainPrefix: 'acme-tokens',
        customDomain: { domainNames: ['tokens.acme.example'], certificateArn: 'arn:aws:acm:us-east-1:111122223333:certificate/abc' },
      },
    });
    const withoutConsole = fileWith({ catalogue: exampleCatalogue, webConsole: false });
    const misspelt = fileWith({ catalogue: exampleCatalogue, webConsole: { domain: 'acme' } });

    expect(deployConfig((key) => (key === 'config' ? withConsole : undefined)).service.webConsole).toEqual({
      domainPrefix: 'acme-tokens',
      customDomain: { domainNames: ['tokens.acme.example'], certificateArn: 'arn:aws:acm:us-east-1:111122223333:certificate/abc' },
    });
    expect(deployConfig((key) => (key === 'config' ? withoutConsole : undefined)).service.webConsole).toBe(false);
    expect(() => deployConfig((key) => (key === 'config' ? misspelt : undefined))).toThrow(/webConsole/);
  });

  it('names each problem of the file with its path', () => {
    const path = fileWith({ catalogue: [], policy: { maxLifetimeDays: '365' }, signingKeys: { generation: 0 } });

    expect(() => deployConfig((key) => (key === 'config' ? path : undefined))).toThrow(
      /catalogue: .*; policy\.maxLifetimeDays: .*; signingKeys\.generation: /,
    );
  });

  it('says which file it could not read', () => {
    expect(() => deployConfig((key) => (key === 'config' ? join(dir, 'missing.json') : undefined))).toThrow(
      /-c config=.*missing\.json: cannot read/,
    );
  });
});

import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type App, type AppProps, Validations } from 'aws-cdk-lib';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { functionBundlesDir, projectRoot } from './constructs/prebuilt-assets';
import { deployedEntries } from './handlers';
import { consoleAssetsContextKey } from './constructs/web-console';
import { type ChecksLevel, ControlTowerChecks, checksContextKey, checksLevelOf } from './control-tower';
import { deployConfig } from './deploy-config';
import { ExampleApiStack } from './example-api-stack';
import { PatServiceStack } from './pat-service-stack';

/**
 * The CDK app (`cdk.json` runs `infra/app.ts`, which only calls this): the token service, and an
 * example API protected by its authorizer. cdk-nag's AwsSolutions checks run on every synth, AWS
 * Control Tower's proactive controls with `-c checks=all` (`npm test`, CI); a finding without an
 * acknowledgment (and its reason, next to the construct it concerns) fails the synth.
 */
/**
 * The props of the app `cdk synth` runs: CDK's own CloudFormation validation (a WebAssembly
 * validator, about 10 s of CPU, most of a synth's) runs with the full checks only (`-c checks=all`).
 */
export function appProps(checks: ChecksLevel): AppProps {
  return { builtinCloudFormationValidation: checks === 'all' };
}

/**
 * cdk-nag's AwsSolutions checks on every synth (`none` skips them); AWS Control Tower's proactive
 * controls (cfn-guard, tens of seconds) with `all`, as `npm test` and CI run them. Acknowledgments
 * are also written into the templates' metadata: the audit trail of what was waived, and why.
 */
export function addChecks(app: App, checks: ChecksLevel): void {
  if (checks !== 'none') Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }));
  if (checks === 'all') Validations.of(app).addPlugins(new ControlTowerChecks());
}

export function buildApp(app: App): { service: PatServiceStack; example?: ExampleApiStack } {
  addChecks(app, checksLevelOf(app.node.tryGetContext(checksContextKey)));
  const config = deployConfig((key) => app.node.tryGetContext(key));
  // Template tests skip bundling (an empty list): they deploy no code, so nothing needs building.
  const bundlingStacks = app.node.tryGetContext(cxapi.BUNDLING_STACKS) as unknown;
  if (!Array.isArray(bundlingStacks) || bundlingStacks.length > 0) ensureFunctionsBuilt();
  // A console of its own (-c webConsoleAssets=…, or the tests' fixture) is used as it is.
  if (
    config.service.webConsole !== false &&
    config.service.webConsole?.assetsDir === undefined &&
    app.node.tryGetContext(consoleAssetsContextKey) === undefined
  ) {
    ensureConsoleBuilt();
  }
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  const service = new PatServiceStack(app, config.serviceStackName, {
    ...config.service,
    env,
    description: 'Personal access tokens: token table, signing key, user pool, token API',
  });
  if (!config.exampleApi) return { service };
  const example = new ExampleApiStack(app, config.exampleStackName, {
    env,
    verification: service.service.verification,
    routes: config.exampleApiRoutes,
    description: 'Example API protected by the personal access token authorizer',
  });
  return { service, example };
}

/**
 * Runs `npm run build:functions` when a bundle is missing or older than the functions' sources, so that
 * `cdk synth` deploys the code as it is in the tree, built by the one script the package uses too.
 */
export function ensureFunctionsBuilt(root = projectRoot): void {
  const bundles = functionBundlesDir(root);
  const builtAt = Math.min(
    ...serviceEntries().map((entry) => statSync(join(bundles, entry, 'index.mjs'), { throwIfNoEntry: false })?.mtimeMs ?? 0),
  );
  if (
    builtAt > 0 &&
    newestChange(join(root, 'functions'), () => false) <= builtAt &&
    newestChange(join(root, 'package-lock.json'), () => false) <= builtAt
  )
    return;
  execFileSync('npx', ['tsx', 'scripts/build-functions.ts'], { cwd: root, stdio: ['ignore', 2, 2] });
}

function serviceEntries(): readonly string[] {
  return deployedEntries;
}

/**
 * Builds the web console into `web/dist` when it is missing or older than its sources, so that
 * `cdk synth` on a fresh clone (after `npm ci`, offline) deploys the console as it is in the tree.
 */
export function ensureConsoleBuilt(root = projectRoot): void {
  const web = join(root, 'web');
  const builtAt = statSync(join(web, 'dist', 'index.html'), { throwIfNoEntry: false })?.mtimeMs;
  // The console also bundles the service's pure domain rules (descriptions, scopes).
  const sourcesChangedAt = Math.max(
    newestChange(web, (path) => path.startsWith(join(web, 'dist')) || path.includes('node_modules')),
    newestChange(join(root, 'functions', 'domain'), () => false),
  );
  if (builtAt !== undefined && sourcesChangedAt <= builtAt) return;
  // The CLI reads the app's stdout: vite's report goes to stderr.
  execFileSync('npx', ['vite', 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], { cwd: root, stdio: ['ignore', 2, 2] });
}

function newestChange(root: string, skip: (path: string) => boolean): number {
  const stats = statSync(root);
  if (stats.isFile()) return stats.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    if (!entry.isFile() || skip(path)) continue;
    newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

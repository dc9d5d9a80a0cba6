import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { projectRoot } from './constructs/service-function';
import { consoleAssetsContextKey } from './constructs/web-console';
import { ControlTowerChecks, controlTowerContextKey } from './control-tower';
import { deployConfig } from './deploy-config';
import { ExampleApiStack } from './example-api-stack';
import { PatServiceStack } from './pat-service-stack';

/**
 * The CDK app (`cdk.json` runs `infra/app.ts`, which only calls this): the token service, and an
 * example API protected by its authorizer. cdk-nag's AwsSolutions checks and AWS Control Tower's
 * proactive controls run on every synth; a finding without an acknowledgment (and its reason, next to
 * the construct it concerns) fails it.
 */
export function buildApp(app: App): { service: PatServiceStack; example?: ExampleApiStack } {
  // Acknowledgments are also written into the templates' metadata: the audit trail of what was waived, and why.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }));
  // AWS Control Tower's proactive controls (CloudFormation Guard), waived next to their constructs like cdk-nag's.
  const controlTower = app.node.tryGetContext(controlTowerContextKey) as unknown;
  if (controlTower !== false && controlTower !== 'false') Validations.of(app).addPlugins(new ControlTowerChecks());
  const config = deployConfig((key) => app.node.tryGetContext(key));
  // A console of its own (-c webConsoleAssets=…, or the tests' fixture) is used as it is.
  if (config.service.webConsole !== false && config.service.webConsole?.assetsDir === undefined && app.node.tryGetContext(consoleAssetsContextKey) === undefined) {
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
    description: 'Example API protected by the personal access token authorizer',
  });
  return { service, example };
}

/**
 * Builds the web console into `web/dist` when it is missing or older than its sources, so that
 * `cdk synth` on a fresh clone (after `npm ci`, offline) deploys the console as it is in the tree.
 */
export function ensureConsoleBuilt(root = projectRoot): void {
  const web = join(root, 'web');
  const builtAt = statSync(join(web, 'dist', 'index.html'), { throwIfNoEntry: false })?.mtimeMs;
  if (builtAt !== undefined && newestSourceChange(web) <= builtAt) return;
  // The CLI reads the app's stdout: vite's report goes to stderr.
  execFileSync('npx', ['vite', 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], { cwd: root, stdio: ['ignore', 2, 2] });
}

function newestSourceChange(web: string): number {
  let newest = 0;
  for (const entry of readdirSync(web, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    if (!entry.isFile() || path.startsWith(join(web, 'dist')) || path.includes('node_modules')) continue;
    newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

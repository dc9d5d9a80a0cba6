import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { InvalidSettingsError } from '../settings';

/**
 * Where the prebuilt assets are: the Lambda bundles (`npm run build:functions`) and the web console
 * (`npm run build:web`). In this repository this file is `infra/constructs/`, and they are under
 * `dist/functions` and `web/dist`; in the published construct library the code is one module in the
 * package's `dist/`, with `functions/` and `web-console/` beside it.
 */
const here = dirname(fileURLToPath(import.meta.url));
const packaged = existsSync(join(here, 'functions'));

export const projectRoot = join(here, '..', '..');

export const functionBundlesDir = (root = projectRoot): string => join(root, 'dist', 'functions');

/** The function bundles this code deploys. */
export const deployedBundlesDir = packaged ? join(here, 'functions') : functionBundlesDir();

/** The web console this code deploys unless told otherwise. */
export const defaultConsoleAssets = packaged ? join(here, 'web-console') : join(projectRoot, 'web', 'dist');

/**
 * A handler's code: its prebuilt bundle (`<entry>/index.mjs`, handler `index.handler`), as it is.
 * Nothing is compiled at synth time, in this repository or in a consumer's app.
 */
export function functionCode(scope: Construct, entry: string): lambda.Code {
  // Template tests skip bundling (`aws:cdk:bundling-stacks: []`): no code is staged, as NodejsFunction would.
  if (!Stack.of(scope).bundlingRequired) return lambda.Code.fromInline('// code not staged: bundling is skipped for this stack');
  const dir = join(deployedBundlesDir, entry);
  if (existsSync(join(dir, 'index.mjs'))) return lambda.Code.fromAsset(dir);
  throw new InvalidSettingsError(
    `${scope.node.path}: the bundle of ${entry} is missing (${join(dir, 'index.mjs')}): run \`npm run build:functions\``,
  );
}

/**
 * `npm run build:functions`: every Lambda handler bundled once by esbuild into
 * `dist/functions/<entry>/index.mjs` (+ source map). The one build path of the function code: this
 * repository's `cdk synth` and the published construct library both deploy these files with
 * `lambda.Code.fromAsset`, so what is tested here is byte for byte what a consumer deploys.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { deployedEntries } from '../infra/handlers';
import { functionBundlesDir, projectRoot } from '../infra/constructs/prebuilt-assets';

/** Every handler entry a construct deploys (the service's functions, its stage flusher and the token authorizer). */
export const handlerEntries = [...deployedEntries];

/**
 * `node:http` and `node:https` through `require`, not `import`: Node.js builds the ES module facade
 * of a built-in by reading every export, and `http`'s lazy `WebSocket` getter then loads undici (the
 * fetch implementation, which no handler uses) at every cold start. `require` reads no export.
 */
const httpBuiltinsByRequire: Plugin = {
  name: 'http-builtins-by-require',
  setup(builder) {
    builder.onResolve({ filter: /^(node:)?https?$/ }, (args) =>
      args.namespace === 'builtin-by-require'
        ? { path: args.path, external: true }
        : { path: args.path.replace(/^node:/, ''), namespace: 'builtin-by-require' },
    );
    builder.onLoad({ filter: /.*/, namespace: 'builtin-by-require' }, (args) => ({
      contents: `module.exports = require('node:${args.path}');`,
      loader: 'js',
    }));
  },
};

export interface BuildOptions {
  /**
   * `bundled`: the AWS SDK clients a handler uses are bundled in (tree-shaken, one file to load);
   * `external`: left to the Lambda runtime's copy. Bundled loads faster (`npm run bench` measures
   * both: docs/performance.md) and pins the SDK version this repository tests. @default 'bundled'
   */
  sdk?: 'bundled' | 'external';
}

export async function buildFunctions(outDir = functionBundlesDir(projectRoot), options: BuildOptions = {}): Promise<string[]> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  await Promise.all(
    handlerEntries.map((entry) =>
      build({
        entryPoints: [join(projectRoot, 'functions', 'handlers', `${entry}.ts`)],
        outfile: join(outDir, entry, 'index.mjs'),
        bundle: true,
        platform: 'node',
        target: 'node22',
        format: 'esm',
        minify: true,
        sourcemap: true,
        sourcesContent: false,
        // Prefer ES modules so esbuild can drop what a handler does not import (the SDK's `dist-es`
        // included: only the clients and commands a handler names end up in its bundle).
        mainFields: ['module', 'main'],
        external: options.sdk === 'external' ? ['@aws-sdk/*'] : [],
        // CommonJS dependencies bundled into an ES module still call `require` for Node built-ins.
        banner: {
          js: "import { createRequire as __patCreateRequire } from 'node:module'; const require = __patCreateRequire(import.meta.url);",
        },
        plugins: [httpBuiltinsByRequire],
        logLevel: 'warning',
      }),
    ),
  );
  return handlerEntries;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = Date.now();
  const entries = await buildFunctions(process.argv[2]);
  // stderr: the CDK CLI reads an app's stdout.
  console.error(
    `built ${entries.length} functions into ${process.argv[2] ?? functionBundlesDir(projectRoot)} in ${Date.now() - started} ms`,
  );
}

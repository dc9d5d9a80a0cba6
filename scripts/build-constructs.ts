/**
 * `npm run build:constructs`: the construct library in `packages/constructs/dist`, ready for
 * `npm pack`: the code of `infra/index.ts` as one ES module and one CommonJS module (aws-cdk-lib and
 * constructs left to the consumer), its type declarations, the Lambda bundles of
 * `scripts/build-functions.ts` and the built web console beside them (`infra/constructs/prebuilt-assets.ts`
 * finds them there).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import { functionBundlesDir, projectRoot } from '../infra/constructs/prebuilt-assets';
import { ensureConsoleBuilt } from '../infra/service-app';
import { buildFunctions } from './build-functions';

export const constructsPackageDir = join(projectRoot, 'packages', 'constructs');

export async function buildConstructs(): Promise<void> {
  const dist = join(constructsPackageDir, 'dist');
  rmSync(dist, { recursive: true, force: true });
  await buildFunctions();
  cpSync(functionBundlesDir(), join(dist, 'functions'), { recursive: true });
  ensureConsoleBuilt();
  cpSync(join(projectRoot, 'web', 'dist'), join(dist, 'web-console'), { recursive: true });

  const common: BuildOptions = {
    entryPoints: [join(projectRoot, 'infra', 'index.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    // The consumer's own copies: one construct tree, one aws-cdk-lib.
    external: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs'],
    plugins: [
      {
        // infra/control-tower.ts holds the waivers the constructs use and the checks they do not: an
        // import without side effects lets esbuild drop the checks' validator, which stays this repo's.
        name: 'control-tower-checks-stay-here',
        setup(builder) {
          builder.onResolve({ filter: /^@cdklabs\/cdk-validator-cfnguard/ }, (args) => ({
            path: args.path,
            external: true,
            sideEffects: false,
          }));
        },
      },
    ],
    logLevel: 'warning',
  };
  await build({
    ...common,
    format: 'esm',
    outfile: join(dist, 'index.js'),
    // cdk-monitoring-constructs (bundled) is CommonJS and requires aws-cdk-lib (external): give the
    // ES module a `require` that resolves from the consumer's node_modules.
    banner: {
      js: "import { createRequire as __patCreateRequire } from 'node:module'; const require = __patCreateRequire(import.meta.url);",
    },
  });
  await build({
    ...common,
    format: 'cjs',
    outfile: join(dist, 'index.cjs'),
    // `import.meta.url` has no meaning in CommonJS: the module's own file stands in for it.
    define: { 'import.meta.url': '__patModuleUrl' },
    banner: { js: "const __patModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
  for (const file of ['index.js', 'index.cjs']) {
    const code = readFileSync(join(dist, file), 'utf8');
    if (/(from|require\()\s*["']@cdklabs\/cdk-validator-cfnguard/.test(code))
      throw new Error(`${file} loads @cdklabs/cdk-validator-cfnguard, which the package does not ship`);
  }

  execFileSync('npx', ['tsc', '-p', join(constructsPackageDir, 'tsconfig.json')], { cwd: projectRoot, stdio: ['ignore', 2, 2] });
  addJsExtensions(join(dist, 'types'));
}

/**
 * The sources import without extensions (bundler resolution); a consumer compiling with `node16` or
 * `nodenext` resolution needs `./x.js` in the declarations of an ES module package.
 */
function addJsExtensions(dir: string): void {
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const file = join(dir, name);
    if (!file.endsWith('.d.ts') || !statSync(file).isFile()) continue;
    const text = readFileSync(file, 'utf8').replace(
      /((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]+)(['"])/g,
      (match, before: string, specifier: string, after: string) => {
        if (specifier.endsWith('.js')) return match;
        const target = resolve(dirname(file), specifier);
        if (existsSync(`${target}.d.ts`)) return `${before}${specifier}.js${after}`;
        if (existsSync(join(target, 'index.d.ts'))) return `${before}${specifier}/index.js${after}`;
        throw new Error(`${relative(dir, file)}: cannot resolve ${specifier}`);
      },
    );
    writeFileSync(file, text);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = Date.now();
  await buildConstructs();
  console.error(`built the construct library into ${join(constructsPackageDir, 'dist')} in ${Date.now() - started} ms`);
}

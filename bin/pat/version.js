// @ts-check
/**
 * The CLI's version: the `version` of the package.json of the package that holds bin/ — this
 * repository's when run from a checkout, `@pat-service/pat-cli`'s when installed from its tarball
 * (`npm run pack` copies bin/ into packages/cli/). The one-file `pat.js` bundle is built from that
 * copy, and esbuild inlines the JSON there, so the single file needs nothing beside it.
 */
import cliPackage from '../../package.json' with { type: 'json' };

export const VERSION = cliPackage.version;

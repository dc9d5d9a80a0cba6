import { rmSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { ServiceSettings } from '../adapters/config';
import { readConfigFile } from '../../infra/deploy-config';
import { isLoopbackBindHost } from './loopback';
import { endpointFileOf, startLocalService } from './service';

/**
 * `npm start`: the whole service on 127.0.0.1:3000 (PORT), data under .local/ (PAT_DATA_DIR), with
 * the configuration file `cdk deploy -c config=<file>` reads, if one is named
 * (`npm start -- --config <file>` or `PAT_CONFIG=<file>`): its catalogue, policy, claims and
 * `exampleApi.routes`.
 */
function fail(message: string): never {
  console.error(`npm start: ${message}`);
  process.exit(1);
}

const port = Number(process.env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65_535) fail(`PORT must be a port number, not ${JSON.stringify(process.env.PORT)}`);
const host = process.env.HOST ?? '127.0.0.1';
if (!isLoopbackBindHost(host)) {
  fail(
    `HOST=${host} is not a loopback address. Local mode listens on loopback only (127.0.0.1, ::1 or localhost): ` +
      'its development sign-in (POST /local/session) gives an admin session to anyone who can reach it. ' +
      'Unset HOST, or set it to a loopback address.',
  );
}
const trustForwardedFor = process.env.TRUST_FORWARDED_FOR === 'true';
const trustedProxyHops = process.env.TRUSTED_PROXY_HOPS === undefined ? undefined : Number(process.env.TRUSTED_PROXY_HOPS);
if (trustedProxyHops !== undefined && !(Number.isInteger(trustedProxyHops) && trustedProxyHops >= 1 && trustedProxyHops <= 16)) {
  fail(
    `TRUSTED_PROXY_HOPS must be an integer from 1 to 16 (the number of proxies of yours in front), not ${JSON.stringify(process.env.TRUSTED_PROXY_HOPS)}`,
  );
}
if (trustedProxyHops !== undefined && !trustForwardedFor) fail('TRUSTED_PROXY_HOPS needs TRUST_FORWARDED_FOR=true');
const dataDir = process.env.PAT_DATA_DIR ?? '.local';

let configPath: string | undefined;
try {
  configPath = parseArgs({ options: { config: { type: 'string' } } }).values.config ?? (process.env.PAT_CONFIG || undefined);
} catch (error) {
  fail(`${(error as Error).message} (the one option is --config <file>)`);
}
let settings: Partial<ServiceSettings> | undefined;
if (configPath !== undefined) {
  try {
    const file = readConfigFile(configPath, process.cwd(), `config ${configPath}`);
    settings = {
      catalogue: file.catalogue,
      policy: file.policy,
      adminGroup: file.adminGroup,
      tenantClaim: file.tenantClaim,
      userIdClaim: file.userIdClaim,
      ...(file.issuer === undefined ? {} : { issuer: file.issuer }),
      ...(file.exampleApi === undefined ? {} : { routes: file.exampleApi.routes }),
    };
  } catch (error) {
    fail((error as Error).message);
  }
}

const service = await startLocalService({
  port,
  host,
  dataDir,
  settings,
  trustForwardedFor,
  trustedProxyHops,
  authorizerCacheSeconds: process.env.AUTHORIZER_CACHE_SECONDS === undefined ? undefined : Number(process.env.AUTHORIZER_CACHE_SECONDS),
}).catch((error: Error) => fail(error.message));
console.log(
  `PAT service listening on ${service.url} (DynamoDB Local at ${service.dynamoEndpoint}, table ${service.tableName}); Ctrl-C stops both\n` +
    `Web console: ${service.url}/ (sign in with any user and tenant)`,
);

// `npm run notify-expiring` finds this DynamoDB Local here while the service runs.
writeFileSync(endpointFileOf(dataDir), service.dynamoEndpoint);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    rmSync(endpointFileOf(dataDir), { force: true });
    void service.stop().then(() => process.exit(0));
  });
}

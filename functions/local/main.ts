import { rmSync, writeFileSync } from 'node:fs';
import { endpointFileOf, startLocalService } from './service';

/** `npm start`: the whole service on 127.0.0.1:3000 (PORT), data under .local/ (PAT_DATA_DIR). */
const port = Number(process.env.PORT ?? 3000);
const dataDir = process.env.PAT_DATA_DIR ?? '.local';
const service = await startLocalService({
  port,
  host: process.env.HOST ?? '127.0.0.1',
  dataDir,
  trustForwardedFor: process.env.TRUST_FORWARDED_FOR === 'true',
  authorizerCacheSeconds: process.env.AUTHORIZER_CACHE_SECONDS === undefined ? undefined : Number(process.env.AUTHORIZER_CACHE_SECONDS),
});
console.log(`PAT service listening on ${service.url} (DynamoDB Local at ${service.dynamoEndpoint}, table ${service.tableName}); Ctrl-C stops both`);

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

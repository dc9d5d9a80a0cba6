import { startLocalService } from './service';

/** `npm start`: the whole service on 127.0.0.1:3000 (PORT), data under .local/ (PAT_DATA_DIR). */
const port = Number(process.env.PORT ?? 3000);
const service = await startLocalService({
  port,
  host: process.env.HOST ?? '127.0.0.1',
  dataDir: process.env.PAT_DATA_DIR ?? '.local',
  trustForwardedFor: process.env.TRUST_FORWARDED_FOR === 'true',
  authorizerCacheSeconds: process.env.AUTHORIZER_CACHE_SECONDS === undefined ? undefined : Number(process.env.AUTHORIZER_CACHE_SECONDS),
});
console.log(`PAT service listening on ${service.url} (DynamoDB Local at ${service.dynamoEndpoint}, table ${service.tableName}); Ctrl-C stops both`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void service.stop().then(() => process.exit(0));
  });
}

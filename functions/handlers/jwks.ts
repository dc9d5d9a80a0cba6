import { loadConfig } from '../adapters/config';
import { keyRingOf } from '../adapters/key-ring';
import { httpHandler } from '../http/http-handler';

const config = loadConfig(process.env);
const keys = keyRingOf(config);

/** GET /.well-known/jwks.json: public, cacheable, so that any service can verify tokens offline. */
export const handler = httpHandler(async () => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' },
  body: JSON.stringify({ keys: await keys.publicKeys() }),
}));

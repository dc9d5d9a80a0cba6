import { type Fetcher, SimpleFetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache, type JwksCache } from 'aws-jwt-verify/jwk';
import type { PublicJwk, PublicKeySource } from '../../../functions/service/ports';

/**
 * The service's public keys from its JWKS URL, through aws-jwt-verify's JWKS cache: fetched once,
 * kept, and fetched again only for a `kid` the cache does not know, at most once per 10 s per URL
 * (its penalty box), so a flood of forged `kid`s cannot turn into a flood of fetches.
 */
export class JwksKeySource implements PublicKeySource {
  constructor(
    private readonly jwksUrl: string,
    private readonly cache: JwksCache = new SimpleJwksCache({ fetcher: new LoopbackHttpFetcher() }),
  ) {}

  async publicKeys(): Promise<PublicJwk[]> {
    const jwks = await this.cache.getJwks(this.jwksUrl);
    return jwks.keys.filter(
      (key): key is typeof key & PublicJwk =>
        key.kty === 'EC' && key.crv === 'P-256' && typeof key.kid === 'string' && typeof key.x === 'string' && typeof key.y === 'string',
    );
  }

  /** Fetches the JWKS again if it lacks `kid` (penalty box permitting); true if the key is known now. */
  async learn(kid: string): Promise<boolean> {
    try {
      await this.cache.getJwk(this.jwksUrl, { header: { kid, alg: 'ES256' }, payload: {} });
      return true;
    } catch {
      return false;
    }
  }
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

/**
 * aws-jwt-verify's HTTPS fetcher (timeouts, size limits), and plain HTTP to this machine only, for
 * `npm start`'s service (`http://127.0.0.1:3000/.well-known/jwks.json`). Never plain HTTP elsewhere:
 * a JWKS fetched in clear could be swapped on the way.
 */
export class LoopbackHttpFetcher implements Fetcher {
  private readonly https = new SimpleFetcher();

  async fetch(uri: string, requestOptions?: Record<string, unknown>, data?: ArrayBuffer): Promise<ArrayBuffer> {
    const url = new URL(uri);
    if (url.protocol === 'https:') return this.https.fetch(uri, requestOptions, data);
    if (url.protocol !== 'http:' || !LOOPBACK.test(url.hostname))
      throw new Error(`JWKS must be fetched over https (got ${url.protocol}//${url.hostname})`);
    const response = await fetch(uri, { signal: AbortSignal.timeout(1_500) });
    if (!response.ok) throw new Error(`JWKS fetch answered ${response.status}`);
    return response.arrayBuffer();
  }
}

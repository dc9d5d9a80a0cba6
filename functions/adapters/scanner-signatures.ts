import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { ConfigError, type SecretScanningKey } from './config';

/**
 * Verifies the signature GitHub's secret scanning partner program puts on each alert:
 * `GITHUB-PUBLIC-KEY-SIGNATURE` is an ECDSA P-256 SHA-256 signature (ASN.1 DER, base64) over the
 * raw body, by the key `GITHUB-PUBLIC-KEY-IDENTIFIER` names among the configured ones.
 */
export class ScannerSignatures {
  private readonly keys: Map<string, KeyObject>;

  constructor(keys: readonly SecretScanningKey[]) {
    this.keys = new Map(
      keys.map(({ keyIdentifier, key }) => {
        const publicKey = createPublicKey(key);
        if (publicKey.asymmetricKeyType !== 'ec' || publicKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
          throw new ConfigError(`Secret scanning key ${keyIdentifier} is not an ECDSA P-256 public key`);
        return [keyIdentifier, publicKey];
      }),
    );
  }

  /** True only for a signature by a configured key over exactly these bytes. */
  verify(rawBody: Buffer, keyIdentifier: string | undefined, signature: string | undefined): boolean {
    const key = keyIdentifier === undefined ? undefined : this.keys.get(keyIdentifier);
    if (!key || !signature || !/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) return false;
    try {
      return verify('sha256', rawBody, { key, dsaEncoding: 'der' }, Buffer.from(signature, 'base64'));
    } catch {
      return false;
    }
  }
}

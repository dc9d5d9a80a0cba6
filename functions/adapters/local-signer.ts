import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { PublicJwk, PublicKeySource, Signer } from '../service/ports';
import { publicJwkOf } from './public-keys';

/**
 * Stands in for KMS on one machine: an ES256 key generated once and kept in a file (mode 0600), so
 * tokens survive restarts. Same ports as the KMS adapter, so everything above it runs unchanged.
 */
export class LocalKeyRing implements Signer, PublicKeySource {
  private readonly privateKey: KeyObject;
  private readonly publicJwk: Promise<PublicJwk>;

  constructor(privateKey: KeyObject) {
    this.privateKey = privateKey;
    this.publicJwk = publicJwkOf(createPublicKey(privateKey));
  }

  /** Loads the key from `file`, generating and saving it on first use. */
  static fromFile(file: string): LocalKeyRing {
    return new LocalKeyRing(loadOrCreateEcKey(file));
  }

  async keyId(): Promise<string> {
    return (await this.publicJwk).kid;
  }

  async sign(signingInput: Uint8Array): Promise<Uint8Array> {
    return sign('sha256', signingInput, { key: this.privateKey, dsaEncoding: 'ieee-p1363' });
  }

  async publicKeys(): Promise<PublicJwk[]> {
    return [await this.publicJwk];
  }
}

/**
 * A P-256 private key kept in `file` (mode 0600): generated and saved on first use, read back on
 * every start. Local mode's signing key and its sign-in key both live this way.
 */
export function loadOrCreateEcKey(file: string): KeyObject {
  if (!existsSync(file)) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    mkdirSync(dirname(file), { recursive: true });
    try {
      writeFileSync(file, JSON.stringify(privateKey.export({ format: 'jwk' })), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      // Another process created it first: use theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return createPrivateKey({ key: JSON.parse(readFileSync(file, 'utf8')), format: 'jwk' });
}

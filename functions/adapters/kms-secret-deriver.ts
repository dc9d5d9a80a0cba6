import { GenerateMacCommand, type KMSClient } from '@aws-sdk/client-kms';
import { DependencyUnavailable } from '../domain/errors';
import type { SecretDeriver } from '../service/ports';
import { macInput } from './local-secret-deriver';

/**
 * Derives refresh secrets with a KMS HMAC key (HMAC_256, GENERATE_VERIFY_MAC): the key never
 * leaves KMS, so a successor's refresh key cannot be recomputed from the table alone.
 */
export class KmsSecretDeriver implements SecretDeriver {
  constructor(
    private readonly kms: KMSClient,
    private readonly keyId: string,
  ) {}

  async deriveSecret(presentedSecret: string, successorId: string): Promise<string> {
    let mac: Uint8Array | undefined;
    try {
      ({ Mac: mac } = await this.kms.send(
        new GenerateMacCommand({ KeyId: this.keyId, MacAlgorithm: 'HMAC_SHA_256', Message: macInput(presentedSecret, successorId) }),
      ));
    } catch (error) {
      throw new DependencyUnavailable('KMS', { cause: error });
    }
    if (!mac || mac.length !== 32) throw new DependencyUnavailable('KMS');
    return Buffer.from(mac).toString('base64url');
  }
}

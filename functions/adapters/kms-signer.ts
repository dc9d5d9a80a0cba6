import { GetPublicKeyCommand, SignCommand, type KMSClient } from '@aws-sdk/client-kms';
import { derToJose } from 'ecdsa-sig-formatter';
import { DependencyUnavailable } from '../domain/errors';
import type { PublicJwk, PublicKeySource, Signer } from '../service/ports';
import { publicJwkOf, publicKeyFromDer } from './public-keys';

/**
 * The KMS signing keys of a deployment: the first signs, all verify (key rotation). Public keys are
 * fetched once per container with GetPublicKey and cached; verification never calls KMS again.
 */
export class KmsKeyRing implements Signer, PublicKeySource {
  private keys: Promise<PublicJwk[]> | undefined;

  constructor(
    private readonly kms: KMSClient,
    private readonly keyIds: readonly string[],
  ) {
    if (keyIds.length === 0) throw new Error('At least one KMS key id is needed');
  }

  publicKeys(): Promise<PublicJwk[]> {
    this.keys ??= Promise.all(this.keyIds.map((keyId) => this.fetchPublicKey(keyId))).catch((error: unknown) => {
      this.keys = undefined; // a failed fetch is retried by the next caller, not cached
      throw error;
    });
    return this.keys;
  }

  async keyId(): Promise<string> {
    const [signing] = await this.publicKeys();
    return signing!.kid;
  }

  async sign(signingInput: Uint8Array): Promise<Uint8Array> {
    const response = await this.kmsCall(() =>
      this.kms.send(
        new SignCommand({ KeyId: this.keyIds[0], Message: signingInput, MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' }),
      ),
    );
    if (!response.Signature) throw new DependencyUnavailable('KMS');
    // KMS answers ASN.1 DER; JWS wants the fixed-size r ‖ s form (RFC 7518 §3.4).
    return Buffer.from(derToJose(Buffer.from(response.Signature), 'ES256'), 'base64url');
  }

  private async fetchPublicKey(keyId: string): Promise<PublicJwk> {
    const response = await this.kmsCall(() => this.kms.send(new GetPublicKeyCommand({ KeyId: keyId })));
    if (!response.PublicKey || response.KeySpec !== 'ECC_NIST_P256') {
      throw new Error(`KMS key ${keyId} is not an ECC_NIST_P256 signing key`);
    }
    return publicJwkOf(publicKeyFromDer(response.PublicKey));
  }

  private async kmsCall<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw new DependencyUnavailable('KMS', { cause: error });
    }
  }
}

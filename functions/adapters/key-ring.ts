import { KMSClient } from '@aws-sdk/client-kms';
import type { PublicKeySource, SecretDeriver, Signer } from '../service/ports';
import { required, type ServiceConfig } from './config';
import { KmsSecretDeriver } from './kms-secret-deriver';
import { LocalSecretDeriver } from './local-secret-deriver';
import { KmsKeyRing } from './kms-signer';
import { LocalKeyRing } from './local-signer';

/** How refresh secrets are derived: with the KMS HMAC key in AWS, a key file in local mode. */
export function secretDeriverOf(config: ServiceConfig): SecretDeriver {
  return config.refreshMac.kind === 'kms'
    ? new KmsSecretDeriver(
        new KMSClient({ maxAttempts: 3, requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000, throwOnRequestTimeout: true } }),
        required(config.refreshMac.keyId, 'REFRESH_MAC_KEY_ID'),
      )
    : LocalSecretDeriver.fromFile(config.refreshMac.keyFile);
}

/** The signing keys a deployment is configured with: KMS in AWS, a key file in local mode. */
export function keyRingOf(config: ServiceConfig): Signer & PublicKeySource {
  return config.signer.kind === 'kms'
    ? new KmsKeyRing(
        // No SDK default timeout short of 5 minutes: bound each KMS call (Sign p99 is well under 1 s).
        new KMSClient({ maxAttempts: 3, requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000, throwOnRequestTimeout: true } }),
        config.signer.keyIds,
      )
    : LocalKeyRing.fromFile(config.signer.keyFile);
}

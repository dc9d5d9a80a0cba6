import { KMSClient } from '@aws-sdk/client-kms';
import type { PublicKeySource, Signer } from '../service/ports';
import type { ServiceConfig } from './config';
import { KmsKeyRing } from './kms-signer';
import { LocalKeyRing } from './local-signer';

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

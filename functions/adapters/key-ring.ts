import { KMSClient } from '@aws-sdk/client-kms';
import type { PublicKeySource, Signer } from '../service/ports';
import type { ServiceConfig } from './config';
import { KmsKeyRing } from './kms-signer';
import { LocalKeyRing } from './local-signer';

/** The signing keys a deployment is configured with: KMS in AWS, a key file in local mode. */
export function keyRingOf(config: ServiceConfig): Signer & PublicKeySource {
  return config.signer.kind === 'kms'
    ? new KmsKeyRing(new KMSClient({ maxAttempts: 3 }), config.signer.keyIds)
    : LocalKeyRing.fromFile(config.signer.keyFile);
}

import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SecretDeriver } from '../service/ports';

/** What is MACed: a label, the successor's id and the presented secret, unambiguously separated. */
export function macInput(presentedSecret: string, successorId: string): Uint8Array {
  return Buffer.from(`pat-refresh-v1\n${successorId}\n${presentedSecret}`, 'utf8');
}

/**
 * Stands in for the KMS HMAC key on one machine: 256 random bits generated once and kept in a file
 * (mode 0600) beside the local signing key, so a retried refresh answers the same key after a restart.
 */
export class LocalSecretDeriver implements SecretDeriver {
  constructor(private readonly key: Uint8Array) {}

  static fromFile(file: string): LocalSecretDeriver {
    if (!existsSync(file)) {
      mkdirSync(dirname(file), { recursive: true });
      try {
        writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
      } catch (error) {
        // Another process created it first: use theirs.
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
    return new LocalSecretDeriver(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url'));
  }

  async deriveSecret(presentedSecret: string, successorId: string): Promise<string> {
    return createHmac('sha256', this.key).update(macInput(presentedSecret, successorId)).digest('base64url');
  }
}

import { loadSecretScanningKeys } from '../adapters/config';
import { Es256JwtVerifier } from '../adapters/jwt-verifier';
import { keyRingOf } from '../adapters/key-ring';
import { ScannerSignatures } from '../adapters/scanner-signatures';
import { DomainError, invalidRequest } from '../domain/errors';
import { httpHandler } from '../http/http-handler';
import { logger } from '../observability/logger';
import { count } from '../observability/metrics';
import { json } from '../http/responses';
import { parseInput, secretScanningAlertBody } from '../http/validation';
import { systemClock } from '../service/ports';
import { revokeScannedSecrets } from '../service/secret-scanning';
import { baseParts } from './compose';

const { config, table } = baseParts();
const signatures = new ScannerSignatures(loadSecretScanningKeys(process.env));
const verifier = new Es256JwtVerifier(keyRingOf(config), {
  issuer: config.issuer,
  clock: systemClock,
  allowNoExpiry: config.policy.allowNoExpiry,
  ignoreExpiry: true,
});

/**
 * POST /secret-scanning/github: GitHub's secret scanning partner program. The signature over the
 * raw body is checked before anything is parsed; an unsigned or badly signed call revokes nothing.
 */
export const handler = httpHandler(async (event) => {
  const raw = event.isBase64Encoded && event.body ? Buffer.from(event.body, 'base64') : Buffer.from(event.body ?? '', 'utf8');
  const keyIdentifier = event.headers?.['github-public-key-identifier'];
  if (!signatures.verify(raw, keyIdentifier, event.headers?.['github-public-key-signature'])) {
    logger.warn('Secret scanning alert refused: not signed by a configured key', { keyIdentifier });
    throw new DomainError('unauthorized', 'The alert is not signed by a configured secret scanning key');
  }
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw invalidRequest('The body is not valid JSON');
  }
  const matches = parseInput(secretScanningAlertBody, body, 'body');
  const { labels, revokedIds } = await revokeScannedSecrets(
    { records: table.records, families: table.families, verifier, clock: systemClock },
    matches,
    `github-secret-scanning:${keyIdentifier}`,
  );
  // The secrets themselves are never logged: counts and the revoked ids only.
  logger.info('Secret scanning alert processed', {
    matches: matches.length,
    truePositives: labels.filter((label) => label.label === 'true_positive').length,
    revokedIds,
  });
  count('LeakedTokensRevoked', revokedIds.length);
  return json(200, labels);
});

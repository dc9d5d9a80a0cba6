import { keyRingOf, secretDeriverOf } from '../adapters/key-ring';
import { DomainError } from '../domain/errors';
import { httpHandler } from '../http/http-handler';
import { logger } from '../observability/logger';
import { count } from '../observability/metrics';
import { json } from '../http/responses';
import { parseInput, refreshBody } from '../http/validation';
import { baseParts, rotationOf } from './compose';

const { config, table } = baseParts();
const tokens = rotationOf(config, table, keyRingOf(config), secretDeriverOf(config));

/** The 401 message of a reuse; `pat refresh` recognises its "revoked the whole credential". */
const REUSE_MESSAGE =
  'The refresh key was already used: this request has revoked the whole credential (every token of its chain). Ask the token owner for a new token.';

/** POST /tokens/refresh: the refresh key is the only credential. */
export const handler = httpHandler(
  async (event) => {
    const { refreshKey } = parseInput(refreshBody, event.body, 'body');
    const outcome = await tokens.refresh(refreshKey, { sourceIp: event.requestContext?.identity?.sourceIp });
    if (outcome.kind === 'reuse_detected') {
      count('ReuseDetections');
      count('TokensRevoked', outcome.revokedIds.length);
      logger.warn('Refresh key reused after rotation: token family revoked', {
        familyId: outcome.familyId,
        revokedIds: outcome.revokedIds,
      });
      // Same code and status as any refused key (spec), but the words say what this very request did,
      // so the vendor's tool can tell them that the credential is gone rather than "try again".
      throw new DomainError('invalid_grant', REUSE_MESSAGE);
    }
    logger.info(outcome.kind === 'replayed' ? 'Refresh answered again (retry within the leeway)' : 'Token refreshed', {
      tokenId: outcome.token.id,
      predecessorId: outcome.predecessorId,
      tenant: outcome.token.tenant,
    });
    count(outcome.kind === 'replayed' ? 'RefreshesReplayed' : 'TokensRefreshed');
    return json(200, outcome.token);
  },
  { jsonBody: true },
);

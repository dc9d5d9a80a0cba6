import type { APIGatewayProxyEvent } from 'aws-lambda';
import { dynamoClient } from '../adapters/aws-clients';
import { loadConfig, required, type ServiceConfig } from '../adapters/config';
import { DynamoTokenStore } from '../adapters/dynamo-token-store';
import { idTokenVerifierOf } from '../adapters/id-token-verifier';
import { callerOf } from '../http/identity';
import type { Caller } from '../service/caller';
import { systemClock } from '../service/ports';
import { TokenService, type TokenServiceDeps } from '../service/token-service';

/**
 * The parts every handler's composition root starts from, read from the environment when the
 * module loads: a bad configuration fails the cold start, never a request.
 */
export function baseParts(env: Record<string, string | undefined> = process.env): {
  config: ServiceConfig;
  store: DynamoTokenStore;
  /** The signed-in caller of a management route, from the ID token this function verifies itself. */
  identify: (event: APIGatewayProxyEvent) => Promise<Caller>;
} {
  const config = loadConfig(env);
  const store = new DynamoTokenStore(dynamoClient(config.dynamoEndpoint), {
    tableName: required(config.tableName, 'TABLE_NAME'),
    retentionDays: config.policy.retentionDays,
  });
  const { idTokens, appClientIds } = config.identity;
  // No issuer configured: nobody is signed in (fail closed), as with no app client.
  const verifier = idTokenVerifierOf(idTokens ?? { kind: 'cognito', userPoolId: 'none_none' }, idTokens ? appClientIds : []);
  return { config, store, identify: (event) => callerOf(event, config.identity, verifier) };
}

/**
 * The token service over the handler's store, with the configured policy, catalogue and issuer.
 * `ports` names what this handler may use beyond the table (a signer, a secret deriver, a verifier):
 * each function gets the keys its IAM role grants, no more.
 */
export function tokenServiceOf(
  config: ServiceConfig,
  store: DynamoTokenStore,
  ports: Pick<TokenServiceDeps, 'signer' | 'secrets' | 'verifier'> = {},
): TokenService {
  return new TokenService({
    store,
    clock: systemClock,
    policy: config.policy,
    catalogue: config.catalogue,
    issuer: config.issuer,
    ...ports,
  });
}

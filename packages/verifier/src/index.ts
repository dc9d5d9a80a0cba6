import { dynamoClient } from '../../../functions/adapters/aws-clients';
import { DynamoRevocationFeed } from '../../../functions/adapters/dynamodb/dynamo-revocation-feed';
import { DynamoTable } from '../../../functions/adapters/dynamodb/dynamo-table';
import { DynamoTokenStatus } from '../../../functions/adapters/dynamodb/dynamo-token-status';
import { DynamoUsageLog } from '../../../functions/adapters/dynamodb/dynamo-usage-log';
import { Es256JwtVerifier } from '../../../functions/adapters/jwt-verifier';
import { defaultPolicy } from '../../../functions/domain/token-policy';
import { permissionOf, resolveRoutes, type ProtectedRoute, type ResolvedRoute } from '../../../functions/domain/routes';
import type { ScopeCatalogue } from '../../../functions/domain/scopes';
import { type AccessTokenVerifier, Authorizer, type Principal } from '../../../functions/service/authorize';
import { type Clock, systemClock } from '../../../functions/service/ports';
import { FeedWatcher } from '../../../functions/service/revocation-watch';
import { JwksKeySource } from './jwks-key-source';

export type { Principal } from '../../../functions/service/authorize';
export { JwksKeySource } from './jwks-key-source';
export { tokenAuthorizer, type TokenAuthorizerMiddlewareOptions } from './middleware';

export interface TokenVerifierOptions {
  /** The tokens' `iss` (the service's published `issuer`). */
  readonly issuer: string;
  /** The service's JWKS (published `jwks-url`). */
  readonly jwksUrl: string;
  /** The token table (published `table-name`, or its ARN for a table in another account). */
  readonly tableName: string;
  /** The scope catalogue (published `catalogue`): scopes a route may need. */
  readonly catalogue: ScopeCatalogue;
  /** Routes checked by `{ method, path }`, each with the scope it needs or the one its path derives. @default none */
  readonly routes?: readonly ProtectedRoute[];
  /** The service's policy (published `policy`). @default tokens must expire; 30 days of retention */
  readonly allowNoExpiry?: boolean;
  readonly retentionDays?: number;
  /** How long a token record is trusted when the revocation feed cannot be read. @default 10 */
  readonly statusCacheSeconds?: number;
  /** Follow the revocation feed (read at most once a second before deciding). @default true */
  readonly revocationFeed?: boolean;
  /** `lastUsedAt` is written at most this often per token. @default 60 */
  readonly lastUsedIntervalSeconds?: number;
  /** A DynamoDB endpoint of your own (DynamoDB Local). @default the SDK's, for AWS_REGION */
  readonly dynamoEndpoint?: string;
  readonly clock?: Clock;
  /** Where faults that do not change a decision go (a failed `lastUsedAt` write, a feed read). @default ignored */
  readonly onWarning?: (message: string, error: unknown) => void;
}

/** What a request must be allowed: a route of `routes` (method and concrete path), or one scope. */
export type VerificationTarget = { readonly method: string; readonly path: string } | { readonly scope: string };

export type VerificationResult =
  | { readonly ok: true; readonly principal: Principal }
  | {
      readonly ok: false;
      readonly status: 401 | 403;
      readonly code: 'unauthorized' | 'forbidden';
      /** For your log: why (never shown to the caller, as the authorizer does). */
      readonly reason: string;
      /** RFC 6750's challenge, for the response. */
      readonly wwwAuthenticate: string;
    };

/** Synthetic routes, one per scope of the catalogue: `{ scope }` targets are decided as these. */
const SCOPE_METHOD = 'SCOPE';

/**
 * The authorizer's checks for code behind an ALB, a Function URL or in a container: the signature
 * against the service's JWKS, `alg`, `iss`, expiry, the token's record (revoked, pending, rotated past
 * its grace), its source IPs and its scopes; revocation within the feed's 1 s poll (the 5 s bound
 * with room to spare, as there is no gateway cache in front). Only an unreachable DynamoDB or JWKS
 * throws (answer 503); every refusal is a value.
 */
export class TokenVerifier {
  private readonly authorizer: Authorizer;
  private readonly routes: ResolvedRoute[];
  private readonly keys: JwksKeySource;
  private verifier: AccessTokenVerifier;
  private readonly catalogue: ScopeCatalogue;

  constructor(private readonly options: TokenVerifierOptions) {
    const clock = options.clock ?? systemClock;
    this.catalogue = options.catalogue;
    this.routes = resolveRoutes(options.routes ?? [], options.catalogue);
    const scopeRoutes: ResolvedRoute[] = options.catalogue.flatMap(({ name }) =>
      (['read', 'write', 'delete'] as const).map((permission) => ({
        method: SCOPE_METHOD,
        resource: `${name}:${permission}`,
        scope: `${name}:${permission}`,
      })),
    );
    this.keys = new JwksKeySource(options.jwksUrl);
    this.verifier = this.newVerifier(clock);
    const table = new DynamoTable(dynamoClient(options.dynamoEndpoint), {
      tableName: options.tableName,
      retentionDays: options.retentionDays ?? defaultPolicy.retentionDays,
    });
    const records = new DynamoTokenStatus(table);
    const usage = new DynamoUsageLog(table);
    const warn = (message: string) => (error: unknown) => options.onWarning?.(message, error);
    const feedLog = options.revocationFeed === false ? undefined : new DynamoRevocationFeed(table);
    this.authorizer = new Authorizer({
      verifier: { verify: (token) => this.verify(token) },
      store: {
        getWithFamily: records.getWithFamily.bind(records),
        recordUse: usage.recordUse.bind(usage),
        recordDenial: usage.recordDenial.bind(usage),
      },
      clock,
      routes: [...this.routes, ...scopeRoutes],
      statusCacheMs: (options.statusCacheSeconds ?? 10) * 1000,
      lastUsedIntervalMs: (options.lastUsedIntervalSeconds ?? 60) * 1000,
      onUsageWriteError: warn('Could not record token use or denial'),
      feed: feedLog
        ? {
            watcher: new FeedWatcher(feedLog, 1_000, warn('Revocation feed unavailable')),
            log: feedLog,
            statusCacheMs: 300_000,
            // No gateway cache to end: announce no token ends.
            resultCacheMs: 0,
            onFeedError: warn('Revocation feed unavailable'),
          }
        : undefined,
    });
  }

  /**
   * Decides one request. `authorization` is the raw header (`Bearer <token>`); `sourceIp` the
   * client's address as your load balancer or runtime reports it (an ALB's is the last
   * X-Forwarded-For entry it appended).
   */
  async verifyToken(
    authorization: string | undefined,
    target: VerificationTarget,
    context: { sourceIp: string },
  ): Promise<VerificationResult> {
    const { method, resource, needed } = this.requestOf(target);
    const decision = await this.authorizer.authorize({ authorization, sourceIp: context.sourceIp, method, resource });
    if (decision.effect === 'allow') return { ok: true, principal: decision.principal };
    if (decision.effect === 'unauthorized')
      return {
        ok: false,
        status: 401,
        code: 'unauthorized',
        reason: decision.reason,
        wwwAuthenticate:
          'Bearer realm="pat", error="invalid_token", error_description="The access token is missing, malformed, expired or revoked"',
      };
    return {
      ok: false,
      status: 403,
      code: 'forbidden',
      reason: decision.reason,
      wwwAuthenticate:
        decision.reason === 'ip'
          ? 'Bearer realm="pat", error="insufficient_scope", error_description="The token may not be used from this address"'
          : `Bearer realm="pat", error="insufficient_scope", error_description="The token does not grant ${needed ?? 'this route'}"${needed ? `, scope="${needed}"` : ''}`,
    };
  }

  private requestOf(target: VerificationTarget): { method: string; resource: string; needed?: string } {
    if ('scope' in target) {
      const known = this.catalogue.some((area) => target.scope.startsWith(`${area.name}:`));
      return { method: SCOPE_METHOD, resource: known ? target.scope : '', needed: target.scope };
    }
    const method = target.method.toUpperCase();
    const route = permissionOf(method) ? this.routes.find((r) => r.method === method && matches(r.resource, target.path)) : undefined;
    return { method, resource: route?.resource ?? '', needed: route?.scope };
  }

  /** The JWKS verifier; an unknown `kid` fetches the JWKS again (penalty box permitting), as after a key rotation. */
  private async verify(token: string) {
    const result = await this.verifier.verify(token);
    if (result.ok || result.reason !== 'unknown_kid') return result;
    const kid = kidOf(token);
    if (kid === undefined || !(await this.keys.learn(kid))) return result;
    this.verifier = this.newVerifier(this.options.clock ?? systemClock);
    return this.verifier.verify(token);
  }

  private newVerifier(clock: Clock): AccessTokenVerifier {
    return new Es256JwtVerifier(this.keys, { issuer: this.options.issuer, clock, allowNoExpiry: this.options.allowNoExpiry ?? false });
  }
}

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  return new TokenVerifier(options);
}

/** A concrete path against a route template (`/api/candidates/{id}`): one segment per `{param}`. */
function matches(template: string, path: string): boolean {
  const expected = template.split('/');
  const actual = path.split('?')[0]!.split('/');
  if (expected.length !== actual.length) return false;
  return expected.every((part, index) => (part.startsWith('{') && part.endsWith('}') ? actual[index] !== '' : part === actual[index]));
}

function kidOf(token: string): string | undefined {
  try {
    const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as { kid?: unknown };
    return typeof header.kid === 'string' && header.kid.length <= 200 ? header.kid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The options from environment variables a deployment sets from the service's published settings
 * (`importTokenVerification.fromParameters`, or the SSM path directly): `PAT_ISSUER`,
 * `PAT_JWKS_URL`, `PAT_TABLE_NAME`, `PAT_CATALOGUE` (JSON), `PAT_ROUTES` (JSON, optional),
 * `PAT_POLICY` (JSON, optional). Throws at cold start, naming what is missing.
 */
export function verifierOptionsFromEnvironment(env: Record<string, string | undefined> = process.env): TokenVerifierOptions {
  const missing = ['PAT_ISSUER', 'PAT_JWKS_URL', 'PAT_TABLE_NAME', 'PAT_CATALOGUE'].filter((name) => !env[name]);
  if (missing.length > 0) throw new Error(`Token verifier: set ${missing.join(', ')}`);
  const policy = env.PAT_POLICY ? (JSON.parse(env.PAT_POLICY) as { allowNoExpiry?: boolean; retentionDays?: number }) : {};
  return {
    issuer: env.PAT_ISSUER!,
    jwksUrl: env.PAT_JWKS_URL!,
    tableName: env.PAT_TABLE_NAME!,
    catalogue: JSON.parse(env.PAT_CATALOGUE!) as ScopeCatalogue,
    routes: env.PAT_ROUTES ? (JSON.parse(env.PAT_ROUTES) as ProtectedRoute[]) : [],
    allowNoExpiry: policy.allowNoExpiry,
    retentionDays: policy.retentionDays,
  };
}

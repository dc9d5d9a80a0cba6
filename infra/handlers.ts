import { Duration } from 'aws-cdk-lib';
import { TTL_ATTRIBUTE, type tableIndexes } from '../functions/adapters/dynamodb/table-layout';
import { routeKeyOf, routesServedBy, type RouteHandler, type ServiceRoute } from '../functions/domain/service-routes';

export type { ServiceRoute } from '../functions/domain/service-routes';

/** A global secondary index of the token table, as the DynamoDB store names it. */
export type TableIndexName = keyof typeof tableIndexes;

/**
 * What a function may do to the token table. DynamoDB authorizes `TransactWriteItems` per item
 * action: a transaction of two Puts needs `PutItem`, one with an Update needs `UpdateItem`.
 */
export interface TableAccess {
  /** Item actions on the table itself, on any item. */
  readonly items: ReadonlyArray<'dynamodb:GetItem' | 'dynamodb:BatchGetItem' | 'dynamodb:PutItem' | 'dynamodb:UpdateItem'>;
  /**
   * `dynamodb:UpdateItem` held to some items and some attributes only: one IAM statement each, whose
   * conditions DynamoDB checks on every request (fine-grained access control).
   */
  readonly narrowUpdates?: readonly NarrowUpdate[];
  /** Indexes the function queries (`dynamodb:Query` on that index only, never on the table). */
  readonly queries?: readonly TableIndexName[];
  /**
   * Reads the revocation feed: `dynamodb:Query` on the table, held to the `FEED#…` partitions (the
   * changes); `with-due` also the `DUE#…` partitions (the announced token ends, the flusher's).
   */
  readonly feedReads?: 'changes' | 'with-due';
}

/**
 * UpdateItem on the items whose partition key matches `partitionKeyLike` (`dynamodb:LeadingKeys`,
 * IAM `StringLike`), touching no attribute outside `attributes` (`dynamodb:Attributes`: every name
 * the request uses, in the key, the update and the condition, so the key attributes are listed), and
 * returning nothing (`dynamodb:ReturnValues`), so it can neither widen a record nor read one back.
 */
export interface NarrowUpdate {
  /** The statement id, e.g. `TokenLastUse`. */
  readonly sid: string;
  readonly partitionKeyLike: string;
  readonly attributes: readonly string[];
}

/**
 * What a function may do with the signing keys: `verify` fetches public keys (`kms:GetPublicKey` on
 * every listed key); `sign` also signs (`kms:Sign` on the newest key only).
 */
export type KeyAccess = 'verify' | 'sign';

/** One Lambda function: its entry under `functions/handlers/`, and exactly what it may touch. */
export interface HandlerSpec {
  /** File name under `functions/handlers/`, without `.ts`. */
  readonly entry: string;
  readonly description: string;
  readonly table?: TableAccess;
  readonly signingKeys?: KeyAccess;
  /**
   * Derives refresh secrets with the service's HMAC key (`kms:GenerateMac` on that key only; its id in
   * `REFRESH_MAC_KEY_ID`).
   */
  readonly refreshMac?: boolean;
  /** The routes it serves on the service API (the route table's); none for the authorizer or event-driven functions. */
  readonly routes: readonly ServiceRoute[];
  /** Invoked by a scheduled EventBridge rule (the schedule is a `PatService` prop). */
  readonly scheduled?: boolean;
  /** Publishes expiry notices: to an EventBridge bus (`events:PutEvents`) and/or an SNS topic (`sns:Publish`). */
  readonly publishesNotices?: boolean;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default 10 seconds */
  readonly timeout?: Duration;
}

/** Reads (one item or a batch) and writes (Put, Update, and transactions of them). */
const everyItemAction = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'] as const;

/**
 * A record read, then its family's rotation or revocation: transactions of an Update and Puts (the
 * successor or the audit event), and the member sweep's Query byFamily.
 */
const familyWrites: TableAccess = { items: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], queries: ['byFamily'] };

/**
 * A function serving routes of the service API: its entry, the routes the route table gives it, and
 * a description naming them.
 */
function serving(entry: RouteHandler, purpose: string) {
  const routes = routesServedBy(entry);
  return { entry, description: `${routes.map(routeKeyOf).join(', ')}: ${purpose}`, routes };
}

/**
 * The service's functions, each with the exact permissions its code needs (the SDK calls in
 * `functions/adapters/dynamodb/` and `kms-signer.ts`, reached through the use cases its
 * handler calls). A new handler is one entry here; the stack, the API and the tests follow it.
 */
export const serviceHandlers = {
  /** Configuration, and the caller's tenant policy (GetItem). */
  catalog: {
    ...serving('catalog', "the scope catalogue and the caller's effective token policy"),
    table: { items: ['dynamodb:GetItem'] },
  },
  /**
   * The owner's places (GetItem; the first create of an owner seeds them from Query byOwner), a
   * transaction of Puts (token, family, description lock, audit event) and an Update (the owner's
   * place, the cap's condition), the lock's holder (GetItem or BatchGetItem), Sign.
   */
  createToken: {
    ...serving('create-token', 'issues a token and its refresh key'),
    table: { items: everyItemAction, queries: ['byOwner'] },
    signingKeys: 'sign',
  },
  /**
   * Reads only: GetItem, and Query on byOwner (a user's tokens, an owner's audit events), byTenant
   * (an admin's listing, the tenant's audit trail) and byFamily (one token's audit events).
   */
  readTokens: {
    ...serving('read-tokens', 'metadata and the audit trail'),
    table: { items: ['dynamodb:GetItem', 'dynamodb:BatchGetItem'], queries: ['byOwner', 'byTenant', 'byFamily'] },
  },
  /**
   * Reads the record (visibility check), marks the family revoked with its audit event (a
   * transaction of an Update and a Put), then sweeps the members: Query byFamily, GetItem and
   * conditional UpdateItems.
   */
  revokeToken: {
    ...serving('revoke-token', "revokes the credential (every live member of the token's family)"),
    table: { items: everyItemAction, queries: ['byFamily'] },
  },
  /** Rotation: a transaction of one Update and Puts (successor, lock, audit event); reuse detection: Query byFamily, then Updates. */
  refreshToken: {
    ...serving('refresh-token', 'rotates a token with its refresh key'),
    table: familyWrites,
    signingKeys: 'sign',
    refreshMac: true,
  },
  /**
   * Leak reports: reads records (a refresh key's, or a verified access token's), then revokes each
   * (Update + audit event Put). Verifying an access token needs the public keys, never Sign.
   */
  revokeLeaked: {
    ...serving('revoke-leaked', 'revokes the families whose secrets were reported leaked'),
    table: familyWrites,
    signingKeys: 'verify',
  },
  /**
   * Tenant governance: the tenant policy item (GetItem, Put with its audit event), approve/reject and
   * edits (transactions of an Update, a lock Put and an audit Put; the old lock is left stale), revoking what a policy no
   * longer allows (Query byTenant, then the family sweep: Query byFamily, UpdateItem). Never signs.
   */
  governTenant: {
    ...serving('govern-tenant', 'the tenant policy, approvals and edits'),
    table: {
      items: everyItemAction,
      queries: ['byTenant', 'byFamily'],
    },
  },
  /** A rotation started by a person: the record and tenant policy (GetItem), the rotation transaction, Sign. */
  regenerateToken: {
    ...serving('regenerate-token', 'a new token for the same credential, new secrets shown once'),
    table: { items: everyItemAction },
    signingKeys: 'sign',
  },
  /** Public keys only. */
  jwks: {
    ...serving('jwks', 'the public keys that verify tokens'),
    signingKeys: 'verify',
  },
  /** The OpenAPI document, built from the request and response schemas: touches no table and no key. */
  openapi: serving('openapi', 'the OpenAPI 3.1 description of this API'),
  /**
   * Daily: Query byExpiry for what enters a horizon, mark each token notified (UpdateItem), publish;
   * and finish any family revocation whose member sweep was interrupted (Query byExpiry's SWEEP
   * partition and byFamily, GetItem, UpdateItem).
   */
  notifyExpiring: {
    entry: 'notify-expiring',
    description: 'Scheduled: announces tokens entering an expiry horizon (EventBridge and/or SNS), finishes interrupted revocations',
    routes: [],
    table: { items: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], queries: ['byExpiry', 'byFamily'] },
    scheduled: true,
    publishesNotices: true,
    timeout: Duration.minutes(5),
  },
  /** The token's own state: its record and family (GetItem/BatchGetItem), the tenant policy (GetItem); public keys, never Sign. */
  tokenSelf: {
    ...serving('token-self', "an access token's own state, authenticated by the token itself"),
    table: { items: ['dynamodb:GetItem', 'dynamodb:BatchGetItem'] },
    signingKeys: 'verify',
  },
  /**
   * OAuth 2.0: the refresh_token grant (the refresh use case: rotation transaction, reuse detection's
   * Query byFamily, Sign, the refresh MAC), RFC 7009 revocation (GetItem, the family revocation's
   * Update and Puts) and RFC 8414 metadata (nothing).
   */
  oauth: {
    ...serving('oauth', 'rotation and revocation for OAuth clients'),
    table: { items: everyItemAction, queries: ['byFamily'] },
    signingKeys: 'sign',
    refreshMac: true,
  },
  /**
   * Secret scanning alerts (GitHub's partner program): reads records (a refresh key's, or a verified
   * access token's), then revokes each family (Update + audit event Put, Query byFamily). Public keys, never Sign.
   */
  secretScanningAlert: {
    ...serving('secret-scanning-alert', 'revokes the families of secrets a scanner found, on a signed alert'),
    table: familyWrites,
    signingKeys: 'verify',
  },
} as const satisfies Record<string, HandlerSpec>;

export type ServiceHandlerName = keyof typeof serviceHandlers;

/** The table's key attributes: every UpdateItem names them, so an attribute allow-list must too. */
const keyAttributes = ['pk', 'sk'] as const;

/**
 * The REQUEST authorizer of a protected API. Reads: the token record and its family (GetItem, or
 * both in one BatchGetItem). Writes, and nothing else: `lastUsedAt`/`lastUsedIps` on token items
 * (`recordUse` in functions/adapters/dynamodb/dynamo-usage-log.ts) and the hourly denial counter
 * (`recordDenial`, items `AUDIT#denied-…`). So a compromised authorizer of any consumer API cannot
 * rewrite a token's `refreshKeyHash`, `scopes` or status. Public keys at cold start; never
 * `kms:Sign`. More memory buys more CPU for ES256 verification.
 */
export const authorizerHandler: HandlerSpec = {
  entry: 'authorizer',
  description: 'Token authorizer: verifies a personal access token and its scopes for a protected API',
  table: {
    items: ['dynamodb:GetItem', 'dynamodb:BatchGetItem'],
    narrowUpdates: [
      { sid: 'TokenLastUse', partitionKeyLike: 'TOKEN#*', attributes: [...keyAttributes, 'lastUsedAt', 'lastUsedIps'] },
      {
        sid: 'DeniedCounter',
        partitionKeyLike: 'AUDIT#denied-*',
        attributes: [
          ...keyAttributes,
          'id',
          'at',
          'action',
          'tenant',
          'tokenId',
          'owner',
          'actor',
          'sourceIp',
          'gsi1pk',
          'gsi1sk',
          'gsi2pk',
          'gsi2sk',
          'gsi3pk',
          'gsi3sk',
          TTL_ATTRIBUTE,
          'deniedCount',
          'deniedReasons',
        ],
      },
      // The `due` entries that end API Gateway's cached decisions at a token's exp or grace end: in
      // partitions of their own, whose meaning is their key alone, so no authorizer can change a
      // change's entry (revoked → due would hide a revocation from every container) nor what another
      // writer's due entry says.
      {
        sid: 'RevocationFeedDue',
        partitionKeyLike: 'DUE#*',
        attributes: [...keyAttributes, 'kind'],
      },
    ],
    feedReads: 'changes',
  },
  signingKeys: 'verify',
  routes: [],
  memorySize: 512,
  timeout: Duration.seconds(5),
};

/**
 * The stage flusher (docs/revocation.md): reads the revocation feed (Query on `FEED#…` only) and the
 * stage registry (SSM, granted by `AuthorizerCacheFlusher`), and calls FlushStageAuthorizersCache on
 * the registered stages (`apigateway:DELETE` granted by each `TokenAuthorizer` on its own stage).
 * Started once a minute; each run follows the feed for 65 s.
 */
export const stageFlusherHandler: HandlerSpec = {
  entry: 'flush-authorizer-caches',
  description: 'Flushes the token authorizer cache of every registered stage after a revocation, an edit, or a token end',
  table: {
    items: [],
    feedReads: 'with-due',
    // A TTL on each due entry it has read (the authorizers, which write them, may not set one).
    narrowUpdates: [{ sid: 'RevocationFeedDueExpiry', partitionKeyLike: 'DUE#*', attributes: [...keyAttributes, TTL_ATTRIBUTE] }],
  },
  routes: [],
  memorySize: 256,
  timeout: Duration.seconds(90),
};

/**
 * The HTTP API (payload 2.0) authorizer: the REST authorizer's reads and bookkeeping writes, without
 * the revocation feed's `due` entries (nothing flushes an HTTP API's cache: its TTL is the bound).
 */
export const httpAuthorizerHandler: HandlerSpec = {
  ...authorizerHandler,
  entry: 'http-authorizer',
  description: 'Token authorizer of an HTTP API: verifies a personal access token and its scope for one route',
  table: {
    ...authorizerHandler.table,
    items: authorizerHandler.table?.items ?? [],
    narrowUpdates: (authorizerHandler.table?.narrowUpdates ?? []).filter(
      (update) => update.sid !== 'RevocationFeedDue' && !/^(FEED|DUE)#/.test(update.partitionKeyLike),
    ),
  },
};

/**
 * The revocation canary (opt-in, `RevocationCanary`): issues a short-lived token in the canary tenant
 * (the create path: countActive Query byOwner, a transaction of Puts, GetItem, Sign), revokes it (the
 * revoke path: GetItem/BatchGetItem, Update + Put, Query byFamily, UpdateItem), and calls the canary
 * route over HTTPS.
 */
export const revocationCanaryHandler: HandlerSpec = {
  entry: 'canary',
  description: 'Revocation canary: measures the time from a revocation to the gateway refusing the token',
  table: {
    items: everyItemAction,
    queries: ['byOwner', 'byFamily'],
  },
  signingKeys: 'sign',
  routes: [],
  scheduled: true,
  memorySize: 256,
  timeout: Duration.seconds(90),
};

/** Every function `PatService` deploys: one per service handler, and the stage flusher. */
export const patServiceEntries: readonly string[] = [
  ...Object.values(serviceHandlers).map((spec) => spec.entry),
  stageFlusherHandler.entry,
];

/**
 * Every handler a construct of this library deploys (`PatService`'s and the token authorizer): the
 * bundles `npm run build:functions` builds, and nothing else.
 */
export const deployedEntries: readonly string[] = [
  ...new Set([...patServiceEntries, authorizerHandler.entry, httpAuthorizerHandler.entry, revocationCanaryHandler.entry]),
].sort();

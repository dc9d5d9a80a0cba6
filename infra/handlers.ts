import { Duration } from 'aws-cdk-lib';
import type { tableIndexes } from '../functions/adapters/dynamodb/table-layout';

/** A global secondary index of the token table, as the DynamoDB store names it. */
export type TableIndexName = keyof typeof tableIndexes;

/**
 * What a function may do to the token table. DynamoDB authorizes `TransactWriteItems` per item
 * action: a transaction of two Puts needs `PutItem`, one with an Update needs `UpdateItem`.
 */
export interface TableAccess {
  /** Item actions on the table itself. */
  readonly items: ReadonlyArray<'dynamodb:GetItem' | 'dynamodb:PutItem' | 'dynamodb:UpdateItem'>;
  /** Indexes the function queries (`dynamodb:Query` on that index only, never on the table). */
  readonly queries?: readonly TableIndexName[];
}

/**
 * What a function may do with the signing keys: `verify` fetches public keys (`kms:GetPublicKey` on
 * every listed key); `sign` also signs (`kms:Sign` on the newest key only).
 */
export type KeyAccess = 'verify' | 'sign';

/** A route of the service's own REST API. */
export interface ServiceRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  /** `user` needs a Cognito ID token; `public` is open (its own credential is in the body, or none). */
  readonly access: 'user' | 'public';
  /** Open to anyone and doing work per call (a KMS signature, writes): held to the public throttle. */
  readonly publicThrottle?: boolean;
}

/** One Lambda function: its entry under `functions/handlers/`, and exactly what it may touch. */
export interface HandlerSpec {
  /** File name under `functions/handlers/`, without `.ts`. */
  readonly entry: string;
  readonly description: string;
  readonly table?: TableAccess;
  readonly signingKeys?: KeyAccess;
  /** The routes it serves on the service API; none for the authorizer or event-driven functions. */
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

/**
 * The service's functions, each with the exact permissions its code needs (the SDK calls in
 * `functions/adapters/dynamo-token-store.ts` and `kms-signer.ts`, reached through the use cases its
 * handler calls). A new handler is one entry here; the stack, the API and the tests follow it.
 */
export const serviceHandlers = {
  /** Configuration only: no table, no key. */
  catalog: {
    entry: 'catalog',
    description: 'GET /scopes and GET /policy: the scope catalogue and the token policy',
    routes: [
      { method: 'GET', path: '/scopes', access: 'user' },
      { method: 'GET', path: '/policy', access: 'user' },
    ],
  },
  /** countActive (Query byOwner), a transaction of Puts (token, description lock, audit event), the lock's holder (GetItem), Sign. */
  createToken: {
    entry: 'create-token',
    description: 'POST /tokens: issues a token and its refresh key',
    table: { items: ['dynamodb:GetItem', 'dynamodb:PutItem'], queries: ['byOwner'] },
    signingKeys: 'sign',
    routes: [{ method: 'POST', path: '/tokens', access: 'user' }],
  },
  /**
   * Reads only: GetItem, and Query on byOwner (a user's tokens, an owner's audit events), byTenant
   * (an admin's listing, the tenant's audit trail) and byFamily (one token's audit events).
   */
  readTokens: {
    entry: 'read-tokens',
    description: 'GET /tokens, GET /tokens/{id}, GET /tokens/{id}/audit, GET /audit: metadata and the audit trail',
    table: { items: ['dynamodb:GetItem'], queries: ['byOwner', 'byTenant', 'byFamily'] },
    routes: [
      { method: 'GET', path: '/tokens', access: 'user' },
      { method: 'GET', path: '/tokens/{id}', access: 'user' },
      { method: 'GET', path: '/tokens/{id}/audit', access: 'user' },
      { method: 'GET', path: '/audit', access: 'user' },
    ],
  },
  /** Reads the record (visibility check), then a transaction of the Update and its audit event (a Put). */
  revokeToken: {
    entry: 'revoke-token',
    description: 'DELETE /tokens/{id}: revokes a token',
    table: { items: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'] },
    routes: [{ method: 'DELETE', path: '/tokens/{id}', access: 'user' }],
  },
  /** Rotation: a transaction of one Update and Puts (successor, lock, audit event); reuse detection: Query byFamily, then Updates. */
  refreshToken: {
    entry: 'refresh-token',
    description: 'POST /tokens/refresh: rotates a token with its refresh key',
    table: { items: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], queries: ['byFamily'] },
    signingKeys: 'sign',
    routes: [{ method: 'POST', path: '/tokens/refresh', access: 'public', publicThrottle: true }],
  },
  /**
   * Leak reports: reads records (a refresh key's, or a verified access token's), then revokes each
   * (Update + audit event Put). Verifying an access token needs the public keys, never Sign.
   */
  revokeLeaked: {
    entry: 'revoke-leaked',
    description: 'POST /tokens/revoke-leaked: revokes the tokens whose secrets were reported leaked',
    table: { items: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'] },
    signingKeys: 'verify',
    routes: [{ method: 'POST', path: '/tokens/revoke-leaked', access: 'public', publicThrottle: true }],
  },
  /** Public keys only. */
  jwks: {
    entry: 'jwks',
    description: 'GET /.well-known/jwks.json: the public keys that verify tokens',
    signingKeys: 'verify',
    routes: [{ method: 'GET', path: '/.well-known/jwks.json', access: 'public' }],
  },
  /** Daily: Query byExpiry for what enters a horizon, mark each token notified (UpdateItem), publish. */
  notifyExpiring: {
    entry: 'notify-expiring',
    description: 'Scheduled: announces tokens entering an expiry horizon (EventBridge and/or SNS)',
    table: { items: ['dynamodb:UpdateItem'], queries: ['byExpiry'] },
    routes: [],
    scheduled: true,
    publishesNotices: true,
    timeout: Duration.minutes(5),
  },
} as const satisfies Record<string, HandlerSpec>;

export type ServiceHandlerName = keyof typeof serviceHandlers;

/**
 * The REQUEST authorizer of a protected API: the token record (GetItem), `lastUsedAt` and the hourly
 * denial counter (UpdateItem), public keys at cold start. Never `kms:Sign`. More memory buys more CPU for ES256 verification.
 */
export const authorizerHandler: HandlerSpec = {
  entry: 'authorizer',
  description: 'Token authorizer: verifies a personal access token and its scopes for a protected API',
  table: { items: ['dynamodb:GetItem', 'dynamodb:UpdateItem'] },
  signingKeys: 'verify',
  routes: [],
  memorySize: 512,
  timeout: Duration.seconds(5),
};

// The shapes the HTTP API answers, in one place: the OpenAPI document is generated from these (and
// from the request schemas in validation.ts), the console's types are generated from that document,
// and the contract tests check every response of the e2e suite against it. zod/mini, like validation.ts.
import * as z from 'zod/mini';
import { errorStatus, type ErrorCode } from '../domain/errors';

const isoTime = () => z.iso.datetime({ offset: false });
const tokenId = () => z.string().check(z.regex(/^[0-9a-f]{32}$/));

export const fieldProblem = z.object({
  field: z.string(),
  message: z.string(),
});

/** The spec's one error shape; `details` lists the offending fields of an `invalid_request`. */
export const errorResponse = z.object({
  error: z.object({
    code: z.enum(Object.keys(errorStatus) as [ErrorCode, ...ErrorCode[]]),
    message: z.string(),
    details: z.optional(z.array(fieldProblem)),
  }),
});

export const tokenStatus = z.enum(['active', 'pending', 'revoked', 'expired']);
export const revokeReason = z.enum(['revoked', 'rotated', 'reuse_detected', 'leaked', 'rejected', 'outside_policy']);

/** A token's metadata as every management route shows it. Never a secret. */
export const tokenView = z.object({
  id: tokenId(),
  owner: z.string(),
  tenant: z.string(),
  createdBy: z.string(),
  description: z.string(),
  scopes: z.array(z.string()),
  allowedIps: z.array(z.string()),
  createdAt: isoTime(),
  /** null: the token never expires (only where the policy allows it). */
  expiresAt: z.nullable(isoTime()),
  status: tokenStatus,
  /** The id of the first token of its chain of rotations (its credential). */
  familyId: tokenId(),
  /** 1 when created, +1 per rotation. */
  generation: z.int().check(z.minimum(1)),
  lastUsedAt: z.nullable(isoTime()),
  /** The credential's last use: the newest of this token's and its earlier generations' (a rotation carries it over). */
  credentialLastUsedAt: z.nullable(isoTime()),
  /** The last distinct client addresses that used it, newest first. */
  lastUsedIps: z.array(z.string()),
  revokedAt: z.optional(isoTime()),
  revokedBy: z.optional(z.string()),
  revokeReason: z.optional(revokeReason),
  /** Until when a token rotated by a refresh still authorizes. */
  graceUntil: z.optional(isoTime()),
  /** The tenant's current policy would no longer issue this token; it works until it expires or rotates. */
  outsidePolicy: z.boolean(),
  /** Bumped by every edit: approve and reject name the revision the admin was shown. */
  revision: z.int().check(z.minimum(0)),
  /** Why the requester needs it (shown to the admins who approve it). */
  justification: z.optional(z.string()),
  /** Why an admin rejected it (shown to the requester). */
  rejectReason: z.optional(z.string()),
});

/** Create, refresh and regenerate: the only answers that carry the secrets, shown once. */
export const issuedToken = z.extend(tokenView, {
  accessToken: z.string(),
  refreshKey: z.string(),
});

/** DELETE /tokens/{id}: the addressed token as it now is, and every member of its family this call revoked. */
export const revokedToken = z.extend(tokenView, {
  revokedTokenIds: z.array(tokenId()),
});

export const tokenPage = z.object({
  items: z.array(tokenView),
  /** Opaque; absent (null) on the last page. */
  nextCursor: z.nullable(z.string()),
});

export const scopeCatalogue = z.object({
  areas: z.array(
    z.object({
      name: z.string(),
      description: z.string(),
      scopes: z.array(z.string()),
    }),
  ),
});

/** GET /policy and PUT /tenant/policy: the caller's tenant's effective policy. */
export const effectivePolicy = z.object({
  lifetimesDays: z.array(z.int()),
  defaultLifetimeDays: z.int(),
  maxLifetimeDays: z.int(),
  allowNoExpiry: z.boolean(),
  maxIpEntries: z.int(),
  maxDescriptionLength: z.int(),
  /** Days after the credential's (family's) creation past which no refresh is allowed; null: unbounded. */
  maxCredentialAgeDays: z.nullable(z.int()),
  /** Days without use after which the credential stops working and cannot be refreshed; null: off. */
  idleExpiryDays: z.nullable(z.int()),
  creators: z.enum(['everyone', 'admins']),
  requireIpRestriction: z.boolean(),
  /** Catalogue areas a token may be granted; null: every area. */
  allowedAreas: z.nullable(z.array(z.string())),
  maxActiveTokensPerOwner: z.int(),
  requireApproval: z.boolean(),
  /** The ranges every IP entry of a token must lie within; null: any. */
  allowedIpRanges: z.nullable(z.array(z.string())),
});

export const revokedOutsidePolicy = z.object({
  revokedTokenIds: z.array(tokenId()),
});

/** POST /tokens/revoke-leaked: the same answer whatever was valid, so it reveals nothing. */
export const leakReportReceipt = z.object({
  received: z.int().check(z.minimum(1)),
});

export const auditEvent = z.object({
  id: z.string(),
  at: isoTime(),
  action: z.enum([
    'token.created',
    'token.revoked',
    'token.refreshed',
    'token.reuse_detected',
    'token.leak_revoked',
    'token.regenerated',
    'token.edited',
    'token.approved',
    'token.rejected',
    'tenant.policy_changed',
    'authorization.denied',
  ]),
  tenant: z.string(),
  tokenId: z.string(),
  owner: z.string(),
  actor: z.object({
    type: z.enum(['user', 'token', 'anonymous']),
    id: z.optional(z.string()),
  }),
  sourceIp: z.optional(z.string()),
  details: z.optional(z.record(z.string(), z.union([z.string(), z.number(), z.array(z.string())]))),
});

export const auditPage = z.object({
  items: z.array(auditEvent),
  nextCursor: z.nullable(z.string()),
});

/** RFC 7517 public keys; members beyond the ones a verifier needs are allowed. */
/** `GET /tokens/self`: what the holder of an access token may know of it (no owner, tenant or description). */
export const tokenSelf = z.object({
  id: tokenId(),
  status: tokenStatus,
  expiresAt: z.nullable(isoTime()),
  scopes: z.array(z.string()),
  allowedIps: z.array(z.string()),
  /** A rotated token: until when it still authorizes. */
  graceUntil: z.nullable(isoTime()),
  /** Until when its refresh key can rotate it; null when it cannot, or (`refreshable` true) when there is no deadline. */
  refreshableUntil: z.nullable(isoTime()),
  refreshable: z.boolean(),
  generation: z.int().check(z.minimum(1)),
  familyId: tokenId(),
  outsidePolicy: z.boolean(),
  revokeReason: z.optional(revokeReason),
});

/** GitHub's secret scanning partner answer: each match labelled. */
export const secretScanningLabels = z.array(
  z.object({
    token_raw: z.string(),
    token_type: z.string(),
    label: z.enum(['true_positive', 'false_positive']),
  }),
);

/** RFC 6749 §5.1: a successful refresh_token grant. */
export const oauthTokenResponse = z.object({
  access_token: z.string(),
  token_type: z.literal('Bearer'),
  /** Seconds until the access token expires; absent for a token without expiry. */
  expires_in: z.optional(z.int().check(z.minimum(0))),
  refresh_token: z.string(),
  scope: z.string(),
});

/** RFC 6749 §5.2: OAuth's error shape (not the spec's), on the OAuth endpoints only. */
export const oauthError = z.object({
  error: z.enum(['invalid_request', 'invalid_grant', 'unsupported_grant_type', 'invalid_scope']),
  error_description: z.optional(z.string()),
});

/** RFC 8414 authorization server metadata. */
export const oauthServerMetadata = z.object({
  issuer: z.string(),
  token_endpoint: z.string(),
  revocation_endpoint: z.string(),
  jwks_uri: z.string(),
  grant_types_supported: z.array(z.string()),
  response_types_supported: z.array(z.string()),
  token_endpoint_auth_methods_supported: z.array(z.string()),
  revocation_endpoint_auth_methods_supported: z.array(z.string()),
  scopes_supported: z.array(z.string()),
  service_documentation: z.string(),
});

export const jsonWebKeySet = z.object({
  keys: z.array(
    z.looseObject({
      kty: z.literal('EC'),
      crv: z.literal('P-256'),
      x: z.string(),
      y: z.string(),
      kid: z.string(),
      alg: z.optional(z.literal('ES256')),
      use: z.optional(z.literal('sig')),
    }),
  ),
});

/** POST /local/session (local mode only). */
export const localSession = z.object({
  idToken: z.string(),
});

/** What each route of the example protected API answers once the authorizer lets a token in. */
export const exampleApiAnswer = z.object({
  ok: z.literal(true),
  principal: z.object({ tokenId: tokenId(), owner: z.string(), tenant: z.string() }),
});

export type ErrorResponse = z.infer<typeof errorResponse>;
export type TokenView = z.infer<typeof tokenView>;
export type IssuedToken = z.infer<typeof issuedToken>;
export type RevokedToken = z.infer<typeof revokedToken>;
export type EffectivePolicy = z.infer<typeof effectivePolicy>;
export type AuditEventView = z.infer<typeof auditEvent>;

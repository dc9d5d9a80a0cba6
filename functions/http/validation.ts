// zod/mini: the same schemas at a fraction of the bundle size (these are in every management Lambda).
import * as z from 'zod/mini';
import { invalidRequest } from '../domain/errors';

/** Parses input with a schema; every issue becomes a `details` entry of one 400. */
export function parseInput<T extends z.ZodMiniType>(schema: T, input: unknown, what = 'request'): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.flatMap((issue) => {
    const at =
      issue.path.length > 0
        ? issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i > 0 ? '.' : ''}${String(p)}`)).join('')
        : what;
    // An unknown field is named itself, so a client sees which of its fields is not one.
    if (issue.code === 'unrecognized_keys')
      return issue.keys.map((key) => ({ field: issue.path.length > 0 ? `${at}.${key}` : key, message: 'is not a field of this request' }));
    return [{ field: at, message: issue.message }];
  });
  throw invalidRequest(details.map((d) => `${d.field}: ${d.message}`).join('; '), details);
}

const boundedString = (max: number, error = 'must be a string') =>
  z.string({ error }).check(z.maxLength(max, `must be at most ${max} characters`));

export const createTokenBody = z.object(
  {
    // Only a size guard: the description rules (code points of the NFKC form, well-formed Unicode,
    // no invisible characters) are the domain's, with the policy's limit in the message.
    description: z.string({ error: 'must be a string' }).check(z.maxLength(10_000, 'is too long')),
    scopes: z.array(boundedString(300), { error: 'must be an array of scope strings' }).check(z.maxLength(200, 'too many scopes')),
    expiresInDays: z.optional(z.int({ error: 'must be a whole number of days' })),
    expiresAt: z.optional(z.union([boundedString(64), z.null()], { error: 'must be an ISO 8601 date-time string' })),
    allowedIps: z.optional(
      z.array(boundedString(100), { error: 'must be an array of IP entries' }).check(z.maxLength(1_000, 'too many entries')),
    ),
    owner: z.optional(boundedString(128)),
    justification: z.optional(
      z
        .string({ error: 'must be a string' })
        .check(z.minLength(1, 'must not be empty'), z.maxLength(500, 'must be at most 500 characters')),
    ),
  },
  { error: 'must be a JSON object' },
);

/**
 * POST /tokens/{id}/approve and /reject: the revision the admin was shown (the token's `revision`),
 * so that nothing the admin did not see is approved; a reason for a rejection, shown to the requester.
 */
export const decisionBody = z.strictObject(
  {
    revision: z.int({ error: 'is required: the revision of the token you were shown' }).check(z.minimum(0, 'must be at least 0')),
    reason: z.optional(
      z
        .string({ error: 'must be a string' })
        .check(z.minLength(1, 'must not be empty'), z.maxLength(500, 'must be at most 500 characters')),
    ),
  },
  { error: 'must be a JSON object with the revision you were shown' },
);

/** POST /tokens/{id}/regenerate: optionally a new lifetime, by the create rules. */
export const regenerateBody = z.strictObject(
  {
    expiresInDays: z.optional(z.int({ error: 'must be a whole number of days' })),
    expiresAt: z.optional(z.union([boundedString(64), z.null()], { error: 'must be an ISO 8601 date-time string' })),
  },
  { error: 'must be a JSON object' },
);

// Any string is a key to judge: a malformed or overlong one is `invalid_grant` (401), not a 400.
export const refreshBody = z.object(
  { refreshKey: z.string({ error: 'is required and must be a string' }) },
  { error: 'must be a JSON object' },
);

const limitParameter = z._default(
  z.pipe(
    z.pipe(z.string().check(z.regex(/^\d{1,3}$/, 'must be a whole number from 1 to 100')), z.transform(Number)),
    z.number().check(z.minimum(1, 'must be at least 1'), z.maximum(100, 'must be at most 100')),
  ),
  50,
);
const cursorParameter = z.optional(z.string().check(z.minLength(1, 'must not be empty'), z.maxLength(2_000, 'is too long')));
const ownerParameter = z.optional(z.string().check(z.minLength(1, 'must not be empty'), z.maxLength(128, 'is too long')));

export const listTokensQuery = z.object({
  status: z._default(
    z.enum(['active', 'pending', 'revoked', 'expired', 'all'], { error: 'must be one of active, pending, revoked, expired, all' }),
    'active',
  ),
  limit: limitParameter,
  cursor: cursorParameter,
  owner: ownerParameter,
});

export const auditQuery = z.object({
  tokenId: z.optional(z.string().check(z.regex(/^[0-9a-f]{32}$/, 'must be a token id'))),
  owner: ownerParameter,
  limit: limitParameter,
  cursor: cursorParameter,
});

export const tokenAuditQuery = z.object({ limit: limitParameter, cursor: cursorParameter });

export const leakReportBody = z.object(
  {
    tokens: z
      .array(z.string({ error: 'must be strings' }).check(z.maxLength(10_000, 'is too long')), {
        error: 'must be an array of leaked secrets',
      })
      .check(z.minLength(1, 'must name at least one secret'), z.maxLength(100, 'at most 100 secrets per report')),
  },
  { error: 'must be a JSON object' },
);

/** GitHub's secret scanning partner alert: a JSON array of matches. */
export const secretScanningAlertBody = z
  .array(
    z.object({
      token: z.string({ error: 'must be a string' }).check(z.minLength(1), z.maxLength(10_000, 'is too long')),
      type: z.string({ error: 'must be a string' }).check(z.maxLength(200)),
      url: z.string({ error: 'must be a string' }).check(z.maxLength(4_000)),
      source: z.string({ error: 'must be a string' }).check(z.maxLength(200)),
    }),
    { error: 'must be a JSON array of matches {token, type, url, source}' },
  )
  .check(z.minLength(1, 'must report at least one match'), z.maxLength(1_000, 'at most 1,000 matches per alert'));

const days = z
  .int({ error: 'must be a whole number of days' })
  .check(z.minimum(1, 'must be at least 1'), z.maximum(36_500, 'must be at most 36500'));

/** PUT /tenant/policy: any subset of the fields a tenant may tighten; anything else is refused by name. */
export const tenantPolicyBody = z.strictObject(
  {
    lifetimesDays: z.optional(
      z
        .array(days, { error: 'must be an array of whole numbers of days' })
        .check(z.minLength(1, 'must offer at least one lifetime'), z.maxLength(20, 'at most 20 lifetimes')),
    ),
    defaultLifetimeDays: z.optional(days),
    maxLifetimeDays: z.optional(days),
    allowNoExpiry: z.optional(z.boolean({ error: 'must be true or false' })),
    creators: z.optional(z.enum(['everyone', 'admins'], { error: 'must be everyone or admins' })),
    requireIpRestriction: z.optional(z.boolean({ error: 'must be true or false' })),
    allowedAreas: z.optional(
      z.nullable(
        z
          .array(boundedString(200), { error: 'must be an array of catalogue area names, or null' })
          .check(z.maxLength(200, 'too many areas')),
      ),
    ),
    maxActiveTokensPerOwner: z.optional(z.int({ error: 'must be a whole number' }).check(z.minimum(1, 'must be at least 1'))),
    requireApproval: z.optional(z.boolean({ error: 'must be true or false' })),
    allowedIpRanges: z.optional(
      z.nullable(
        z
          .array(boundedString(100), { error: 'must be an array of IP addresses, CIDRs or ranges, or null' })
          .check(z.maxLength(100, 'at most 100 ranges')),
      ),
    ),
    maxCredentialAgeDays: z.optional(z.nullable(days)),
    idleExpiryDays: z.optional(z.nullable(days)),
  },
  { error: 'must be a JSON object of policy fields' },
);

/** PATCH /tokens/{id}: what may change on a token; scopes only narrow (checked by the service). */
export const editTokenBody = z
  .strictObject(
    {
      description: z.optional(boundedString(1_000)),
      scopes: z.optional(
        z.array(boundedString(300), { error: 'must be an array of scope strings' }).check(z.maxLength(200, 'too many scopes')),
      ),
      allowedIps: z.optional(
        z.array(boundedString(100), { error: 'must be an array of IP entries' }).check(z.maxLength(1_000, 'too many entries')),
      ),
    },
    { error: 'must be a JSON object with description, scopes or allowedIps' },
  )
  .check(z.refine((body) => Object.keys(body).length > 0, 'must change at least one of description, scopes, allowedIps'));

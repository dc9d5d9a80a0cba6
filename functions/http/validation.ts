import { z } from 'zod';
import { invalidRequest } from '../domain/errors';

/** Parses input with a schema; every issue becomes a `details` entry of one 400. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown, what = 'request'): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i > 0 ? '.' : ''}${String(p)}`)).join('') : what,
    message: issue.message,
  }));
  throw invalidRequest(details.map((d) => `${d.field}: ${d.message}`).join('; '), details);
}

const boundedString = (max: number) => z.string({ error: 'must be a string' }).max(max, `must be at most ${max} characters`);

export const createTokenBody = z.object(
  {
    description: boundedString(1_000),
    scopes: z.array(boundedString(300), { error: 'must be an array of scope strings' }).max(200, 'too many scopes'),
    expiresInDays: z.number({ error: 'must be a number of days' }).int('must be a whole number of days').optional(),
    expiresAt: z.union([boundedString(64), z.null()], { error: 'must be an ISO 8601 date-time string' }).optional(),
    allowedIps: z.array(boundedString(100), { error: 'must be an array of IP entries' }).max(1_000, 'too many entries').optional(),
    owner: boundedString(128).optional(),
  },
  { error: 'must be a JSON object' },
);

export const refreshBody = z.object(
  { refreshKey: z.string({ error: 'is required and must be a string' }).max(1_000, 'is too long') },
  { error: 'must be a JSON object' },
);

const limitParameter = z
  .string()
  .regex(/^\d{1,3}$/, 'must be a whole number from 1 to 100')
  .transform(Number)
  .pipe(z.number().min(1, 'must be at least 1').max(100, 'must be at most 100'))
  .default(50);

export const listTokensQuery = z.object({
  status: z.enum(['active', 'revoked', 'expired', 'all'], { error: 'must be one of active, revoked, expired, all' }).default('active'),
  limit: limitParameter,
  cursor: z.string().min(1, 'must not be empty').max(2_000, 'is too long').optional(),
  owner: z.string().min(1, 'must not be empty').max(128).optional(),
});

export const auditQuery = z.object({
  tokenId: z.string().regex(/^[0-9a-f]{32}$/, 'must be a token id').optional(),
  owner: z.string().min(1, 'must not be empty').max(128).optional(),
  limit: limitParameter,
  cursor: z.string().min(1, 'must not be empty').max(2_000, 'is too long').optional(),
});

export const leakReportBody = z.object(
  {
    tokens: z
      .array(z.string({ error: 'must be strings' }).max(10_000, 'is too long'), { error: 'must be an array of leaked secrets' })
      .min(1, 'must name at least one secret')
      .max(100, 'at most 100 secrets per report'),
  },
  { error: 'must be a JSON object' },
);

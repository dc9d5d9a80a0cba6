import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorStatus } from '../../functions/domain/errors';
import { startTestService, type TestService } from '../support/local-service';
import { logger } from '../../functions/observability/logger';
import { report, setHandlerLogLevel, setLogEcho, table } from './support/log-capture';

/**
 * Every management route, through the local HTTP front, with generated bodies, queries, path ids,
 * headers and identities (≥ 1000 cases per route, sent 16 at a time). Invariants:
 * - never a 5xx;
 * - every 4xx in the spec's shape `{"error": {"code", "message", "details"?}}`, its code the one
 *   that goes with its status;
 * - the table is unchanged by rejected requests: any item added or changed names a token that a
 *   successful (2xx) response of the same batch created, revoked or rotated;
 * - no answer crosses tenants, and only create and refresh answers carry secrets.
 * The generators are seeded (FUZZ_SEED overrides) so a failure reproduces.
 */

const CASES_PER_ROUTE = Number(process.env.FUZZ_CASES ?? 1_000);
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_123);
const CONCURRENCY = 16;

let service: TestService;
const sessions: Record<'alice' | 'carol' | 'dave', string> = { alice: '', carol: '', dave: '' };
const seeded: Record<'aliceActive' | 'aliceRevoked' | 'daveActive', { id: string; accessToken: string; refreshKey: string }> = {} as never;
const figures: Array<[string, number, number, number, number, number, string]> = [];

/** Query keys named like Object.prototype members: once finding local-1, now generated like any key and checked below. */
const PROTOTYPE_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype));

beforeAll(async () => {
  setLogEcho(false); // thousands of refusals: captured and scanned, not echoed
  setHandlerLogLevel(logger, 'INFO');
  service = await startTestService();
  sessions.alice = await service.session('alice', 'acme');
  sessions.carol = await service.session('carol', 'acme', true);
  sessions.dave = await service.session('dave', 'globex', true);
  seeded.aliceActive = await service.createToken(sessions.alice, { description: 'seed active' });
  seeded.aliceRevoked = await service.createToken(sessions.alice, { description: 'seed revoked' });
  await service.call('DELETE', `/tokens/${seeded.aliceRevoked.id}`, { token: sessions.alice });
  seeded.daveActive = await service.createToken(sessions.dave, { description: 'seed globex' });
});
afterAll(async () => {
  setHandlerLogLevel(logger, 'WARN');
  await service?.stop();
});

// ---------------------------------------------------------------------------------------------
// Generators

type Identity = 'alice' | 'carol' | 'dave' | 'anonymous' | 'garbage' | 'access-token' | 'basic';
const identity = fc.constantFrom<Identity>('alice', 'alice', 'carol', 'carol', 'dave', 'anonymous', 'garbage', 'access-token', 'basic');
const tenantOf: Partial<Record<Identity, string>> = { alice: 'acme', carol: 'acme', dave: 'globex' };

function authorizationOf(who: Identity): string | undefined {
  switch (who) {
    case 'anonymous':
      return undefined;
    case 'garbage':
      return 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.';
    case 'access-token':
      return `Bearer ${seeded.aliceActive.accessToken}`;
    case 'basic':
      return 'Basic YWxpY2U6YWxpY2U=';
    default:
      return `Bearer ${sessions[who]}`;
  }
}

const printable = (maxLength: number) =>
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength });
const anyText = (maxLength = 40) =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
    fc.string({ unit: 'binary', maxLength }),
    printable(maxLength),
  );
const jsonValue = fc.oneof(
  { depthSize: 'small' },
  anyText(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(anyText(), { maxLength: 3 }),
  fc.dictionary(anyText(8), anyText(8), { maxKeys: 3 }),
);

const headerName = fc.oneof(
  fc.constantFrom(
    'accept',
    'content-type',
    'x-forwarded-for',
    'x-real-ip',
    'cookie',
    'origin',
    'user-agent',
    'x-amz-date',
    'x-api-key',
    'x-http-method-override',
    'content-encoding',
    'accept-encoding',
    '__proto__',
    'constructor',
    'x-tenant',
  ),
  fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/),
);
const headerValue = fc.oneof(
  printable(60),
  fc.constantFrom(
    'application/json',
    'text/plain',
    'application/x-www-form-urlencoded',
    'application/json; charset=utf-16',
    'multipart/form-data; boundary=x',
    '127.0.0.1',
    '10.0.0.1, 127.0.0.1',
    'DELETE',
    'gzip',
    '',
  ),
);
const headers = fc.dictionary(headerName, headerValue, { maxKeys: 4 });

const tokenIdLike = fc.oneof(
  fc.stringMatching(/^[0-9a-f]{32}$/),
  fc
    .constantFrom(
      () => seeded.aliceActive.id,
      () => seeded.aliceRevoked.id,
      () => seeded.daveActive.id,
    )
    .map((id) => id()),
  fc.stringMatching(/^[0-9A-F]{32}$/),
  fc.stringMatching(/^[0-9a-f]{31,33}$/),
);
/** Path ids: token-id look-alikes, any text (percent-encoded), and raw encodings a router must survive. */
const pathId = fc.oneof(
  { weight: 3, arbitrary: tokenIdLike },
  {
    weight: 3,
    arbitrary: anyText(60)
      .filter((text) => text.length > 0)
      .map((text) => encodeURIComponent(text)),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '%00',
      '%20',
      '%2F',
      'a%2Fb',
      '.',
      '%2e',
      '__proto__',
      'constructor',
      '*',
      '%25',
      'null',
      'undefined',
      '-1',
      'x'.repeat(5_000),
    ),
  },
);

const forgedCursor = fc
  .oneof(
    fc.record({
      pk: fc.constantFrom('TOKEN#00000000000000000000000000000000', 'TOKEN#x'),
      sk: fc.constantFrom('TOKEN', 'LOCK'),
      gsi1pk: fc.constantFrom('T#acme#O#alice', 'T#globex#O#dave'),
      gsi1sk: anyText(20),
    }),
    fc.record({
      pk: fc.constantFrom('TOKEN#00000000000000000000000000000000'),
      sk: fc.constant('TOKEN'),
      gsi2pk: fc.constantFrom('T#acme', 'T#globex'),
      gsi2sk: anyText(20),
    }),
    jsonValue,
  )
  .map((value) => Buffer.from(JSON.stringify(value)).toString('base64url'));

const queryValue = (known: fc.Arbitrary<string>) =>
  fc.oneof({ weight: 2, arbitrary: known }, { weight: 1, arbitrary: anyText(30) }, { weight: 1, arbitrary: fc.integer().map(String) });
const queryPair = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.tuple(fc.constant('status'), queryValue(fc.constantFrom('active', 'revoked', 'expired', 'all', 'ACTIVE', ''))),
  },
  {
    weight: 3,
    arbitrary: fc.tuple(
      fc.constant('limit'),
      queryValue(fc.constantFrom('1', '50', '100', '0', '101', '-1', '1e2', ' 5', '5.0', '0x10', '007', '9'.repeat(30))),
    ),
  },
  { weight: 3, arbitrary: fc.tuple(fc.constant('cursor'), fc.oneof(forgedCursor, anyText(30), fc.constant(''))) },
  {
    weight: 3,
    arbitrary: fc.tuple(fc.constant('owner'), queryValue(fc.constantFrom('alice', 'carol', 'dave', 'bob', 'a#b', '', 'x'.repeat(129)))),
  },
  { weight: 1, arbitrary: fc.tuple(fc.constant('tokenId'), queryValue(tokenIdLike)) },
  { weight: 2, arbitrary: fc.tuple(fc.oneof(anyText(12), fc.constantFrom(...PROTOTYPE_NAMES)), anyText(20)) },
);
const query = fc.array(queryPair, { maxLength: 5 }).map((pairs) => (pairs.length === 0 ? '' : `?${new URLSearchParams(pairs).toString()}`));

const scope = fc.oneof(
  fc.constantFrom(
    'candidates:read',
    'candidates/documents:write',
    'jobs:read',
    'assessments:delete',
    '*',
    'payroll:read',
    'candidates:admin',
    'CANDIDATES:READ',
    'candidates',
    '',
  ),
  anyText(20),
);
const ipEntry = fc.oneof(
  fc.ipV4(),
  fc.ipV6(),
  fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 40 })).map(([a, p]) => `${a}/${p}`),
  fc.tuple(fc.ipV4(), fc.ipV4()).map(([a, b]) => `${a}-${b}`),
  fc.constantFrom('10.0.0.0/8/9', '::ffff:1.2.3.4/24', '999.1.1.1', 'localhost', '*', '0.0.0.0/0', '::/0', 'fe80::1%eth0'),
  anyText(20),
);
const isoDate = fc
  .date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString());
const createFields = {
  description: fc.oneof(
    anyText(120),
    fc.constantFrom('', '   ', 'a'.repeat(101), 'x\u0000y', 'tab\there', 'seed active', 'SEED ACTIVE '),
    jsonValue,
  ),
  scopes: fc.oneof(fc.array(scope, { minLength: 1, maxLength: 4 }), fc.constant([]), fc.array(jsonValue, { maxLength: 3 }), jsonValue),
  expiresInDays: fc.oneof(fc.constantFrom(90, 180, 365, 0, -90, 1, 91, 1e21, 90.5, -0), fc.integer(), fc.double(), jsonValue),
  expiresAt: fc.oneof(
    isoDate,
    fc.constantFrom(
      null,
      '',
      'tomorrow',
      '2027-02-30T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2030-01-01T00:00:00+99:99',
      '2027-01-01',
      '+275760-09-13T00:00:00.000Z',
      '2027-01-01T00:00:00.0000000001Z',
    ),
    jsonValue,
  ),
  allowedIps: fc.oneof(fc.array(ipEntry, { maxLength: 25 }), jsonValue),
  owner: fc.oneof(fc.constantFrom('alice', 'carol', 'dave', 'bob', 'a#b', '', 'x'.repeat(129), 'tab\tuser'), anyText(20), jsonValue),
};
/** Mostly near-valid bodies (none, one or two fields fuzzed), so that validation is reached field by field. */
const fieldNames = Object.keys(createFields) as Array<keyof typeof createFields>;
const createBody = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .record({
        valid: fc.record(
          {
            description: fc.stringMatching(/^fuzz [a-z0-9]{6}$/),
            scopes: fc.subarray(['candidates:read', 'jobs:read', 'assessments:write', 'candidates/documents:delete'], { minLength: 1 }),
            expiresInDays: fc.constantFrom(90, 180, 365),
            allowedIps: fc.array(fc.oneof(fc.ipV4(), fc.ipV6()), { maxLength: 3 }),
          },
          { requiredKeys: ['description', 'scopes'] },
        ),
        fuzzed: fc
          .oneof(fc.constant([]), fc.subarray(fieldNames, { minLength: 1, maxLength: 2 }))
          .chain((names) =>
            names.length === 0 ? fc.constant({}) : fc.record(Object.fromEntries(names.map((name) => [name, createFields[name]]))),
          ),
        extra: fc.oneof(fc.constant({}), fc.dictionary(anyText(8), jsonValue, { maxKeys: 2 })),
      })
      .map(({ valid, fuzzed, extra }) => JSON.stringify({ ...extra, ...valid, ...fuzzed })),
  },
  { weight: 2, arbitrary: fc.record(createFields, { requiredKeys: [] }).map((body) => JSON.stringify(body)) },
  { weight: 1, arbitrary: jsonValue.map((value) => JSON.stringify(value)) },
  {
    weight: 1,
    arbitrary: fc.oneof(
      anyText(60),
      fc.constantFrom(
        '',
        '{',
        '{"description":',
        'null',
        '[]',
        '{"__proto__":{"isAdmin":true},"description":"p","scopes":["jobs:read"]}',
        `${'['.repeat(5_000)}${']'.repeat(5_000)}`,
        JSON.stringify({ description: 'big', scopes: ['jobs:read'], pad: 'x'.repeat(200_000) }),
      ),
    ),
  },
);

const refreshKeyLike = fc.oneof(
  fc.tuple(tokenIdLike, fc.stringMatching(/^[A-Za-z0-9_-]{43}$/)).map(([id, secret]) => `patr_${id}_${secret}`),
  fc.tuple(tokenIdLike, fc.stringMatching(/^[A-Za-z0-9_-]{0,60}$/)).map(([id, secret]) => `patr_${id}_${secret}`),
  fc
    .constantFrom(
      () => `${seeded.aliceActive.refreshKey.slice(0, -1)}${seeded.aliceActive.refreshKey.endsWith('A') ? 'B' : 'A'}`,
      () => seeded.aliceActive.accessToken,
      () => 'patr_',
      () => '',
    )
    .map((key) => key()),
  anyText(80),
);
const refreshBody = fc.oneof(
  { weight: 5, arbitrary: fc.record({ refreshKey: refreshKeyLike }).map((body) => JSON.stringify(body)) },
  {
    weight: 2,
    arbitrary: fc
      .record({ refreshKey: fc.oneof(refreshKeyLike, jsonValue), extra: jsonValue }, { requiredKeys: [] })
      .map((body) => JSON.stringify(body)),
  },
  {
    weight: 1,
    arbitrary: fc.oneof(
      anyText(60),
      jsonValue.map((v) => JSON.stringify(v)),
      fc.constantFrom('', '{', 'null', '[]', JSON.stringify({ refreshKey: 'x'.repeat(1_001) })),
    ),
  },
);
const leakBody = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ tokens: fc.array(fc.oneof(refreshKeyLike, anyText(60)), { maxLength: 5 }) }).map((body) => JSON.stringify(body)),
  },
  {
    weight: 1,
    arbitrary: fc.oneof(
      anyText(60),
      jsonValue.map((v) => JSON.stringify(v)),
      fc.constantFrom('', '{', '{"tokens":[]}', JSON.stringify({ tokens: Array(101).fill('x') })),
    ),
  },
);

interface FuzzCase {
  method: string;
  path: string;
  who: Identity;
  headers: Record<string, string>;
  body?: string;
}

interface RouteUnderTest {
  route: string;
  /** Routes the local front may not serve yet are fuzzed when it does. */
  optional?: boolean;
  cases: fc.Arbitrary<FuzzCase>;
}

const caseOf = (method: string, path: fc.Arbitrary<string>, body?: fc.Arbitrary<string>) =>
  fc
    .record({ path, who: identity, headers, body: body ?? fc.constant(undefined) })
    .map(({ path: p, who, headers: h, body: b }) => ({ method, path: p, who, headers: h, body: b }));

const routes: RouteUnderTest[] = [
  {
    route: 'GET /scopes',
    cases: caseOf(
      'GET',
      query.map((q) => `/scopes${q}`),
    ),
  },
  {
    route: 'GET /policy',
    cases: caseOf(
      'GET',
      query.map((q) => `/policy${q}`),
    ),
  },
  {
    route: 'POST /tokens',
    cases: caseOf(
      'POST',
      query.map((q) => `/tokens${q}`),
      createBody,
    ),
  },
  {
    route: 'GET /tokens',
    cases: caseOf(
      'GET',
      query.map((q) => `/tokens${q}`),
    ),
  },
  {
    route: 'GET /tokens/{id}',
    cases: caseOf(
      'GET',
      fc.tuple(pathId, query).map(([id, q]) => `/tokens/${id}${q}`),
    ),
  },
  {
    route: 'DELETE /tokens/{id}',
    cases: caseOf(
      'DELETE',
      fc.tuple(pathId, query).map(([id, q]) => `/tokens/${id}${q}`),
    ),
  },
  {
    route: 'POST /tokens/refresh',
    cases: caseOf(
      'POST',
      query.map((q) => `/tokens/refresh${q}`),
      refreshBody,
    ),
  },
  {
    route: 'GET /.well-known/jwks.json',
    cases: caseOf(
      'GET',
      query.map((q) => `/.well-known/jwks.json${q}`),
    ),
  },
  {
    route: 'POST /tokens/revoke-leaked',
    optional: true,
    cases: caseOf(
      'POST',
      query.map((q) => `/tokens/revoke-leaked${q}`),
      leakBody,
    ),
  },
  {
    route: 'GET /tokens/{id}/audit',
    optional: true,
    cases: caseOf(
      'GET',
      fc.tuple(pathId, query).map(([id, q]) => `/tokens/${id}/audit${q}`),
    ),
  },
  {
    route: 'GET /audit',
    optional: true,
    cases: caseOf(
      'GET',
      query.map((q) => `/audit${q}`),
    ),
  },
];

// ---------------------------------------------------------------------------------------------
// Running and checking

interface Answer {
  status: number;
  body: unknown;
  contentType: string;
}

async function send(fuzz: FuzzCase): Promise<Answer> {
  const authorization = authorizationOf(fuzz.who);
  const response = await fetch(`${service.url}${fuzz.path}`, {
    method: fuzz.method,
    headers: { ...fuzz.headers, ...(authorization ? { authorization } : {}) },
    body: fuzz.body,
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON: reported by the shape check
  }
  return { status: response.status, body, contentType: response.headers.get('content-type') ?? '' };
}

/** What is wrong with an error answer, or undefined when it has the spec's shape and pairing. */
function errorShapeProblem(answer: Answer): string | undefined {
  const { status, body } = answer;
  if (!answer.contentType.startsWith('application/json')) return `content-type ${answer.contentType}`;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'body is not a JSON object';
  if (Object.keys(body).join() !== 'error') return `top-level keys ${Object.keys(body).join()}`;
  const error = (body as { error: Record<string, unknown> }).error;
  if (typeof error !== 'object' || error === null) return 'error is not an object';
  const extra = Object.keys(error).filter((key) => !['code', 'message', 'details'].includes(key));
  if (extra.length > 0) return `unexpected keys ${extra.join()}`;
  if (typeof error.code !== 'string' || !(error.code in errorStatus)) return `unknown code ${String(error.code)}`;
  if (errorStatus[error.code as keyof typeof errorStatus] !== status) return `code ${error.code} with status ${status}`;
  if (typeof error.message !== 'string' || error.message.length === 0) return 'message missing';
  if (error.details !== undefined) {
    if (!Array.isArray(error.details) || error.details.length === 0) return 'details not a non-empty array';
    if (
      !error.details.every(
        (d: unknown) =>
          typeof d === 'object' &&
          d !== null &&
          typeof (d as { field?: unknown }).field === 'string' &&
          typeof (d as { message?: unknown }).message === 'string',
      )
    ) {
      return 'details entries are not {field, message}';
    }
  }
  return undefined;
}

/** Token ids a successful answer legitimately wrote (created, revoked, rotated). */
function writtenIds(fuzz: FuzzCase, answer: Answer): string[] {
  if (answer.status >= 300 || typeof answer.body !== 'object' || answer.body === null) return [];
  const id = (answer.body as { id?: unknown }).id;
  if (fuzz.method === 'POST' && fuzz.path.startsWith('/tokens/refresh')) {
    const presented = /"refreshKey":"patr_([0-9a-f]{32})_/.exec(fuzz.body ?? '')?.[1];
    return [id, presented].filter((value): value is string => typeof value === 'string');
  }
  if ((fuzz.method === 'POST' && /^\/tokens(\?|$)/.test(fuzz.path)) || fuzz.method === 'DELETE') return typeof id === 'string' ? [id] : [];
  return [];
}

/** What a success leaked across tenants or owners, or which secret it carried that it should not. */
function successProblem(fuzz: FuzzCase, answer: Answer): string | undefined {
  const text = JSON.stringify(answer.body ?? null);
  const issuing = fuzz.method === 'POST' && (/^\/tokens(\?|$)/.test(fuzz.path) || fuzz.path.startsWith('/tokens/refresh'));
  if (!issuing && /"(accessToken|refreshKey)"/.test(text)) return 'a secret in an answer that is not create or refresh';
  const tenant = tenantOf[fuzz.who];
  const records: Array<{ tenant?: unknown; owner?: unknown }> = [];
  const body = answer.body as { items?: unknown[]; tenant?: unknown } | undefined;
  if (Array.isArray(body?.items)) records.push(...(body!.items as Array<{ tenant?: unknown }>));
  else if (body && typeof body === 'object' && 'tenant' in body) records.push(body);
  for (const record of records) {
    if (record.tenant !== undefined && tenant !== undefined && record.tenant !== tenant)
      return `answered a record of tenant ${String(record.tenant)} to ${fuzz.who}`;
    if (fuzz.who === 'alice' && record.owner !== undefined && record.owner !== 'alice' && fuzz.method === 'GET')
      return `answered ${String(record.owner)}'s record to alice`;
  }
  return undefined;
}

const itemKey = (item: Record<string, unknown>) => `${JSON.stringify(item.pk)}|${JSON.stringify(item.sk)}`;

interface BatchResult {
  route: string;
  cases: number;
  statuses: Map<number, number>;
  serverErrors: Array<{ fuzz: FuzzCase; answer: Answer }>;
  shapeProblems: Array<{ fuzz: FuzzCase; answer: Answer; problem: string }>;
  successProblems: Array<{ fuzz: FuzzCase; problem: string }>;
  unexplainedWrites: string[];
  transportErrors: string[];
  ms: number;
}

async function fuzzRoute(route: string, cases: FuzzCase[]): Promise<BatchResult> {
  const before = new Map((await service.items()).map((item) => [itemKey(item), JSON.stringify(item)]));
  const result: BatchResult = {
    route,
    cases: cases.length,
    statuses: new Map(),
    serverErrors: [],
    shapeProblems: [],
    successProblems: [],
    unexplainedWrites: [],
    transportErrors: [],
    ms: 0,
  };
  const written = new Set<string>();
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < cases.length) {
        const fuzz = cases[next++]!;
        let answer: Answer;
        try {
          answer = await send(fuzz);
        } catch (error) {
          result.transportErrors.push(`${fuzz.method} ${fuzz.path.slice(0, 80)}: ${(error as Error).message}`);
          continue;
        }
        result.statuses.set(answer.status, (result.statuses.get(answer.status) ?? 0) + 1);
        if (answer.status >= 500) result.serverErrors.push({ fuzz, answer });
        if (answer.status >= 400) {
          const problem = errorShapeProblem(answer);
          if (problem) result.shapeProblems.push({ fuzz, answer, problem });
        } else {
          const problem = successProblem(fuzz, answer);
          if (problem) result.successProblems.push({ fuzz, problem });
          for (const id of writtenIds(fuzz, answer)) written.add(id);
        }
      }
    }),
  );
  result.ms = performance.now() - started;
  const after = await service.items();
  const afterKeys = new Set(after.map(itemKey));
  for (const item of after) {
    const previous = before.get(itemKey(item));
    const now = JSON.stringify(item);
    if (previous === now) continue;
    // An item that names a written token now, or named it before (the owner's places lose a revoked
    // credential's entry), was written by a 2xx.
    if (![...written].some((id) => now.includes(id) || previous?.includes(id)))
      result.unexplainedWrites.push(`${previous === undefined ? 'added' : 'changed'} ${itemKey(item)}`);
  }
  for (const key of before.keys()) if (!afterKeys.has(key)) result.unexplainedWrites.push(`deleted ${key}`);
  return result;
}

const describeCase = (fuzz: FuzzCase) =>
  `${fuzz.method} ${fuzz.path.slice(0, 100)} as ${fuzz.who}${fuzz.body === undefined ? '' : ` body ${fuzz.body.slice(0, 100)}`}`;

// ---------------------------------------------------------------------------------------------

describe('HTTP fuzzing of the management routes', () => {
  for (const [index, { route, optional, cases }] of routes.entries()) {
    it(`${route}: ${CASES_PER_ROUTE} generated requests, no 5xx, errors in the spec's shape, nothing written by a rejection`, async (context) => {
      if (optional) {
        const [method, template] = route.split(' ') as [string, string];
        const probe = await fetch(`${service.url}${template.replace('{id}', '0'.repeat(32))}`, { method });
        const body = (await probe.json().catch(() => ({}))) as { error?: { message?: string } };
        if (probe.status === 404 && body.error?.message?.startsWith('No route')) context.skip();
      }
      const generated = fc.sample(cases, { numRuns: CASES_PER_ROUTE, seed: SEED + index });
      const result = await fuzzRoute(route, generated);

      const statuses = [...result.statuses]
        .sort(([a], [b]) => a - b)
        .map(([status, count]) => `${status}×${count}`)
        .join(' ');
      figures.push([
        route,
        result.cases,
        result.cases - (result.statuses.get(200) ?? 0) - (result.statuses.get(201) ?? 0) - (result.statuses.get(202) ?? 0),
        result.serverErrors.length,
        result.shapeProblems.length,
        result.unexplainedWrites.length,
        `${statuses} (${Math.round(result.ms)} ms)`,
      ]);

      expect(result.transportErrors.slice(0, 5)).toEqual([]);
      expect(result.serverErrors.slice(0, 5).map(({ fuzz, answer }) => `${answer.status} ← ${describeCase(fuzz)}`)).toEqual([]);
      expect(
        result.shapeProblems.slice(0, 5).map(({ fuzz, answer, problem }) => `${problem} (${answer.status}) ← ${describeCase(fuzz)}`),
      ).toEqual([]);
      expect(result.successProblems.slice(0, 5).map(({ fuzz, problem }) => `${problem} ← ${describeCase(fuzz)}`)).toEqual([]);
      expect(result.unexplainedWrites.slice(0, 5)).toEqual([]);
      // The fuzz reached past the front door: more than one kind of answer (the public JWKS has one).
      if (route.includes('jwks')) expect([...result.statuses.keys()]).toEqual([200]);
      else expect(result.statuses.size).toBeGreaterThan(1);
    }, 60_000);
  }

  afterAll(() => {
    const total = [1, 2, 3, 4, 5].map((column) => figures.reduce((sum, row) => sum + (row[column] as number), 0));
    report(
      `\nHTTP fuzzing (seed ${SEED})\n${table(['route', 'cases', 'rejected', '5xx', 'bad error shape', 'unexplained writes', 'statuses'], figures)}\n` +
        `fuzz: ${total[0]} requests on ${figures.length} routes, ${total[1]} rejected, ${total[2]} 5xx, ${total[3]} error bodies off-spec, ${total[4]} half-/unexplained writes\n`,
    );
  });
});

/** Regressions of findings this suite made (and that were fixed): each would fail again without its fix. */
describe('HTTP fuzzing: fixed findings', () => {
  it('fixed local-1: a query parameter named like an Object.prototype member is no 5xx on any route', async () => {
    const answers = await Promise.all(
      [...PROTOTYPE_NAMES].flatMap((name) =>
        ['/scopes', '/tokens', '/.well-known/jwks.json', `/tokens/${seeded.aliceActive.id}`].map(
          async (path) => (await send({ method: 'GET', path: `${path}?${name}=1`, who: 'alice', headers: {} })).status,
        ),
      ),
    );
    expect(answers.filter((status) => status >= 500)).toEqual([]);
  });

  it('fixed local-2: a path id with malformed percent-encoding is a 4xx in the spec shape, not a 500', async () => {
    for (const id of ['%', '%zz', '%E0%A4%A', '%C0']) {
      for (const method of ['GET', 'DELETE']) {
        const answer = await send({ method, path: `/tokens/${id}`, who: 'alice', headers: {} });
        expect(answer.status, `${method} /tokens/${id}`).toBeLessThan(500);
        expect(errorShapeProblem(answer)).toBeUndefined();
      }
    }
  });
});

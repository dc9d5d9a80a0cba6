import fc from 'fast-check';
import { anyText, headers, identity, type Identity, jsonValue, pathId, query, seeded, tokenIdLike } from './fuzz-values';

/**
 * What the HTTP fuzz sends each management route: create, refresh and leak-report bodies (mostly
 * near-valid, so that validation is reached field by field) and the table of routes under test.
 */

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

export interface FuzzCase {
  method: string;
  path: string;
  who: Identity;
  headers: Record<string, string>;
  body?: string;
}

export interface RouteUnderTest {
  route: string;
  /** Routes the local front may not serve yet are fuzzed when it does. */
  optional?: boolean;
  cases: fc.Arbitrary<FuzzCase>;
}

const caseOf = (method: string, path: fc.Arbitrary<string>, body?: fc.Arbitrary<string>) =>
  fc
    .record({ path, who: identity, headers, body: body ?? fc.constant(undefined) })
    .map(({ path: p, who, headers: h, body: b }) => ({ method, path: p, who, headers: h, body: b }));

export const routes: RouteUnderTest[] = [
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

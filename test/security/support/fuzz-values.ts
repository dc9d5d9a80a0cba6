import fc from 'fast-check';

/**
 * The HTTP fuzz's cast and its small values: who calls (identities, their sessions and seeded
 * tokens), text of every kind, headers, token-id look-alikes, path ids, forged cursors and query
 * strings. The request bodies and the route table are fuzz-routes.ts.
 */

/** Filled by the suite's beforeAll; the generators read them when they are sampled. */
export const sessions: Record<'alice' | 'carol' | 'dave', string> = { alice: '', carol: '', dave: '' };
export const seeded: Record<'aliceActive' | 'aliceRevoked' | 'daveActive', { id: string; accessToken: string; refreshKey: string }> =
  {} as never;

/** Query keys named like Object.prototype members: once finding local-1, now generated like any key and checked below. */
export const PROTOTYPE_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype));

export type Identity = 'alice' | 'carol' | 'dave' | 'anonymous' | 'garbage' | 'access-token' | 'basic';
export const identity = fc.constantFrom<Identity>(
  'alice',
  'alice',
  'carol',
  'carol',
  'dave',
  'anonymous',
  'garbage',
  'access-token',
  'basic',
);
export const tenantOf: Partial<Record<Identity, string>> = { alice: 'acme', carol: 'acme', dave: 'globex' };

export function authorizationOf(who: Identity): string | undefined {
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

export const printable = (maxLength: number) =>
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength });
export const anyText = (maxLength = 40) =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
    fc.string({ unit: 'binary', maxLength }),
    printable(maxLength),
  );
export const jsonValue = fc.oneof(
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
export const headers = fc.dictionary(headerName, headerValue, { maxKeys: 4 });

export const tokenIdLike = fc.oneof(
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
export const pathId = fc.oneof(
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
export const query = fc
  .array(queryPair, { maxLength: 5 })
  .map((pairs) => (pairs.length === 0 ? '' : `?${new URLSearchParams(pairs).toString()}`));

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { covers, governingArea, normaliseScopes, type ScopeCatalogue } from '../../functions/domain/scopes';

/**
 * Scope coverage against a brute-force reference: every grant is expanded into the explicit set
 * of (area, permission) pairs it covers over a finite universe of areas (every area named by the
 * catalogue, the grants and the required scope, with all their ancestors), and coverage is
 * membership in that set. The reference knows nothing of the implementation's string tricks.
 */

const PERMISSIONS = ['read', 'write', 'delete'] as const;
const SEGMENT = /^[a-z][a-z0-9-]*$/;

/** An area as its list of segments, or undefined if the text is no valid area. */
function segmentsOf(area: string): string[] | undefined {
  if (area.length === 0 || area.length > 200) return undefined;
  const segments = area.split('/');
  return segments.every((segment) => SEGMENT.test(segment)) ? segments : undefined;
}

/** A scope is `area:permission` with exactly one colon (an area never holds one). */
function referenceParse(scope: string): { segments: string[]; permission: string } | undefined {
  const parts = scope.split(':');
  if (parts.length !== 2) return undefined;
  const [area, permission] = parts as [string, string];
  const segments = segmentsOf(area);
  if (!segments || !(PERMISSIONS as readonly string[]).includes(permission)) return undefined;
  return { segments, permission };
}

const isPrefix = (prefix: readonly string[], of: readonly string[]) =>
  prefix.length <= of.length && prefix.every((segment, i) => of[i] === segment);

function universeOf(texts: readonly string[]): string[][] {
  const areas = new Map<string, string[]>();
  for (const text of texts) {
    const segments = segmentsOf(text.includes(':') ? text.slice(0, text.lastIndexOf(':')) : text);
    if (!segments) continue;
    for (let depth = 1; depth <= segments.length; depth++) areas.set(segments.slice(0, depth).join('/'), segments.slice(0, depth));
  }
  return [...areas.values()];
}

/** Brute force: expand every grant to the pairs it covers, then look the required pair up. */
function referenceCovers(granted: readonly string[], required: string, universe: readonly string[][]): boolean {
  const needed = referenceParse(required);
  if (!needed) return false;
  const expanded = new Set<string>();
  for (const grant of granted) {
    if (grant === '*') {
      for (const area of universe) for (const permission of PERMISSIONS) expanded.add(`${area.join('/')}:${permission}`);
      continue;
    }
    const parsed = referenceParse(grant);
    if (!parsed) continue;
    for (const area of universe) if (isPrefix(parsed.segments, area)) expanded.add(`${area.join('/')}:${parsed.permission}`);
  }
  return expanded.has(`${needed.segments.join('/')}:${needed.permission}`);
}

// Few, similar segment names, so that prefixes, shared stems (`a` / `ab`) and hyphens collide often.
const segment = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('a', 'ab', 'a-b', 'b', 'c1', 'docs', 'candidates', 'candidate') },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,4}$/) },
);
const area = fc.array(segment, { minLength: 1, maxLength: 4 }).map((segments) => segments.join('/'));
const catalogue = fc
  .uniqueArray(area, { minLength: 1, maxLength: 8 })
  .map((names): ScopeCatalogue => names.map((name) => ({ name, description: name })));
const permission = fc.constantFrom(...PERMISSIONS);

/** Scopes: well-formed ones, `*`, and near misses a parser must refuse. */
const scopeOf = (areas: fc.Arbitrary<string>) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.tuple(areas, permission).map(([a, p]) => `${a}:${p}`) },
    { weight: 1, arbitrary: fc.constant('*') },
    {
      weight: 3,
      arbitrary: fc.oneof(
        fc.tuple(areas, permission).map(([a, p]) => `${a}:${p.toUpperCase()}`),
        fc.tuple(areas, permission).map(([a, p]) => `${a}/:${p}`),
        fc.tuple(areas, permission).map(([a, p]) => `${a}:${p}:${p}`),
        fc.tuple(areas, permission).map(([a, p]) => ` ${a}:${p}`),
        fc.tuple(areas, permission).map(([a, p]) => `${a.toUpperCase()}:${p}`),
        fc.tuple(areas, permission).map(([a, p]) => `${a}//x:${p}`),
        fc.tuple(areas, permission).map(([a, p]) => `${a}*:${p}`),
        areas.map((a) => `${a}:`),
        areas,
        permission.map((p) => `:${p}`),
        fc.constantFrom('', ':', '**', '*:read', 'read', '/a:read', 'a:admin'),
        fc.string({ maxLength: 12 }),
      ),
    },
  );

const scenario = catalogue.chain((cat) => {
  const known = fc.constantFrom(...cat.map((entry) => entry.name));
  const anyArea = fc.oneof({ weight: 3, arbitrary: known }, { weight: 1, arbitrary: area });
  return fc.record({
    catalogue: fc.constant(cat),
    granted: fc.array(scopeOf(anyArea), { maxLength: 6 }),
    required: scopeOf(anyArea),
  });
});

describe('scope coverage (property-based)', () => {
  it('covers() agrees with a brute-force expansion of the grants over the universe of areas', () => {
    fc.assert(
      fc.property(scenario, ({ catalogue: cat, granted, required }) => {
        const universe = universeOf([...cat.map((entry) => entry.name), ...granted, required]);
        expect(covers(granted, required)).toBe(referenceCovers(granted, required, universe));
      }),
      { numRuns: 3_000 },
    );
  });

  it('a grant covers exactly its own permission, on its area and every sub-area, never a parent or a sibling stem', () => {
    fc.assert(
      fc.property(area, area, permission, permission, (grantArea, requiredArea, grantPermission, requiredPermission) => {
        const expected = grantPermission === requiredPermission && isPrefix(grantArea.split('/'), requiredArea.split('/'));
        expect(covers([`${grantArea}:${grantPermission}`], `${requiredArea}:${requiredPermission}`)).toBe(expected);
      }),
      { numRuns: 3_000 },
    );
  });

  it('only well-formed required scopes are ever covered, even by *', () => {
    fc.assert(
      fc.property(scopeOf(area), (required) => {
        expect(covers(['*'], required)).toBe(referenceParse(required) !== undefined);
      }),
      { numRuns: 2_000 },
    );
  });

  it('normaliseScopes grants only catalogue scopes: de-duplicated in the order given, or * alone', () => {
    fc.assert(
      fc.property(scenario, ({ catalogue: cat, granted }) => {
        const names = new Set(cat.map((entry) => entry.name));
        const unknown = granted.filter((scope) => {
          if (scope === '*') return false;
          const parsed = referenceParse(scope);
          return !parsed || !names.has(parsed.segments.join('/'));
        });
        const result = normaliseScopes(granted, cat);
        if (unknown.length > 0) {
          expect(result).toEqual({ ok: false, unknown });
        } else {
          expect(result).toEqual({ ok: true, scopes: granted.includes('*') ? ['*'] : [...new Set(granted)] });
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('governingArea is the deepest catalogue area containing the path', () => {
    fc.assert(
      fc.property(catalogue, area, (cat, path) => {
        const containing = cat.map((entry) => entry.name).filter((name) => isPrefix(name.split('/'), path.split('/')));
        const deepest = containing.sort((a, b) => b.split('/').length - a.split('/').length)[0];
        expect(governingArea(path, cat)).toBe(deepest);
      }),
      { numRuns: 2_000 },
    );
  });
});

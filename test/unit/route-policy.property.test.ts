import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { policyLetsIn, type PolicyStatement } from '../../functions/apigateway/iam-evaluation';
import { RoutePolicy } from '../../functions/apigateway/route-policy';
import {
  exampleApiRoutes,
  exampleCatalogue,
  requiredScopeOf,
  resolveRoutes,
  type ProtectedRoute,
  type ResolvedRoute,
} from '../../functions/domain/routes';
import { covers, type ScopeCatalogue } from '../../functions/domain/scopes';
import { authorizerResultOf } from '../../functions/apigateway/authorizer-result';

/*
 * Generated route tables (literals that collide on purpose, `{param}`, `{proxy+}`, verbs and ANY,
 * declared and derived scopes over the example catalogue plus generated areas) and grants. For a
 * table the checker accepts: every grant's policy, computed once as the authorizer does and then
 * replayed from the cache, is applied to concrete requests of every route, each routed by the
 * reference routers below and judged by the IAM evaluator: 0 over-grants, 0 under-grants. For a
 * table it refuses: the witness scopes make the simple policy keep the token out of a request that
 * reaches a route it holds, so the refusal is not arbitrary.
 */

const NUM_RUNS = Number(process.env.ROUTE_POLICY_RUNS ?? 10_000);
const VERBS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const LITERALS = ['api', 'candidates', 'documents', 'jobs', 'assessments', 'a', 'b'];
const GENERATED_AREAS = ['a', 'b', 'a/b', 'jobs/a'];
const STAGE = 'arn:aws:execute-api:eu-west-1:111122223333:abcdef1234/prod';

type Kind = 'static' | 'param' | 'proxy';
const kindOf = (part: string): Kind => (part.endsWith('+}') ? 'proxy' : part.startsWith('{') ? 'param' : 'static');
const partsCache = new Map<string, string[]>();
const partsOf = (resource: string): string[] => {
  let parts = partsCache.get(resource);
  if (!parts) partsCache.set(resource, (parts = resource === '/' ? [] : resource.slice(1).split('/')));
  return parts;
};

/** Does the resource template match these concrete segments? */
function templateMatches(resource: string, segments: string[]): boolean {
  const parts = partsOf(resource);
  for (let i = 0; i < parts.length; i++) {
    const kind = kindOf(parts[i]!);
    if (kind === 'proxy') return segments.length > i;
    if (i >= segments.length) return false;
    if (kind === 'static' && parts[i] !== segments[i]) return false;
  }
  return segments.length === parts.length;
}

const order: Record<Kind, number> = { static: 0, param: 1, proxy: 2 };
/** API Gateway's preference among resources matching the same path: left to right, literal > param > proxy. */
function compareSpecificity(x: string, y: string): number {
  const a = partsOf(x);
  const b = partsOf(y);
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const difference = order[kindOf(a[i]!)] - order[kindOf(b[i]!)];
    if (difference !== 0) return difference;
  }
  return 0;
}

const shapeCache = new Map<string, string>();
const shape = (resource: string): string => {
  let key = shapeCache.get(resource);
  if (key === undefined)
    shapeCache.set(
      resource,
      (key = partsOf(resource)
        .map((part) => (kindOf(part) === 'static' ? part : kindOf(part)))
        .join('/')),
    );
  return key;
};

/** The route a request reaches when API Gateway picks the resource by path alone, then the method on it. */
function routeByPath(routes: readonly ResolvedRoute[], verb: string, segments: string[]): ResolvedRoute | undefined {
  const resources = [...new Set(routes.filter((route) => templateMatches(route.resource, segments)).map((route) => route.resource))];
  if (resources.length === 0) return undefined;
  const best = resources.sort(compareSpecificity)[0]!;
  const here = routes.filter((route) => shape(route.resource) === shape(best));
  return here.find((route) => route.method === verb) ?? here.find((route) => route.method === 'ANY');
}

/** The same if API Gateway fell back to a less specific resource when the best one lacks the verb. */
function routeByPathAndVerb(routes: readonly ResolvedRoute[], verb: string, segments: string[]): ResolvedRoute | undefined {
  const candidates = routes.filter((route) => {
    if (!templateMatches(route.resource, segments)) return false;
    if (route.method === verb) return true;
    return route.method === 'ANY' && !routes.some((other) => other.method === verb && shape(other.resource) === shape(route.resource));
  });
  return candidates.sort((x, y) => compareSpecificity(x.resource, y.resource))[0];
}

/** A small deterministic generator, so that concrete paths come from the property's own seed. */
function randomFrom(seed: number) {
  let state = seed >>> 0;
  return (n: number) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % n) as number;
  };
}

/** Concrete paths of a route: its parameters filled with the table's literals or fresh values. */
function concretePaths(resource: string, values: string[], random: (n: number) => number): string[][] {
  const parts = partsOf(resource);
  const paths: string[][] = [];
  for (let sample = 0; sample < 4; sample++) {
    const path: string[] = [];
    for (const part of parts) {
      const kind = kindOf(part);
      if (kind === 'static') path.push(part);
      else if (kind === 'param') path.push(sample === 0 ? 'v1' : values[random(values.length)]!);
      else for (let n = 1 + random(3); n > 0; n--) path.push(values[random(values.length)]!);
    }
    paths.push(path);
  }
  return paths;
}

const catalogueScopes = (catalogue: ScopeCatalogue) =>
  catalogue.flatMap(({ name }) => ['read', 'write', 'delete'].map((permission) => `${name}:${permission}`));

const tableInput = fc.record({
  areas: fc.subarray(GENERATED_AREAS),
  examples: fc.subarray(exampleApiRoutes, { maxLength: 3 }),
  routes: fc.array(
    fc.record({
      method: fc.constantFrom('GET', 'GET', 'HEAD', 'POST', 'DELETE', 'ANY'),
      parts: fc.array(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...LITERALS) }, { weight: 2, arbitrary: fc.constant('{}') }), {
        maxLength: 4,
      }),
      proxy: fc.nat({ max: 3 }).map((n) => n === 0),
      declare: fc.boolean(),
      scopePick: fc.nat(),
    }),
    { minLength: 1, maxLength: 4 },
  ),
  grantPicks: fc.array(fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), { maxLength: 1 }),
  seed: fc.integer(),
});

type TableInput = typeof tableInput extends fc.Arbitrary<infer T> ? T : never;

const totals = {
  tables: 0,
  accepted: 0,
  refused: 0,
  routes: 0,
  grants: 0,
  requests: 0,
  overGrants: 0,
  underGrants: 0,
  witnessesShown: 0,
  tablesWithDeny: 0,
  planMs: 0,
};

function buildTable(input: TableInput): { catalogue: ScopeCatalogue; routes: ResolvedRoute[] } {
  const catalogue: ScopeCatalogue = [...exampleCatalogue, ...input.areas.map((name) => ({ name, description: `generated ${name}` }))];
  const scopes = catalogueScopes(catalogue);
  const seen = new Set<string>();
  const table: ProtectedRoute[] = [];
  for (const route of [
    ...input.examples,
    ...input.routes.map(({ method, parts, proxy, declare, scopePick }) => {
      let index = 0;
      const named = parts.map((part) => (part === '{}' ? `{p${index++}}` : part));
      const resource = `/${[...named, ...(proxy ? ['{proxy+}'] : [])].join('/')}`;
      const declared = scopes[scopePick % scopes.length]!;
      const derived = requiredScopeOf({ method, resource }, catalogue);
      return declare || derived === undefined ? { method, resource, scope: declared } : { method, resource };
    }),
  ]) {
    const key = `${route.method} ${shape(route.resource)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    table.push(route);
  }
  return { catalogue, routes: resolveRoutes(table, catalogue) };
}

describe('authorizer policy over generated route tables', () => {
  afterAll(() => {
    console.log(`route-policy property: ${JSON.stringify(totals)}`);
  });

  it(`is exact for every table the checker accepts, and the checker refuses only tables with a witness (${NUM_RUNS} tables)`, () => {
    fc.assert(
      fc.property(tableInput, (input) => {
        const { catalogue, routes } = buildTable(input);
        const started = performance.now();
        const plan = new RoutePolicy(routes);
        totals.planMs += performance.now() - started;
        totals.tables++;
        totals.routes += routes.length;

        if (plan.conflicts.length > 0) {
          totals.refused++;
          for (const conflict of plan.conflicts) {
            const granted = routes.filter((route) => covers(conflict.witnessScopes, route.scope));
            const segments = partsOf(conflict.blockedPath);
            const reached = routeByPathAndVerb(routes, conflict.verb, segments);
            const statements = authorizerResultOf(
              decisionOf(conflict.witnessScopes, granted),
              `${STAGE}/${conflict.verb}${conflict.blockedPath}`,
              plan,
            ).policyDocument.Statement as PolicyStatement[];
            // The request reaches a route the token holds, and the simple policy keeps it out.
            expect(reached).toBe(conflict.granted);
            expect(granted).toContain(reached);
            expect(granted).not.toContain(conflict.denied);
            expect(policyLetsIn(statements, `${STAGE}/${conflict.verb}${conflict.blockedPath}`)).toBe(false);
            totals.witnessesShown++;
          }
          return;
        }
        totals.accepted++;

        const random = randomFrom(input.seed);
        const values = [
          'v1',
          'v2',
          ...new Set(routes.flatMap((route) => partsOf(route.resource).filter((part) => kindOf(part) === 'static'))),
        ];
        const requests: Array<{ verb: string; segments: string[] }> = [];
        const seen = new Set<string>();
        for (const route of routes) {
          // ANY: a verb declared beside it (which it does not answer) and one it does.
          const verbs =
            route.method === 'ANY'
              ? [...new Set([VERBS[random(VERBS.length)]!, ...routes.map((other) => other.method).filter((m) => m !== 'ANY')])]
              : [route.method];
          for (const segments of concretePaths(route.resource, values, random)) {
            for (const verb of verbs) {
              const key = `${verb} ${segments.join('/')}`;
              if (seen.has(key)) continue;
              seen.add(key);
              requests.push({ verb, segments });
            }
          }
        }

        const allScopes = catalogueScopes(catalogue);
        const grants = [...new Set(routes.map((route) => route.scope))].map((scope) => [scope]);
        for (const picks of input.grantPicks) grants.push(picks.map((pick) => allScopes[pick % allScopes.length]!));
        for (const scopes of grants) {
          totals.grants++;
          const granted = routes.filter((route) => covers(scopes, route.scope));
          // Computed for the first request, then served from the cache for every other one.
          const first = requests[0]!;
          const cached = authorizerResultOf(decisionOf(scopes, granted), `${STAGE}/${first.verb}/${first.segments.join('/')}`, plan);
          const statements = cached.policyDocument.Statement as PolicyStatement[];
          if (statements.some((statement) => statement.Effect === 'Deny')) totals.tablesWithDeny++;
          for (const { verb, segments } of requests) {
            const arn = `${STAGE}/${verb}/${segments.join('/')}`;
            const letIn = policyLetsIn(statements, arn);
            for (const router of [routeByPath, routeByPathAndVerb]) {
              const reached = router(routes, verb, segments);
              if (!reached) continue; // not behind this authorizer
              totals.requests++;
              const holds = granted.includes(reached);
              if (letIn === holds) continue;
              if (letIn) totals.overGrants++;
              else totals.underGrants++;
              throw new Error(
                `${letIn ? 'over' : 'under'}-grant: ${verb} /${segments.join('/')} reaches ${reached.method} ${reached.resource} (${reached.scope}), scopes ${scopes.join(' ')}, policy ${JSON.stringify(statements)}`,
              );
            }
          }
        }
      }),
      { numRuns: NUM_RUNS },
    );

    expect(totals.tables).toBeGreaterThanOrEqual(NUM_RUNS);
    expect(totals.overGrants).toBe(0);
    expect(totals.underGrants).toBe(0);
  }, 120_000);
});

function decisionOf(scopes: string[], allowedRoutes: ResolvedRoute[]) {
  return allowedRoutes.length > 0
    ? {
        effect: 'allow' as const,
        principal: { tokenId: 't', owner: 'o', tenant: 'acme', scopes },
        allowedRoutes,
        validUntil: 2_000_000_000_000,
      }
    : {
        effect: 'forbidden' as const,
        reason: 'scope' as const,
        principal: { tokenId: 't', owner: 'o', tenant: 'acme', scopes },
        allowedRoutes,
        validUntil: 2_000_000_000_000,
      };
}

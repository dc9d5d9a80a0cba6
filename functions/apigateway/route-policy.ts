import { apiGatewayVerbs, parseResource, type ResolvedRoute, type ResourceSegment } from '../domain/routes';
import { covers } from '../domain/scopes';

/*
 * The policy a token's cached authorizer answer carries, and the check that a route table admits an
 * exact one.
 *
 * API Gateway applies a cached policy to every method of the stage, matching method ARNs
 * (`VERB/concrete/path`) against its patterns, where `*` matches any run of characters, `/` included.
 * A route's pattern turns each `{param}` and `{proxy+}` into `*`, so it also matches deeper paths
 * that belong to other routes: `GET/api/candidates/*` matches `GET/api/candidates/42/assessments`.
 *
 * Paths are reasoned about segment by segment. A concrete path is a list of non-empty segments; a
 * `*` standing for a whole part of a route's path then matches one or more whole segments (or,
 * for the pattern `/*` alone, the root path `/`). Every segment that is not a literal of the table
 * behaves the same, so one fresh symbol stands for all of them and the questions below are finite.
 *
 * Routing, as API Gateway does it: the most specific resource wins, compared part by part from the
 * left (literal, then `{param}`, then `{proxy+}`). Resources are compared among the routes of the
 * same verb (`ANY` counts for every verb not declared beside it). API Gateway picks the resource by
 * the path alone, so a request can only reach fewer routes than this model says, never others:
 * a policy exact for the model is exact for API Gateway.
 */

type Part = { kind: 'static'; text: string } | { kind: 'one' } | { kind: 'many' };

interface Endpoint {
  verb: string;
  route: ResolvedRoute;
  /** Index of `route` in the table. */
  routeIndex: number;
  /** The template, for routing: literals, `{param}` (one segment), `{proxy+}` (one or more). */
  template: Part[];
  /** The ARN pattern, for matching: literals and `*` (one or more segments). */
  pattern: Part[];
  /** `VERB/path` with `*` for parameters: what follows the stage in the method ARN pattern. */
  arnPath: string;
}

/** A route table for which some grant has no exact policy made of the routes' own ARN patterns. */
export interface RouteConflict {
  /** The route a token may be refused while it holds the scope of `granted` (and of `leaking`). */
  denied: ResolvedRoute;
  /** The route such a token must reach, which the Deny for `denied` would also refuse. */
  granted: ResolvedRoute;
  /** The granted route whose Allow also lets the token into `denied`, which is why it must be denied. */
  leaking: ResolvedRoute;
  /** The verb of the concrete requests below (differs from the routes' for `ANY`). */
  verb: string;
  /** A concrete path of `denied` that the Allow of `leaking` matches. */
  leakPath: string;
  /** A concrete path of `granted` that the pattern of `denied` matches. */
  blockedPath: string;
  /** Scopes with which the simple policy (Allow the granted, Deny the leaked-into) refuses `blockedPath`. */
  witnessScopes: string[];
}

export class RouteTableError extends Error {
  override name = 'RouteTableError';
  constructor(readonly conflicts: readonly RouteConflict[]) {
    super(describeConflicts(conflicts));
  }
}

const name = (route: ResolvedRoute) => `${route.method} ${route.resource} (${route.scope})`;

function describeConflicts(conflicts: readonly RouteConflict[]): string {
  const lines = conflicts.map((c) => {
    return (
      `${name(c.denied)} and ${name(c.granted)}: a token with ${c.witnessScopes.join(' ')} must be denied ${c.verb} ${c.leakPath} ` +
      `(the Allow pattern of ${c.leaking.method} ${c.leaking.resource} matches it) but allowed ${c.verb} ${c.blockedPath}, and the ARN pattern of ${c.denied.method} ${c.denied.resource} matches both`
    );
  });
  return `No exact authorizer policy exists for this route table (a cached answer would let a token in where its scopes do not reach, or keep it out where they do): ${lines.join('; ')}. Give these routes the same scope, or change a path so that one pattern no longer matches the other's requests.`;
}

function templateOf(segments: ResourceSegment[]): Part[] {
  return segments.map((segment) => (segment.kind === 'static' ? segment : segment.kind === 'param' ? { kind: 'one' } : { kind: 'many' }));
}

function patternOf(segments: ResourceSegment[]): Part[] {
  return segments.map((segment) => (segment.kind === 'static' ? segment : { kind: 'many' }));
}

function arnPathOf(verb: string, segments: ResourceSegment[]): string {
  return `${verb}/${segments.map((segment) => (segment.kind === 'static' ? segment.text : '*')).join('/')}`;
}

/** Each route once per verb it answers: `ANY` stands for every verb not declared on the same resource. */
function endpointsOf(routes: readonly ResolvedRoute[]): Endpoint[] {
  const declared = new Set(routes.filter((route) => route.method !== 'ANY').map((route) => `${route.method} ${shapeKey(route.resource)}`));
  const seen = new Map<string, ResolvedRoute>();
  const endpoints: Endpoint[] = [];
  routes.forEach((route, routeIndex) => {
    const shape = parseResource(route.resource);
    if (!shape.ok) throw new Error(`${route.method} ${route.resource}: the resource ${shape.problem}`);
    const key = `${route.method} ${shapeKey(route.resource)}`;
    const twin = seen.get(key);
    if (twin)
      throw new Error(
        `${route.method} ${route.resource} is declared twice (also as ${twin.method} ${twin.resource}): one resource, one method, one scope`,
      );
    seen.set(key, route);
    const verbs =
      route.method === 'ANY' ? apiGatewayVerbs.filter((verb) => !declared.has(`${verb} ${shapeKey(route.resource)}`)) : [route.method];
    for (const verb of verbs) {
      endpoints.push({
        verb,
        route,
        routeIndex,
        template: templateOf(shape.segments),
        pattern: patternOf(shape.segments),
        arnPath: arnPathOf(verb, shape.segments),
      });
    }
  });
  return endpoints;
}

/** `/a/{id}` and `/a/{x}` are one API Gateway resource. */
function shapeKey(resource: string): string {
  return resource.replace(/\{[^}]*\+\}/g, '{+}').replace(/\{[^}+]*\}/g, '{}');
}

const rank = { static: 3, one: 2, many: 1 } as const;

/** Would API Gateway prefer `u` to `t` for a path both match? Decided by the first part where they differ. */
function moreSpecific(u: Part[], t: Part[]): boolean {
  for (let i = 0; i < Math.max(u.length, t.length); i++) {
    const a = u[i];
    const b = t[i];
    if (!a || !b) return false; // different lengths without a proxy: no path matches both
    if (a.kind === 'static' && b.kind === 'static') {
      if (a.text !== b.text) return false;
      continue;
    }
    if (a.kind !== b.kind) return rank[a.kind] > rank[b.kind];
    if (a.kind === 'many') return false; // same resource from here on
  }
  return false;
}

/*
 * Automata over segments. A state set is a bit set: bit 2i = "at part i", bit 2i+1 = "inside the
 * `many` part i, having taken at least one segment" (which may also stop, reaching 2i+2).
 */
const OTHER = -1;

function close(parts: Part[], set: number): number {
  for (let i = 0; i < parts.length; i++) if (set & (1 << (2 * i + 1))) set |= 1 << (2 * i + 2);
  return set;
}

function step(parts: Part[], symbols: readonly string[], set: number, symbol: number): number {
  let next = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (set & (1 << (2 * i))) {
      if (part.kind === 'static') {
        if (symbol !== OTHER && symbols[symbol] === part.text) next |= 1 << (2 * i + 2);
      } else if (part.kind === 'one') next |= 1 << (2 * i + 2);
      else next |= 1 << (2 * i + 1);
    }
    if (set & (1 << (2 * i + 1))) next |= 1 << (2 * i + 1);
  }
  return close(parts, next);
}

const accepts = (parts: Part[], set: number) => (set & (1 << (2 * parts.length))) !== 0;

/**
 * A concrete path that `pattern` matches and that reaches `target` (matches its template and no
 * template of `preferred`, the routes API Gateway would choose over it), or undefined if none.
 */
function overlap(pattern: Part[], target: Part[], preferred: Part[][]): string | undefined {
  if (!edgesAgree(pattern, target)) return undefined;
  // The pattern `/*` alone also matches the root path `/` (its `*` matching nothing).
  if (target.length === 0) {
    return (pattern.length === 0 || (pattern.length === 1 && pattern[0]!.kind === 'many')) && !preferred.some((u) => u.length === 0)
      ? '/'
      : undefined;
  }
  const symbols = [...new Set([pattern, target, ...preferred].flat().flatMap((part) => (part.kind === 'static' ? [part.text] : [])))];
  // Fresh values first, so that a witness path reads like a real request.
  const alphabet = [OTHER, ...symbols.keys()];
  const start = { p: close(pattern, 1), t: close(target, 1), u: preferred.map((parts) => close(parts, 1)) };
  const seen = new Map<string, { previous: string | undefined; symbol: number }>();
  const keyOf = (s: typeof start) => `${s.p},${s.t},${s.u.join(',')}`;
  seen.set(keyOf(start), { previous: undefined, symbol: OTHER });
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const state = queue[head]!;
    const key = keyOf(state);
    if (accepts(pattern, state.p) && accepts(target, state.t) && !state.u.some((set, i) => accepts(preferred[i]!, set))) {
      return witnessPath(seen, key, symbols);
    }
    for (const symbol of alphabet) {
      const next = {
        p: step(pattern, symbols, state.p, symbol),
        t: step(target, symbols, state.t, symbol),
        u: state.u.map((set, i) => step(preferred[i]!, symbols, set, symbol)),
      };
      if (next.p === 0 || next.t === 0) continue;
      const nextKey = keyOf(next);
      if (seen.has(nextKey)) continue;
      seen.set(nextKey, { previous: key, symbol });
      queue.push(next);
    }
  }
  return undefined;
}

/** A quick no: the literal parts both start (or end) with must agree, or no path matches both. */
function edgesAgree(pattern: Part[], target: Part[]): boolean {
  if (pattern.length === 0 || target.length === 0) return true;
  for (let i = 0; i < Math.min(pattern.length, target.length); i++) {
    const a = pattern[i]!;
    const b = target[i]!;
    if (a.kind !== 'static' || b.kind !== 'static') break;
    if (a.text !== b.text) return false;
  }
  const a = pattern[pattern.length - 1]!;
  const b = target[target.length - 1]!;
  return !(a.kind === 'static' && b.kind === 'static' && a.text !== b.text);
}

function witnessPath(seen: Map<string, { previous: string | undefined; symbol: number }>, key: string, symbols: readonly string[]): string {
  let fresh = 'x1';
  for (let n = 2; symbols.includes(fresh); n++) fresh = `x${n}`;
  const segments: string[] = [];
  for (let at: string | undefined = key; at !== undefined; ) {
    const entry: { previous: string | undefined; symbol: number } = seen.get(at)!;
    if (entry.previous === undefined) break;
    segments.unshift(entry.symbol === OTHER ? fresh : symbols[entry.symbol]!);
    at = entry.previous;
  }
  return `/${segments.join('/')}`;
}

/** The policy of one grant: ARN paths (`VERB/path`, `*` for parameters) to Allow, and to Deny. */
export interface GrantPolicy {
  allow: string[];
  deny: string[];
}

/**
 * What a route table's policies are built from, computed once (at cold start, or at synth). For
 * each endpoint: the endpoints whose Allow pattern matches a concrete request of it (`leakers`).
 */
export class RoutePolicy {
  private readonly endpoints: Endpoint[];
  /** `leaks[a]` lists the endpoints `e` for which a concrete request of `e` matches the pattern of `a`, with that path. */
  private readonly leaks: Array<Array<{ into: number; path: string }>>;
  private readonly indexByKey = new Map<string, number>();
  readonly conflicts: RouteConflict[];

  constructor(readonly routes: readonly ResolvedRoute[]) {
    this.endpoints = endpointsOf(routes);
    routes.forEach((route, index) => this.indexByKey.set(`${route.method} ${route.resource}`, index));
    const byVerb = new Map<string, number[]>();
    this.endpoints.forEach((endpoint, index) => byVerb.set(endpoint.verb, [...(byVerb.get(endpoint.verb) ?? []), index]));

    // matches[x][y]: a concrete path that reaches endpoint y and that the pattern of x matches.
    const matches = this.endpoints.map(() => new Map<number, string>());
    // `ANY` repeats the same question for each verb: ask it once.
    const answers = new Map<string, string | undefined>();
    for (const group of byVerb.values()) {
      for (const y of group) {
        const target = this.endpoints[y]!.template;
        const preferred = group.filter((u) => u !== y && moreSpecific(this.endpoints[u]!.template, target));
        const preferredKey = preferred.map((u) => shapeKey(this.endpoints[u]!.route.resource)).join(' ');
        for (const x of group) {
          if (x === y) continue;
          const key = `${this.endpoints[x]!.arnPath.slice(this.endpoints[x]!.verb.length)} ${shapeKey(this.endpoints[y]!.route.resource)} ${preferredKey}`;
          let path = answers.get(key);
          if (!answers.has(key)) {
            path = overlap(
              this.endpoints[x]!.pattern,
              target,
              preferred.map((u) => this.endpoints[u]!.template),
            );
            answers.set(key, path);
          }
          if (path !== undefined) matches[x]!.set(y, path);
        }
      }
    }
    this.leaks = matches.map((row) => [...row].map(([into, path]) => ({ into, path })));

    // A Deny for s is needed when some granted a leaks into s; it is wrong when s's pattern also
    // matches a concrete request of a granted r. Both grants must be possible without s's scope.
    this.conflicts = [];
    const reported = new Set<string>();
    this.endpoints.forEach((s, si) => {
      matches.forEach((row, ai) => {
        const leakPath = row.get(si);
        const a = this.endpoints[ai]!;
        if (leakPath === undefined || a.routeIndex === s.routeIndex) return;
        for (const [ri, blockedPath] of matches[si]!) {
          const r = this.endpoints[ri]!;
          if (r.routeIndex === s.routeIndex) continue;
          const witnessScopes = [...new Set([a.route.scope, r.route.scope])];
          if (covers(witnessScopes, s.route.scope)) continue;
          const pair = `${s.routeIndex} ${r.routeIndex}`;
          if (reported.has(pair)) continue;
          reported.add(pair);
          this.conflicts.push({ denied: s.route, granted: r.route, leaking: a.route, verb: s.verb, leakPath, blockedPath, witnessScopes });
        }
      });
    });
  }

  /**
   * Allow the granted routes' patterns; Deny the pattern of every other route that one of those
   * patterns leaks into (Deny wins). Exact when `conflicts` is empty; `granted` must be routes of
   * this table (compared by method and resource).
   */
  policyFor(granted: readonly ResolvedRoute[]): GrantPolicy {
    const grantedRoutes = new Set<number>();
    for (const route of granted) {
      const index = this.indexByKey.get(`${route.method} ${route.resource}`);
      if (index !== undefined) grantedRoutes.add(index);
    }
    const allow: string[] = [];
    const denied = new Set<number>();
    this.endpoints.forEach((endpoint, index) => {
      if (!grantedRoutes.has(endpoint.routeIndex)) return;
      allow.push(endpoint.arnPath);
      for (const { into } of this.leaks[index]!) if (!grantedRoutes.has(this.endpoints[into]!.routeIndex)) denied.add(into);
    });
    const deny = [...denied].sort((x, y) => x - y).map((index) => this.endpoints[index]!.arnPath);
    return { allow, deny };
  }
}

/**
 * The policy plan of a route table, or a `RouteTableError` naming the routes when some grant has no
 * exact policy. Run where the table is known: `cdk synth` (`TokenAuthorizer.addMethod`) and the
 * authorizer's cold start.
 */
export function routePolicyOf(routes: readonly ResolvedRoute[]): RoutePolicy {
  const plan = new RoutePolicy(routes);
  if (plan.conflicts.length > 0) throw new RouteTableError(plan.conflicts);
  return plan;
}

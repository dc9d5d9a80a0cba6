import { serviceRoutes, type RouteHandler, type ServiceRoute } from '../domain/service-routes';

/** A route as the front matches it: an API Gateway resource path and a method. */
export interface FrontRoute {
  method: string;
  resource: string;
}

/** The service's routes, from the route table: as the CDK stack wires them, so the front serves them. */
export const managementRoutes: ReadonlyArray<FrontRoute & { route: ServiceRoute }> = serviceRoutes.map((route) => ({
  method: route.method,
  resource: route.path,
  route,
}));

/**
 * The handler module of every function of the route table (`openapi` aside: the front answers local
 * mode's own document) and the token authorizer's. A handler the table names and this map lacks
 * fails to compile.
 */
export const handlerModules: Record<Exclude<RouteHandler, 'openapi'> | 'authorizer', () => Promise<{ handler: unknown }>> = {
  catalog: () => import('../handlers/catalog'),
  'create-token': () => import('../handlers/create-token'),
  'read-tokens': () => import('../handlers/read-tokens'),
  'revoke-token': () => import('../handlers/revoke-token'),
  'refresh-token': () => import('../handlers/refresh-token'),
  'revoke-leaked': () => import('../handlers/revoke-leaked'),
  'govern-tenant': () => import('../handlers/govern-tenant'),
  'regenerate-token': () => import('../handlers/regenerate-token'),
  jwks: () => import('../handlers/jwks'),
  'token-self': () => import('../handlers/token-self'),
  oauth: () => import('../handlers/oauth'),
  'secret-scanning-alert': () => import('../handlers/secret-scanning-alert'),
  authorizer: () => import('../handlers/authorizer'),
};

export interface RouteMatch<T> {
  route: T | undefined;
  /** The path parameters, decoded; `null` when the route has none (API Gateway's `pathParameters`). */
  parameters: Record<string, string> | null;
  /** Some route has this path (another method: a 404 that names the method). */
  pathMatched: boolean;
}

interface Compiled<T> {
  route: T;
  /** A literal segment, or the parameter's name as `{name}`. */
  parts: string[];
}

/**
 * Finds the route of a request, compiled once: literal paths by a map lookup, the others by their
 * segments. Where a literal and a `{parameter}` both match (`/tokens/self`, `/tokens/{id}`) the
 * literal wins, as in API Gateway, whatever the order of the list.
 */
export class RouteMatcher<T extends FrontRoute> {
  private readonly literal = new Map<string, T>();
  private readonly literalPaths = new Set<string>();
  /** Routes with parameters, by segment count, the more literal first. */
  private readonly parameterised = new Map<number, Compiled<T>[]>();

  constructor(routes: readonly T[]) {
    for (const route of routes) {
      const parts = route.resource.split('/');
      if (!parts.some(isParameter)) {
        if (!this.literal.has(`${route.method} ${route.resource}`)) this.literal.set(`${route.method} ${route.resource}`, route);
        this.literalPaths.add(route.resource);
        continue;
      }
      const group = this.parameterised.get(parts.length) ?? [];
      group.push({ route, parts });
      this.parameterised.set(parts.length, group);
    }
    for (const group of this.parameterised.values()) group.sort((a, b) => specificity(a.parts, b.parts));
  }

  /** `segments` is `path.split('/')`, split once per request for every matcher. */
  find(method: string, path: string, segments: readonly string[]): RouteMatch<T> {
    const exact = this.literal.get(`${method} ${path}`);
    if (exact) return { route: exact, parameters: null, pathMatched: true };
    let pathMatched = this.literalPaths.has(path);
    for (const candidate of this.parameterised.get(segments.length) ?? []) {
      const parameters = parametersOf(candidate.parts, segments);
      if (parameters === undefined) continue;
      pathMatched = true;
      if (candidate.route.method === method) return { route: candidate.route, parameters, pathMatched };
    }
    return { route: undefined, parameters: null, pathMatched };
  }
}

const isParameter = (part: string) => part.startsWith('{') && part.endsWith('}');

/** Literal before parameter at the first place two resources differ in kind. */
function specificity(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < a.length; i++) {
    const difference = Number(isParameter(a[i]!)) - Number(isParameter(b[i]!));
    if (difference !== 0) return difference;
  }
  return 0;
}

function parametersOf(parts: readonly string[], segments: readonly string[]): Record<string, string> | undefined {
  // Literals first: most candidates fail there, before anything is decoded or allocated.
  for (let i = 0; i < parts.length; i++) {
    if (!isParameter(parts[i]!) && parts[i] !== segments[i]) return undefined;
    if (isParameter(parts[i]!) && segments[i] === '') return undefined;
  }
  const parameters: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    if (isParameter(parts[i]!)) parameters[parts[i]!.slice(1, -1)] = decodeURIComponent(segments[i]!);
  }
  return parameters;
}

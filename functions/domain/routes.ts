import { governingArea, type Permission, type ScopeCatalogue } from './scopes';

/** A method of a protected API and, optionally, the scope it needs (else derived from the path). */
export interface ProtectedRoute {
  method: string;
  /** API Gateway resource path, e.g. `/api/candidates/{id}/documents`. */
  resource: string;
  scope?: string;
}

const methodPermissions: Record<string, Permission> = {
  GET: 'read',
  HEAD: 'read',
  POST: 'write',
  PUT: 'write',
  PATCH: 'write',
  DELETE: 'delete',
};

export function permissionOf(method: string): Permission | undefined {
  return methodPermissions[method.toUpperCase()];
}

/**
 * The scope a route needs by default: the catalogue area named by the resource's leading literal
 * segments (path parameters skipped, a non-area prefix such as `/api` ignored; the deepest area
 * wins) and the method's permission. `GET /api/candidates/{id}/documents` → `candidates/documents:read`.
 */
export function derivedScope(method: string, resource: string, catalogue: ScopeCatalogue): string | undefined {
  const permission = permissionOf(method);
  if (!permission) return undefined;
  const segments = resource.split('/').filter((segment) => segment !== '' && !segment.startsWith('{'));
  for (let start = 0; start < segments.length; start++) {
    const area = governingArea(segments.slice(start).join('/'), catalogue);
    if (area) return `${area}:${permission}`;
  }
  return undefined;
}

/** The methods an API Gateway REST API knows; `ANY` stands for each of the others not declared beside it. */
export const apiGatewayVerbs = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
const apiGatewayMethods = new Set<string>([...apiGatewayVerbs, 'ANY']);

/** One path part of a resource: a literal, a `{param}` (exactly one segment) or a final `{proxy+}` (one or more). */
export type ResourceSegment = { kind: 'static'; text: string } | { kind: 'param' } | { kind: 'proxy' };

/** Deeper resources than this are refused: the policy checker tracks path positions in 31-bit sets. */
export const MAX_RESOURCE_SEGMENTS = 15;

/**
 * The parts of an API Gateway resource path, or why it is not one. A literal may not hold `*` or
 * `?`: in a method ARN they are wildcards, so such a route's ARN would match other paths.
 */
export function parseResource(resource: string): { ok: true; segments: ResourceSegment[] } | { ok: false; problem: string } {
  if (!resource.startsWith('/')) return { ok: false, problem: 'must start with /' };
  if (resource === '/') return { ok: true, segments: [] };
  const parts = resource.slice(1).split('/');
  if (parts.length > MAX_RESOURCE_SEGMENTS) return { ok: false, problem: `has more than ${MAX_RESOURCE_SEGMENTS} path parts` };
  const segments: ResourceSegment[] = [];
  for (const [index, part] of parts.entries()) {
    if (part === '') return { ok: false, problem: 'has an empty path part' };
    if (/^\{[A-Za-z0-9_.-]+\+\}$/.test(part)) {
      if (index !== parts.length - 1) return { ok: false, problem: `${part} must be the last path part` };
      segments.push({ kind: 'proxy' });
    } else if (/^\{[A-Za-z0-9_.-]+\}$/.test(part)) {
      segments.push({ kind: 'param' });
    } else if (/[{}*?]/.test(part)) {
      return { ok: false, problem: `"${part}" is neither a literal nor a whole {parameter} (and * and ? are wildcards in method ARNs)` };
    } else {
      segments.push({ kind: 'static', text: part });
    }
  }
  return { ok: true, segments };
}

export function requiredScopeOf(route: ProtectedRoute, catalogue: ScopeCatalogue): string | undefined {
  return route.scope ?? derivedScope(route.method, route.resource, catalogue);
}

export interface ResolvedRoute {
  method: string;
  resource: string;
  scope: string;
}

/** Resolves every route's scope; a route whose scope cannot be derived is a configuration error. */
export function resolveRoutes(routes: readonly ProtectedRoute[], catalogue: ScopeCatalogue): ResolvedRoute[] {
  return routes.map((route) => {
    if (!apiGatewayMethods.has(route.method.toUpperCase())) {
      throw new Error(`${route.method} ${route.resource}: API Gateway methods are ${[...apiGatewayMethods].join(', ')}`);
    }
    const shape = parseResource(route.resource);
    if (!shape.ok) throw new Error(`${route.method.toUpperCase()} ${route.resource}: the resource ${shape.problem}`);
    const scope = requiredScopeOf(route, catalogue);
    if (!scope) {
      throw new Error(`No scope for ${route.method} ${route.resource}: declare one, or add its area to the scope catalogue`);
    }
    return { method: route.method.toUpperCase(), resource: route.resource, scope };
  });
}

/** The example protected API served by `npm start` and deployed by the example consumer stack. */
export const exampleApiRoutes: ProtectedRoute[] = [
  { method: 'GET', resource: '/api/candidates' },
  { method: 'POST', resource: '/api/candidates' },
  { method: 'GET', resource: '/api/candidates/{id}' },
  { method: 'PUT', resource: '/api/candidates/{id}' },
  { method: 'DELETE', resource: '/api/candidates/{id}' },
  { method: 'GET', resource: '/api/candidates/{id}/documents' },
  { method: 'POST', resource: '/api/candidates/{id}/documents' },
  { method: 'GET', resource: '/api/jobs' },
  { method: 'GET', resource: '/api/assessments' },
];

/** The catalogue used by the local server and the tests. */
export const exampleCatalogue: ScopeCatalogue = [
  { name: 'candidates', description: 'Candidate profiles: contact details, status and history' },
  { name: 'candidates/documents', description: 'Documents attached to candidates: resumes, certificates, forms' },
  { name: 'jobs', description: 'Job orders and postings' },
  { name: 'assessments', description: 'Assessments assigned to candidates and their results' },
];

/**
 * Scopes: `area[/sub-area...]:permission`, permission one of read | write | delete, or `*` for all.
 * A grant on an area covers its sub-areas; read, write and delete are independent.
 * The web console bundles this file (web/src/scopes.ts): it must stay free of imports.
 */
export const permissions = ['read', 'write', 'delete'] as const;
export type Permission = (typeof permissions)[number];
export const ALL_SCOPES = '*';

export interface ScopeArea {
  /** Area name, e.g. `candidates` or `candidates/documents`. */
  name: string;
  description: string;
}

export type ScopeCatalogue = readonly ScopeArea[];

export interface ParsedScope {
  area: string;
  permission: Permission;
}

const areaPattern = /^[a-z][a-z0-9-]*(\/[a-z][a-z0-9-]*)*$/;

export function isValidAreaName(name: string): boolean {
  return name.length <= 200 && areaPattern.test(name);
}

export function parseScope(scope: string): ParsedScope | undefined {
  const colon = scope.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const area = scope.slice(0, colon);
  const permission = scope.slice(colon + 1);
  if (!isValidAreaName(area) || !(permissions as readonly string[]).includes(permission)) return undefined;
  return { area, permission: permission as Permission };
}

/** True when `area` is `ancestor` itself or one of its sub-areas. */
export function isWithinArea(area: string, ancestor: string): boolean {
  return area === ancestor || area.startsWith(`${ancestor}/`);
}

/** Does a set of granted scopes cover the required one? */
export function covers(granted: readonly string[], required: string): boolean {
  const needed = parseScope(required);
  if (!needed) return false;
  return granted.some((scope) => {
    if (scope === ALL_SCOPES) return true;
    const grant = parseScope(scope);
    return grant !== undefined && grant.permission === needed.permission && isWithinArea(needed.area, grant.area);
  });
}

export function scopesOfArea(area: string): string[] {
  return permissions.map((permission) => `${area}:${permission}`);
}

export function catalogueView(catalogue: ScopeCatalogue) {
  return {
    areas: catalogue.map(({ name, description }) => ({ name, description, scopes: scopesOfArea(name) })),
  };
}

/**
 * Checks requested scopes against the catalogue and returns them de-duplicated in the caller's
 * order, and `*` alone when requested. Returns the offending entries when some are not grantable.
 */
export function normaliseScopes(
  requested: readonly string[],
  catalogue: ScopeCatalogue,
): { ok: true; scopes: string[] } | { ok: false; unknown: string[] } {
  const areas = new Set(catalogue.map((area) => area.name));
  const unknown = requested.filter((scope) => {
    if (scope === ALL_SCOPES) return false;
    const parsed = parseScope(scope);
    return parsed === undefined || !areas.has(parsed.area);
  });
  if (unknown.length > 0) return { ok: false, unknown };
  if (requested.includes(ALL_SCOPES)) return { ok: true, scopes: [ALL_SCOPES] };
  return { ok: true, scopes: [...new Set(requested)] };
}

/** The catalogue area that governs a path of areas: the longest catalogue entry that contains it. */
export function governingArea(path: string, catalogue: ScopeCatalogue): string | undefined {
  let best: string | undefined;
  for (const { name } of catalogue) {
    if (isWithinArea(path, name) && (best === undefined || name.length > best.length)) best = name;
  }
  return best;
}

import { ALL_SCOPES, isWithinArea, permissions, type Permission } from '../../functions/domain/scopes';
import type { ScopeArea } from './api';

// The scope grammar is the service's own module, bundled: the console keeps no copy of it.
export { ALL_SCOPES, isWithinArea, permissions, type Permission };

export const permissionWords: Record<Permission, { label: string; methods: string }> = {
  read: { label: 'Read', methods: 'GET' },
  write: { label: 'Write', methods: 'POST, PUT, PATCH' },
  delete: { label: 'Delete', methods: 'DELETE' },
};

export interface AreaNode extends ScopeArea {
  depth: number;
  /** The nearest enclosing area, whose grants cover this one. */
  parent?: string;
}

/** The catalogue as a tree in reading order: each area followed by its sub-areas. */
export function areaTree(areas: readonly ScopeArea[]): AreaNode[] {
  const names = new Set(areas.map((area) => area.name));
  const parentOf = (name: string): string | undefined => {
    const parts = name.split('/');
    for (let length = parts.length - 1; length > 0; length--) {
      const candidate = parts.slice(0, length).join('/');
      if (names.has(candidate)) return candidate;
    }
    return undefined;
  };
  const children = new Map<string | undefined, ScopeArea[]>();
  for (const area of areas) {
    const parent = parentOf(area.name);
    children.set(parent, [...(children.get(parent) ?? []), area]);
  }
  const ordered: AreaNode[] = [];
  const visit = (parent: string | undefined, depth: number) => {
    for (const area of children.get(parent) ?? []) {
      ordered.push({ ...area, depth, parent });
      visit(area.name, depth + 1);
    }
  };
  visit(undefined, 0);
  return ordered;
}

export function scopeOf(area: string, permission: Permission): string {
  return `${area}:${permission}`;
}

/** The selected area above `area` whose grant of `permission` already covers it, if any. */
export function coveringArea(area: string, permission: Permission, selected: ReadonlySet<string>): string | undefined {
  const parts = area.split('/');
  for (let length = parts.length - 1; length > 0; length--) {
    const ancestor = parts.slice(0, length).join('/');
    if (selected.has(scopeOf(ancestor, permission))) return ancestor;
  }
  return undefined;
}

/** What to send: the selected scopes without those a broader selected scope already grants. */
export function effectiveScopes(selected: ReadonlySet<string>): string[] {
  return [...selected]
    .filter((scope) => {
      const colon = scope.lastIndexOf(':');
      return coveringArea(scope.slice(0, colon), scope.slice(colon + 1) as Permission, selected) === undefined;
    })
    .sort();
}

/**
 * Scopes as people type them into a policy or a curl call (`candidates:read`), in catalogue order:
 * by area, then read, write, delete. `*` reads "All scopes (*)".
 */
export function describeScopes(scopes: readonly string[]): string[] {
  if (scopes.includes(ALL_SCOPES)) return ['All scopes (*)'];
  const order = (permission: string) => permissions.indexOf(permission as Permission);
  const split = (scope: string) => {
    const colon = scope.lastIndexOf(':');
    return [scope.slice(0, colon), scope.slice(colon + 1)] as const;
  };
  return [...scopes].sort((a, b) => {
    const [areaA, permissionA] = split(a);
    const [areaB, permissionB] = split(b);
    return areaA === areaB ? order(permissionA) - order(permissionB) : areaA.localeCompare(areaB);
  });
}

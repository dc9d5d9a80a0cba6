import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The import rules of CONTRIBUTING.md, read off the code: each room of
// functions/ may import only the rooms below it, so a rule never learns about AWS and nothing imports
// the local front. A new import that runs upward fails here, with the file and the import named.

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** What each room of functions/ may import of ours (besides itself). */
const allowedRooms: Record<string, readonly string[]> = {
  domain: [],
  service: ['domain'],
  observability: [],
  apigateway: ['domain', 'service'],
  adapters: ['domain', 'service', 'observability'],
  http: ['domain', 'service', 'apigateway', 'observability'],
  handlers: ['domain', 'service', 'apigateway', 'observability', 'adapters', 'http'],
  local: ['domain', 'service', 'apigateway', 'observability', 'adapters', 'http', 'handlers', '../infra'],
};

/** Packages that speak AWS (or Lambda's event shapes): the rules and the use cases know none of them. */
const awsPackage = /^(@aws-sdk\/|aws-lambda$|@aws-lambda-powertools\/|aws-cdk-lib|constructs$|@middy\/|aws-jwt-verify)/;
const awsFreeRooms = new Set(['domain', 'service']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'java' ? [] : sourceFiles(path);
    return /\.(ts|tsx)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  return [...source.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map(
    (match) => (match[1] ?? match[2])!,
  );
}

/** The room (top folder under functions/) a path is in, or the path relative to the root when outside. */
function roomOf(path: string): string {
  const fromFunctions = relative(join(root, 'functions'), path);
  return fromFunctions.startsWith('..') ? fromFunctions.split('/').slice(0, 2).join('/') : fromFunctions.split('/')[0]!;
}

function violations(): string[] {
  const found: string[] = [];
  for (const file of sourceFiles(join(root, 'functions'))) {
    const room = roomOf(file);
    const allowed = allowedRooms[room];
    if (!allowed) {
      found.push(`${relative(root, file)}: functions/${room} is not a room of ARCHITECTURE.md`);
      continue;
    }
    for (const specifier of importsOf(file)) {
      if (specifier.startsWith('.')) {
        const target = roomOf(resolve(dirname(file), specifier));
        if (target !== room && !allowed.includes(target)) found.push(`${relative(root, file)} imports ${specifier} (${room} → ${target})`);
      } else if (awsFreeRooms.has(room) && awsPackage.test(specifier)) {
        found.push(`${relative(root, file)} imports ${specifier}: ${room} knows no AWS`);
      }
    }
  }
  return found;
}

/** Imports of functions/ from the rest of the repository (infra, packages, bin, web, scripts). */
function importsFromOutside(): { file: string; target: string }[] {
  const dirs = ['infra', 'packages', 'bin', 'web/src'].map((dir) => join(root, dir));
  return dirs.flatMap((dir) =>
    sourceFiles(dir).flatMap((file) =>
      importsOf(file)
        .filter((specifier) => specifier.startsWith('.'))
        .map((specifier) => ({ file: relative(root, file), target: relative(root, resolve(dirname(file), specifier)) }))
        .filter(({ target }) => target.startsWith('functions/')),
    ),
  );
}

describe('the rooms of functions/', () => {
  it('import only the rooms below them, and domain/ and service/ know no AWS', () => {
    expect(violations()).toEqual([]);
  });

  it('are not imported upward from elsewhere: infra reads rules, API Gateway knowledge, the table layout and the config schema, never a handler or the local front', () => {
    const infraMayRead = [
      /^functions\/domain\//,
      /^functions\/apigateway\//,
      /^functions\/adapters\/dynamodb\/table-layout$/,
      /^functions\/adapters\/config$/,
    ];
    const wrong = importsFromOutside().filter(({ file, target }) => {
      if (target.startsWith('functions/local/') || target.startsWith('functions/handlers/')) return true;
      return file.startsWith('infra/') && !infraMayRead.some((pattern) => pattern.test(target));
    });
    expect(wrong).toEqual([]);
  });

  it('would notice an upward import (the check itself is not vacuous)', () => {
    expect(roomOf(join(root, 'functions/domain/scopes.ts'))).toBe('domain');
    expect(allowedRooms.domain).not.toContain(roomOf(join(root, 'functions/service/ports.ts')));
    expect(importsOf(join(root, 'functions/service/authorize.ts')).some((specifier) => specifier.startsWith('../domain/'))).toBe(true);
  });
});

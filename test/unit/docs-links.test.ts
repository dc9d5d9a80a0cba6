import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

/** README.md, CONTRIBUTING.md and every Markdown file under docs/. */
function documentationFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? walk(join(dir, entry.name)) : entry.name.endsWith('.md') ? [join(dir, entry.name)] : [],
    );
  return [join(root, 'README.md'), join(root, 'CONTRIBUTING.md'), ...walk(join(root, 'docs'))];
}

/** The lines outside fenced code blocks: a `#` or `[x](y)` inside one is code, not Markdown. */
function proseLines(markdown: string): string[] {
  let fence: string | undefined;
  return markdown.split('\n').map((line) => {
    const opener = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined && opener) {
      fence = opener;
      return '';
    }
    if (fence !== undefined) {
      if (line.trim().startsWith(fence[0]!.repeat(fence.length)) && line.trim().replace(/^[`~]+/, '') === '') fence = undefined;
      return '';
    }
    return line;
  });
}

/**
 * GitHub's heading anchors (github-slugger): the heading's text without Markdown, lower-cased, every
 * character but letters, digits, `-`, `_` and spaces dropped, each space a `-`; repeats get -1, -2…
 */
function headingSlugs(markdown: string): Set<string> {
  const slugs = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of proseLines(markdown)) {
    const heading = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    const explicit = [...line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)].map((m) => m[1]!);
    for (const id of explicit) slugs.add(id);
    if (heading === undefined) continue;
    const text = heading
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images: their text
      .replace(/<[^>]+>/g, ''); // inline HTML
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    slugs.add(count === 0 ? base : `${base}-${count}`);
  }
  return slugs;
}

/** Every inline link and image target in the prose, with its line number (inline code excluded). */
function linksOf(markdown: string): { target: string; line: number }[] {
  return proseLines(markdown).flatMap((line, index) =>
    [...line.replace(/`[^`]*`/g, '').matchAll(/!?\[(?:[^\]]|\][^(])*?\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => ({
      target: m[1]!,
      line: index + 1,
    })),
  );
}

/** The dead relative links and anchors of these files, as "file:line: target (why)". */
function deadLinks(files: string[], base = root): string[] {
  const slugCache = new Map<string, Set<string>>();
  const slugsOf = (file: string) => {
    if (!slugCache.has(file)) slugCache.set(file, headingSlugs(readFileSync(file, 'utf8')));
    return slugCache.get(file)!;
  };
  const dead: string[] = [];
  for (const file of files) {
    for (const { target, line } of linksOf(readFileSync(file, 'utf8'))) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto: — not ours to check offline
      const [path, anchor] = target.split('#', 2) as [string, string | undefined];
      const where = `${relative(base, file)}:${line}: ${target}`;
      const linked = path === '' ? file : resolve(dirname(file), decodeURIComponent(path));
      if (!existsSync(linked)) {
        dead.push(`${where} (no such file)`);
        continue;
      }
      if (anchor === undefined || anchor === '') continue;
      if (statSync(linked).isDirectory() || !linked.endsWith('.md')) {
        dead.push(`${where} (an anchor into a file that is not Markdown)`);
      } else if (!slugsOf(linked).has(decodeURIComponent(anchor))) {
        dead.push(`${where} (no heading with this anchor)`);
      }
    }
  }
  return dead;
}

describe('documentation links', () => {
  it('resolves every relative link and anchor of README.md, CONTRIBUTING.md and docs/**/*.md', () => {
    const files = documentationFiles();

    const dead = deadLinks(files);

    expect(files.length).toBeGreaterThan(5);
    expect(dead).toEqual([]);
  });

  it('reports a missing file, a missing anchor and an anchor into another file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'docs-links-'));
    writeFileSync(join(dir, 'other.md'), '# Other page\n\n## Where: this `differs` from the spec!\n\n## Repeat\n\n## Repeat\n');
    writeFileSync(
      join(dir, 'page.md'),
      [
        '# Page',
        '',
        'Good: [other](other.md), [section](other.md#where-this-differs-from-the-spec), [second](other.md#repeat-1), [self](#page).',
        'Outside: [site](https://example.com/missing), `[code](nowhere.md)`.',
        'Dead: [gone](gone.md), [no anchor](other.md#no-such-heading), [third](other.md#repeat-2), [self](#nothing).',
        '',
        '```sh',
        '[in a fence](fenced.md)',
        '# not a heading',
        '```',
        '[fence heading](#not-a-heading)',
      ].join('\n'),
    );

    const dead = deadLinks([join(dir, 'page.md')], dir);

    expect(dead).toEqual([
      'page.md:5: gone.md (no such file)',
      'page.md:5: other.md#no-such-heading (no heading with this anchor)',
      'page.md:5: other.md#repeat-2 (no heading with this anchor)',
      'page.md:5: #nothing (no heading with this anchor)',
      'page.md:11: #not-a-heading (no heading with this anchor)',
    ]);
  });

  it('slugs headings as GitHub does', () => {
    const slugs = headingSlugs(
      '# For vendors: rotating your token\n## `PUT /tenant/policy` and [links](x.md)\n### Audit trail, leaked tokens — metrics\n',
    );

    expect([...slugs]).toEqual(['for-vendors-rotating-your-token', 'put-tenantpolicy-and-links', 'audit-trail-leaked-tokens--metrics']);
  });
});

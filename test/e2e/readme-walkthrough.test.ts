import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/local-service';

const run = promisify(execFile);
const readme = readFileSync(resolve(import.meta.dirname, '../../README.md'), 'utf8');
const BLOCK_END = '::walkthrough-block-end::';

/** The README's shell blocks marked `<!-- walkthrough -->`, in order, exactly as written. */
function walkthroughBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/<!-- walkthrough -->\s*\n```sh\n([\s\S]*?)\n```/g)].map((m) => m[1]!);
}

/** What each block says its requests answer: the `# → 201` comments, in order. */
const annotatedStatuses = (block: string) => [...block.matchAll(/# → (\d{3})\b/g)].map((m) => Number(m[1]));

/** The statuses a block printed: lines that end in a three-digit status (`201`, `{…} 200`, `after 3 s: 401`). */
const printedStatuses = (output: string) =>
  output
    .split('\n')
    .map((line) => /(?:^|\s)(\d{3})$/.exec(line.trim())?.[1])
    .filter((status): status is string => status !== undefined)
    .map(Number);

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

describe('the README walkthrough', () => {
  let service: TestService;
  const blocks = walkthroughBlocks(readme);
  const tmp = mkdtempSync(join(tmpdir(), 'readme-walkthrough-tmp-'));
  const cwd = mkdtempSync(join(tmpdir(), 'readme-walkthrough-cwd-'));
  let outputs: string[] = [];

  beforeAll(async () => {
    for (const tool of ['curl', 'jq']) {
      await run('bash', ['-c', `command -v ${tool}`]).catch(() => {
        throw new Error(`the README walkthrough needs ${tool} (apt-get install ${tool})`);
      });
    }
    // Short caches so that the revocation loop ends in seconds; the README's loop is the same either way.
    service = await startTestService({ settings: { statusCacheSeconds: 1 }, authorizerCacheSeconds: 2 });
    const script = blocks.map((block) => `${block}\necho '${BLOCK_END}'`).join('\n');
    // Asynchronously: the service answers from this process's event loop.
    const { stdout } = await run('bash', ['-e', '-o', 'pipefail', '-c', script], {
      cwd,
      env: { ...process.env, PAT_URL: service.url, TMPDIR: tmp },
      timeout: 90_000,
    });
    outputs = stdout.split(`${BLOCK_END}\n`).slice(0, blocks.length);
  }, 120_000);

  afterAll(async () => {
    await service?.stop();
  });

  it('has the marked blocks: sign in, create, call, refresh, revoke', () => {
    expect(blocks).toHaveLength(5);
    expect(blocks[0]).toContain('${PAT_URL:-http://127.0.0.1:3000}');
    expect(blocks[0]).toMatch(/umask 077; d=\$\(mktemp -d\)/);
  });

  it('answers every step with the status the README states next to it', () => {
    const statuses = outputs.map(printedStatuses);

    blocks.forEach((block, i) => expect(statuses[i], `block ${i + 1}:\n${block}`).toEqual(annotatedStatuses(block)));
    // session, create, call, call without the scope, refresh, its retry, call with the successor, revoke, refused
    expect(statuses.flat()).toEqual([200, 201, 200, 403, 200, 200, 200, 200, 401]);
  });

  it('prints each JSON answer on a line of its own', () => {
    const jsonLines = outputs
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'));

    expect(jsonLines.length).toBeGreaterThanOrEqual(5);
    for (const line of jsonLines) expect(() => JSON.parse(line.replace(/ \d{3}$/, '')), line).not.toThrow();
  });

  it('retries a refresh into the same successor, and revokes the whole family', () => {
    const [dir] = readdirSync(tmp);
    const created = readJson(join(tmp, dir!, 'token.json'));
    const refreshed = readJson(join(tmp, dir!, 'refreshed.json'));
    const retried = readJson(join(tmp, dir!, 'retried.json'));
    const revoked = readJson(join(tmp, dir!, 'revoked.json'));

    expect(refreshed).toMatchObject({ familyId: created.id, generation: 2 });
    expect(retried.id).toBe(refreshed.id);
    expect(retried.refreshKey).toBe(refreshed.refreshKey);
    expect(revoked.status).toBe('revoked');
    expect([...revoked.revokedTokenIds].sort()).toEqual([created.id, refreshed.id].sort());
    expect(outputs.join('')).toContain('{"sameToken":true,"generation":2}');
  });

  it('keeps its secrets in one private temporary directory and never prints them', () => {
    const dirs = readdirSync(tmp);
    const dir = join(tmp, dirs[0]!);
    const secrets = [
      readJson(join(dir, 'session.json')).idToken,
      readJson(join(dir, 'token.json')).accessToken,
      readJson(join(dir, 'token.json')).refreshKey,
      readJson(join(dir, 'refreshed.json')).accessToken,
      readJson(join(dir, 'refreshed.json')).refreshKey,
    ] as string[];

    expect(dirs).toHaveLength(1);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const file of readdirSync(dir)) expect(statSync(join(dir, file)).mode & 0o777, file).toBe(0o600);
    expect(readdirSync(cwd)).toEqual([]); // nothing written where the reader stands (the repository)
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(40);
      expect(outputs.join('')).not.toContain(secret.split('.').at(-1));
    }
  });
});

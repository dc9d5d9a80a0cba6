/** `pat refresh` against the local service, fakes and spoiling proxies (the harness: test/support/cli-harness.ts). */
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { chmod, readdir, readFile, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as cli from '../support/cli-harness';

/** The pid of a process that has exited (and so is free, as a crashed run's pid would be). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

describe('pat refresh', () => {
  it('replaces the credentials file through a temporary file and a rename with a working token and key', async () => {
    const { directory, file, token } = await cli.vendorCredentials({ note: 'kept across refreshes' });
    const before = await cli.fingerprint(file);

    const run = await cli.pat(['refresh', '--credentials', file]);

    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const after = await cli.fingerprint(file);
    const renewed = await cli.readJson(file);
    expect(after.inode).not.toBe(before.inode);
    expect(after.mode).toBe(0o600);
    expect(await readdir(directory)).toEqual(['credentials.json']);
    expect(renewed.refreshKey).toMatch(/^patr_/);
    expect(renewed.refreshKey).not.toBe(token.refreshKey);
    expect(renewed.accessToken).not.toBe(token.accessToken);
    expect(renewed.tokenId).not.toBe(token.id);
    expect(renewed).toMatchObject({ apiUrl: cli.service.url, note: 'kept across refreshes' });
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    expect(run.stdout).toContain(renewed.tokenId);
    expect(run.stdout).not.toContain(renewed.accessToken);
    expect(run.stdout).not.toContain(renewed.refreshKey);
    const call = await cli.callExampleApi(renewed.accessToken!);
    expect(call.status).toBe(200);
    expect(call.body.principal?.tokenId).toBe(renewed.tokenId);
  });

  it('rotates the same file again and again with the key each refresh wrote', async () => {
    const { file } = await cli.vendorCredentials();
    const ids = [(await cli.readJson(file)).tokenId];

    for (let round = 0; round < 3; round++) {
      const run = await cli.pat(['refresh', '--credentials', file]);
      expect(run.code).toBe(0);
      ids.push((await cli.readJson(file)).tokenId);
    }

    expect(new Set(ids).size).toBe(4);
    expect((await cli.callExampleApi((await cli.readJson(file)).accessToken!)).status).toBe(200);
  });

  it('replaces the file a symlink points to and keeps the symlink', async () => {
    const { directory, file } = await cli.vendorCredentials();
    const link = join(directory, 'current.json');
    await symlink(file, link);

    const run = await cli.pat(['refresh', '--credentials', link]);

    expect(run.code).toBe(0);
    expect((await cli.readJson(link)).refreshKey).toBe((await cli.readJson(file)).refreshKey);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readdir(directory)).sort()).toEqual(['credentials.json', 'current.json']);
  });

  it('leaves the file untouched and exits non-zero when the server is down', async () => {
    const { directory, file, credentials } = await cli.vendorCredentials();
    await writeFile(file, JSON.stringify({ ...credentials, apiUrl: `http://127.0.0.1:${await cli.closedPort()}` }), { mode: 0o600 });
    const before = await cli.fingerprint(file);

    const run = await cli.pat(['refresh', '--credentials', file]);

    cli.expectOneLineFailure(run, 1, /cannot reach .*ECONNREFUSED.*left unchanged/, [credentials.refreshKey, credentials.accessToken]);
    expect(await cli.fingerprint(file)).toEqual(before);
    expect(await readdir(directory)).toEqual(['credentials.json']);
    expect(await cli.refreshWithApi(credentials.refreshKey)).toBe(200); // the key was not spent
  });

  it('leaves the file untouched and exits non-zero when the refresh key is garbage (401)', async () => {
    const { directory, file, credentials } = await cli.vendorCredentials();
    const garbageKey = `patr_${randomBytes(16).toString('hex')}_${randomBytes(32).toString('base64url')}`;
    await writeFile(file, JSON.stringify({ ...credentials, refreshKey: garbageKey }), { mode: 0o600 });
    const before = await cli.fingerprint(file);

    const run = await cli.pat(['refresh', '--credentials', file]);

    cli.expectOneLineFailure(run, 3, /401 invalid_grant.*left unchanged/, [garbageKey, credentials.accessToken]);
    expect(await cli.fingerprint(file)).toEqual(before);
    expect(await readdir(directory)).toEqual(['credentials.json']);
  });

  it('leaves the file untouched and exits non-zero when the token was revoked (401)', async () => {
    const { file, credentials, idToken } = await cli.vendorCredentials();
    expect((await cli.pat(['revoke', credentials.tokenId], { env: cli.userEnv(idToken) })).code).toBe(0);
    const before = await cli.fingerprint(file);

    const run = await cli.pat(['refresh', '--credentials', file]);

    cli.expectOneLineFailure(run, 3, /refresh key rejected \(401 invalid_grant/, [credentials.refreshKey, credentials.accessToken]);
    expect(await cli.fingerprint(file)).toEqual(before);
  });

  // Needs the retry-safe refresh of issue 11 on the server.
  it('gives a stale copy of the file the same new credentials when its key is presented again within the leeway', async () => {
    const { directory, file, credentials } = await cli.vendorCredentials();
    const staleCopy = join(directory, 'stale-copy.json');
    await writeFile(staleCopy, await readFile(file), { mode: 0o600 });
    expect((await cli.pat(['refresh', '--credentials', file])).code).toBe(0);
    const winner = await cli.readJson(file);

    const run = await cli.pat(['refresh', '--credentials', staleCopy]);

    expect(run.code, run.stderr).toBe(0);
    const copy = await cli.readJson(staleCopy);
    expect([copy.tokenId, copy.refreshKey]).toEqual([winner.tokenId, winner.refreshKey]);
    expect(copy.refreshKey).not.toBe(credentials.refreshKey);
    expect((await readdir(directory)).sort()).toEqual(['credentials.json', 'stale-copy.json']);
    expect((await cli.callExampleApi(winner.accessToken!)).status).toBe(200);
  });

  // Needs the retry-safe refresh of issue 11 on the server.
  it('leaves the file holding the one successor when several refreshes of it race', async () => {
    const { directory, file, credentials } = await cli.vendorCredentials();

    const runs = await Promise.all(Array.from({ length: 4 }, () => cli.pat(['refresh', '--credentials', file])));

    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const final = await cli.readJson(file);
    // Each run says `<from> → <to>`. Every run that read the original key got the same successor (a
    // 409 for a lost race was retried with the same key; a replay answers the same successor). On a
    // loaded machine a run may start only after another one replaced the file: it then rotates that
    // successor, and the chain stays one chain.
    const steps = runs.map((run) => /([0-9a-f]{32}) → ([0-9a-f]{32})/.exec(run.stdout)!.slice(1, 3) as [string, string]);
    const fromOriginal = steps.filter(([from]) => from === credentials.tokenId);
    expect(fromOriginal.length).toBeGreaterThan(0);
    expect(new Set(fromOriginal.map(([, to]) => to)).size).toBe(1);
    const successors = new Set(steps.map(([, to]) => to));
    for (const [from] of steps) expect(from === credentials.tokenId || successors.has(from)).toBe(true);
    expect(successors.has(final.tokenId!)).toBe(true);
    expect(await readdir(directory)).toEqual(['credentials.json']);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await cli.callExampleApi(final.accessToken!)).status).toBe(200);
    expect((await cli.pat(['refresh', '--credentials', file])).code).toBe(0);
  });

  it('retries a gateway failure with the same key, then leaves the file untouched and says the refresh may have happened', async () => {
    const keys = ['gateway-504', 'gateway-502', 'service-503', 'ok-but-nonsense'].map(
      (name) => `patr_${name}_${randomBytes(32).toString('base64url')}`,
    );
    const answers: Record<string, cli.FakeAnswer> = {
      [keys[0]!]: { status: 504, raw: '{"message": "Endpoint request timed out"}' },
      [keys[1]!]: { status: 502, raw: '<html>Bad Gateway</html>' },
      [keys[2]!]: { status: 503, json: { error: { code: 'unavailable', message: 'DynamoDB is unavailable' } } },
      [keys[3]!]: { status: 200, json: { ok: true } },
    };
    const gateway = await cli.fakeService(({ body }) => answers[body.refreshKey]!);
    const files = await Promise.all(keys.map(async (refreshKey) => await cli.vendorCredentials({ apiUrl: gateway.url, refreshKey })));
    const before = await Promise.all(files.map(({ file }) => cli.fingerprint(file)));

    const runs = await Promise.all(files.map(({ file }) => cli.pat(['refresh', '--credentials', file])));
    await gateway.close();

    cli.expectOneLineFailure(
      runs[0]!,
      1,
      /HTTP 504, not the service's JSON.*\(4 attempts over \d+ s\); .*left unchanged, but the refresh may have happened/,
      [keys[0]!],
    );
    cli.expectOneLineFailure(runs[1]!, 1, /HTTP 502, not the service's JSON.*\(4 attempts.*may have happened/, [keys[1]!]);
    cli.expectOneLineFailure(
      runs[2]!,
      1,
      /the service failed \(503 unavailable: DynamoDB is unavailable\) \(4 attempts.*may have happened/,
      [keys[2]!],
    );
    cli.expectOneLineFailure(runs[3]!, 1, /HTTP 200 without a new token.*may have happened/, [keys[3]!]);
    // Each retry presented the same key; a 200, even a useless one, is not retried.
    const attemptsPerKey = keys.map((key) => gateway.requests.filter((request) => request.body.refreshKey === key).length);
    expect(attemptsPerKey).toEqual([4, 4, 4, 1]);
    for (const [index, { file, directory }] of files.entries()) {
      expect(await cli.fingerprint(file)).toEqual(before[index]);
      expect(await readdir(directory)).toEqual(['credentials.json']);
    }
  });

  describe('when the answer to the refresh is lost after the service rotated the token', () => {
    for (const spoil of ['reset', 'silence'] as const) {
      it(`retries with the same key and saves the successor the service answers again (${spoil === 'reset' ? 'connection reset' : 'timeout'})`, async () => {
        const fake = await cli.fakeRefreshService();
        const proxy = await cli.spoilingProxy(fake.url, spoil);
        const { file, credentials } = await cli.vendorCredentials({ apiUrl: proxy.url });
        const oldText = await readFile(file, 'utf8');

        const { result: run, seen, torn } = await cli.watchFile(file, cli.pat(['refresh', '--credentials', file, '--timeout', '2']));
        await proxy.close();
        await fake.close();

        expect(run.code, run.stderr).toBe(0);
        expect(fake.requests.map((request) => request.body.refreshKey)).toEqual([credentials.refreshKey, credentials.refreshKey]);
        expect(proxy.connections()).toBe(2);
        const saved = await cli.readJson(file);
        expect(saved.refreshKey).toMatch(/^patr_/);
        expect(saved.refreshKey).not.toBe(credentials.refreshKey);
        expect(run.stdout).toContain(`→ ${saved.tokenId}`);
        expect(run.stdout).toMatch(/after 2 attempts/);
        expect(run.stdout).not.toContain(saved.refreshKey);
        // Written once, whole: only the old and the new content were ever seen.
        expect(torn).toEqual([]);
        expect(seen.filter((text) => text !== oldText)).toHaveLength(1);
        expect((await stat(file)).mode & 0o777).toBe(0o600);
      });
    }

    // Needs the retry-safe refresh of issue 11 on the server.
    it('works through a proxy that resets the first answer in front of the real service', async () => {
      const proxy = await cli.spoilingProxy(cli.service.url, 'reset');
      const { file, credentials } = await cli.vendorCredentials({ apiUrl: proxy.url });

      const { result: run, torn } = await cli.watchFile(file, cli.pat(['refresh', '--credentials', file]));
      await proxy.close();

      expect(run.code, run.stderr).toBe(0);
      expect(proxy.connections()).toBe(2);
      expect(torn).toEqual([]);
      const saved = await cli.readJson(file);
      expect(saved.tokenId).not.toBe(credentials.tokenId);
      const call = await cli.callExampleApi(saved.accessToken!);
      expect([call.status, call.body.principal?.tokenId]).toEqual([200, saved.tokenId]);
      expect((await cli.pat(['refresh', '--credentials', file, '--url', cli.service.url])).code).toBe(0); // the saved key is the live one
    });
  });

  it('leaves the file untouched and exits non-zero when the file cannot be read', async () => {
    const { file, credentials } = await cli.vendorCredentials();
    await chmod(file, 0o000);
    const before = await cli.fingerprint(file);

    const run = await cli.pat(['refresh', '--credentials', file], { as: cli.isRoot ? cli.nobody : undefined });

    cli.expectOneLineFailure(run, 1, /cannot read the credentials file .*permission denied/, [credentials.refreshKey]);
    expect(await cli.fingerprint(file)).toEqual(before);
  });

  it('exits non-zero when the file does not exist or is a directory', async () => {
    const { directory } = await cli.vendorCredentials();

    const missing = await cli.pat(['refresh', '--credentials', join(directory, 'missing.json')]);
    const aDirectory = await cli.pat(['refresh', '--credentials', directory]);

    cli.expectOneLineFailure(missing, 1, /cannot read the credentials file .*no such file/, []);
    cli.expectOneLineFailure(aDirectory, 1, /cannot read the credentials file .*directory/, []);
    expect(await readdir(directory)).toEqual(['credentials.json']);
  });

  it('leaves the file untouched and never quotes it when it is not valid JSON', async () => {
    const { directory, file, credentials } = await cli.vendorCredentials();
    // A JSON parser's message quotes the text around the mistake: here, the refresh key.
    await writeFile(file, `{"apiUrl": "${cli.service.url}", "refreshKey": "${credentials.refreshKey}" oops}`, { mode: 0o600 });
    const before = await cli.fingerprint(file);

    const run = await cli.pat(['refresh', '--credentials', file]);

    cli.expectOneLineFailure(run, 1, /is not valid JSON/, [credentials.refreshKey, credentials.refreshKey.slice(-20)]);
    expect(await cli.fingerprint(file)).toEqual(before);
    expect(await readdir(directory)).toEqual(['credentials.json']);
    expect(await cli.refreshWithApi(credentials.refreshKey)).toBe(200); // nothing was sent
  });

  it('leaves the file untouched when it lacks a refresh key or an API URL', async () => {
    const { file, credentials } = await cli.vendorCredentials();
    await writeFile(file, JSON.stringify({ apiUrl: cli.service.url, accessToken: credentials.accessToken }), { mode: 0o600 });
    const noKey = await cli.fingerprint(file);
    const withoutKey = await cli.pat(['refresh', '--credentials', file]);
    cli.expectOneLineFailure(withoutKey, 1, /invalid: "refreshKey" must be a non-empty string/, [credentials.accessToken]);
    expect(await cli.fingerprint(file)).toEqual(noKey);

    await writeFile(file, JSON.stringify({ refreshKey: credentials.refreshKey }), { mode: 0o600 });
    const noUrl = await cli.fingerprint(file);
    const withoutUrl = await cli.pat(['refresh', '--credentials', file]);
    cli.expectOneLineFailure(withoutUrl, 2, /missing the API URL/, [credentials.refreshKey]);
    expect(await cli.fingerprint(file)).toEqual(noUrl);
  });

  it('fails before spending the key when it could not write the new file next to the old one', async () => {
    const { directory, file, credentials } = await cli.vendorCredentials();
    await chmod(file, 0o644); // readable by the unprivileged user when running as root
    await chmod(directory, 0o555);
    const before = await cli.fingerprint(file);

    const run = await cli.pat(['refresh', '--credentials', file], { as: cli.isRoot ? cli.nobody : undefined });

    await chmod(directory, 0o755);
    cli.expectOneLineFailure(run, 1, /cannot create a file next to .*nothing was sent/, [credentials.refreshKey]);
    expect(await cli.fingerprint(file)).toEqual(before);
    expect(await cli.refreshWithApi(credentials.refreshKey)).toBe(200);
  });

  it('says that this very call revoked the whole credential when the key had already been spent (reuse)', async () => {
    const { directory, file, credentials } = await cli.vendorCredentials();
    const spentCopy = join(directory, 'restored-backup.json');
    await writeFile(spentCopy, await readFile(file), { mode: 0o600 });
    expect((await cli.pat(['refresh', '--credentials', file])).code).toBe(0);
    expect((await cli.pat(['refresh', '--credentials', file])).code).toBe(0); // the successor rotated too: no replay any more
    const newest = await cli.readJson(file);
    const before = await cli.fingerprint(spentCopy);

    const run = await cli.pat(['refresh', '--credentials', spentCopy]);

    cli.expectOneLineFailure(run, 3, /REUSED.*this run has just revoked the whole credential.*ask the token's owner for a new token/, [
      credentials.refreshKey,
      newest.refreshKey!,
    ]);
    expect(await cli.fingerprint(spentCopy)).toEqual(before);
    expect(await cli.refreshWithApi(newest.refreshKey!)).toBe(401); // the newer copy died with the chain
  });

  it('waits while another run holds the lock next to the file and reads the file only once it has the lock', async () => {
    const { directory, file } = await cli.vendorCredentials();
    const lock = join(directory, '.credentials.json.lock');
    await writeFile(lock, `${process.pid} ${new Date().toISOString()}\n`); // a live process holds it
    const before = await cli.fingerprint(file);

    const running = cli.pat(['refresh', '--credentials', file]);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const whileLocked = await cli.fingerprint(file);
    await unlink(lock);
    const run = await running;

    expect(whileLocked).toEqual(before);
    expect(run.code, run.stderr).toBe(0);
    expect(await cli.fingerprint(file)).not.toEqual(before);
    expect(await readdir(directory)).toEqual(['credentials.json']);
  });

  it('takes over a lock left by a run that died, and removes its own lock when done', async () => {
    const { directory, file, credentials } = await cli.vendorCredentials();
    await writeFile(join(directory, '.credentials.json.lock'), `${await deadPid()} 2026-01-01T00:00:00.000Z\n`);

    const run = await cli.pat(['refresh', '--credentials', file]);

    expect(run.code, run.stderr).toBe(0);
    expect((await cli.readJson(file)).tokenId).not.toBe(credentials.tokenId);
    expect(await readdir(directory)).toEqual(['credentials.json']);
  });

  it('refuses to run without --credentials', async () => {
    const run = await cli.pat(['refresh']);

    cli.expectOneLineFailure(run, 2, /missing --credentials FILE/, []);
  });
});

/** `pat status`, `pat regenerate` and `pat edit`: one token read, given new secrets, changed in place (the harness: test/support/cli-harness.ts). */
import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as cli from '../support/cli-harness';

describe('pat status, regenerate, edit', () => {
  it('status shows what GET /tokens/self says of the credentials file’s access token, sending it and not the refresh key', async () => {
    const self = {
      id: 'c0ffee',
      status: 'active',
      expiresAt: '2027-03-01T00:00:00.000Z',
      refreshableUntil: '2027-03-31T00:00:00.000Z',
      scopes: ['candidates:read', 'jobs:read'],
      allowedIps: ['203.0.113.0/24'],
      generation: 3,
      familyId: 'f00d',
      graceUntil: null,
      outsidePolicy: false,
    };
    let answer: cli.FakeAnswer = { status: 200, json: self };
    const seen: string[] = [];
    const fake = await cli.fakeService(({ url }) => {
      seen.push(url.pathname);
      return answer;
    });
    const directory = await mkdtemp(join(cli.root, 'status-'));
    const file = join(directory, 'credentials.json');
    await writeFile(file, JSON.stringify({ apiUrl: fake.url, accessToken: 'eyJhbGciOiJFUzI1NiJ9.e30.sig', refreshKey: 'patr_secret' }), {
      mode: 0o600,
    });

    const active = await cli.pat(['status', '--credentials', file]);
    answer = { status: 200, json: { ...self, status: 'revoked' } };
    const revoked = await cli.pat(['status', '--credentials', file]);
    answer = { status: 401, json: { error: { code: 'unauthorized', message: 'Unauthorized' } } };
    const unknown = await cli.pat(['status', '--credentials', file]);
    await fake.close();

    expect(active.code, active.stderr).toBe(0);
    expect(active.stdout).toMatch(/^token +c0ffee$/m);
    expect(active.stdout).toMatch(/^status +active$/m);
    expect(active.stdout).toMatch(/^expires +2027-03-01T00:00:00.000Z$/m);
    expect(active.stdout).toMatch(/^refreshable until +2027-03-31T00:00:00.000Z$/m);
    expect(active.stdout).toMatch(/^scopes +candidates:read jobs:read$/m);
    expect(active.stdout).not.toContain('patr_');
    expect(seen).toEqual(['/tokens/self', '/tokens/self', '/tokens/self']);
    expect(fake.requests.every((request) => request.body === undefined)).toBe(true);
    expect(revoked.code).toBe(3);
    expect(revoked.stdout).toMatch(/^status +revoked$/m);
    cli.expectOneLineFailure(unknown, 3, /does not know the access token .*ask the token's owner for a new token/, ['patr_secret']);
  });

  // Needs GET /tokens/self on the server (another branch of this round).
  it('status against the service: a fresh token is active with its scopes', async () => {
    const { file } = await cli.vendorCredentials();

    const run = await cli.pat(['status', '--credentials', file]);

    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^status +active$/m);
    expect(run.stdout).toMatch(/^scopes +candidates:read$/m);
  });

  it('regenerate prints new secrets once: the new token works, the old refresh key is spent, the family moves to generation 2', async () => {
    const { user, admin } = await cli.newTenant();
    const token = await cli.issueToken(user, { description: 'renew me', scopes: ['candidates:read'] });

    const run = await cli.pat(['regenerate', token.id], { env: cli.userEnv(user) });
    const otherTenant = await cli.pat(['regenerate', token.id], { env: cli.userEnv(await cli.signIn('ada', 'elsewhere', true)) });

    expect(run.code, run.stderr).toBe(0);
    const newId = new RegExp(`^Regenerated token ${token.id} → ([0-9a-f]{32}) "renew me" \\(generation 2\\)\\n`).exec(run.stdout)?.[1];
    const accessToken = /access token:\s+(\S+)/.exec(run.stdout)?.[1] ?? '';
    const refreshKey = /refresh key:\s+(\S+)/.exec(run.stdout)?.[1] ?? '';
    expect(newId).toBeDefined();
    expect(run.stdout).toMatch(/Copy both now: they are not shown again\.\n$/);
    expect((await cli.callExampleApi(accessToken)).body.principal?.tokenId).toBe(newId);
    expect(await cli.refreshWithApi(refreshKey)).toBe(200);
    // Spent by the regeneration: never a new token (the service answers 401 or, within its leeway, 409).
    expect(await cli.refreshWithApi(token.refreshKey)).not.toBe(200);
    cli.expectOneLineFailure(otherTenant, 1, new RegExp(`no token ${token.id} that you may see \\(404 not_found`), [admin]);
  }, 60_000);

  it('regenerate --credentials replaces a vendor file atomically, keeping its other fields, and refuses a file it must not overwrite before regenerating', async () => {
    const { directory, file, credentials, idToken } = await cli.vendorCredentials({ note: 'kept' });
    const notCredentials = join(directory, 'notes.txt');
    await writeFile(notCredentials, 'precious');

    const refused = await cli.pat(['regenerate', credentials.tokenId, '--credentials', notCredentials], { env: cli.userEnv(idToken) });
    const run = await cli.pat(['regenerate', credentials.tokenId, '--credentials', file], { env: cli.userEnv(idToken) });

    cli.expectOneLineFailure(refused, 1, /will not replace .*notes\.txt: it does not hold a JSON object; pass --force/, [idToken]);
    expect(await readFile(notCredentials, 'utf8')).toBe('precious');
    expect(run.code, run.stderr).toBe(0);
    const saved = await cli.readJson(file);
    expect(saved).toMatchObject({ apiUrl: cli.service.url, note: 'kept', tokenId: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(saved.tokenId).not.toBe(credentials.tokenId);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readdir(directory)).toEqual(['credentials.json', 'notes.txt']);
    expect(run.stdout).toMatch(
      new RegExp(
        `^Regenerated token ${credentials.tokenId} → ${saved.tokenId} "vendor \\d+" \\(generation 2\\), expires .*; new credentials saved to `,
      ),
    );
    expect(run.stdout).not.toContain(saved.accessToken);
    expect(run.stdout).not.toContain(saved.refreshKey);
    expect((await cli.callExampleApi(saved.accessToken!)).status).toBe(200);
    expect((await cli.pat(['refresh', '--credentials', file])).code).toBe(0);
  }, 60_000);

  it('edit changes the description and IP entries and narrows scopes, and the authorizer follows; a wider scope is a 400 naming the field', async () => {
    const { user } = await cli.newTenant();
    const token = await cli.issueToken(user, { description: 'editable', scopes: ['candidates:read', 'jobs:read'] });

    const wider = await cli.pat(['edit', token.id, '--scope', 'candidates:read,candidates:write'], { env: cli.userEnv(user) });
    const edited = await cli.pat(['edit', token.id, '-d', 'edited', '--scope', 'jobs:read', '--allow-ip', '127.0.0.1,::1'], {
      env: cli.userEnv(user),
    });
    const nothing = await cli.pat(['edit', token.id], { env: cli.userEnv(user) });
    const notYours = await cli.pat(['edit', token.id, '-d', 'mine now'], { env: cli.userEnv(await cli.signIn('mallory', 'acme')) });

    cli.expectOneLineFailure(wider, 1, /could not edit token [0-9a-f]{32} \(400 invalid_request: .*scopes/, [user]);
    expect(edited.code, edited.stderr).toBe(0);
    expect(edited.stdout).toBe(`Edited token ${token.id} "edited"\n  scopes:        jobs:read\n  allowed IPs:   127.0.0.1, ::1\n`);
    const jobs = await fetch(`${cli.service.url}/api/jobs`, { headers: { authorization: `Bearer ${token.accessToken}` } });
    expect(jobs.status).toBe(200);
    expect((await cli.callExampleApi(token.accessToken)).status).toBe(403);
    cli.expectOneLineFailure(nothing, 2, /nothing to change/, [user]);
    cli.expectOneLineFailure(notYours, 1, /no token [0-9a-f]{32} that you may see \(404 not_found/, []);
  }, 60_000);
});

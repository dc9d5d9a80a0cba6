/** `pat` create, list, revoke, families, governance and output hygiene against the local service (the harness: test/support/cli-harness.ts). */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  service,
  root,
  type Run,
  pat,
  signIn,
  userEnv,
  issueToken,
  vendorCredentials,
  readJson,
  callExampleApi,
  refreshWithApi,
  closedPort,
  type FakeAnswer,
  fakeService,
  expectOneLineFailure,
} from '../support/cli-harness';

describe('pat create, list, revoke', () => {
  it('create --save writes a 0600 credentials file for a vendor and prints no secret', async () => {
    const idToken = await signIn('carol');
    const directory = await mkdtemp(join(root, 'create-'));
    const file = join(directory, 'vendor.json');

    const run = await pat(
      [
        'create',
        '--description',
        'Vendor A',
        '--scope',
        'candidates:read',
        '--scope',
        'jobs:read',
        '--expires-in-days',
        '180',
        '--save',
        file,
      ],
      {
        env: userEnv(idToken),
      },
    );

    expect(run.code).toBe(0);
    const saved = await readJson(file);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(saved).toMatchObject({
      apiUrl: `${service.url}/`,
      tokenId: expect.stringMatching(/^[0-9a-f]{32}$/),
      refreshKey: expect.stringMatching(/^patr_/),
    });
    expect(run.stdout).toContain(saved.tokenId);
    expect(run.stdout).not.toContain(saved.accessToken);
    expect(run.stdout).not.toContain(saved.refreshKey);
    expect(await readdir(directory)).toEqual(['vendor.json']);
    expect((await callExampleApi(saved.accessToken!)).status).toBe(200);
    expect((await pat(['refresh', '--credentials', file])).code).toBe(0);
  });

  it('create --save refuses to overwrite an existing file before creating anything', async () => {
    const idToken = await signIn('carol-2');
    const directory = await mkdtemp(join(root, 'create-'));
    const file = join(directory, 'vendor.json');
    await writeFile(file, 'precious');

    const run = await pat(['create', '-d', 'Vendor B', '-s', 'candidates:read', '--save', file], { env: userEnv(idToken) });

    expectOneLineFailure(run, 1, /already exists; pass --force/, [idToken]);
    expect(await readFile(file, 'utf8')).toBe('precious');
    expect((await pat(['list', '--json'], { env: userEnv(idToken) })).stdout).toContain('"items": []');
  });

  it('create without --save prints the access token and the refresh key, once', async () => {
    const idToken = await signIn('dave');

    const run = await pat(['create', '-d', 'Laptop script', '-s', 'candidates:read,assessments:read', '--allow-ip', '127.0.0.1'], {
      env: userEnv(idToken),
    });

    expect(run.code).toBe(0);
    const accessToken = /access token:\s+(\S+)/.exec(run.stdout)?.[1];
    const refreshKey = /refresh key:\s+(\S+)/.exec(run.stdout)?.[1];
    expect(accessToken).toMatch(/^eyJ/);
    expect(refreshKey).toMatch(/^patr_/);
    expect(run.stdout).toMatch(/scopes:\s+candidates:read assessments:read\n/); // in the order given
    expect((await callExampleApi(accessToken!)).status).toBe(200);
  });

  it('list prints the caller’s active tokens as a table and as JSON', async () => {
    const idToken = await signIn('erin');
    const first = await issueToken(idToken, { description: 'CI pipeline', scopes: ['jobs:read'] });
    const second = await issueToken(idToken, { description: 'Reporting', scopes: ['candidates:read', 'assessments:read'] });

    const asTable = await pat(['list'], { env: userEnv(idToken) });
    const asJson = await pat(['list', '--json'], { env: userEnv(idToken) });

    expect(asTable.code).toBe(0);
    const [heading, ...rows] = asTable.stdout.trim().split('\n');
    expect(heading).toMatch(/^ID\s+STATUS\s+EXPIRES\s+LAST USED\s+OWNER\s+GENERATION\s+DESCRIPTION\s+SCOPES$/);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(new RegExp(`^${second.id}\\s+active\\s+.*erin\\s+\\S+\\s+Reporting\\s+candidates:read assessments:read$`));
    expect(rows[1]).toMatch(new RegExp(`^${first.id}\\s+active\\s+.*CI pipeline\\s+jobs:read$`));
    expect(asJson.code).toBe(0);
    const listed = JSON.parse(asJson.stdout) as { items: { id: string }[]; nextCursor: string | null };
    expect(listed.items.map((item) => item.id)).toEqual([second.id, first.id]);
    expect(asJson.stdout).not.toContain(first.accessToken);
  });

  it('list --all-pages follows the cursor through every page', async () => {
    const idToken = await signIn('frank');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await issueToken(idToken, { description: `token ${i}`, scopes: ['jobs:read'] })).id);

    const firstPage = await pat(['list', '--limit', '2'], { env: userEnv(idToken) });
    const everything = await pat(['list', '--limit', '2', '--all-pages', '--json'], { env: userEnv(idToken) });

    expect(firstPage.code).toBe(0);
    expect(firstPage.stdout).toMatch(/More tokens: pat list --cursor \S+/);
    expect(everything.code).toBe(0);
    const listed = JSON.parse(everything.stdout) as { items: { id: string }[]; nextCursor: string | null };
    expect(listed.items.map((item) => item.id)).toEqual(ids.reverse());
    expect(listed.nextCursor).toBeNull();
  });

  it('list --owner lets an admin see one user’s tokens, --status all includes revoked ones', async () => {
    const admin = await signIn('grace-admin', 'acme', true);
    const heidi = await signIn('heidi');
    const kept = await issueToken(heidi, { description: 'kept', scopes: ['jobs:read'] });
    const dropped = await issueToken(heidi, { description: 'dropped', scopes: ['jobs:read'] });
    expect((await pat(['revoke', dropped.id], { env: userEnv(heidi) })).code).toBe(0);

    const active = await pat(['list', '--owner', 'heidi', '--json'], { env: userEnv(admin) });
    const all = await pat(['list', '--owner', 'heidi', '--status', 'all'], { env: userEnv(admin) });

    expect(JSON.parse(active.stdout).items.map((item: { id: string }) => item.id)).toEqual([kept.id]);
    expect(all.stdout).toMatch(new RegExp(`${dropped.id}\\s+revoked`));
    expect(all.stdout).toContain(kept.id);
  });

  // The message needs revokedTokenIds (issue 11) from the server.
  it('revoke revokes the token: its access token and its refresh key stop working', async () => {
    const { file, credentials, idToken } = await vendorCredentials();

    const run = await pat(['revoke', credentials.tokenId], { env: userEnv(idToken) });

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Revoked "vendor \d+" \(generation 1\)\n$/);
    expect((await callExampleApi(credentials.accessToken)).status).toBe(401);
    expect((await pat(['refresh', '--credentials', file])).code).toBe(3);
  });

  it('explains a rejected call in one line with the server’s message and a non-zero exit', async () => {
    const idToken = await signIn('ivan');
    const env = userEnv(idToken);

    const unknownScope = await pat(['create', '-d', 'x', '-s', 'payroll:read'], { env });
    const unknownToken = await pat(['revoke', '0123456789abcdef0123456789abcdef'], { env });
    const badIdToken = await pat(['list'], { env: userEnv('not-a-real-id-token') });
    const othersTokens = await pat(['list', '--owner', 'someone-else'], { env });

    expectOneLineFailure(unknownScope, 1, /could not create the token \(400 invalid_request: .*payroll:read/, [idToken]);
    expectOneLineFailure(unknownToken, 1, /no token 0123456789abcdef0123456789abcdef .*404 not_found/, [idToken]);
    expectOneLineFailure(badIdToken, 3, /ID token was rejected \(401 unauthorized/, ['not-a-real-id-token']);
    expectOneLineFailure(othersTokens, 1, /403 forbidden/, [idToken]);
  });

  it('explains a missing option, a missing URL or ID token, and a server that is down', async () => {
    const idToken = await signIn('judy');

    const noScope = await pat(['create', '-d', 'x'], { env: userEnv(idToken) });
    const noUrl = await pat(['list'], { env: { PAT_ID_TOKEN: idToken } });
    const noIdToken = await pat(['list'], { env: { PAT_API_URL: service.url } });
    const down = await pat(['list', '--url', `http://127.0.0.1:${await closedPort()}`, '--id-token', idToken]);
    const unknownOption = await pat(['list', '--colour'], { env: userEnv(idToken) });

    expectOneLineFailure(noScope, 2, /missing --scope/, [idToken]);
    expectOneLineFailure(noUrl, 2, /missing the API URL: pass --url URL or set PAT_API_URL/, [idToken]);
    expectOneLineFailure(noIdToken, 2, /missing the ID token/, []);
    expectOneLineFailure(down, 1, /cannot reach GET http:\/\/127\.0\.0\.1:\d+\/tokens \(ECONNREFUSED\)/, [idToken]);
    expectOneLineFailure(unknownOption, 2, /Unknown option '--colour'/, [idToken]);
  });

  it('prints help for pat help, --help and each command', async () => {
    const runs = await Promise.all([pat(['help']), pat(['--help']), pat(['refresh', '--help']), pat(['help', 'create'])]);

    for (const run of runs) expect(run.code).toBe(0);
    expect(runs[0]!.stdout).toMatch(/pat refresh --credentials FILE/);
    expect(runs[1]!.stdout).toBe(runs[0]!.stdout);
    expect(runs[2]!.stdout).toMatch(/replaces FILE/);
    expect(runs[3]!.stdout).toMatch(/--save FILE/);
  });
});

describe('pat list and pat revoke, one row and one revocation per credential (token family)', () => {
  const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000).toISOString();
  const token = (id: string, fields: Record<string, unknown>) => ({
    id,
    owner: 'kim',
    tenant: 'acme',
    createdBy: 'kim',
    scopes: ['candidates:read'],
    allowedIps: [],
    expiresAt: '2099-01-01T00:00:00Z',
    lastUsedAt: null,
    status: 'active',
    ...fields,
  });
  const vendorA15 = token('a15', { description: 'Vendor A', familyId: 'a01', generation: 15, createdAt: hoursAgo(2) });
  const vendorA14 = token('a14', {
    description: 'Vendor A',
    familyId: 'a01',
    generation: 14,
    createdAt: hoursAgo(50),
    status: 'revoked',
    revokeReason: 'rotated',
    graceUntil: hoursAgo(-0.01),
  });
  const vendorA13 = token('a13', {
    description: 'Vendor A',
    familyId: 'a01',
    generation: 13,
    createdAt: hoursAgo(98),
    status: 'revoked',
    revokeReason: 'rotated',
    graceUntil: hoursAgo(48),
  });
  const reports = token('b01', { description: 'Reports', familyId: 'b01', generation: 1, createdAt: hoursAgo(200) });

  it('list shows each credential once, as its newest token with its generation and last rotation; --all-generations shows every token', async () => {
    const fake = await fakeService(() => ({ status: 200, json: { items: [vendorA15, vendorA14, vendorA13, reports], nextCursor: null } }));
    const env = { PAT_API_URL: fake.url, PAT_ID_TOKEN: 'an-id-token-for-the-fake' };

    const credentials = await pat(['list', '--status', 'all'], { env });
    const everyToken = await pat(['list', '--status', 'all', '--all-generations'], { env });
    const asJson = await pat(['list', '--status', 'all', '--json'], { env });
    await fake.close();

    expect(credentials.code, credentials.stderr).toBe(0);
    const [heading, ...rows] = credentials.stdout.trim().split('\n');
    expect(heading).toMatch(/^ID\s+STATUS\s+EXPIRES\s+LAST USED\s+OWNER\s+GENERATION\s+DESCRIPTION\s+SCOPES$/);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/^a15\s+active\s+.*kim\s+15, rotated 2 h ago\s+Vendor A\s+candidates:read$/);
    expect(rows[1]).toMatch(/^b01\s+active\s+.*kim\s+1\s+Reports\s+candidates:read$/);
    const everyRow = everyToken.stdout.trim().split('\n').slice(1);
    expect(everyRow.map((row) => row.split(/\s+/)[0])).toEqual(['a15', 'a14', 'a13', 'b01']);
    expect(everyRow[1]).toMatch(/^a14\s+revoked \(rotated\)\s+.*kim\s+14\s+Vendor A/);
    expect(JSON.parse(asJson.stdout).items.map((item: { id: string }) => item.id)).toEqual(['a15', 'a14', 'a13', 'b01']);
  });

  it('list shows a credential as last used when any of its generations was, not only its newest token', async () => {
    const items = [
      { ...vendorA15, lastUsedAt: null, credentialLastUsedAt: '2026-11-20T10:00:00.000Z' },
      { ...vendorA14, lastUsedAt: '2026-11-21T10:00:00.000Z' },
      { ...reports, lastUsedAt: null, credentialLastUsedAt: null },
      token('c01', {
        description: 'Refused',
        familyId: 'c01',
        generation: 1,
        createdAt: hoursAgo(1),
        status: 'revoked',
        revokeReason: 'rejected',
        rejectReason: 'use the CI token',
      }),
    ];
    const fake = await fakeService(() => ({ status: 200, json: { items, nextCursor: null } }));
    const env = { PAT_API_URL: fake.url, PAT_ID_TOKEN: 'an-id-token-for-the-fake' };

    const credentials = await pat(['list', '--status', 'all'], { env });
    const everyToken = await pat(['list', '--status', 'all', '--all-generations'], { env });
    await fake.close();

    const rows = credentials.stdout.trim().split('\n').slice(1);
    expect(rows[0]).toMatch(/^a15\s+active\s+2099-01-01 00:00Z\s+2026-11-21 10:00Z\s+kim/);
    expect(rows[1]).toMatch(/^b01\s+active\s+2099-01-01 00:00Z\s+-\s+kim/);
    expect(everyToken.stdout.trim().split('\n')[1]).toMatch(/^a15\s+active\s+2099-01-01 00:00Z\s+-\s+kim/);
    expect(rows[2]).toMatch(/^c01\s+revoked \(rejected\) \(reason: use the CI token\)\s/);
  });

  it('revoke says which generation it revoked and how many tokens still in their grace period went with it', async () => {
    const answers: Record<string, FakeAnswer> = {
      'DELETE /tokens/a15': {
        status: 200,
        json: { ...vendorA15, status: 'revoked', revokeReason: 'revoked', revokedTokenIds: ['a15', 'a14'] },
      },
      // Addressed by a rotated member: the newest one revoked is looked up for its generation.
      'DELETE /tokens/a13': { status: 200, json: { ...vendorA13, revokedTokenIds: ['a15', 'a14'] } },
      'GET /tokens/a15': { status: 200, json: { ...vendorA15, status: 'revoked', revokeReason: 'revoked' } },
      'DELETE /tokens/b01': { status: 200, json: { ...reports, revokedTokenIds: ['b01'] } },
      'DELETE /tokens/gone': { status: 200, json: { ...vendorA13, id: 'gone', revokedTokenIds: [] } },
    };
    const fake = await fakeService(
      ({ method, path }) =>
        answers[`${method} ${path}`] ?? { status: 404, json: { error: { code: 'not_found', message: 'no such token' } } },
    );
    const env = { PAT_API_URL: fake.url, PAT_ID_TOKEN: 'an-id-token-for-the-fake' };

    const [newest, rotated, single, nothing] = (await Promise.all(
      ['a15', 'a13', 'b01', 'gone'].map((id) => pat(['revoke', id], { env })),
    )) as [Run, Run, Run, Run];
    await fake.close();

    expect(newest.stdout).toBe('Revoked "Vendor A" (generation 15 and 1 token still in its grace period)\n');
    expect(rotated.stdout).toBe('Revoked "Vendor A" (generation 15 and 1 token still in its grace period)\n');
    expect(single.stdout).toBe('Revoked "Reports" (generation 1)\n');
    expect(nothing.stdout).toMatch(
      /^Nothing was live any more: "Vendor A" \(token gone\) was already revoked \(rotated\); nothing changed\n$/,
    );
    for (const run of [newest, rotated, single, nothing]) expect([run.code, run.stderr]).toEqual([0, '']);
  });

  // Needs token families (familyId, generation, revokedTokenIds) from the server: issue 11.
  it('against the service: a refreshed credential is one row at generation 3, and revoking any member revokes it all', async () => {
    const { file, credentials, idToken } = await vendorCredentials();
    for (let round = 0; round < 2; round++) expect((await pat(['refresh', '--credentials', file])).code).toBe(0);
    const current = await readJson(file);

    const listed = await pat(['list', '--status', 'all'], { env: userEnv(idToken) });
    const every = await pat(['list', '--status', 'all', '--all-generations'], { env: userEnv(idToken) });
    const revoked = await pat(['revoke', credentials.tokenId], { env: userEnv(idToken) });
    const again = await pat(['revoke', current.tokenId!], { env: userEnv(idToken) });

    const rows = listed.stdout.trim().split('\n').slice(1);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(new RegExp(`^${current.tokenId}\\s+active\\s+.*\\s3, rotated just now\\s+vendor \\d+\\s`));
    expect(every.stdout.trim().split('\n')).toHaveLength(4);
    // Generations 1 and 2 were rotated seconds ago: both still in their 60 s grace period.
    expect(revoked.stdout).toMatch(/^Revoked "vendor \d+" \(generation 3 and 2 tokens still in its grace period\)\n$/);
    expect(again.stdout).toMatch(/^Nothing was live any more: /);
    expect((await callExampleApi(current.accessToken!)).status).toBe(401);
  });
});

describe('pat policy, approve, reject, regenerate, edit (tenant governance)', () => {
  let tenantCount = 0;
  /** A tenant of its own per test: a policy is per tenant. */
  async function tenant() {
    const name = `cli-gov${++tenantCount}-${randomBytes(3).toString('hex')}`;
    return { name, admin: await signIn('ada', name, true), user: await signIn('uma', name) };
  }

  it('policy shows the effective policy as a table; policy set lets an admin tighten it and shows the result', async () => {
    const { admin, user } = await tenant();

    const before = await pat(['policy'], { env: userEnv(user) });
    const set = await pat(
      [
        'policy',
        'set',
        '--max-lifetime-days',
        '180',
        '--creators',
        'admins',
        '--allowed-areas',
        'candidates,jobs',
        '--max-active',
        '5',
        '--require-ip-restriction',
        'true',
      ],
      {
        env: userEnv(admin),
      },
    );
    const after = await pat(['policy', '--json'], { env: userEnv(user) });

    expect(before.code, before.stderr).toBe(0);
    const [heading, ...rows] = before.stdout.trim().split('\n');
    expect(heading).toMatch(/^SETTING\s+VALUE\s+SET WITH$/);
    expect(rows).toContainEqual(expect.stringMatching(/^lifetimesDays\s+90, 180, 365\s+--lifetimes$/));
    expect(rows).toContainEqual(expect.stringMatching(/^allowedAreas\s+all\s+--allowed-areas$/));
    expect(rows).toContainEqual(expect.stringMatching(/^creators\s+everyone\s+--creators$/));
    expect(rows).toContainEqual(expect.stringMatching(/^requireApproval\s+false\s+--require-approval$/));
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/^Policy changed\./);
    expect(set.stdout).toMatch(/^maxLifetimeDays\s+180\s/m);
    expect(set.stdout).toMatch(/^allowedAreas\s+candidates, jobs\s/m);
    expect(JSON.parse(after.stdout)).toMatchObject({
      maxLifetimeDays: 180,
      lifetimesDays: [90, 180],
      creators: 'admins',
      allowedAreas: ['candidates', 'jobs'],
      maxActiveTokensPerOwner: 5,
      requireIpRestriction: true,
    });
  }, 60_000);

  it('policy set explains a refused value with the field the service names (400), a non-admin (403) and a malformed option (2)', async () => {
    const { admin, user } = await tenant();

    const wider = await pat(['policy', 'set', '--max-lifetime-days', '400'], { env: userEnv(admin) });
    const unknownArea = await pat(['policy', 'set', '--allowed-areas', 'payroll'], { env: userEnv(admin) });
    const notAdmin = await pat(['policy', 'set', '--require-approval', 'true'], { env: userEnv(user) });
    const notBoolean = await pat(['policy', 'set', '--require-approval', 'maybe'], { env: userEnv(admin) });
    const nothing = await pat(['policy', 'set'], { env: userEnv(admin) });
    const unchanged = await pat(['policy', '--json'], { env: userEnv(user) });

    expectOneLineFailure(wider, 1, /could not change the tenant's policy \(400 invalid_request: .*maxLifetimeDays/, [admin]);
    expectOneLineFailure(unknownArea, 1, /400 invalid_request: .*allowedAreas/, [admin]);
    expectOneLineFailure(notAdmin, 1, /could not change the tenant's policy \(403 forbidden: /, [user]);
    expectOneLineFailure(notBoolean, 2, /--require-approval must be true or false/, [admin]);
    expectOneLineFailure(nothing, 2, /nothing to change/, [admin]);
    expect(JSON.parse(unchanged.stdout)).toMatchObject({ maxLifetimeDays: 365, allowedAreas: null, requireApproval: false });
  }, 60_000);

  it('list --status pending shows tokens waiting for approval; approve makes one work, reject revokes one; a user may do neither', async () => {
    const { admin, user } = await tenant();
    expect((await pat(['policy', 'set', '--require-approval', 'true'], { env: userEnv(admin) })).code).toBe(0);
    const created = await pat(['create', '-d', 'needs approval', '-s', 'candidates:read'], { env: userEnv(user) });
    const toApprove = /^Created token ([0-9a-f]{32})/.exec(created.stdout)?.[1] ?? '';
    const accessToken = /access token:\s+(\S+)/.exec(created.stdout)?.[1] ?? '';
    const toReject = await issueToken(user, { description: 'to reject', scopes: ['jobs:read'] });

    const pending = await pat(['list', '--status', 'pending'], { env: userEnv(admin) });
    const byUser = await pat(['approve', toApprove], { env: userEnv(user) });
    const approved = await pat(['approve', toApprove], { env: userEnv(admin) });
    const again = await pat(['approve', toApprove], { env: userEnv(admin) });
    const rejected = await pat(['reject', toReject.id], { env: userEnv(admin) });
    const stillPending = await pat(['list', '--status', 'pending', '--json'], { env: userEnv(admin) });

    expect(created.stdout).toMatch(/status:\s+pending/);
    expect(pending.code, pending.stderr).toBe(0);
    const rows = pending.stdout.trim().split('\n').slice(1);
    expect(rows.map((row) => row.split(/\s+/).slice(0, 2))).toEqual([
      [toReject.id, 'pending'],
      [toApprove, 'pending'],
    ]);
    expectOneLineFailure(byUser, 1, /could not approve token [0-9a-f]{32} \(403 forbidden: /, [user]);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toMatch(
      new RegExp(`^Approved token ${toApprove} "needs approval" of uma: now active\n  scopes: candidates:read\n.*\n.*\n  revision: 0\n$`),
    );
    expect((await callExampleApi(accessToken)).status).toBe(200);
    expectOneLineFailure(again, 4, /token [0-9a-f]{32} is active, not pending: nothing to approve/, [admin]);
    expect(rejected.stdout).toMatch(new RegExp(`^Rejected token ${toReject.id} "to reject" of uma: now revoked \\(rejected\\)\n`));
    expect(await refreshWithApi(toReject.refreshKey)).toBe(401);
    expect(JSON.parse(stillPending.stdout).items).toEqual([]);
  }, 60_000);

  it('approve and reject send the revision they showed, reject its --reason; a token changed meanwhile (409) is named as such', async () => {
    let decisions = 0;
    const fake = await fakeService(({ method, path }) => {
      if (method === 'GET')
        return {
          status: 200,
          json: {
            id: path.split('/')[2],
            owner: 'uma',
            description: 'ci',
            status: 'pending',
            revision: 7,
            scopes: ['jobs:read'],
            expiresAt: null,
            justification: 'nightly import',
          },
        };
      decisions += 1;
      if (path.startsWith('/tokens/changed/'))
        return { status: 409, json: { error: { code: 'conflict', message: 'The token changed since revision 7' } } };
      return { status: 200, json: { id: 'a1', owner: 'uma', description: 'ci', status: path.endsWith('/reject') ? 'revoked' : 'active' } };
    });
    const env = { PAT_API_URL: fake.url, PAT_ID_TOKEN: 'an-id-token-for-the-fake' };

    const approved = await pat(['approve', 'a1'], { env });
    const rejected = await pat(['reject', 'a2', '--reason', '  use the shared CI token  '], { env });
    const conflict = await pat(['approve', 'changed'], { env });
    const reasonOnApprove = await pat(['approve', 'a1', '--reason', 'x'], { env });
    const tooLong = await pat(['reject', 'a2', '--reason', 'x'.repeat(501)], { env });
    await fake.close();

    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain('justification: nightly import');
    expect(fake.requests.filter((request) => request.method === 'POST')).toEqual([
      { method: 'POST', path: '/tokens/a1/approve', body: { revision: 7 } },
      { method: 'POST', path: '/tokens/a2/reject', body: { revision: 7, reason: 'use the shared CI token' } },
      { method: 'POST', path: '/tokens/changed/approve', body: { revision: 7 } },
    ]);
    expect(rejected.stdout).toContain('reason (shown to the owner): use the shared CI token');
    expectOneLineFailure(conflict, 4, /it changed since it was read \(409 conflict: .*\); run pat approve changed again/, []);
    expectOneLineFailure(reasonOnApprove, 2, /--reason is for pat reject/, []);
    expectOneLineFailure(tooLong, 2, /--reason must be 1 to 500 characters/, []);
    expect(decisions).toBe(3);
  });

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
    let answer: FakeAnswer = { status: 200, json: self };
    const seen: string[] = [];
    const fake = await fakeService(({ url }) => {
      seen.push(url.pathname);
      return answer;
    });
    const directory = await mkdtemp(join(root, 'status-'));
    const file = join(directory, 'credentials.json');
    await writeFile(file, JSON.stringify({ apiUrl: fake.url, accessToken: 'eyJhbGciOiJFUzI1NiJ9.e30.sig', refreshKey: 'patr_secret' }), {
      mode: 0o600,
    });

    const active = await pat(['status', '--credentials', file]);
    answer = { status: 200, json: { ...self, status: 'revoked' } };
    const revoked = await pat(['status', '--credentials', file]);
    answer = { status: 401, json: { error: { code: 'unauthorized', message: 'Unauthorized' } } };
    const unknown = await pat(['status', '--credentials', file]);
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
    expectOneLineFailure(unknown, 3, /does not know the access token .*ask the token's owner for a new token/, ['patr_secret']);
  });

  // Needs GET /tokens/self on the server (another branch of this round).
  it('status against the service: a fresh token is active with its scopes', async () => {
    const { file } = await vendorCredentials();

    const run = await pat(['status', '--credentials', file]);

    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^status +active$/m);
    expect(run.stdout).toMatch(/^scopes +candidates:read$/m);
  });

  it('regenerate prints new secrets once: the new token works, the old refresh key is spent, the family moves to generation 2', async () => {
    const { user, admin } = await tenant();
    const token = await issueToken(user, { description: 'renew me', scopes: ['candidates:read'] });

    const run = await pat(['regenerate', token.id], { env: userEnv(user) });
    const otherTenant = await pat(['regenerate', token.id], { env: userEnv(await signIn('ada', 'elsewhere', true)) });

    expect(run.code, run.stderr).toBe(0);
    const newId = new RegExp(`^Regenerated token ${token.id} → ([0-9a-f]{32}) "renew me" \\(generation 2\\)\\n`).exec(run.stdout)?.[1];
    const accessToken = /access token:\s+(\S+)/.exec(run.stdout)?.[1] ?? '';
    const refreshKey = /refresh key:\s+(\S+)/.exec(run.stdout)?.[1] ?? '';
    expect(newId).toBeDefined();
    expect(run.stdout).toMatch(/Copy both now: they are not shown again\.\n$/);
    expect((await callExampleApi(accessToken)).body.principal?.tokenId).toBe(newId);
    expect(await refreshWithApi(refreshKey)).toBe(200);
    // Spent by the regeneration: never a new token (the service answers 401 or, within its leeway, 409).
    expect(await refreshWithApi(token.refreshKey)).not.toBe(200);
    expectOneLineFailure(otherTenant, 1, new RegExp(`no token ${token.id} that you may see \\(404 not_found`), [admin]);
  }, 60_000);

  it('regenerate --credentials replaces a vendor file atomically, keeping its other fields, and refuses a file it must not overwrite before regenerating', async () => {
    const { directory, file, credentials, idToken } = await vendorCredentials({ note: 'kept' });
    const notCredentials = join(directory, 'notes.txt');
    await writeFile(notCredentials, 'precious');

    const refused = await pat(['regenerate', credentials.tokenId, '--credentials', notCredentials], { env: userEnv(idToken) });
    const run = await pat(['regenerate', credentials.tokenId, '--credentials', file], { env: userEnv(idToken) });

    expectOneLineFailure(refused, 1, /will not replace .*notes\.txt: it does not hold a JSON object; pass --force/, [idToken]);
    expect(await readFile(notCredentials, 'utf8')).toBe('precious');
    expect(run.code, run.stderr).toBe(0);
    const saved = await readJson(file);
    expect(saved).toMatchObject({ apiUrl: service.url, note: 'kept', tokenId: expect.stringMatching(/^[0-9a-f]{32}$/) });
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
    expect((await callExampleApi(saved.accessToken!)).status).toBe(200);
    expect((await pat(['refresh', '--credentials', file])).code).toBe(0);
  }, 60_000);

  it('edit changes the description and IP entries and narrows scopes, and the authorizer follows; a wider scope is a 400 naming the field', async () => {
    const { user } = await tenant();
    const token = await issueToken(user, { description: 'editable', scopes: ['candidates:read', 'jobs:read'] });

    const wider = await pat(['edit', token.id, '--scope', 'candidates:read,candidates:write'], { env: userEnv(user) });
    const edited = await pat(['edit', token.id, '-d', 'edited', '--scope', 'jobs:read', '--allow-ip', '127.0.0.1,::1'], {
      env: userEnv(user),
    });
    const nothing = await pat(['edit', token.id], { env: userEnv(user) });
    const notYours = await pat(['edit', token.id, '-d', 'mine now'], { env: userEnv(await signIn('mallory', 'acme')) });

    expectOneLineFailure(wider, 1, /could not edit token [0-9a-f]{32} \(400 invalid_request: .*scopes/, [user]);
    expect(edited.code, edited.stderr).toBe(0);
    expect(edited.stdout).toBe(`Edited token ${token.id} "edited"\n  scopes:        jobs:read\n  allowed IPs:   127.0.0.1, ::1\n`);
    const jobs = await fetch(`${service.url}/api/jobs`, { headers: { authorization: `Bearer ${token.accessToken}` } });
    expect(jobs.status).toBe(200);
    expect((await callExampleApi(token.accessToken)).status).toBe(403);
    expectOneLineFailure(nothing, 2, /nothing to change/, [user]);
    expectOneLineFailure(notYours, 1, /no token [0-9a-f]{32} that you may see \(404 not_found/, []);
  }, 60_000);

  it('prints help for each new command', async () => {
    const topics = ['regenerate', 'edit', 'policy', 'approve', 'reject'];
    const runs = await Promise.all(topics.map((topic) => pat(['help', topic])));
    const viaOption = await pat(['policy', '--help']);

    for (const run of runs) expect(run.code).toBe(0);
    expect(runs[0]!.stdout).toMatch(/^pat regenerate ID/);
    expect(runs[1]!.stdout).toMatch(/scopes can only narrow/);
    expect(runs[2]!.stdout).toMatch(/--max-lifetime-days N/);
    expect(runs[3]!.stdout).toMatch(/POST \/tokens\/\{ID\}\/approve/);
    expect(runs[4]!.stdout).toMatch(/reason "rejected"/);
    expect(viaOption.stdout).toBe(runs[2]!.stdout);
    expect((await pat(['help'])).stdout).toMatch(/pat policy set/);
    expect((await pat(['help', 'constructor'])).code).toBe(2);
  }, 60_000);
});

describe('pat output hygiene', () => {
  // What a hostile server or proxy might put in any field: CSI (clear screen), OSC (window title,
  // hyperlink), a C1 CSI and NEL, BEL, bidi overrides and isolates, a line separator.
  const hostile = (label: string) =>
    `${label}\u001b[2J\u001b]0;pwned\u0007\u001b]8;;https://evil.example/\u001b\\x\u009b31m\u0085\u202etxt.exe\u2066\u2069\u200f\u2028\u0000`;
  const forbidden = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/u;
  const fields = (label: string) =>
    Object.fromEntries(
      [
        'id',
        'owner',
        'tenant',
        'createdBy',
        'description',
        'createdAt',
        'expiresAt',
        'status',
        'lastUsedAt',
        'revokedAt',
        'revokedBy',
        'revokeReason',
        'graceUntil',
        'familyId',
      ].map((name) => [name, hostile(`${label}-${name}`)]),
    );

  it('lets no control character, escape sequence or bidi override of any field reach the terminal', async () => {
    const fake = await fakeService(({ method, path, url }) => {
      if (method === 'GET' && path === '/tokens' && url.searchParams.get('status') === 'expired') {
        return { status: 400, json: { error: { code: hostile('code'), message: hostile('message'), details: [] } } };
      }
      if (method === 'GET' && path === '/tokens') {
        return {
          status: 200,
          json: {
            items: [
              { ...fields('one'), scopes: [hostile('scope')], allowedIps: [hostile('ip')], generation: 2 },
              { ...fields('two'), scopes: [], generation: 1 },
            ],
            nextCursor: hostile('cursor'),
          },
        };
      }
      if (method === 'DELETE')
        return { status: 200, json: { ...fields('revoked'), generation: 3, revokedTokenIds: [hostile('revoked-id'), hostile('other')] } };
      if (method === 'GET') return { status: 200, json: { ...fields('newest'), generation: 4 } };
      if (path === '/tokens/refresh') {
        return {
          status: 200,
          json: {
            ...fields('refreshed'),
            accessToken: 'eyJhbGciOiJFUzI1NiJ9.e30.c2lnbmF0dXJl',
            refreshKey: `patr_x_${randomBytes(32).toString('base64url')}`,
          },
        };
      }
      return {
        status: 201,
        json: {
          ...fields('created'),
          scopes: [hostile('scope')],
          allowedIps: [hostile('ip')],
          accessToken: `eyJ${hostile('access')}`,
          refreshKey: `patr_${hostile('key')}`,
        },
      };
    });
    const env = { PAT_API_URL: fake.url, PAT_ID_TOKEN: 'an-id-token-for-the-fake' };
    const { file } = await vendorCredentials({ apiUrl: fake.url });

    const runs = await Promise.all([
      pat(['list', '--status', 'all'], { env }),
      pat(['list', '--all-generations'], { env }),
      pat(['list', '--json'], { env }),
      pat(['list', '--status', 'expired'], { env }),
      pat(['revoke', 'some-id'], { env }),
      pat(['revoke', 'some-id', '--json'], { env }),
      pat(['create', '-d', 'x', '-s', 'candidates:read'], { env }),
      pat(['create', '-d', 'x', '-s', 'candidates:read', '--json'], { env }),
      pat(['refresh', '--credentials', file]),
    ]);
    const refreshedJson = await pat(['refresh', '--credentials', file, '--json']);
    await fake.close();

    for (const run of [...runs, refreshedJson]) {
      expect(run.stdout + run.stderr).not.toMatch(forbidden);
      expect(run.stdout + run.stderr).not.toContain('\u001b');
    }
    // The fields are shown, only defused, and the JSON output is still the same JSON.
    expect(runs[0]!.stdout).toContain('one-expiresAt [2J ]0;pwned');
    expect(runs[0]!.stdout).toContain('cursor [2J');
    expect(runs[3]!.stderr).toMatch(/400 code \[2J.*message \[2J/);
    expect(JSON.parse(runs[2]!.stdout).items[0].description).toBe(hostile('one-description'));
    expect(JSON.parse(runs[5]!.stdout).revokedAt).toBe(hostile('revoked-revokedAt'));
    expect(JSON.parse(refreshedJson.stdout).expiresAt).toBe(hostile('refreshed-expiresAt'));
    expect(runs.map((run) => run.code)).toEqual([0, 0, 0, 1, 0, 0, 0, 0, 0]);
  }, 60_000); // ten CLI processes on a shared machine

  it('lets no control character of any field reach the terminal from policy, policy set, edit, approve, reject and regenerate, error details included', async () => {
    const fake = await fakeService(({ method, path }) => {
      if (method === 'GET' && path === '/policy')
        return {
          status: 200,
          json: { creators: hostile('creators'), allowedAreas: [hostile('area')], lifetimesDays: [90], [hostile('key')]: hostile('value') },
        };
      if (method === 'PUT')
        return {
          status: 400,
          json: {
            error: { code: 'invalid_request', message: 'refused', details: [{ field: hostile('field'), message: hostile('problem') }] },
          },
        };
      if (method === 'PATCH')
        return { status: 200, json: { ...fields('edited'), scopes: [hostile('scope')], allowedIps: [hostile('ip')] } };
      if (path.endsWith('/regenerate'))
        return {
          status: 200,
          json: {
            ...fields('regenerated'),
            generation: 2,
            scopes: [hostile('scope')],
            accessToken: `eyJ${hostile('access')}`,
            refreshKey: `patr_${hostile('key')}`,
          },
        };
      if (method === 'GET')
        return { status: 200, json: { ...fields('shown'), status: 'pending', revision: 2, justification: hostile('justification') } };
      return { status: 200, json: fields('decided') };
    });
    const env = { PAT_API_URL: fake.url, PAT_ID_TOKEN: 'an-id-token-for-the-fake' };

    const runs: Run[] = [];
    for (const args of [
      ['policy'],
      ['policy', 'set', '--max-active', '3'],
      ['edit', 'x', '-d', 'y'],
      ['approve', 'x'],
      ['reject', 'x'],
      ['regenerate', 'x'],
    ])
      runs.push(await pat(args, { env }));
    await fake.close();

    for (const run of runs) {
      expect(run.stdout + run.stderr).not.toMatch(forbidden);
      expect(run.stdout + run.stderr).not.toContain('\u001b');
    }
    expect(runs.map((run) => run.code)).toEqual([0, 1, 0, 0, 0, 0]);
    expect(runs[0]!.stdout).toContain('creators [2J ]0;pwned');
    expect(runs[1]!.stderr).toMatch(/400 invalid_request: refused \[field \[2J.*: problem \[2J/);
    expect(runs[2]!.stdout).toContain('edited-description [2J');
    expect(runs[5]!.stdout).toContain('regenerated-description [2J');
    expect(runs[3]!.stdout).toContain('justification: justification [2J');
  }, 60_000);

  it('keeps any generated text of any field from acting on the terminal, in the table and in JSON', async () => {
    // Generated descriptions, owners and times: any code point, lone surrogates included (one CLI run per format).
    const texts = fc.sample(
      fc.string({
        unit: fc.oneof(
          fc.constantFrom('\u001b', '\u009b', '\u202e', '\u2066', '\u2028', '\u0007', '['),
          fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
          fc.string({ unit: 'grapheme-composite', minLength: 1, maxLength: 1 }),
        ),
        maxLength: 30,
      }),
      { numRuns: 200, seed: 12 },
    );
    const items = texts.map((text, index) => ({
      id: `t${index}`,
      description: text,
      owner: text,
      status: 'active',
      expiresAt: text,
      lastUsedAt: text,
      scopes: [text],
      familyId: `f${index}`,
      generation: 2,
      createdAt: text,
    }));
    const fake = await fakeService(() => ({ status: 200, json: { items, nextCursor: `${texts.join('')}cursor` } }));
    const env = { PAT_API_URL: fake.url, PAT_ID_TOKEN: 'an-id-token-for-the-fake' };

    const [asTable, asJson] = (await Promise.all([pat(['list'], { env }), pat(['list', '--json'], { env })])) as [Run, Run];
    await fake.close();

    for (const run of [asTable, asJson]) {
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).not.toMatch(forbidden);
    }
    expect(asTable.stdout.trim().split('\n')).toHaveLength(1 + items.length + 1); // heading, one line per row, "More tokens"
    expect(JSON.parse(asJson.stdout).items.map((item: { description: string }) => item.description)).toEqual(texts);
  });
});

/** `pat policy`, `pat approve` and `pat reject`: a tenant admin's governance from the command line (the harness: test/support/cli-harness.ts). */
import { describe, expect, it } from 'vitest';
import * as cli from '../support/cli-harness';

describe('pat policy, approve, reject (tenant governance)', () => {
  it('policy shows the effective policy as a table; policy set lets an admin tighten it and shows the result', async () => {
    const { admin, user } = await cli.newTenant();

    const before = await cli.pat(['policy'], { env: cli.userEnv(user) });
    const set = await cli.pat(
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
        env: cli.userEnv(admin),
      },
    );
    const after = await cli.pat(['policy', '--json'], { env: cli.userEnv(user) });

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
    const { admin, user } = await cli.newTenant();

    const wider = await cli.pat(['policy', 'set', '--max-lifetime-days', '400'], { env: cli.userEnv(admin) });
    const unknownArea = await cli.pat(['policy', 'set', '--allowed-areas', 'payroll'], { env: cli.userEnv(admin) });
    const notAdmin = await cli.pat(['policy', 'set', '--require-approval', 'true'], { env: cli.userEnv(user) });
    const notBoolean = await cli.pat(['policy', 'set', '--require-approval', 'maybe'], { env: cli.userEnv(admin) });
    const nothing = await cli.pat(['policy', 'set'], { env: cli.userEnv(admin) });
    const unchanged = await cli.pat(['policy', '--json'], { env: cli.userEnv(user) });

    cli.expectOneLineFailure(wider, 1, /could not change the tenant's policy \(400 invalid_request: .*maxLifetimeDays/, [admin]);
    cli.expectOneLineFailure(unknownArea, 1, /400 invalid_request: .*allowedAreas/, [admin]);
    cli.expectOneLineFailure(notAdmin, 1, /could not change the tenant's policy \(403 forbidden: /, [user]);
    cli.expectOneLineFailure(notBoolean, 2, /--require-approval must be true or false/, [admin]);
    cli.expectOneLineFailure(nothing, 2, /nothing to change/, [admin]);
    expect(JSON.parse(unchanged.stdout)).toMatchObject({ maxLifetimeDays: 365, allowedAreas: null, requireApproval: false });
  }, 60_000);

  it('list --status pending shows tokens waiting for approval; approve makes one work, reject revokes one; a user may do neither', async () => {
    const { admin, user } = await cli.newTenant();
    expect((await cli.pat(['policy', 'set', '--require-approval', 'true'], { env: cli.userEnv(admin) })).code).toBe(0);
    const created = await cli.pat(['create', '-d', 'needs approval', '-s', 'candidates:read'], { env: cli.userEnv(user) });
    const toApprove = /^Created token ([0-9a-f]{32})/.exec(created.stdout)?.[1] ?? '';
    const accessToken = /access token:\s+(\S+)/.exec(created.stdout)?.[1] ?? '';
    const toReject = await cli.issueToken(user, { description: 'to reject', scopes: ['jobs:read'] });

    const pending = await cli.pat(['list', '--status', 'pending'], { env: cli.userEnv(admin) });
    const byUser = await cli.pat(['approve', toApprove], { env: cli.userEnv(user) });
    const approved = await cli.pat(['approve', toApprove], { env: cli.userEnv(admin) });
    const again = await cli.pat(['approve', toApprove], { env: cli.userEnv(admin) });
    const rejected = await cli.pat(['reject', toReject.id], { env: cli.userEnv(admin) });
    const stillPending = await cli.pat(['list', '--status', 'pending', '--json'], { env: cli.userEnv(admin) });

    expect(created.stdout).toMatch(/status:\s+pending/);
    expect(pending.code, pending.stderr).toBe(0);
    const rows = pending.stdout.trim().split('\n').slice(1);
    expect(rows.map((row) => row.split(/\s+/).slice(0, 2))).toEqual([
      [toReject.id, 'pending'],
      [toApprove, 'pending'],
    ]);
    cli.expectOneLineFailure(byUser, 1, /could not approve token [0-9a-f]{32} \(403 forbidden: /, [user]);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toMatch(
      new RegExp(`^Approved token ${toApprove} "needs approval" of uma: now active\n  scopes: candidates:read\n.*\n.*\n  revision: 0\n$`),
    );
    expect((await cli.callExampleApi(accessToken)).status).toBe(200);
    cli.expectOneLineFailure(again, 4, /token [0-9a-f]{32} is active, not pending: nothing to approve/, [admin]);
    expect(rejected.stdout).toMatch(new RegExp(`^Rejected token ${toReject.id} "to reject" of uma: now revoked \\(rejected\\)\n`));
    expect(await cli.refreshWithApi(toReject.refreshKey)).toBe(401);
    expect(JSON.parse(stillPending.stdout).items).toEqual([]);
  }, 60_000);

  it('approve and reject send the revision they showed, reject its --reason; a token changed meanwhile (409) is named as such', async () => {
    let decisions = 0;
    const fake = await cli.fakeService(({ method, path }) => {
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

    const approved = await cli.pat(['approve', 'a1'], { env });
    const rejected = await cli.pat(['reject', 'a2', '--reason', '  use the shared CI token  '], { env });
    const conflict = await cli.pat(['approve', 'changed'], { env });
    const reasonOnApprove = await cli.pat(['approve', 'a1', '--reason', 'x'], { env });
    const tooLong = await cli.pat(['reject', 'a2', '--reason', 'x'.repeat(501)], { env });
    await fake.close();

    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain('justification: nightly import');
    expect(fake.requests.filter((request) => request.method === 'POST')).toEqual([
      { method: 'POST', path: '/tokens/a1/approve', body: { revision: 7 } },
      { method: 'POST', path: '/tokens/a2/reject', body: { revision: 7, reason: 'use the shared CI token' } },
      { method: 'POST', path: '/tokens/changed/approve', body: { revision: 7 } },
    ]);
    expect(rejected.stdout).toContain('reason (shown to the owner): use the shared CI token');
    cli.expectOneLineFailure(conflict, 4, /it changed since it was read \(409 conflict: .*\); run pat approve changed again/, []);
    cli.expectOneLineFailure(reasonOnApprove, 2, /--reason is for pat reject/, []);
    cli.expectOneLineFailure(tooLong, 2, /--reason must be 1 to 500 characters/, []);
    expect(decisions).toBe(3);
  });

  it('prints help for each new command', async () => {
    const topics = ['regenerate', 'edit', 'policy', 'approve', 'reject'];
    const runs = await Promise.all(topics.map((topic) => cli.pat(['help', topic])));
    const viaOption = await cli.pat(['policy', '--help']);

    for (const run of runs) expect(run.code).toBe(0);
    expect(runs[0]!.stdout).toMatch(/^pat regenerate ID/);
    expect(runs[1]!.stdout).toMatch(/scopes can only narrow/);
    expect(runs[2]!.stdout).toMatch(/--max-lifetime-days N/);
    expect(runs[3]!.stdout).toMatch(/POST \/tokens\/\{ID\}\/approve/);
    expect(runs[4]!.stdout).toMatch(/reason "rejected"/);
    expect(viaOption.stdout).toBe(runs[2]!.stdout);
    expect((await cli.pat(['help'])).stdout).toMatch(/pat policy set/);
    expect((await cli.pat(['help', 'constructor'])).code).toBe(2);
  }, 60_000);
});

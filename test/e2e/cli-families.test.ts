/** `pat list` and `pat revoke` show and revoke a credential (token family) as one (the harness: test/support/cli-harness.ts). */
import { describe, expect, it } from 'vitest';
import * as cli from '../support/cli-harness';
import { hoursAgo, listedToken, vendorFamilies } from '../support/token-families';

describe('pat list and pat revoke, one row and one revocation per credential (token family)', () => {
  const { vendorA15, vendorA14, vendorA13, reports } = vendorFamilies();

  it('list shows each credential once, as its newest token with its generation and last rotation; --all-generations shows every token', async () => {
    const fake = await cli.fakeService(() => ({
      status: 200,
      json: { items: [vendorA15, vendorA14, vendorA13, reports], nextCursor: null },
    }));
    const env = { PAT_API_URL: fake.url, PAT_ID_TOKEN: 'an-id-token-for-the-fake' };

    const credentials = await cli.pat(['list', '--status', 'all'], { env });
    const everyToken = await cli.pat(['list', '--status', 'all', '--all-generations'], { env });
    const asJson = await cli.pat(['list', '--status', 'all', '--json'], { env });
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
      listedToken('c01', {
        description: 'Refused',
        familyId: 'c01',
        generation: 1,
        createdAt: hoursAgo(1),
        status: 'revoked',
        revokeReason: 'rejected',
        rejectReason: 'use the CI token',
      }),
    ];
    const fake = await cli.fakeService(() => ({ status: 200, json: { items, nextCursor: null } }));
    const env = { PAT_API_URL: fake.url, PAT_ID_TOKEN: 'an-id-token-for-the-fake' };

    const credentials = await cli.pat(['list', '--status', 'all'], { env });
    const everyToken = await cli.pat(['list', '--status', 'all', '--all-generations'], { env });
    await fake.close();

    const rows = credentials.stdout.trim().split('\n').slice(1);
    expect(rows[0]).toMatch(/^a15\s+active\s+2099-01-01 00:00Z\s+2026-11-21 10:00Z\s+kim/);
    expect(rows[1]).toMatch(/^b01\s+active\s+2099-01-01 00:00Z\s+-\s+kim/);
    expect(everyToken.stdout.trim().split('\n')[1]).toMatch(/^a15\s+active\s+2099-01-01 00:00Z\s+-\s+kim/);
    expect(rows[2]).toMatch(/^c01\s+revoked \(rejected\) \(reason: use the CI token\)\s/);
  });

  it('revoke says which generation it revoked and how many tokens still in their grace period went with it', async () => {
    const answers: Record<string, cli.FakeAnswer> = {
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
    const fake = await cli.fakeService(
      ({ method, path }) =>
        answers[`${method} ${path}`] ?? { status: 404, json: { error: { code: 'not_found', message: 'no such token' } } },
    );
    const env = { PAT_API_URL: fake.url, PAT_ID_TOKEN: 'an-id-token-for-the-fake' };

    const [newest, rotated, single, nothing] = (await Promise.all(
      ['a15', 'a13', 'b01', 'gone'].map((id) => cli.pat(['revoke', id], { env })),
    )) as [cli.Run, cli.Run, cli.Run, cli.Run];
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
    const { file, credentials, idToken } = await cli.vendorCredentials();
    for (let round = 0; round < 2; round++) expect((await cli.pat(['refresh', '--credentials', file])).code).toBe(0);
    const current = await cli.readJson(file);

    const listed = await cli.pat(['list', '--status', 'all'], { env: cli.userEnv(idToken) });
    const every = await cli.pat(['list', '--status', 'all', '--all-generations'], { env: cli.userEnv(idToken) });
    const revoked = await cli.pat(['revoke', credentials.tokenId], { env: cli.userEnv(idToken) });
    const again = await cli.pat(['revoke', current.tokenId!], { env: cli.userEnv(idToken) });

    const rows = listed.stdout.trim().split('\n').slice(1);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(new RegExp(`^${current.tokenId}\\s+active\\s+.*\\s3, rotated just now\\s+vendor \\d+\\s`));
    expect(every.stdout.trim().split('\n')).toHaveLength(4);
    // Generations 1 and 2 were rotated seconds ago: both still in their 60 s grace period.
    expect(revoked.stdout).toMatch(/^Revoked "vendor \d+" \(generation 3 and 2 tokens still in its grace period\)\n$/);
    expect(again.stdout).toMatch(/^Nothing was live any more: /);
    expect((await cli.callExampleApi(current.accessToken!)).status).toBe(401);
  });
});

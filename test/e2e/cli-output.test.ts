/** What `pat` prints cannot act on a terminal, whatever a server sends (the harness: test/support/cli-harness.ts). */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as cli from '../support/cli-harness';

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
    const fake = await cli.fakeService(({ method, path, url }) => {
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
    const { file } = await cli.vendorCredentials({ apiUrl: fake.url });

    const runs = await Promise.all([
      cli.pat(['list', '--status', 'all'], { env }),
      cli.pat(['list', '--all-generations'], { env }),
      cli.pat(['list', '--json'], { env }),
      cli.pat(['list', '--status', 'expired'], { env }),
      cli.pat(['revoke', 'some-id'], { env }),
      cli.pat(['revoke', 'some-id', '--json'], { env }),
      cli.pat(['create', '-d', 'x', '-s', 'candidates:read'], { env }),
      cli.pat(['create', '-d', 'x', '-s', 'candidates:read', '--json'], { env }),
      cli.pat(['refresh', '--credentials', file]),
    ]);
    const refreshedJson = await cli.pat(['refresh', '--credentials', file, '--json']);
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
    const fake = await cli.fakeService(({ method, path }) => {
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

    const runs: cli.Run[] = [];
    for (const args of [
      ['policy'],
      ['policy', 'set', '--max-active', '3'],
      ['edit', 'x', '-d', 'y'],
      ['approve', 'x'],
      ['reject', 'x'],
      ['regenerate', 'x'],
    ])
      runs.push(await cli.pat(args, { env }));
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
    const fake = await cli.fakeService(() => ({ status: 200, json: { items, nextCursor: `${texts.join('')}cursor` } }));
    const env = { PAT_API_URL: fake.url, PAT_ID_TOKEN: 'an-id-token-for-the-fake' };

    const [asTable, asJson] = (await Promise.all([cli.pat(['list'], { env }), cli.pat(['list', '--json'], { env })])) as [cli.Run, cli.Run];
    await fake.close();

    for (const run of [asTable, asJson]) {
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).not.toMatch(forbidden);
    }
    expect(asTable.stdout.trim().split('\n')).toHaveLength(1 + items.length + 1); // heading, one line per row, "More tokens"
    expect(JSON.parse(asJson.stdout).items.map((item: { description: string }) => item.description)).toEqual(texts);
  });
});

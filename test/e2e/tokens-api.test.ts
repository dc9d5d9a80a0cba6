import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { acmeAndGlobexSessions, defaultPolicyView, startTestService, type TestService } from '../support/local-service';

// Logs at DEBUG, so that the secrets test below sees everything the handlers could write.
process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';

let service: TestService;
let alice: string;
let bob: string;
let admin: string;
let otherAdmin: string;

beforeAll(async () => {
  service = await startTestService();
  ({ alice, bob, admin, foreignAdmin: otherAdmin } = await acmeAndGlobexSessions(service));
});

afterAll(async () => {
  await service?.stop();
});

const errorShape = (code: string) => ({ error: expect.objectContaining({ code, message: expect.any(String) }) });

describe('POST /tokens', () => {
  it('creates a token and shows the access token and refresh key once', async () => {
    const created = await service.call('POST', '/tokens', {
      token: alice,
      body: { description: 'Assess on Cloud', scopes: ['candidates:read', 'jobs:read'], expiresInDays: 180, allowedIps: ['10.1.2.3/8'] },
    });

    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      owner: 'alice',
      tenant: 'acme',
      createdBy: 'alice',
      description: 'Assess on Cloud',
      scopes: ['candidates:read', 'jobs:read'],
      allowedIps: ['10.1.2.3/8'],
      status: 'active',
      lastUsedAt: null,
    });
    expect(created.body.refreshKey).toMatch(new RegExp(`^patr_${created.body.id}_[A-Za-z0-9_-]{43}[0-9A-Za-z]{6}$`));
    expect(Date.parse(created.body.expiresAt) - Math.floor(Date.parse(created.body.createdAt) / 1000) * 1000).toBe(180 * 86_400_000);

    const fetched = await service.call('GET', `/tokens/${created.body.id}`, { token: alice });
    expect(fetched.status).toBe(200);
    expect(fetched.body.accessToken).toBeUndefined();
    expect(fetched.body.refreshKey).toBeUndefined();
    expect(JSON.stringify(await service.items())).not.toContain(created.body.refreshKey.split('_').pop());
    expect(JSON.stringify(await service.items())).not.toContain(created.body.accessToken);
  });

  it('issues an ES256 JWT that verifies with jose against the JWKS, and not after a one-byte change', async () => {
    const { accessToken, id } = await service.createToken(alice, { scopes: ['jobs:read'] });
    const jwks = await service.call('GET', '/.well-known/jwks.json');
    const keySet = createLocalJWKSet(jwks.body);

    const { payload, protectedHeader } = await jwtVerify(accessToken, keySet, { issuer: 'pat-local', algorithms: ['ES256'] });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'pat+jwt', kid: jwks.body.keys[0].kid });
    expect(payload).toMatchObject({ sub: 'alice', tid: 'acme', jti: id, scope: 'jobs:read' });
    expect(payload.exp! - payload.iat!).toBe(90 * 86_400);

    const [header, body, signature] = accessToken.split('.') as [string, string, string];
    const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
    await expect(jwtVerify(`${header}.${flip(body, 10)}.${signature}`, keySet)).rejects.toThrow();
    await expect(jwtVerify(`${header}.${body}.${flip(signature, 5)}`, keySet)).rejects.toThrow();
  });

  it('lets an admin create a token for another user of the tenant', async () => {
    const created = await service.call('POST', '/tokens', { token: admin, body: { description: 'for bob', scopes: ['*'], owner: 'bob' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ owner: 'bob', createdBy: 'ada', tenant: 'acme', scopes: ['*'] });
  });

  it('refuses a non-admin creating a token for someone else, writing nothing', async () => {
    const before = await service.items();
    const refused = await service.call('POST', '/tokens', {
      token: alice,
      body: { description: 'sneaky', scopes: ['jobs:read'], owner: 'bob' },
    });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual(errorShape('forbidden'));
    expect(await service.items()).toEqual(before);
  });

  it('refuses a duplicate description among active tokens (any case), and frees it on revoke', async () => {
    const first = await service.createToken(bob, { description: 'ZipWhip' });
    const duplicate = await service.call('POST', '/tokens', { token: bob, body: { description: ' zipwhip ', scopes: ['jobs:read'] } });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body).toEqual(errorShape('conflict'));

    expect((await service.call('DELETE', `/tokens/${first.id}`, { token: bob })).status).toBe(200);
    const again = await service.call('POST', '/tokens', { token: bob, body: { description: 'ZipWhip', scopes: ['jobs:read'] } });
    expect(again.status).toBe(201);
  });

  it('allows the same description for two different owners', async () => {
    await service.createToken(alice, { description: 'Shared name' });
    await expect(service.createToken(bob, { description: 'Shared name' })).resolves.toMatchObject({ owner: 'bob' });
  });

  it('needs a signed-in user', async () => {
    const anonymous = await service.call('POST', '/tokens', { body: { description: 'x', scopes: ['jobs:read'] } });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toEqual(errorShape('unauthorized'));
    const forged = await service.call('GET', '/tokens', { token: `${alice.slice(0, -4)}AAAA` });
    expect(forged.status).toBe(401);
  });
});

describe('invalid input', () => {
  const valid = { description: 'valid', scopes: ['jobs:read'] };
  const future = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
  const cases: Array<[string, unknown, string]> = [
    ['a missing description', { scopes: ['jobs:read'] }, 'description'],
    ['an empty description', { ...valid, description: '   ' }, 'description'],
    ['a 101-character description', { ...valid, description: 'x'.repeat(101) }, 'description'],
    ['a description with control characters', { ...valid, description: 'a\u0007b' }, 'description'],
    ['a non-string description', { ...valid, description: 42 }, 'description'],
    ['missing scopes', { description: 'x' }, 'scopes'],
    ['empty scopes', { ...valid, scopes: [] }, 'scopes'],
    ['a scope outside the catalogue', { ...valid, scopes: ['payroll:read'] }, 'scopes'],
    ['a malformed scope', { ...valid, scopes: ['candidates:admin'] }, 'scopes'],
    ['scopes that are not an array', { ...valid, scopes: 'jobs:read' }, 'scopes'],
    ['an unoffered lifetime', { ...valid, expiresInDays: 30 }, 'expiresInDays'],
    ['a fractional lifetime', { ...valid, expiresInDays: 90.5 }, 'expiresInDays'],
    ['a lifetime given as a string', { ...valid, expiresInDays: '90' }, 'expiresInDays'],
    ['a date in the past', { ...valid, expiresAt: '2020-01-01T00:00:00Z' }, 'expiresAt'],
    ['a date past the maximum', { ...valid, expiresAt: future(366) }, 'expiresAt'],
    ['a date that is no date', { ...valid, expiresAt: 'next tuesday' }, 'expiresAt'],
    ['both expiresInDays and expiresAt', { ...valid, expiresInDays: 90, expiresAt: future(10) }, 'expiresAt'],
    ['no expiry while the policy forbids it', { ...valid, expiresAt: null }, 'expiresAt'],
    ['a malformed IP entry', { ...valid, allowedIps: ['10.0.0.1', '300.1.1.1'] }, 'allowedIps[1]'],
    ['a reversed range', { ...valid, allowedIps: ['10.0.0.9-10.0.0.1'] }, 'allowedIps[0]'],
    ['21 IP entries', { ...valid, allowedIps: Array.from({ length: 21 }, (_, i) => `10.0.0.${i}`) }, 'allowedIps'],
    ['IP entries that are not strings', { ...valid, allowedIps: [1] }, 'allowedIps[0]'],
    ['an invalid owner', { ...valid, owner: 'a#b' }, 'owner'],
    ['a body that is an array', [valid], 'body'],
    ['a body that is a string', 'hello', 'body'],
  ];

  it.each(cases)('answers 400 to %s, names the field and writes nothing', async (_name, body, field) => {
    const before = await service.items();
    const response = await service.call('POST', '/tokens', { token: admin, body });
    expect(response.status).toBe(400);
    expect(response.body).toEqual(errorShape('invalid_request'));
    expect(response.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    expect(await service.items()).toEqual(before);
  });

  it.each([
    ['malformed JSON', '{"description": '],
    ['an empty body', ''],
  ])('answers 400 to %s', async (_name, rawBody) => {
    const before = await service.items();
    const response = await service.call('POST', '/tokens', { token: alice, rawBody });
    expect(response.status).toBe(400);
    expect(response.body).toEqual(errorShape('invalid_request'));
    expect(await service.items()).toEqual(before);
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=abc', 'limit'],
    ['limit=-1', 'limit'],
    ['status=gone', 'status'],
    ['cursor=bm90LWEtY3Vyc29y', 'cursor'],
    ['cursor=%25%25%25', 'cursor'],
  ])('answers 400 to GET /tokens?%s', async (query, field) => {
    const response = await service.call('GET', `/tokens?${query}`, { token: admin });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_request');
    expect(response.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
  });

  it('answers 400 to a cursor of another tenant', async () => {
    const carol = await service.session('carol', 'acme');
    for (let i = 0; i < 3; i++) await service.createToken(carol);
    const page = await service.call('GET', '/tokens?limit=1', { token: carol });
    expect(page.body.nextCursor).toEqual(expect.any(String));
    const stolen = await service.call('GET', `/tokens?limit=1&cursor=${page.body.nextCursor}`, { token: otherAdmin });
    expect(stolen.status).toBe(400);
  });
});

describe('GET /tokens', () => {
  it('pages through every token, newest first, without repeats', async () => {
    const dave = await service.session('dave', 'initech');
    const created = [];
    for (let i = 0; i < 7; i++) created.push((await service.createToken(dave, { description: `page test ${i}` })).id);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `?limit=3&cursor=${cursor}` : '?limit=3';
      const page = await service.call('GET', `/tokens${query}`, { token: dave });
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.items.map((item: { id: string }) => item.id));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor);

    expect(pages).toBeGreaterThanOrEqual(3);
    expect(seen).toEqual([...created].reverse());
  });

  it('filters by status: revoked tokens leave the default view and appear under revoked and all', async () => {
    const frank = await service.session('frank', 'hooli');
    const kept = await service.createToken(frank);
    const revoked = await service.createToken(frank);
    await service.call('DELETE', `/tokens/${revoked.id}`, { token: frank });

    const ids = async (query: string) =>
      (await service.call('GET', `/tokens${query}`, { token: frank })).body.items.map((i: { id: string }) => i.id);
    expect(await ids('')).toEqual([kept.id]);
    expect(await ids('?status=revoked')).toEqual([revoked.id]);
    expect(await ids('?status=all')).toEqual([revoked.id, kept.id]);
    expect(await ids('?status=expired')).toEqual([]);
  });

  it('shows a user only their own tokens and refuses ?owner= of someone else', async () => {
    const mine = await service.call('GET', '/tokens?status=all&limit=100', { token: alice });
    expect(mine.body.items.every((item: { owner: string }) => item.owner === 'alice')).toBe(true);
    expect((await service.call('GET', '/tokens?owner=bob', { token: alice })).status).toBe(403);
    expect((await service.call('GET', '/tokens?owner=alice', { token: alice })).status).toBe(200);
  });

  it("shows an admin the whole tenant, filtered by ?owner=, and nothing of another tenant's", async () => {
    const all = await service.call('GET', '/tokens?status=all&limit=100', { token: admin });
    const owners = new Set(all.body.items.map((item: { owner: string }) => item.owner));
    expect(owners).toEqual(new Set(['alice', 'bob', 'carol']));
    expect(all.body.items.every((item: { tenant: string }) => item.tenant === 'acme')).toBe(true);

    const bobs = await service.call('GET', '/tokens?owner=bob&status=all', { token: admin });
    expect(bobs.body.items.length).toBeGreaterThan(0);
    expect(bobs.body.items.every((item: { owner: string }) => item.owner === 'bob')).toBe(true);

    const foreign = await service.call('GET', '/tokens?status=all', { token: otherAdmin });
    expect(foreign.body.items).toEqual([]);
  });
});

describe('GET and DELETE /tokens/{id}', () => {
  it('answers 404 to another user of the tenant, and to an admin of another tenant', async () => {
    const token = await service.createToken(alice);
    for (const caller of [bob, otherAdmin]) {
      expect((await service.call('GET', `/tokens/${token.id}`, { token: caller })).status).toBe(404);
      const revoke = await service.call('DELETE', `/tokens/${token.id}`, { token: caller });
      expect(revoke.status).toBe(404);
      expect(revoke.body).toEqual(errorShape('not_found'));
    }
    expect((await service.call('GET', `/tokens/${token.id}`, { token: alice })).body.status).toBe('active');
  });

  it('answers 404 to an unknown or malformed id', async () => {
    expect((await service.call('GET', '/tokens/0123456789abcdef0123456789abcdef', { token: alice })).status).toBe(404);
    expect((await service.call('GET', '/tokens/..%2F..%2Fetc', { token: alice })).status).toBe(404);
  });

  it("lets an admin revoke anyone's token of the tenant, idempotently", async () => {
    const token = await service.createToken(bob);
    const first = await service.call('DELETE', `/tokens/${token.id}`, { token: admin });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ id: token.id, status: 'revoked', revokedBy: 'ada', revokeReason: 'revoked' });
    expect(first.body.revokedAt).toEqual(expect.any(String));

    const second = await service.call('DELETE', `/tokens/${token.id}`, { token: bob });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ status: 'revoked', revokedBy: 'ada', revokedAt: first.body.revokedAt });
  });
});

describe('GET /scopes and /policy', () => {
  it('lists the catalogue and the policy to a signed-in user', async () => {
    const scopes = await service.call('GET', '/scopes', { token: bob });
    expect(scopes.body.areas.map((area: { name: string }) => area.name)).toEqual([
      'candidates',
      'candidates/documents',
      'jobs',
      'assessments',
    ]);
    const policy = await service.call('GET', '/policy', { token: bob });
    expect(policy.body).toEqual(defaultPolicyView);
    expect((await service.call('GET', '/scopes')).status).toBe(401);
  });
});

describe('secrets', () => {
  it('never writes an access token or refresh key to a log line', async () => {
    const written: string[] = [];
    const capture = (stream: NodeJS.WriteStream) =>
      vi.spyOn(stream, 'write').mockImplementation(((chunk: unknown) => {
        written.push(String(chunk));
        return true;
      }) as never);
    const spies = [capture(process.stdout), capture(process.stderr)];
    let issued;
    try {
      issued = await service.createToken(alice, { description: 'log check' });
      await service.call('GET', `/tokens/${issued.id}`, { token: alice });
      await service.call('POST', '/tokens', { token: alice, body: { description: 'log check', scopes: ['jobs:read'] } });
    } finally {
      spies.forEach((spy) => spy.mockRestore());
    }
    const logs = written.join('\n');

    expect(logs).toContain(issued.id); // the logs did record the creation, by id
    expect(logs).not.toContain(issued.accessToken);
    expect(logs).not.toContain(issued.accessToken.split('.')[2]);
    expect(logs).not.toContain(issued.refreshKey.split('_').pop());
    expect(logs).not.toContain(alice);
  });
});

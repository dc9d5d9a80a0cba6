import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acmeAndGlobexSessions, startTestService, type TestService } from '../support/local-service';

/**
 * Review of the TokenService split (issue 24), with plain HTTP through the local front: each route
 * now reaches one of four use cases built by `handlers/compose.ts`. Attacks: a caller of another
 * tenant, or another user, on every route that takes a token id (and the token left untouched);
 * non-admins on the admin routes; a decision at a stale revision; widening IP entries as an owner;
 * regenerating a token that does not work; the active-token cap against concurrent creates.
 */
let service: TestService;
let people: Awaited<ReturnType<typeof acmeAndGlobexSessions>>;

beforeAll(async () => {
  service = await startTestService();
  people = await acmeAndGlobexSessions(service);
});
afterAll(async () => {
  await service?.stop();
});

let counter = 0;
const description = () => `http ${++counter}`;

/** Every route that addresses one token, with a body that would change it if it were let through. */
const tokenRoutes = [
  { method: 'GET', path: (id: string) => `/tokens/${id}` },
  { method: 'GET', path: (id: string) => `/tokens/${id}/audit` },
  { method: 'PATCH', path: (id: string) => `/tokens/${id}`, body: { description: 'taken over', allowedIps: [] } },
  { method: 'POST', path: (id: string) => `/tokens/${id}/regenerate`, body: {} },
  { method: 'DELETE', path: (id: string) => `/tokens/${id}` },
];

async function untouched(id: string, owner: string, before: Record<string, unknown>) {
  const after = await service.call('GET', `/tokens/${id}`, { token: owner });
  expect(after.status).toBe(200);
  expect(after.body).toEqual(before);
  const audit = await service.call('GET', `/tokens/${id}/audit`, { token: owner });
  expect(audit.body.items.map((event: { action: string }) => event.action)).toEqual(['token.created']);
}

describe('review: a token id of another tenant, or of another user, is 404 on every route and stays as it was', () => {
  for (const [who, caller] of [
    ['an admin of another tenant', () => people.foreignAdmin],
    ['another user of the tenant', () => people.bob],
  ] as const) {
    it(`${who}`, async () => {
      const token = await service.createToken(people.alice, {
        description: description(),
        scopes: ['candidates:read', 'jobs:read'],
        allowedIps: ['203.0.113.0/24'],
      });
      const before = (await service.call('GET', `/tokens/${token.id}`, { token: people.alice })).body;
      for (const route of tokenRoutes) {
        const answer = await service.call(route.method, route.path(token.id), { token: caller(), body: route.body });
        expect({ route: `${route.method} ${route.path(':id')}`, status: answer.status, code: answer.body?.error?.code }).toEqual({
          route: `${route.method} ${route.path(':id')}`,
          status: 404,
          code: 'not_found',
        });
      }
      await untouched(token.id, people.alice, before);
    });
  }

  it('a foreign admin cannot approve a pending token of the tenant', async () => {
    const tenantAdmin = await service.session('ola', 'pending-co', true);
    const member = await service.session('pam', 'pending-co');
    expect((await service.call('PUT', '/tenant/policy', { token: tenantAdmin, body: { requireApproval: true } })).status).toBe(200);
    const pending = await service.createToken(member, { description: description() });
    expect(pending.status).toBe('pending');
    const answer = await service.call('POST', `/tokens/${pending.id}/approve`, { token: people.foreignAdmin, body: { revision: 0 } });
    expect(answer.status).toBe(404);
    expect((await service.call('GET', `/tokens/${pending.id}`, { token: member })).body.status).toBe('pending');
  });
});

describe('review: the admin routes refuse a non-admin with 403', () => {
  it('policy, revoke-outside-policy, tenant audit, approve, reject, another owner’s list and create', async () => {
    const token = await service.createToken(people.alice, { description: description() });
    const attempts = [
      { method: 'PUT', path: '/tenant/policy', body: { maxActiveTokensPerOwner: 1 } },
      { method: 'POST', path: '/tenant/revoke-outside-policy' },
      { method: 'GET', path: '/audit' },
      { method: 'POST', path: `/tokens/${token.id}/approve`, body: { revision: 0 } },
      { method: 'POST', path: `/tokens/${token.id}/reject`, body: { revision: 0 } },
      { method: 'GET', path: '/tokens?owner=bob' },
      { method: 'POST', path: '/tokens', body: { description: description(), scopes: ['candidates:read'], owner: 'bob' } },
    ];
    for (const attempt of attempts) {
      const answer = await service.call(attempt.method, attempt.path, { token: people.alice, body: attempt.body });
      expect({ route: `${attempt.method} ${attempt.path}`, status: answer.status, code: answer.body?.error?.code }).toEqual({
        route: `${attempt.method} ${attempt.path}`,
        status: 403,
        code: 'forbidden',
      });
    }
    expect((await service.call('GET', '/policy', { token: people.alice })).body.maxActiveTokensPerOwner).toBe(100);
  });
});

describe('review: approvals are tied to the revision the admin was shown', () => {
  it('an edit between the look and the decision makes the approval 409; at the new revision it passes', async () => {
    const tenantAdmin = await service.session('quin', 'approve-co', true);
    const member = await service.session('rex', 'approve-co');
    await service.call('PUT', '/tenant/policy', { token: tenantAdmin, body: { requireApproval: true } });
    const pending = await service.createToken(member, { description: description() });
    const shown = (await service.call('GET', `/tokens/${pending.id}`, { token: tenantAdmin })).body;
    expect(shown.revision ?? 0).toBe(0);
    const edited = await service.call('PATCH', `/tokens/${pending.id}`, { token: member, body: { description: 'edited while waiting' } });
    expect(edited.status).toBe(200);
    const stale = await service.call('POST', `/tokens/${pending.id}/approve`, { token: tenantAdmin, body: { revision: 0 } });
    expect([stale.status, stale.body.error.code]).toEqual([409, 'conflict']);
    expect((await service.call('GET', `/tokens/${pending.id}`, { token: member })).body.status).toBe('pending');
    const fresh = await service.call('POST', `/tokens/${pending.id}/approve`, { token: tenantAdmin, body: { revision: 1 } });
    expect([fresh.status, fresh.body.status]).toEqual([200, 'active']);
  });
});

describe('review: IP entries are narrowed by owners, widened by admins only', () => {
  it('an owner widening (a wider range, or none at all) is 400; narrowing passes; an admin may widen', async () => {
    const token = await service.createToken(people.alice, { description: description(), allowedIps: ['203.0.113.0/24'] });
    for (const allowedIps of [['203.0.0.0/16'], [], ['203.0.113.0/24', '198.51.100.1']]) {
      const answer = await service.call('PATCH', `/tokens/${token.id}`, { token: people.alice, body: { allowedIps } });
      expect([JSON.stringify(allowedIps), answer.status, answer.body.error?.details?.[0]?.field]).toEqual([
        JSON.stringify(allowedIps),
        400,
        'allowedIps',
      ]);
    }
    expect((await service.call('GET', `/tokens/${token.id}`, { token: people.alice })).body.allowedIps).toEqual(['203.0.113.0/24']);
    const narrowed = await service.call('PATCH', `/tokens/${token.id}`, { token: people.alice, body: { allowedIps: ['203.0.113.5'] } });
    expect([narrowed.status, narrowed.body.allowedIps]).toEqual([200, ['203.0.113.5']]);
    const widened = await service.call('PATCH', `/tokens/${token.id}`, { token: people.admin, body: { allowedIps: ['203.0.0.0/16'] } });
    expect([widened.status, widened.body.allowedIps]).toEqual([200, ['203.0.0.0/16']]);
  });
});

describe('review: regenerate only a token that works now', () => {
  it('a revoked token, a rotated one and a pending one are 409, and nothing is issued', async () => {
    const revoked = await service.createToken(people.alice, { description: description() });
    await service.call('DELETE', `/tokens/${revoked.id}`, { token: people.alice });
    const rotated = await service.createToken(people.alice, { description: description() });
    const successor = await service.call('POST', `/tokens/${rotated.id}/regenerate`, { token: people.alice, body: {} });
    expect(successor.status).toBe(200);
    const tenantAdmin = await service.session('sal', 'regen-co', true);
    const member = await service.session('tia', 'regen-co');
    await service.call('PUT', '/tenant/policy', { token: tenantAdmin, body: { requireApproval: true } });
    const pending = await service.createToken(member, { description: description() });
    for (const [who, id] of [
      [people.alice, revoked.id],
      [people.alice, rotated.id],
      [member, pending.id],
    ] as const) {
      const answer = await service.call('POST', `/tokens/${id}/regenerate`, { token: who, body: {} });
      expect([answer.status, answer.body.error?.code, answer.body.refreshKey]).toEqual([409, 'conflict', undefined]);
    }
  });
});

describe('review: the active-token cap is enforced in the write, not by a count before it', () => {
  it('eight concurrent creates under a cap of 2 leave exactly two active tokens', async () => {
    const tenantAdmin = await service.session('uma', 'cap-co', true);
    const member = await service.session('vic', 'cap-co');
    await service.call('PUT', '/tenant/policy', { token: tenantAdmin, body: { maxActiveTokensPerOwner: 2 } });
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        service.call('POST', '/tokens', { token: member, body: { description: description(), scopes: ['candidates:read'] } }),
      ),
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 201, 409, 409, 409, 409, 409, 409]);
    const list = await service.call('GET', '/tokens?status=active', { token: member });
    expect(list.body.items).toHaveLength(2);
  });
});

describe('review: concurrent rotations of one token leave one successor', () => {
  it('four regenerates at once: one 200, the others 409, one live successor', async () => {
    const token = await service.createToken(people.alice, { description: description() });
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => service.call('POST', `/tokens/${token.id}/regenerate`, { token: people.alice, body: {} })),
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409, 409, 409]);
    const list = await service.call('GET', '/tokens?status=active', { token: people.alice });
    const family = list.body.items.filter((item: { familyId: string }) => item.familyId === token.id);
    expect(family.map((item: { id: string }) => item.id)).toEqual([answers.find((answer) => answer.status === 200)!.body.id]);
  });

  it('four refreshes with one key at once: every 200 carries the same successor', async () => {
    const token = await service.createToken(people.alice, { description: description() });
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => service.call('POST', '/tokens/refresh', { body: { refreshKey: token.refreshKey } })),
    );
    const successors = new Set(answers.filter((answer) => answer.status === 200).map((answer) => answer.body.id));
    expect(successors.size).toBe(1);
    expect(answers.every((answer) => answer.status === 200 || answer.status === 409)).toBe(true);
    const list = await service.call('GET', '/tokens?status=all', { token: people.alice });
    const generations = list.body.items.filter((item: { familyId: string }) => item.familyId === token.id);
    expect(generations.map((item: { generation: number }) => item.generation).sort()).toEqual([1, 2]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/local-service';
import { logger } from '../../functions/observability/logger';
import { report, setHandlerLogLevel, setLogEcho, table } from './support/log-capture';

/**
 * Tenant isolation: every route × {owner, same-tenant user, same-tenant admin, other-tenant admin,
 * anonymous}, through the local HTTP front. The token concerned is always alice's (tenant acme).
 * Each cell asserts its status and, where an answer could leak, what it shows; a token another
 * caller was refused stays untouched. Refresh and leak reports take no identity: the secret is
 * the credential, so every caller gets the same answer.
 */

type Persona = 'owner' | 'same-tenant user' | 'same-tenant admin' | 'other-tenant admin' | 'anonymous';
const personas: Persona[] = ['owner', 'same-tenant user', 'same-tenant admin', 'other-tenant admin', 'anonymous'];
const tenantOf: Record<Persona, string | undefined> = {
  owner: 'acme',
  'same-tenant user': 'acme',
  'same-tenant admin': 'acme',
  'other-tenant admin': 'globex',
  anonymous: undefined,
};

let service: TestService;
const sessions = {} as Record<Persona, string | undefined>;
let aliceToken: { id: string; accessToken: string; refreshKey: string };
const outcomes = new Map<string, Map<Persona, string>>();

beforeAll(async () => {
  setLogEcho(false);
  setHandlerLogLevel(logger, 'INFO');
  service = await startTestService();
  sessions.owner = await service.session('alice', 'acme');
  sessions['same-tenant user'] = await service.session('bob', 'acme');
  sessions['same-tenant admin'] = await service.session('carol', 'acme', true);
  sessions['other-tenant admin'] = await service.session('dave', 'globex', true);
  sessions.anonymous = undefined;
  aliceToken = await service.createToken(sessions.owner!, { description: 'alice seen by everyone' });
  await service.createToken(sessions['other-tenant admin']!, { description: 'globex token', owner: 'alice' });
});
afterAll(async () => {
  setHandlerLogLevel(logger, 'WARN');
  const rows = [...outcomes].map(([route, cells]) => [route, ...personas.map((persona) => cells.get(persona) ?? 'skipped')]);
  const failures = rows.flat().filter((cell) => cell.includes('≠')).length;
  report(
    `\nTenant-isolation matrix (status; "≠" marks a cell that differs from the expected)\n${table(['route', ...personas], rows)}\ntenant matrix: ${rows.length} routes x ${personas.length} callers = ${rows.length * personas.length} cells, ${failures} unexpected\n`,
  );
  await service?.stop();
});

const freshAliceToken = () => service.createToken(sessions.owner!, { description: `alice ${Math.random().toString(36).slice(2, 10)}` });
const ids = (body: { items?: Array<{ id: string }> }) => (body.items ?? []).map((item) => item.id);

interface Cell {
  status: number;
  /** Assertions on the answer beyond its status (what it shows, what it left untouched). */
  check?: () => void | Promise<void>;
}

interface Row {
  route: string;
  optional?: boolean;
  expected: Record<Persona, number>;
  run(persona: Persona, session: string | undefined): Promise<Cell>;
}

const all = (status: number): Record<Persona, number> => ({
  owner: status,
  'same-tenant user': status,
  'same-tenant admin': status,
  'other-tenant admin': status,
  anonymous: status,
});
const signedIn = (status: number): Record<Persona, number> => ({ ...all(status), anonymous: 401 });

const rows: Row[] = [
  {
    route: 'GET /scopes',
    expected: signedIn(200),
    run: async (_p, token) => ({ status: (await service.call('GET', '/scopes', { token })).status }),
  },
  {
    route: 'GET /policy',
    expected: signedIn(200),
    run: async (_p, token) => ({ status: (await service.call('GET', '/policy', { token })).status }),
  },
  {
    route: 'POST /tokens (for themselves)',
    expected: signedIn(201),
    run: async (persona, token) => {
      const answer = await service.call('POST', '/tokens', {
        token,
        body: { description: `self ${Math.random()}`, scopes: ['jobs:read'] },
      });
      return { status: answer.status, check: () => expect(answer.body.tenant).toBe(tenantOf[persona]) };
    },
  },
  {
    route: 'POST /tokens {owner: alice}',
    expected: { owner: 201, 'same-tenant user': 403, 'same-tenant admin': 201, 'other-tenant admin': 201, anonymous: 401 },
    run: async (persona, token) => {
      const answer = await service.call('POST', '/tokens', {
        token,
        body: { description: `for alice ${Math.random()}`, scopes: ['jobs:read'], owner: 'alice' },
      });
      // The other tenant's admin creates a token for *its own* user "alice": it lands in globex, never in acme.
      return {
        status: answer.status,
        check: () =>
          expect({ owner: answer.body.owner, tenant: answer.body.tenant }).toEqual({ owner: 'alice', tenant: tenantOf[persona] }),
      };
    },
  },
  {
    route: 'GET /tokens',
    expected: signedIn(200),
    run: async (persona, token) => {
      const answer = await service.call('GET', '/tokens?status=all&limit=100', { token });
      return {
        status: answer.status,
        check: () => {
          expect(ids(answer.body).includes(aliceToken.id)).toBe(persona === 'owner' || persona === 'same-tenant admin');
          expect(answer.body.items.every((item: { tenant: string }) => item.tenant === tenantOf[persona])).toBe(true);
          if (persona === 'same-tenant user') expect(answer.body.items.every((item: { owner: string }) => item.owner === 'bob')).toBe(true);
        },
      };
    },
  },
  {
    route: 'GET /tokens?owner=alice',
    expected: { owner: 200, 'same-tenant user': 403, 'same-tenant admin': 200, 'other-tenant admin': 200, anonymous: 401 },
    run: async (persona, token) => {
      const answer = await service.call('GET', '/tokens?owner=alice&status=all', { token });
      return {
        status: answer.status,
        check: () => {
          // globex's admin asking for "alice" sees globex's alice, never acme's.
          expect(ids(answer.body).includes(aliceToken.id)).toBe(persona !== 'other-tenant admin');
          expect(answer.body.items.every((item: { tenant: string }) => item.tenant === tenantOf[persona])).toBe(true);
        },
      };
    },
  },
  {
    route: "GET /tokens/{alice's id}",
    expected: { owner: 200, 'same-tenant user': 404, 'same-tenant admin': 200, 'other-tenant admin': 404, anonymous: 401 },
    run: async (_p, token) => {
      const answer = await service.call('GET', `/tokens/${aliceToken.id}`, { token });
      return { status: answer.status, check: () => expect(answer.body.id).toBe(aliceToken.id) };
    },
  },
  {
    route: "DELETE /tokens/{alice's id}",
    expected: { owner: 200, 'same-tenant user': 404, 'same-tenant admin': 200, 'other-tenant admin': 404, anonymous: 401 },
    run: async (_p, token) => {
      const victim = await freshAliceToken();
      const answer = await service.call('DELETE', `/tokens/${victim.id}`, { token });
      const after = await service.call('GET', `/tokens/${victim.id}`, { token: sessions.owner });
      return {
        status: answer.status,
        check: () => expect(after.body.status).toBe(answer.status === 200 ? 'revoked' : 'active'),
      };
    },
  },
  {
    route: "POST /tokens/refresh {alice's key}",
    expected: all(200),
    run: async (_p, token) => {
      const victim = await freshAliceToken();
      const answer = await service.call('POST', '/tokens/refresh', { token, body: { refreshKey: victim.refreshKey } });
      return {
        status: answer.status,
        check: () => expect({ owner: answer.body.owner, tenant: answer.body.tenant }).toEqual({ owner: 'alice', tenant: 'acme' }),
      };
    },
  },
  {
    route: 'GET /.well-known/jwks.json',
    expected: all(200),
    run: async (_p, token) => ({ status: (await service.call('GET', '/.well-known/jwks.json', { token })).status }),
  },
  {
    route: "GET /tokens/{alice's id}/audit",
    optional: true,
    expected: { owner: 200, 'same-tenant user': 404, 'same-tenant admin': 200, 'other-tenant admin': 404, anonymous: 401 },
    run: async (_p, token) => {
      const answer = await service.call('GET', `/tokens/${aliceToken.id}/audit`, { token });
      return {
        status: answer.status,
        check: () => expect(answer.body.items.every((event: { tokenId: string }) => event.tokenId === aliceToken.id)).toBe(true),
      };
    },
  },
  {
    route: 'GET /audit',
    optional: true,
    expected: { owner: 403, 'same-tenant user': 403, 'same-tenant admin': 200, 'other-tenant admin': 200, anonymous: 401 },
    run: async (persona, token) => {
      const answer = await service.call('GET', '/audit?limit=100', { token });
      return {
        status: answer.status,
        check: () => expect(answer.body.items.every((event: { tenant: string }) => event.tenant === tenantOf[persona])).toBe(true),
      };
    },
  },
  {
    route: "POST /tokens/revoke-leaked {alice's access token}",
    optional: true,
    expected: all(202),
    run: async (_p, token) => {
      const victim = await freshAliceToken();
      const answer = await service.call('POST', '/tokens/revoke-leaked', { token, body: { tokens: [victim.accessToken] } });
      const after = await service.call('GET', `/tokens/${victim.id}`, { token: sessions.owner });
      return { status: answer.status, check: () => expect(after.body.status).toBe('revoked') };
    },
  },
  {
    route: "PATCH /tokens/{alice's id}",
    expected: { owner: 200, 'same-tenant user': 404, 'same-tenant admin': 200, 'other-tenant admin': 404, anonymous: 401 },
    run: async (_p, token) => {
      const victim = await freshAliceToken();
      const answer = await service.call('PATCH', `/tokens/${victim.id}`, { token, body: { description: `edited ${Math.random()}` } });
      const after = await service.call('GET', `/tokens/${victim.id}`, { token: sessions.owner });
      return { status: answer.status, check: () => expect(after.body.description.startsWith('edited')).toBe(true) };
    },
  },
  {
    route: "POST /tokens/{alice's id}/regenerate",
    expected: { owner: 200, 'same-tenant user': 404, 'same-tenant admin': 200, 'other-tenant admin': 404, anonymous: 401 },
    run: async (_p, token) => {
      const victim = await freshAliceToken();
      const answer = await service.call('POST', `/tokens/${victim.id}/regenerate`, { token });
      return {
        status: answer.status,
        check: () =>
          expect({ owner: answer.body.owner, tenant: answer.body.tenant, familyId: answer.body.familyId }).toEqual({
            owner: 'alice',
            tenant: 'acme',
            familyId: victim.id,
          }),
      };
    },
  },
  {
    route: "POST /tokens/{alice's id}/approve (not pending)",
    expected: { owner: 403, 'same-tenant user': 403, 'same-tenant admin': 409, 'other-tenant admin': 404, anonymous: 401 },
    run: async (_p, token) => ({
      status: (await service.call('POST', `/tokens/${aliceToken.id}/approve`, { token, body: { revision: 0 } })).status,
    }),
  },
  {
    route: "POST /tokens/{alice's id}/reject (not pending)",
    expected: { owner: 403, 'same-tenant user': 403, 'same-tenant admin': 409, 'other-tenant admin': 404, anonymous: 401 },
    run: async (_p, token) => ({
      status: (await service.call('POST', `/tokens/${aliceToken.id}/reject`, { token, body: { revision: 0 } })).status,
    }),
  },
  {
    route: 'PUT /tenant/policy',
    expected: { owner: 403, 'same-tenant user': 403, 'same-tenant admin': 200, 'other-tenant admin': 200, anonymous: 401 },
    run: async (_p, token) => {
      const answer = await service.call('PUT', '/tenant/policy', { token, body: { requireApproval: false } });
      const acme = await service.call('GET', '/policy', { token: sessions.owner });
      // Whoever changed a policy changed their own tenant's; acme's stays the deployment's.
      return { status: answer.status, check: () => expect(acme.body.creators).toBe('everyone') };
    },
  },
  {
    route: 'POST /tenant/revoke-outside-policy',
    expected: { owner: 403, 'same-tenant user': 403, 'same-tenant admin': 200, 'other-tenant admin': 200, anonymous: 401 },
    run: async (_p, token) => {
      const answer = await service.call('POST', '/tenant/revoke-outside-policy', { token });
      const after = await service.call('GET', `/tokens/${aliceToken.id}`, { token: sessions.owner });
      // acme's policy allows alice's token: nobody's call revokes it, least of all another tenant's admin.
      return { status: answer.status, check: () => expect(after.body.status).toBe('active') };
    },
  },
  {
    route: 'GET /api/candidates (session ID token as bearer)',
    expected: all(401),
    run: async (_p, token) => ({ status: (await service.call('GET', '/api/candidates', { token })).status }),
  },
];

describe('tenant-isolation matrix', () => {
  for (const row of rows) {
    describe(row.route, () => {
      for (const persona of personas) {
        it(`${persona} → ${row.expected[persona]}`, async (context) => {
          if (row.optional) {
            const [method, template] = row.route.split(' ') as [string, string];
            const probe = await service.call(method, template.replace("{alice's id}", aliceToken.id));
            if (probe.status === 404 && String(probe.body?.error?.message).startsWith('No route')) context.skip();
          }
          const cells = outcomes.get(row.route) ?? new Map<Persona, string>();
          outcomes.set(row.route, cells);
          const cell = await row.run(persona, sessions[persona]);
          const expected = row.expected[persona];
          cells.set(persona, cell.status === expected ? String(cell.status) : `${cell.status} ≠ ${expected}`);
          expect(cell.status).toBe(expected);
          if (cell.status < 300 || row.route.startsWith('DELETE')) await cell.check?.();
        });
      }
    });
  }
});

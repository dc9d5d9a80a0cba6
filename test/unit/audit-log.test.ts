import { describe, expect, it } from 'vitest';
import { type AuditEvent, auditView, hourOf } from '../../functions/domain/audit';
import { DomainError } from '../../functions/domain/errors';
import type { TokenRecord } from '../../functions/domain/token';
import { AuditLog } from '../../functions/service/audit-log';
import type { AuditQuery } from '../../functions/service/ports';
import { user } from '../support/fixtures';

// Reading the audit trail (functions/service/audit-log.ts, functions/domain/audit.ts): the same
// visibility as the tokens it is about, over an in-memory trail that records the queries it got.
const tokenId = '0123456789abcdef0123456789abcdef';
const event: AuditEvent = {
  id: 'ev1',
  at: Date.UTC(2026, 10, 23, 13, 5, 0),
  action: 'token.revoked',
  tenant: 'acme',
  tokenId,
  owner: 'alice',
  actor: { type: 'user', id: 'bob' },
  sourceIp: '10.1.2.3',
  details: { reason: 'leaked' },
};

function setup() {
  const queries: AuditQuery[] = [];
  const reads: string[] = [];
  const records = new Map<string, Pick<TokenRecord, 'tenant' | 'owner'>>([[tokenId, { tenant: 'acme', owner: 'alice' }]]);
  const store = {
    get: async (id: string) => {
      reads.push(id);
      return records.get(id) as TokenRecord | undefined;
    },
    listAudit: async (query: AuditQuery) => {
      queries.push(query);
      return { items: [event], nextCursor: 'next' };
    },
  };
  return { log: new AuditLog({ records: store, audit: store }), queries, reads };
}

async function refusal(action: Promise<unknown>): Promise<string> {
  try {
    await action;
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('auditView', () => {
  it('shows every field, the time in ISO 8601', () => {
    expect(auditView(event)).toStrictEqual({
      id: 'ev1',
      at: '2026-11-23T13:05:00.000Z',
      action: 'token.revoked',
      tenant: 'acme',
      tokenId,
      owner: 'alice',
      actor: { type: 'user', id: 'bob' },
      sourceIp: '10.1.2.3',
      details: { reason: 'leaked' },
    });
  });

  it('leaves out an absent source address and absent details', () => {
    const { sourceIp: _ip, details: _details, ...bare } = event;

    expect(auditView(bare)).not.toHaveProperty('sourceIp');
    expect(auditView(bare)).not.toHaveProperty('details');
  });
});

describe('hourOf', () => {
  it('is the UTC hour of an instant, the bucket of a denial counter', () => {
    expect(hourOf(Date.UTC(2026, 10, 23, 13, 59, 59, 999))).toBe('2026-11-23T13');
    expect(hourOf(Date.UTC(2026, 10, 23, 14))).toBe('2026-11-23T14');
  });
});

describe('AuditLog.forTenant', () => {
  it("lets a tenant admin read the tenant's trail, and only that tenant's", async () => {
    const { log, queries } = setup();

    const page = await log.forTenant(user('bob', 'acme', true), { limit: 10, owner: 'alice', cursor: 'c1' });

    expect(page).toEqual({ items: [auditView(event)], nextCursor: 'next' });
    expect(queries).toEqual([{ tenant: 'acme', limit: 10, owner: 'alice', cursor: 'c1' }]);
  });

  it('refuses a user who is not an admin, before reading anything', async () => {
    const { log, queries } = setup();

    await expect(log.forTenant(user('alice', 'acme'), { limit: 10 })).rejects.toThrow(
      "Only a tenant admin can read the tenant's audit trail",
    );
    expect(await refusal(log.forTenant(user('alice', 'acme'), { limit: 10 }))).toBe('forbidden');
    expect(queries).toEqual([]);
  });
});

describe('AuditLog.forToken', () => {
  it("lets the owner read their token's trail", async () => {
    const { log, queries } = setup();

    const page = await log.forToken(user('alice', 'acme'), tokenId, { limit: 5, cursor: 'c1' });

    expect(page).toEqual({ items: [auditView(event)], nextCursor: 'next' });
    expect(queries).toEqual([{ tenant: 'acme', tokenId, limit: 5, cursor: 'c1' }]);
  });

  it("lets an admin of the token's tenant read it", async () => {
    const { log } = setup();

    expect((await log.forToken(user('bob', 'acme', true), tokenId, { limit: 5 })).items).toHaveLength(1);
  });

  it.each([
    ['another user of the tenant', user('mallory', 'acme')],
    ['an admin of another tenant', user('bob', 'globex', true)],
  ])('answers not found to %s, as if the token did not exist', async (_name, caller) => {
    const { log, queries } = setup();

    expect(await refusal(log.forToken(caller, tokenId, { limit: 5 }))).toBe('not_found');
    expect(queries).toEqual([]);
  });

  it('answers not found for an unknown token, and for something that is no token id without reading it', async () => {
    const { log, reads } = setup();

    expect(await refusal(log.forToken(user('alice', 'acme', true), 'ffffffffffffffffffffffffffffffff', { limit: 5 }))).toBe('not_found');
    expect(await refusal(log.forToken(user('alice', 'acme', true), '../etc', { limit: 5 }))).toBe('not_found');
    expect(reads).toEqual(['ffffffffffffffffffffffffffffffff']);
  });
});

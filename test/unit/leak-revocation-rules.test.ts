import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LocalSecretDeriver } from '../../functions/adapters/local-secret-deriver';
import { exampleCatalogue } from '../../functions/domain/routes';
import { auditEvent } from '../../functions/service/audit-events';
import { revokeLeaked } from '../../functions/service/leak-revocation';
import { TokenIssuance } from '../../functions/service/token-issuance';
import { TokenRotation } from '../../functions/service/token-rotation';
import { defaultPolicy } from '../../functions/domain/token-policy';
import { ISSUER, newKeyRing } from '../support/fixtures';
import { ann, jobs, setup } from '../support/service-rules';

// The rules of revokeLeaked (functions/service/leak-revocation.ts), the audit event builder, and the ports each use case requires,
// over the in-memory store (test/support/service-rules.ts): who may do what, the exact refusal each
// rule answers, and the audit event each change writes.

describe('revokeLeaked', () => {
  it('revokes the credential of a leaked refresh key, audited as an anonymous leak report', async () => {
    const { service, lastEvent, store } = setup();
    const token = await service.create(ann, jobs);

    expect(await service.revokeLeaked([token.refreshKey], { sourceIp: '192.0.2.1' })).toBe(1);
    expect(await store.getFamily(token.familyId)).toMatchObject({ state: 'revoked', revokeReason: 'leaked', revokedBy: 'leak-report' });
    expect(await lastEvent('token.leak_revoked')).toMatchObject({
      action: 'token.leak_revoked',
      actor: { type: 'anonymous' },
      sourceIp: '192.0.2.1',
      details: { via: 'refresh_key', familyId: token.familyId },
    });
  });

  it('revokes the credential of a leaked access token', async () => {
    const { service, lastEvent } = setup();
    const token = await service.create(ann, jobs);

    expect(await service.revokeLeaked([token.accessToken])).toBe(1);
    expect((await lastEvent('token.leak_revoked')).details).toMatchObject({ via: 'access_token', familyId: token.familyId });
  });

  it('counts a family once however many of its secrets are reported, and every family reported', async () => {
    const { service } = setup();
    const first = await service.create(ann, { ...jobs, description: 'A' });
    const second = await service.create(ann, { ...jobs, description: 'B' });
    const rotated = await service.refresh(second.refreshKey);
    if (rotated.kind !== 'rotated') throw new Error(rotated.kind);

    expect(await service.revokeLeaked([first.refreshKey, first.accessToken, rotated.token.refreshKey])).toBe(1 + 2);
  });

  it('revokes nothing for a forged key, a wrong secret or a token it did not sign', async () => {
    const { service } = setup();
    const token = await service.create(ann, jobs);
    const wrongSecret = `${token.refreshKey.slice(0, -2)}${token.refreshKey.endsWith('AA') ? 'BB' : 'AA'}`;
    const other = await setup().service.create(ann, jobs);

    expect(await service.revokeLeaked(['not a secret', wrongSecret, other.accessToken, other.refreshKey])).toBe(0);
    expect((await service.get(ann, token.id)).status).toBe('active');
  });

  it.each([
    ['another tenant', { tid: 'globex' }],
    ['another owner', { sub: 'mallory' }],
  ])('revokes nothing for a verified token whose claims name %s than the record its jti names', async (_name, claims) => {
    const { store, clock, service } = setup();
    const token = await service.create(ann, jobs);
    const verified = { ok: true as const, claims: { jti: token.id, sub: ann.userId, tid: ann.tenant, scope: 'jobs:read', ...claims } };

    const revoked = await revokeLeaked({ records: store, families: store, verifier: { verify: () => verified }, clock }, ['t']);

    expect(revoked).toBe(0);
    expect((await service.get(ann, token.id)).status).toBe('active');
  });

  it('revokes nothing for a genuine access token whose record is gone', async () => {
    const issuing = setup();
    const token = await issuing.service.create(ann, jobs);
    const { service } = setup({}, issuing.keys);

    expect(await service.revokeLeaked([token.accessToken])).toBe(0);
  });
  it('needs the verifier only for access tokens', async () => {
    const { service, store, clock } = setup();
    const token = await service.create(ann, jobs);
    const verifier = {
      verify: async () => {
        throw new Error('a refresh key needs no verifier');
      },
    };

    expect(await revokeLeaked({ records: store, families: store, verifier, clock }, [token.refreshKey])).toBe(1);
  });
});

describe('use cases built without a port they need', () => {
  it('do not compile: issuance needs a signer; rotation a signer and a secret deriver; leak reports a verifier', () => {
    const { store, clock } = setup();
    const settings = { clock, policy: defaultPolicy, catalogue: exampleCatalogue, issuer: ISSUER };
    const keys = newKeyRing();
    const secrets = new LocalSecretDeriver(randomBytes(32));
    const built = [
      // @ts-expect-error: TokenIssuance needs a signer
      () => new TokenIssuance({ records: store, tenantPolicies: store, ...settings }),
      // @ts-expect-error: TokenRotation needs a secret deriver
      () => new TokenRotation({ records: store, families: store, audit: store, tenantPolicies: store, signer: keys, ...settings }),
      // @ts-expect-error: TokenRotation needs a signer
      () => new TokenRotation({ records: store, families: store, audit: store, tenantPolicies: store, secrets, ...settings }),
      // @ts-expect-error: a leak report needs a verifier
      () => revokeLeaked({ records: store, families: store, clock }, []),
    ];

    // What this test checks is the compiler's refusal (`npx tsc`); each construction is only built here.
    expect(built).toHaveLength(4);
  });
});

describe('auditEvent', () => {
  it('leaves out an absent address and absent details', () => {
    const event = auditEvent({
      action: 'token.created',
      token: { id: 't', tenant: 'acme', owner: 'ann' },
      at: 1,
      actor: { type: 'anonymous' },
    });

    expect(event).not.toHaveProperty('sourceIp');
    expect(event).not.toHaveProperty('details');
    expect(event.id).toMatch(/^[A-Za-z0-9_-]{16}$/);
  });
});

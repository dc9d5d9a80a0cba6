import { describe, expect, it } from 'vitest';
import { DomainError } from '../../functions/domain/errors';
import { DAY, ManualClock, tokenService, user } from '../support/fixtures';
import { MemoryTokenStore } from '../support/memory-token-store';

/**
 * Review of issue 20, targets 2 and 3: "an active token is never wider (scopes, IPs, lifetime) than
 * what the approving admin was shown, and in a tenant that requires IP restriction it has no entry
 * that allows every address".
 */
const codeOf = (reason: unknown) => (reason instanceof DomainError ? reason.code : String(reason));
const admin = user('root', 'acme', true);

function setup() {
  const clock = new ManualClock();
  const { service } = tokenService(new MemoryTokenStore(), clock, { policy: { lifetimesDays: [7, 30, 90], maxLifetimeDays: 90 } });
  return { service, clock };
}

describe('review: what the approving admin was shown', () => {
  it('does not let the owner regenerate an approved 7-day token into an active 90-day one without an admin', async () => {
    const { service } = setup();
    await service.setPolicy(admin, { requireApproval: true });
    const asked = await service.create(user('ann'), { description: 'Vendor', scopes: ['jobs:read'], expiresInDays: 7 });
    const shown = await service.get(admin, asked.id);
    const approved = await service.decide(admin, asked.id, true, { revision: shown.revision });
    expect(approved.status).toBe('active');
    const approvedUntil = Date.parse(approved.expiresAt as string);

    // POST /tokens/{id}/regenerate {"expiresInDays": 90} by the owner, the day after approval.
    const regenerated = await service
      .regenerate(user('ann'), asked.id, { expiresInDays: 90 })
      .then((token) => ({ status: token.status, days: Math.round((Date.parse(token.expiresAt as string) - approvedUntil) / DAY) }))
      .catch((error) => ({ status: codeOf(error), days: 0 }));
    // Either refused, or held pending for an admin, or no longer than what was approved.
    expect(regenerated.status === 'active' && regenerated.days > 0, JSON.stringify(regenerated)).toBe(false);
  });
});

describe('review: requireIpRestriction and entries that together allow every address', () => {
  it.each([[['0.0.0.0/1', '128.0.0.0/1']], [['0.0.0.0-127.255.255.255', '128.0.0.0-255.255.255.255']], [['::/1', '8000::/1']]])(
    'refuses a create with %j in a tenant that requires IP restriction',
    async (allowedIps) => {
      const { service } = setup();
      await service.setPolicy(admin, { requireIpRestriction: true });
      const outcome = await service.create(user('ann'), { description: 'Everywhere', scopes: ['jobs:read'], allowedIps }).then(
        () => 'created',
        (error) => codeOf(error),
      );
      expect(outcome).toBe('invalid_request');
    },
  );
});

describe('review: approving a pending token that the policy no longer allows', () => {
  it('does not make active a token without IP entries in a tenant that now requires IP restriction', async () => {
    const { service } = setup();
    await service.setPolicy(admin, { requireApproval: true });
    const asked = await service.create(user('ann'), { description: 'Anywhere', scopes: ['jobs:read'] });
    expect(asked.status).toBe('pending');
    await service.setPolicy(admin, { requireIpRestriction: true });

    const shown = await service.get(admin, asked.id);
    const outcome = await service.decide(admin, asked.id, true, { revision: shown.revision }).then(
      (view) => view.status,
      (error) => codeOf(error),
    );
    // Create and refresh refuse these terms today; an approval makes the token active just the same.
    expect(outcome).not.toBe('active');
  });
});

import { defaultPolicy, type TokenPolicy } from '../../functions/domain/token-policy';
import type { TenantPolicyOverrides } from '../../functions/domain/tenant-policy';
import { calmProfile, type FaultProfile } from './dynamodb-client';
import type { Random } from './random';

// Who the simulation's tenants are, what they ask for, and how hostile a seed's world is.

export const START = Date.UTC(2026, 11, 7, 9, 0, 0);

/** The deployment's policy in the simulation: small caps, a short grace, a one-day refresh window. */
export const simulatedPolicy: TokenPolicy = {
  ...defaultPolicy,
  maxActiveTokensPerOwner: 3,
  rotationGraceSeconds: 20,
  refreshWindowDays: 1,
};

/** Each tenant's tightening, fixed for the run (caps and IP restriction are not toggled: see README). */
export const tenantOverrides: Record<string, TenantPolicyOverrides> = {
  acme: { maxActiveTokensPerOwner: 2, requireApproval: true, requireIpRestriction: true },
  globex: {},
};
export const people: Record<string, { users: string[]; admin: string }> = {
  acme: { users: ['alice', 'bob'], admin: 'ada' },
  globex: { users: ['gus', 'gina'], admin: 'gil' },
};
export const descriptions = ['ci', 'deploy', 'backup', 'sync', 'report'];
export const scopePool = [
  'candidates:read',
  'candidates:write',
  'candidates/documents:read',
  'jobs:read',
  'assessments:read',
  'candidates:delete',
];
export const ipEntryPool = ['203.0.113.7', '203.0.113.0/24', '198.51.100.0/24', '10.0.0.0/8', '2001:db8::/32', '0.0.0.0/0', '::/0'];
export const clientIps = ['203.0.113.7', '203.0.113.9', '198.51.100.4', '10.1.2.3', '2001:db8::5', '192.0.2.50'];

/** What varies between seeds besides the order of things. */
export interface Profile {
  name: string;
  faults: FaultProfile;
  /** The stage flusher's SSM registry read stalls this often (1–2.5 s). */
  registryStall: number;
  attacker: boolean;
  opMeanMs: number;
  trafficMeanMs: number;
  /** Revocations (revoke, leak reports) this many times as often as usual. */
  revocationWeight: number;
  /** How late the flusher's schedule may start a run. */
  scheduleJitterMs: number;
}

export type ProfileName = 'calm' | 'lagging' | 'stalls' | 'faulty' | 'harsh';

export function profileOf(random: Random, forced?: ProfileName): Profile {
  const drawn = random.weighted<ProfileName>({ calm: 1, lagging: 2, stalls: 2, faulty: 3, harsh: 2 });
  const name = forced ?? drawn;
  const faults: FaultProfile =
    name === 'calm'
      ? calmProfile
      : name === 'stalls'
        ? // Nothing fails, but some calls take a second or two: the timing assumptions' test.
          { ...calmProfile, slowProbability: 0.04, slowWriteProbability: 0.25, slowMs: [700, 1_800] }
        : name === 'lagging'
          ? { ...calmProfile, indexLagMaxMs: 3_000, slowProbability: 0.02, slowMs: [200, 1_500] }
          : name === 'faulty'
            ? {
                slowProbability: 0.04,
                slowMs: [300, 2_500],
                failBefore: 0.01,
                timeoutAfterCommit: 0.01,
                retryAfterCommit: 0.02,
                crash: 0.001,
                transactionConflict: 0.01,
                indexLagMaxMs: 2_000,
              }
            : {
                slowProbability: 0.1,
                slowMs: [500, 3_000],
                failBefore: 0.02,
                timeoutAfterCommit: 0.02,
                retryAfterCommit: 0.04,
                crash: 0.002,
                transactionConflict: 0.02,
                indexLagMaxMs: 4_000,
              };
  return {
    name,
    faults,
    registryStall: name === 'calm' ? 0 : name === 'harsh' || name === 'stalls' ? 0.5 : 0.2,
    attacker: random.chance(0.3),
    opMeanMs: random.int(800, 2_500),
    // In `stalls`, four times the requests: containers read the feed often, so some hold a view
    // that is current but older than a commit (the window of issue 20's first hole).
    trafficMeanMs: Math.round(random.int(120, 500) / (name === 'stalls' ? 4 : 1)),
    revocationWeight: name === 'stalls' ? 3 : 1,
    scheduleJitterMs: name === 'calm' ? 0 : name === 'stalls' ? 8_000 : 3_000,
  };
}

/**
 * Seeds that once broke a promise (test/simulation/FINDINGS.md): each is replayed by the suite.
 * `open: false` while the hole is open on this branch's code: the suite then checks that the seed
 * still finds it (and expects "keeps every promise" to fail). When the fix lands, set `open:
 * false`: from then on the seed must run its whole budget without any violation.
 */
import type { RunOptions } from './world';

export interface KnownHole {
  seed: number;
  /** The invariant the seed broke (as `Violation.invariant` names it, optionally with its kind: `1 revocation bound (re-allowed after a flush)`). */
  invariant: string;
  /** Run options the seed was found with (a forced profile, operations left out): a replay passes the same. */
  options?: Pick<RunOptions, 'profile' | 'attacker' | 'without'>;
  title: string;
  /** Simulated minutes the seed runs. */
  minutes: number;
  open: boolean;
}

export const knownHoles: KnownHole[] = [
  // 1. Revocation bound: the interleaving (a late commit, a slow flusher read, a flush too
  // soon after the commit, a container on its old view re-allowing), and two late flushes unreported.
  {
    seed: 2,
    invariant: '1 revocation bound (re-allowed after a flush)',
    title: 'a slow flusher read and a late commit: flushed 0.28 s after the commit, re-allowed and cached',
    minutes: 8,
    open: false,
    options: { profile: 'stalls', attacker: false },
  },
  {
    seed: 5,
    invariant: '1 revocation bound (no flush since the end)',
    title: 'slow feed reads land the flush past the bound, and nothing reports it',
    minutes: 10,
    open: false,
  },
  {
    seed: 12,
    invariant: '1 revocation bound (no flush since the end)',
    title: 'a flusher call that never answers stops flushing until the next run, unreported',
    minutes: 10,
    open: false,
  },
  // 2. Approval and IP policy.
  {
    seed: 9,
    invariant: '4 ip restriction',
    title: 'requireIpRestriction accepts an entry allowing every address (create)',
    minutes: 10,
    open: false,
  },
  { seed: 34, invariant: '4 approval', title: "an owner's PATCH widens an approved token's allowedIps", minutes: 10, open: false },
  {
    seed: 48,
    invariant: '4 approval',
    title: "a PATCH between the admin's look and the approval is approved as changed",
    minutes: 10,
    open: false,
  },
  // 3. Cap.
  { seed: 32, invariant: '3 cap', title: 'concurrent creates exceed maxActiveTokensPerOwner', minutes: 10, open: false },
  {
    seed: 4,
    invariant: '3 cap',
    title: 'sequential creates exceed the cap through the lagging byOwner index',
    minutes: 10,
    open: false,
    options: { profile: 'lagging', attacker: false, without: ['burst'] },
  },
  { seed: 35, invariant: '3 cap', title: 'a refresh of an expired token takes its owner past the cap', minutes: 10, open: false },
  // 4. Feed integrity.
  {
    seed: 21,
    invariant: '1 revocation bound (re-allowed after a flush)',
    title: 'a compromised authorizer rewrites revoked feed entries to due',
    minutes: 10,
    open: false,
  },
  // 5. Regenerate.
  { seed: 9, invariant: '5 no revival', title: 'regenerate revives an expired token', minutes: 10, open: false },
  // Found by the simulation on this round's first fixes, then closed:
  {
    seed: 3,
    invariant: '1 revocation bound',
    title: "a failed due write left a decision API Gateway cached past the token's exp (the authorizer now fails closed)",
    minutes: 10,
    open: false,
  },
  {
    seed: 1,
    invariant: '1 revocation bound',
    title: 'a crashed flusher run left revocations unflushed and unreported until the next run (FlusherErrors alarm)',
    minutes: 10,
    open: false,
  },
];

/** Until every hole above is closed, the fixed budget is expected to find violations. */
export const holesOpen = () => knownHoles.some((hole) => hole.open);

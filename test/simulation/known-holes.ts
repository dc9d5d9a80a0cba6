/**
 * Seeds that once broke a promise (test/simulation/FINDINGS.md): each is replayed by the suite.
 * `open: false` while the hole is open on this branch's code: the suite then checks that the seed
 * still finds it (and expects "keeps every promise" to fail). When the fix lands, set `open:
 * false`: from then on the seed must run its whole budget without any violation.
 */
export interface KnownHole {
  seed: number;
  /** The invariant the seed broke (as `Violation.invariant` names it). */
  invariant: string;
  title: string;
  /** Simulated minutes the seed runs. */
  minutes: number;
  open: boolean;
}

export const knownHoles: KnownHole[] = [
  { seed: 2, invariant: '3 cap', title: 'concurrent creates exceed maxActiveTokensPerOwner', minutes: 3, open: false },
  {
    seed: 17,
    invariant: '4 ip restriction',
    title: 'requireIpRestriction accepts an entry allowing every address',
    minutes: 2,
    open: false,
  },
  { seed: 9, invariant: '4 approval', title: "an owner's PATCH widens an approved token's allowedIps", minutes: 20, open: false },
  {
    seed: 27,
    invariant: '1 revocation bound',
    title: 'a compromised authorizer rewrites revoked feed entries to due',
    minutes: 8,
    open: false,
  },
  { seed: 8, invariant: '5 no revival', title: 'regenerate revives an expired token', minutes: 20, open: false },
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

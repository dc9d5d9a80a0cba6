/**
 * Seeds that once broke a promise (test/simulation/FINDINGS.md): each is replayed by the suite.
 * `open: true` while the hole is open on this branch's code: the suite then checks that the seed
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
  { seed: 2, invariant: '3 cap', title: 'concurrent creates exceed maxActiveTokensPerOwner', minutes: 3, open: true },
  {
    seed: 17,
    invariant: '4 ip restriction',
    title: 'requireIpRestriction accepts an entry allowing every address',
    minutes: 2,
    open: true,
  },
  { seed: 9, invariant: '4 approval', title: "an owner's PATCH widens an approved token's allowedIps", minutes: 20, open: true },
  {
    seed: 27,
    invariant: '1 revocation bound',
    title: 'a compromised authorizer rewrites revoked feed entries to due',
    minutes: 8,
    open: true,
  },
  { seed: 8, invariant: '5 no revival', title: 'regenerate revives an expired token', minutes: 20, open: true },
];

/** Until every hole above is closed, the fixed budget is expected to find violations. */
export const holesOpen = () => knownHoles.some((hole) => hole.open);

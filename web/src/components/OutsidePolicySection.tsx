import { useCallback, useEffect, useState } from 'react';
import type { PatApi } from '../api';
import { isOutsidePolicy, isPending, type GovernedToken } from '../governance';
import { ConfirmDialog } from './ConfirmDialog';

const tokens = (count: number) => `${count} ${count === 1 ? 'token' : 'tokens'}`;

interface OutsidePolicySectionProps {
  api: PatApi;
  /** Changes when the policy was saved: the tokens are counted again. */
  policyVersion: number;
  /** After the admin revoked them: how many were revoked. */
  onRevoked: (count: number) => void;
}

/** The live tokens the tenant policy no longer allows, counted, and the button that revokes them all. */
export function OutsidePolicySection({ api, policyVersion, onRevoked }: OutsidePolicySectionProps) {
  const [outside, setOutside] = useState<GovernedToken[]>();
  const [confirming, setConfirming] = useState(false);

  const countOutside = useCallback(() => {
    api
      .listAll({ status: 'all' })
      .then((all) => setOutside(all.filter((token) => isOutsidePolicy(token) && (token.status === 'active' || isPending(token)))))
      .catch(() => setOutside(undefined));
  }, [api]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: policyVersion is the reason to count again.
  useEffect(countOutside, [countOutside, policyVersion]);

  return (
    <>
      <section className="danger-zone" aria-labelledby="outside-heading">
        <h2 id="outside-heading">Tokens outside the policy</h2>
        <p>
          {outside === undefined
            ? 'Counting the tokens the policy no longer allows…'
            : outside.length === 0
              ? 'Every live token of the tenant follows the policy.'
              : `${outside.length} live ${outside.length === 1 ? 'token does' : 'tokens do'} not follow the policy. They keep working until they expire; they cannot be refreshed.`}
        </p>
        <button type="button" className="danger" disabled={!outside || outside.length === 0} onClick={() => setConfirming(true)}>
          Revoke every token outside the policy
        </button>
      </section>

      {confirming && outside && (
        <ConfirmDialog
          title={`Revoke ${tokens(outside.length)} outside the policy?`}
          confirmLabel={`Revoke ${tokens(outside.length)}`}
          busyLabel="Revoking…"
          failure="The tokens were not revoked"
          onClose={() => setConfirming(false)}
          onConfirm={async () => {
            const { revokedTokenIds } = await api.revokeOutsidePolicy();
            setConfirming(false);
            onRevoked(revokedTokenIds.length);
            countOutside();
          }}
        >
          <p>
            These {outside.length === 1 ? 'token stops' : `${outside.length} tokens stop`} working within seconds, with their refresh keys.
            This cannot be undone.
          </p>
          <ul>
            {outside.slice(0, 10).map((token) => (
              <li key={token.id}>
                “{token.description}” of {token.owner}
              </li>
            ))}
            {outside.length > 10 && <li>and {outside.length - 10} more</li>}
          </ul>
        </ConfirmDialog>
      )}
    </>
  );
}

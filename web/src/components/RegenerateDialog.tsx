import { useState } from 'react';
import type { IssuedToken, Lifetime, PatApi, TokenMetadata } from '../api';
import type { TenantPolicy } from '../governance';
import { ConfirmDialog } from './ConfirmDialog';
import { TokenName } from './RevokeDialog';

interface RegenerateDialogProps {
  api: PatApi;
  token: TokenMetadata;
  /** The tenant's effective policy: the new lifetimes on offer. Without it only "same lifetime" is offered. */
  policy?: TenantPolicy;
  showOwner: boolean;
  onRegenerated: (token: IssuedToken) => void;
  onClose: () => void;
}

type LifetimeChoice = 'same' | `days:${number}` | 'never';

/**
 * `POST /tokens/{id}/regenerate`: a rotation started by a person, e.g. when a vendor lost its
 * credentials; optionally with a new lifetime, among the ones the tenant's policy offers at creation.
 */
export function RegenerateDialog({ api, token, policy, showOwner, onRegenerated, onClose }: RegenerateDialogProps) {
  const [choice, setChoice] = useState<LifetimeChoice>('same');
  const lifetimeOf = (value: LifetimeChoice): Lifetime =>
    value === 'same' ? {} : value === 'never' ? { expiresAt: null } : { expiresInDays: Number(value.slice(5)) };
  const options: [LifetimeChoice, string][] = [
    ['same', 'The same lifetime as now'],
    ...(policy?.lifetimesDays ?? []).map((days): [LifetimeChoice, string] => [`days:${days}`, `${days} days from now`]),
    ...(policy?.allowNoExpiry ? [['never', 'No expiry'] as [LifetimeChoice, string]] : []),
  ];
  return (
    <ConfirmDialog
      title="Regenerate token?"
      confirmLabel="Regenerate token"
      busyLabel="Regenerating…"
      failure="The token was not regenerated"
      tone="primary"
      questionId="regenerate-question"
      onClose={onClose}
      onConfirm={async () => onRegenerated(await api.regenerateToken(token.id, lifetimeOf(choice)))}
    >
      <p>
        Regenerate <TokenName token={token} showOwner={showOwner} />? You get a new access token and refresh key, with the same scopes and
        IP entries, shown once. The current access token keeps working for the grace period (a minute by default), then stops; the current
        refresh key stops at once.
      </p>
      {options.length > 1 && (
        <fieldset className="field">
          <legend>New lifetime</legend>
          {options.map(([value, label]) => (
            <div key={value} className="choice">
              <input
                id={`regenerate-${value.replace(':', '-')}`}
                type="radio"
                name="regenerate-lifetime"
                checked={choice === value}
                onChange={() => setChoice(value)}
              />
              <label htmlFor={`regenerate-${value.replace(':', '-')}`}>{label}</label>
            </div>
          ))}
          <p className="hint">The lifetimes the tenant policy allows (at most {policy?.maxLifetimeDays} days).</p>
        </fieldset>
      )}
    </ConfirmDialog>
  );
}

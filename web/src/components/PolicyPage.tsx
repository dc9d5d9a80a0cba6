import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { ApiError, type PatApi, type ScopeArea } from '../api';
import type { Session } from '../auth';
import {
  isOutsidePolicy,
  isPending,
  tenantPolicyOf,
  type Creators,
  type GovernedToken,
  type TenantPolicy,
  type TenantPolicyChange,
} from '../governance';
import { areaTree, isWithinArea } from '../scopes';
import { ConfirmDialog } from './ConfirmDialog';
import { CheckboxField, FieldError, FormActions, TextField } from './Field';
import { describedBy, fixProblemsMessage, placeDetails, refusedMessage } from './fields';

/** Lifetimes an admin may offer; the service refuses any above the deployment's maximum, naming the field. */
const COMMON_LIFETIMES = [30, 60, 90, 180, 365];

type Field = keyof TenantPolicyChange;

interface Draft {
  lifetimesDays: number[];
  defaultLifetimeDays: number;
  maxLifetimeDays: string;
  allowNoExpiry: boolean;
  creators: Creators;
  requireIpRestriction: boolean;
  allowedAreas: string[] | null;
  maxActiveTokensPerOwner: string;
  requireApproval: boolean;
  /** Empty: no limit. */
  maxCredentialAgeDays: string;
  /** Empty: no limit. */
  idleExpiryDays: string;
}

const draftOf = (policy: TenantPolicy): Draft => ({
  lifetimesDays: [...policy.lifetimesDays],
  defaultLifetimeDays: policy.defaultLifetimeDays,
  maxLifetimeDays: String(policy.maxLifetimeDays),
  allowNoExpiry: policy.allowNoExpiry,
  creators: policy.creators,
  requireIpRestriction: policy.requireIpRestriction,
  allowedAreas: policy.allowedAreas === null ? null : [...policy.allowedAreas],
  maxActiveTokensPerOwner: String(policy.maxActiveTokensPerOwner),
  requireApproval: policy.requireApproval,
  maxCredentialAgeDays: policy.maxCredentialAgeDays == null ? '' : String(policy.maxCredentialAgeDays),
  idleExpiryDays: policy.idleExpiryDays == null ? '' : String(policy.idleExpiryDays),
});

const wholeNumber = (text: string): number | undefined => (/^\s*\d+\s*$/.test(text) && Number(text) >= 1 ? Number(text) : undefined);
const sameList = (a: readonly unknown[] | null, b: readonly unknown[] | null) =>
  a === null || b === null ? a === b : a.length === b.length && a.every((x, i) => x === b[i]);

/** The admin's page for the tenant's token policy: read it, tighten it, and revoke what it no longer allows. */
export function PolicyPage({ api, session }: { api: PatApi; session: Session }) {
  const [policy, setPolicy] = useState<TenantPolicy>();
  const [areas, setAreas] = useState<ScopeArea[]>([]);
  const [draft, setDraft] = useState<Draft>();
  const [loadError, setLoadError] = useState<string>();
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState('');
  const [outside, setOutside] = useState<GovernedToken[]>();
  const [confirming, setConfirming] = useState(false);

  const countOutside = useCallback(() => {
    api
      .listAll({ status: 'all' })
      .then((tokens) => setOutside(tokens.filter((token) => isOutsidePolicy(token) && (token.status === 'active' || isPending(token)))))
      .catch(() => setOutside(undefined));
  }, [api]);

  useEffect(() => {
    Promise.all([api.tenantPolicy(), api.scopes()]).then(
      ([loaded, scopes]) => {
        const effective = tenantPolicyOf(loaded);
        setPolicy(effective);
        setDraft(draftOf(effective));
        setAreas(scopes.areas);
      },
      (error: unknown) => setLoadError(error instanceof Error ? error.message : String(error)),
    );
    countOutside();
  }, [api, countOutside]);

  if (loadError) {
    return (
      <main className="page">
        <h1>Tenant policy</h1>
        <div className="error-box" role="alert">
          <p>The policy could not be loaded: {loadError}</p>
        </div>
      </main>
    );
  }
  if (!policy || !draft) {
    return (
      <main className="page">
        <h1>Tenant policy</h1>
        <p className="hint">Loading the policy…</p>
      </main>
    );
  }

  const update = (change: Partial<Draft>, ...fields: Field[]) => {
    setDraft({ ...draft, ...change });
    setErrors((current) => {
      const rest = { ...current };
      for (const field of fields) delete rest[field];
      return rest;
    });
  };

  /** What the admin changed, checked here first; the service has the last word on what the deployment allows. */
  function changeOf(): { change: TenantPolicyChange; problems: Partial<Record<Field, string>> } {
    const problems: Partial<Record<Field, string>> = {};
    const change: TenantPolicyChange = {};
    const lifetimes = [...draft!.lifetimesDays].sort((a, b) => a - b);
    if (lifetimes.length === 0) problems.lifetimesDays = 'Offer at least one lifetime.';
    else if (!sameList(lifetimes, policy!.lifetimesDays)) change.lifetimesDays = lifetimes;
    if (!lifetimes.includes(draft!.defaultLifetimeDays)) problems.defaultLifetimeDays = 'The default must be one of the lifetimes offered.';
    else if (draft!.defaultLifetimeDays !== policy!.defaultLifetimeDays) change.defaultLifetimeDays = draft!.defaultLifetimeDays;
    const maxLifetime = wholeNumber(draft!.maxLifetimeDays);
    if (maxLifetime === undefined) problems.maxLifetimeDays = 'Enter a whole number of days, at least 1.';
    else if (maxLifetime !== policy!.maxLifetimeDays) change.maxLifetimeDays = maxLifetime;
    const maxActive = wholeNumber(draft!.maxActiveTokensPerOwner);
    if (maxActive === undefined) problems.maxActiveTokensPerOwner = 'Enter a whole number, at least 1.';
    else if (maxActive !== policy!.maxActiveTokensPerOwner) change.maxActiveTokensPerOwner = maxActive;
    if (draft!.allowedAreas !== null && draft!.allowedAreas.length === 0) problems.allowedAreas = 'Allow at least one area, or every area.';
    else if (!sameList(draft!.allowedAreas && [...draft!.allowedAreas].sort(), policy!.allowedAreas && [...policy!.allowedAreas].sort()))
      change.allowedAreas = draft!.allowedAreas;
    // A credential's life: empty is no limit; the service refuses a limit the deployment's is tighter than.
    for (const key of ['maxCredentialAgeDays', 'idleExpiryDays'] as const) {
      const text = draft![key].trim();
      const days = text === '' ? null : wholeNumber(text);
      if (days === undefined) problems[key] = 'Enter a whole number of days, at least 1, or leave it empty for no limit.';
      else if (days !== (policy![key] ?? null)) (change as Record<string, unknown>)[key] = days;
    }
    for (const key of ['allowNoExpiry', 'creators', 'requireIpRestriction', 'requireApproval'] as const) {
      if (draft![key] !== policy![key]) (change as Record<string, unknown>)[key] = draft![key];
    }
    return { change, problems };
  }

  async function save(event: FormEvent) {
    event.preventDefault();
    setFormError(undefined);
    setNotice('');
    const { change, problems } = changeOf();
    if (Object.keys(problems).length > 0) {
      setErrors(problems);
      setFormError(fixProblemsMessage('saved', Object.keys(problems).length));
      return;
    }
    if (Object.keys(change).length === 0) {
      setFormError('Nothing to save: the policy is as shown.');
      return;
    }
    setBusy(true);
    try {
      const saved = tenantPolicyOf(await api.updateTenantPolicy(change));
      setPolicy(saved);
      setDraft(draftOf(saved));
      setErrors({});
      setNotice('Policy saved. It applies to new tokens and to refreshes; tokens it no longer allows are flagged below.');
      countOutside();
    } catch (error) {
      let placed: Partial<Record<Field, string>> = {};
      const unplaced: string[] = [];
      if (error instanceof ApiError && error.details.length > 0) {
        const details = placeDetails(error.details, (name) => {
          const field = name.replace(/\[\d+\]$/, '') as Field;
          return field in draftOf(policy!) ? field : undefined;
        });
        placed = details.placed;
        unplaced.push(...details.unplaced.map((detail) => `${detail.field}: ${detail.message}`));
      } else {
        unplaced.push(error instanceof Error ? error.message : String(error));
      }
      setErrors(placed);
      setFormError(refusedMessage('saved', Object.keys(placed).length, unplaced, " (a tenant can only tighten the deployment's policy)"));
    }
    setBusy(false);
  }

  const error = (field: Field) => errors[field];
  const errorLine = (field: Field, id: string) => <FieldError id={id} error={errors[field]} />;
  const lifetimeChoices = [...new Set([...COMMON_LIFETIMES, ...policy.lifetimesDays, ...draft.lifetimesDays])].sort((a, b) => a - b);
  const tree = areaTree(areas);

  return (
    <main className="page">
      <h1 tabIndex={-1}>Tenant policy</h1>
      <p className="hint">
        Rules for the tokens of tenant {session.tenant}. They can only be stricter than the deployment&apos;s policy. A change applies to
        new tokens and refreshes; existing tokens it no longer allows keep working until they expire or rotate, and are flagged “Outside
        policy”.
      </p>
      <p className="notice-line" role="status">
        {notice}
      </p>

      <form className="policy-form" onSubmit={save} noValidate aria-label="Tenant policy">
        <fieldset className="field" aria-describedby={describedBy('policy-lifetimes', false, error('lifetimesDays'))}>
          <legend>Lifetimes offered</legend>
          <div className="choices">
            {lifetimeChoices.map((days) => (
              <div className="choice" key={days}>
                <input
                  id={`policy-lifetime-${days}`}
                  type="checkbox"
                  checked={draft.lifetimesDays.includes(days)}
                  onChange={(event) =>
                    update(
                      {
                        lifetimesDays: event.target.checked
                          ? [...draft.lifetimesDays, days]
                          : draft.lifetimesDays.filter((d) => d !== days),
                      },
                      'lifetimesDays',
                      'defaultLifetimeDays',
                    )
                  }
                />
                <label htmlFor={`policy-lifetime-${days}`}>{days} days</label>
              </div>
            ))}
          </div>
          {errorLine('lifetimesDays', 'policy-lifetimes')}
        </fieldset>

        <div className="field">
          <label htmlFor="policy-default-lifetime">Default lifetime</label>
          <select
            id="policy-default-lifetime"
            value={draft.defaultLifetimeDays}
            onChange={(event) => update({ defaultLifetimeDays: Number(event.target.value) }, 'defaultLifetimeDays')}
            aria-invalid={error('defaultLifetimeDays') ? true : undefined}
            aria-describedby={describedBy('policy-default-lifetime', false, error('defaultLifetimeDays'))}
          >
            {[...new Set([...draft.lifetimesDays, draft.defaultLifetimeDays])]
              .sort((a, b) => a - b)
              .map((days) => (
                <option key={days} value={days}>
                  {days} days
                </option>
              ))}
          </select>
          {errorLine('defaultLifetimeDays', 'policy-default-lifetime')}
        </div>

        <TextField
          id="policy-max-lifetime"
          label="Maximum lifetime (days)"
          type="number"
          min={1}
          inputMode="numeric"
          value={draft.maxLifetimeDays}
          onChange={(value) => update({ maxLifetimeDays: value }, 'maxLifetimeDays')}
          hint="Also caps custom expiry dates and refreshes. Lowering it drops the longer lifetimes offered."
          error={error('maxLifetimeDays')}
        />

        <CheckboxField
          id="policy-no-expiry"
          label="Allow tokens without expiry"
          checked={draft.allowNoExpiry}
          onChange={(checked) => update({ allowNoExpiry: checked }, 'allowNoExpiry')}
          error={error('allowNoExpiry')}
        />

        <fieldset className="field" aria-describedby={describedBy('policy-creators', false, error('creators'))}>
          <legend>Who creates tokens</legend>
          <div className="choices">
            <div className="choice">
              <input
                id="policy-creators-everyone"
                type="radio"
                name="creators"
                checked={draft.creators === 'everyone'}
                onChange={() => update({ creators: 'everyone' }, 'creators')}
              />
              <label htmlFor="policy-creators-everyone">Every user, for themselves</label>
            </div>
            <div className="choice">
              <input
                id="policy-creators-admins"
                type="radio"
                name="creators"
                checked={draft.creators === 'admins'}
                onChange={() => update({ creators: 'admins' }, 'creators')}
              />
              <label htmlFor="policy-creators-admins">Only admins</label>
            </div>
          </div>
          {errorLine('creators', 'policy-creators')}
        </fieldset>

        <CheckboxField
          id="policy-require-approval"
          label="Tokens created by users need an admin's approval"
          checked={draft.requireApproval}
          onChange={(checked) => update({ requireApproval: checked }, 'requireApproval')}
          hint="Until an admin approves it (under Approvals), a user's new token is refused by the API."
          error={error('requireApproval')}
        />

        <CheckboxField
          id="policy-require-ips"
          label="Every token must be restricted to IP addresses"
          checked={draft.requireIpRestriction}
          onChange={(checked) => update({ requireIpRestriction: checked }, 'requireIpRestriction')}
          error={error('requireIpRestriction')}
        />

        <fieldset className="field" aria-describedby={describedBy('policy-areas', false, error('allowedAreas'))}>
          <legend>Areas tokens may be granted</legend>
          <div className="choices">
            <div className="choice">
              <input
                id="policy-areas-all"
                type="radio"
                name="areas"
                checked={draft.allowedAreas === null}
                onChange={() => update({ allowedAreas: null }, 'allowedAreas')}
              />
              <label htmlFor="policy-areas-all">Every area</label>
            </div>
            <div className="choice">
              <input
                id="policy-areas-some"
                type="radio"
                name="areas"
                checked={draft.allowedAreas !== null}
                onChange={() => update({ allowedAreas: draft.allowedAreas ?? policy.allowedAreas ?? [] }, 'allowedAreas')}
              />
              <label htmlFor="policy-areas-some">Only these areas (and their sub-areas)</label>
            </div>
          </div>
          {draft.allowedAreas !== null && (
            <div className="choices nested">
              {tree.map((area) => {
                // A sub-area of an allowed area is allowed with it (as the service reads the list): shown ticked, not a choice of its own.
                const coveredBy = draft.allowedAreas!.find((allowed) => allowed !== area.name && isWithinArea(area.name, allowed));
                const id = `policy-area-${area.name.replace(/[^a-z0-9-]/g, '_')}`;
                return (
                  <div className="choice" key={area.name} style={{ paddingInlineStart: `${area.depth * 1.5}rem` }}>
                    <input
                      id={id}
                      type="checkbox"
                      checked={coveredBy !== undefined || draft.allowedAreas!.includes(area.name)}
                      disabled={coveredBy !== undefined}
                      onChange={(event) =>
                        update(
                          {
                            allowedAreas: event.target.checked
                              ? [...draft.allowedAreas!, area.name]
                              : draft.allowedAreas!.filter((name) => name !== area.name),
                          },
                          'allowedAreas',
                        )
                      }
                    />
                    <label htmlFor={id}>{area.name}</label>
                    <span className="hint"> ({coveredBy ? `allowed with ${coveredBy}` : area.description})</span>
                  </div>
                );
              })}
            </div>
          )}
          {errorLine('allowedAreas', 'policy-areas')}
        </fieldset>

        <TextField
          id="policy-max-active"
          label="Active tokens per user, at most"
          type="number"
          min={1}
          inputMode="numeric"
          value={draft.maxActiveTokensPerOwner}
          onChange={(value) => update({ maxActiveTokensPerOwner: value }, 'maxActiveTokensPerOwner')}
          error={error('maxActiveTokensPerOwner')}
        />

        <TextField
          id="policy-max-credential-age"
          label="Credential life, at most (days; empty: no limit)"
          hint="A credential cannot be refreshed past its first token's creation plus this."
          type="number"
          min={1}
          inputMode="numeric"
          value={draft.maxCredentialAgeDays}
          onChange={(value) => update({ maxCredentialAgeDays: value }, 'maxCredentialAgeDays')}
          error={error('maxCredentialAgeDays')}
        />
        <TextField
          id="policy-idle-expiry"
          label="Unused credentials stop working after (days; empty: no limit)"
          hint="A credential unused that long stops working and cannot be refreshed."
          type="number"
          min={1}
          inputMode="numeric"
          value={draft.idleExpiryDays}
          onChange={(value) => update({ idleExpiryDays: value }, 'idleExpiryDays')}
          error={error('idleExpiryDays')}
        />
        {policy.allowedIpRanges && <p className="hint">Every IP entry of a token must lie within: {policy.allowedIpRanges.join(', ')}.</p>}

        <p className="hint">
          Fixed by the deployment: at most {policy.maxIpEntries} IP entries per token, descriptions of at most {policy.maxDescriptionLength}{' '}
          characters.
        </p>
        <FormActions formError={formError} busy={busy} submitLabel="Save policy" busyLabel="Saving…">
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setDraft(draftOf(policy));
              setErrors({});
              setFormError(undefined);
            }}
          >
            Undo changes
          </button>
        </FormActions>
      </form>

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
          title={`Revoke ${outside.length} ${outside.length === 1 ? 'token' : 'tokens'} outside the policy?`}
          confirmLabel={`Revoke ${outside.length} ${outside.length === 1 ? 'token' : 'tokens'}`}
          busyLabel="Revoking…"
          failure="The tokens were not revoked"
          onClose={() => setConfirming(false)}
          onConfirm={async () => {
            const { revokedTokenIds } = await api.revokeOutsidePolicy();
            setConfirming(false);
            setNotice(`Revoked ${revokedTokenIds.length} ${revokedTokenIds.length === 1 ? 'token' : 'tokens'} outside the policy.`);
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
    </main>
  );
}

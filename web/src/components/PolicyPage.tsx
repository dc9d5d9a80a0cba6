import { useEffect, useState, type FormEvent } from 'react';
import type { PatApi, ScopeArea } from '../api';
import type { Session } from '../auth';
import { tenantPolicyOf, type TenantPolicy } from '../governance';
import { changeOf, draftOf, policyFieldOf, type PolicyDraft, type PolicyField } from '../policy-draft';
import { CheckboxField, FormActions } from './Field';
import { fixProblemsMessage, refusalOf, refusedMessage } from './fields';
import { OutsidePolicySection } from './OutsidePolicySection';
import { LoadError, NoticeLine } from './PageMessages';
import { AreasField, CreatorsField, LifetimeFields, WholeNumberField, type UpdateDraft } from './PolicyFields';

/** The admin's page for the tenant's token policy: read it, tighten it, and revoke what it no longer allows. */
export function PolicyPage({ api, session }: { api: PatApi; session: Session }) {
  const [policy, setPolicy] = useState<TenantPolicy>();
  const [areas, setAreas] = useState<ScopeArea[]>([]);
  const [draft, setDraft] = useState<PolicyDraft>();
  const [loadError, setLoadError] = useState<string>();
  const [errors, setErrors] = useState<Partial<Record<PolicyField, string>>>({});
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState('');
  const [policyVersion, setPolicyVersion] = useState(0);

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
  }, [api]);

  if (loadError) {
    return (
      <main className="page">
        <h1>Tenant policy</h1>
        <LoadError what="The policy could not be loaded" error={loadError} />
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

  const update: UpdateDraft = (change, ...fields) => {
    setDraft({ ...draft, ...change });
    setErrors((current) => {
      const rest = { ...current };
      for (const field of fields) delete rest[field];
      return rest;
    });
  };

  async function save(event: FormEvent) {
    event.preventDefault();
    setFormError(undefined);
    setNotice('');
    const { change, problems } = changeOf(draft!, policy!);
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
      setPolicyVersion((n) => n + 1);
    } catch (error) {
      const { placed, unplaced } = refusalOf(error, policyFieldOf, ': ');
      setErrors(placed);
      setFormError(refusedMessage('saved', Object.keys(placed).length, unplaced, " (a tenant can only tighten the deployment's policy)"));
    }
    setBusy(false);
  }

  const errorOf = (field: PolicyField) => errors[field];
  const fieldProps = { draft, update, errorOf };
  const checkbox = (field: 'allowNoExpiry' | 'requireApproval' | 'requireIpRestriction') => ({
    checked: draft[field],
    onChange: (checked: boolean) => update({ [field]: checked }, field),
    error: errorOf(field),
  });

  return (
    <main className="page">
      <h1 tabIndex={-1}>Tenant policy</h1>
      <p className="hint">
        Rules for the tokens of tenant {session.tenant}. They can only be stricter than the deployment&apos;s policy. A change applies to
        new tokens and refreshes; existing tokens it no longer allows keep working until they expire or rotate, and are flagged “Outside
        policy”.
      </p>
      <NoticeLine notice={notice} />

      <form className="policy-form" onSubmit={save} noValidate aria-label="Tenant policy">
        <LifetimeFields {...fieldProps} policy={policy} />
        <WholeNumberField
          {...fieldProps}
          field="maxLifetimeDays"
          id="policy-max-lifetime"
          label="Maximum lifetime (days)"
          hint="Also caps custom expiry dates and refreshes. Lowering it drops the longer lifetimes offered."
        />
        <CheckboxField id="policy-no-expiry" label="Allow tokens without expiry" {...checkbox('allowNoExpiry')} />
        <CreatorsField {...fieldProps} />
        <CheckboxField
          id="policy-require-approval"
          label="Tokens created by users need an admin's approval"
          hint="Until an admin approves it (under Approvals), a user's new token is refused by the API."
          {...checkbox('requireApproval')}
        />
        <CheckboxField
          id="policy-require-ips"
          label="Every token must be restricted to IP addresses"
          {...checkbox('requireIpRestriction')}
        />
        <AreasField {...fieldProps} policy={policy} areas={areas} />
        <WholeNumberField {...fieldProps} field="maxActiveTokensPerOwner" id="policy-max-active" label="Active tokens per user, at most" />
        <WholeNumberField
          {...fieldProps}
          field="maxCredentialAgeDays"
          id="policy-max-credential-age"
          label="Credential life, at most (days; empty: no limit)"
          hint="A credential cannot be refreshed past its first token's creation plus this."
        />
        <WholeNumberField
          {...fieldProps}
          field="idleExpiryDays"
          id="policy-idle-expiry"
          label="Unused credentials stop working after (days; empty: no limit)"
          hint="A credential unused that long stops working and cannot be refreshed."
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

      <OutsidePolicySection
        api={api}
        policyVersion={policyVersion}
        onRevoked={(count) => setNotice(`Revoked ${count} ${count === 1 ? 'token' : 'tokens'} outside the policy.`)}
      />
    </main>
  );
}

import { useMemo, useState, type FormEvent } from 'react';
import type { IssuedToken, NewTokenRequest, PatApi, ScopeArea, TokenPolicy } from '../api';
import type { Session } from '../auth';
import { ALL_SCOPES, effectiveScopes } from '../scopes';
import { areaAllowed, type TenantPolicy } from '../governance';
import { descriptionKey, descriptionProblem, duplicateDescriptionMessage, normaliseIpEntry, principalIdProblem } from '../validation';
import { controlOf, type CreateField, createFieldOfDetail, fieldsInOrder } from './create-token-fields';
import { customExpiry, type ExpiryChoice, ExpiryField } from './ExpiryField';
import { DescriptionField, FormActions, TextAreaField, TextField } from './Field';
import { fixProblemsMessage, isDuplicateDescription, refusalOf, refusedMessage, sentence, toggled } from './fields';
import { IpEntriesField, ipErrorsOf, ipProblems, newIpEntryRow, type IpEntryRow } from './IpEntriesField';
import { Modal } from './Modal';
import { ScopePicker, type ScopeMode } from './ScopePicker';
import { useActiveDescriptions } from './useActiveDescriptions';

interface CreateTokenDialogProps {
  api: PatApi;
  session: Session;
  policy: TokenPolicy | TenantPolicy;
  areas: readonly ScopeArea[];
  /** Users of the tenant the admin has seen, offered in the "For user" field. */
  knownOwners: readonly string[];
  onCreated: (token: IssuedToken) => void;
  onClose: () => void;
  returnFocus?: () => HTMLElement | null;
}

/** The API's limit on a request's justification. */
const JUSTIFICATION_MAX = 500;

export function CreateTokenDialog({ api, session, policy, areas, knownOwners, onCreated, onClose, returnFocus }: CreateTokenDialogProps) {
  const openedAt = useMemo(() => Date.now(), []);
  const [owner, setOwner] = useState(session.user);
  const [description, setDescription] = useState('');
  const [expiry, setExpiry] = useState<ExpiryChoice>(`days:${policy.defaultLifetimeDays}`);
  const [customDate, setCustomDate] = useState('');
  const [scopeMode, setScopeMode] = useState<ScopeMode>('selected');
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  // A tenant that requires IP restrictions gets an entry to fill from the start.
  const [ipEntries, setIpEntries] = useState<IpEntryRow[]>(() => (policy.requireIpRestriction ? [newIpEntryRow()] : []));
  const [justification, setJustification] = useState('');
  const [touched, setTouched] = useState<ReadonlySet<CreateField>>(new Set());
  const [attempted, setAttempted] = useState(false);
  const [serverErrors, setServerErrors] = useState<Partial<Record<CreateField, string>>>({});
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const tokenOwner = session.admin ? owner.trim() : session.user;
  const ipRules = {
    maxIpEntries: policy.maxIpEntries,
    requireIpRestriction: 'requireIpRestriction' in policy && policy.requireIpRestriction,
    allowedIpRanges: ('allowedIpRanges' in policy ? policy.allowedIpRanges : null) ?? null,
  };
  // Areas the tenant policy does not allow are not offered (nor is "All scopes", which would include them).
  const allowedAreas = 'allowedAreas' in policy ? policy.allowedAreas : null;
  const offeredAreas = areas.filter((area) => areaAllowed(area.name, allowedAreas));
  const ownerIsValid = principalIdProblem(tokenOwner, 'user id') === undefined;

  // Descriptions are unique among the owner's active tokens: fetched to say so while typing.
  const activeDescriptions = useActiveDescriptions(api, tokenOwner, ownerIsValid, session.admin);

  const touch = (field: CreateField) => setTouched((fields) => (fields.has(field) ? fields : new Set([...fields, field])));
  const clearServerError = (...fields: CreateField[]) =>
    setServerErrors((errors) => {
      if (!fields.some((field) => field in errors)) return errors;
      const rest = { ...errors };
      for (const field of fields) delete rest[field];
      return rest;
    });

  // What is wrong right now, whether or not it is shown yet.
  const custom = customExpiry(customDate, openedAt, policy.maxLifetimeDays);
  const filledIps = ipEntries.filter((entry) => entry.value.trim() !== '');
  const problems: Partial<Record<CreateField, string>> = {
    owner: session.admin ? principalIdProblem(owner, 'user id') : undefined,
    description: descriptionProblem(
      description,
      policy.maxDescriptionLength,
      activeDescriptions ?? new Map(),
      tokenOwner === session.user ? 'You' : tokenOwner,
    ),
    expiry: expiry === 'custom' ? custom.problem : undefined,
    scopes: scopeMode === 'selected' && selected.size === 0 ? 'Select at least one scope, or choose All scopes.' : undefined,
    ...ipProblems(filledIps, ipRules, 'The tenant policy requires at least one IP entry: add the addresses the token will be used from.'),
  };
  // A non-admin's token waits for an admin where the tenant requires approval: said before submit.
  const needsApproval = policy.requireApproval && !session.admin;
  const justificationLength = [...justification.trim()].length;
  if (justificationLength > JUSTIFICATION_MAX)
    problems.justification = `At most ${JUSTIFICATION_MAX} characters (now ${justificationLength}).`;

  const shown = (field: CreateField): string | undefined =>
    serverErrors[field] ?? (attempted || touched.has(field) ? problems[field] : undefined);
  const ipErrors = ipErrorsOf(ipEntries, shown);

  const focusFirst = (errors: Partial<Record<CreateField, string>>) => {
    const [first] = fieldsInOrder(errors, ipEntries);
    if (first) setTimeout(() => document.getElementById(controlOf(first, expiry))?.focus(), 0);
  };

  /**
   * A duplicate description (another tab, another admin, or a token created since this dialog opened):
   * names the existing token as it is described, which may differ from what was typed in case or width.
   */
  async function duplicateDescription(serviceMessage: string): Promise<string> {
    const existing = await api.listAll({ status: 'active', owner: session.admin ? tokenOwner : undefined }).then(
      (tokens) => tokens.find((token) => descriptionKey(token.description) === descriptionKey(description))?.description,
      () => undefined,
    );
    return existing
      ? duplicateDescriptionMessage(tokenOwner === session.user ? 'You' : tokenOwner, existing)
      : `${sentence(serviceMessage)} Choose another description, or revoke that token first.`;
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setAttempted(true);
    setFormError(undefined);
    const invalid = fieldsInOrder(problems, ipEntries);
    if (invalid.length > 0) {
      setFormError(fixProblemsMessage('created', invalid.length));
      focusFirst(problems);
      return;
    }

    const request: NewTokenRequest = {
      description: description.trim(),
      scopes: scopeMode === 'all' ? [ALL_SCOPES] : effectiveScopes(selected),
    };
    if (expiry === 'custom') request.expiresAt = new Date(custom.millis!).toISOString();
    else if (expiry === 'never') request.expiresAt = null;
    else request.expiresInDays = Number(expiry.slice('days:'.length));
    if (filledIps.length > 0) request.allowedIps = filledIps.map((entry) => normaliseIpEntry(entry.value));
    if (session.admin) request.owner = tokenOwner;
    if (needsApproval && justification.trim() !== '')
      (request as NewTokenRequest & { justification?: string }).justification = justification.trim();

    setBusy(true);
    try {
      const issued = await api.createToken(request);
      onCreated(issued);
      return;
    } catch (error) {
      const { placed, unplaced } = isDuplicateDescription(error)
        ? { placed: { description: await duplicateDescription(error.message) }, unplaced: [] }
        : refusalOf(error, (field) => createFieldOfDetail(field, filledIps));
      setServerErrors(placed);
      setFormError(refusedMessage('created', Object.keys(placed).length, unplaced));
      focusFirst(placed);
    }
    setBusy(false);
  }

  const descriptionError = shown('description');
  const ownerError = shown('owner');
  const descriptionLength = [...description.trim()].length;

  return (
    <Modal title="New personal access token" onClose={onClose} size="large" returnFocus={returnFocus}>
      <form onSubmit={submit} noValidate aria-label="New personal access token">
        <p className="hint">Create one token per vendor or program, so that you can revoke each on its own.</p>
        {needsApproval && (
          <div className="notice-box" id="create-approval-notice">
            <p>
              <strong>Needs an admin’s approval.</strong> In tenant {session.tenant} a new token works only once an admin of the tenant
              approves it; you see it as “Waiting for approval” until then.
            </p>
          </div>
        )}

        {session.admin && (
          <TextField
            id="create-owner"
            label="For user"
            list="create-owner-options"
            value={owner}
            autoComplete="off"
            spellCheck={false}
            onChange={(value) => {
              setOwner(value);
              touch('owner');
              clearServerError('owner', 'description');
            }}
            hint={<>As an admin you can create a token for any user of tenant {session.tenant}; the token acts as that user.</>}
            error={ownerError}
          >
            <datalist id="create-owner-options">
              {knownOwners.map((user) => (
                <option key={user} value={user} />
              ))}
            </datalist>
          </TextField>
        )}

        <DescriptionField
          id="create-description"
          value={description}
          onChange={(value) => {
            setDescription(value);
            touch('description');
            clearServerError('description');
          }}
          hint={
            <>
              What is this token for, e.g. the vendor&apos;s name? Unique among active tokens. {descriptionLength} /{' '}
              {policy.maxDescriptionLength} characters.
            </>
          }
          error={descriptionError}
        />

        <ExpiryField
          policy={policy}
          openedAt={openedAt}
          expiry={expiry}
          onExpiry={(choice) => {
            setExpiry(choice);
            clearServerError('expiry');
          }}
          customDate={customDate}
          onCustomDate={(date) => {
            setCustomDate(date);
            touch('expiry');
            clearServerError('expiry');
          }}
          error={shown('expiry')}
        />

        <ScopePicker
          areas={offeredAreas}
          allowAll={allowedAreas === null}
          mode={scopeMode}
          onModeChange={(mode) => {
            setScopeMode(mode);
            clearServerError('scopes');
          }}
          selected={selected}
          onToggle={(scope, checked) => {
            setSelected((current) => toggled(current, scope, checked));
            touch('scopes');
            clearServerError('scopes');
          }}
          error={shown('scopes')}
        />

        <IpEntriesField
          entries={ipEntries}
          rules={ipRules}
          onChange={(entries) => {
            const edited = entries.filter((entry) => {
              const before = ipEntries.find((old) => old.key === entry.key);
              return before !== undefined && before.value !== entry.value;
            });
            clearServerError('ipList', ...edited.map((entry): CreateField => `ip:${entry.key}`));
            setIpEntries(entries);
          }}
          // An entry's problem shows once its row has been left (then live), or on submit.
          onBlurEntry={(key) => touch(`ip:${key}`)}
          errors={ipErrors}
          listError={shown('ipList')}
        />

        {needsApproval && (
          <TextAreaField
            id="create-justification"
            label="Justification (optional, shown to the approving admins)"
            value={justification}
            onChange={setJustification}
            hint={`What the token is for and why it needs these scopes, up to ${JUSTIFICATION_MAX} characters.`}
            error={shown('justification')}
          />
        )}

        <FormActions
          formError={formError}
          busy={busy}
          submitLabel={needsApproval ? 'Request token' : 'Create token'}
          busyLabel="Creating…"
          onCancel={onClose}
        />
      </form>
    </Modal>
  );
}

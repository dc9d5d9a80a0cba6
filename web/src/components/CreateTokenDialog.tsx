import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { ApiError, type IssuedToken, type NewTokenRequest, type PatApi, type ScopeArea, type TokenPolicy } from '../api';
import type { Session } from '../auth';
import { dateInputValue, DAY_MILLIS, formatDate, formatDateTime } from '../format';
import { ALL_SCOPES, effectiveScopes } from '../scopes';
import { areaAllowed, type TenantPolicy } from '../governance';
import {
  descriptionKey,
  descriptionProblem,
  duplicateDescriptionMessage,
  ipEntryPolicyProblem,
  normaliseIpEntry,
  principalIdProblem,
} from '../validation';
import { FieldError, FormActions, TextField } from './Field';
import { describedBy, fixProblemsMessage, placeDetails, refusedMessage, sentence, toggled } from './fields';
import { IpEntriesField, ipEntryProblems, ipErrorsOf, ipFieldOfDetail, newIpEntryRow, type IpEntryRow } from './IpEntriesField';
import { Modal } from './Modal';
import { ScopePicker, type ScopeMode } from './ScopePicker';

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

type ExpiryChoice = `days:${number}` | 'custom' | 'never';

/** The fields a problem can be shown next to; `ip:<row key>` for one IP entry. */
type FieldName = 'owner' | 'description' | 'expiry' | 'scopes' | 'ipList' | 'justification' | `ip:${number}`;

/** The API's limit on a request's justification. */
const JUSTIFICATION_MAX = 500;

/** A custom expiry: the end of the chosen day, but never past the policy's maximum. */
function customExpiry(date: string, now: number, maxLifetimeDays: number): { millis?: number; problem?: string } {
  const maxMillis = now + maxLifetimeDays * DAY_MILLIS;
  if (date === '') return { problem: 'Choose the date the token expires.' };
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) return { problem: 'Not a valid date.' };
  if (date <= dateInputValue(now)) return { problem: 'Choose a date after today.' };
  if (date > dateInputValue(maxMillis)) {
    return { problem: `Choose a date at most ${maxLifetimeDays} days from today (${formatDate(maxMillis)} at the latest).` };
  }
  const endOfDay = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]), 23, 59, 59).getTime();
  // A minute of slack so the request still fits the maximum when it reaches the service.
  return { millis: Math.floor(Math.min(endOfDay, maxMillis - 60_000) / 1000) * 1000 };
}

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
  const [touched, setTouched] = useState<ReadonlySet<FieldName>>(new Set());
  const [attempted, setAttempted] = useState(false);
  const [serverErrors, setServerErrors] = useState<Partial<Record<FieldName, string>>>({});
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [activeDescriptions, setActiveDescriptions] = useState<{ owner: string; keys: ReadonlyMap<string, string> }>();

  const tokenOwner = session.admin ? owner.trim() : session.user;
  const requireIps = 'requireIpRestriction' in policy && policy.requireIpRestriction;
  // Areas the tenant policy does not allow are not offered (nor is "All scopes", which would include them).
  const allowedAreas = 'allowedAreas' in policy ? policy.allowedAreas : null;
  const offeredAreas = areas.filter((area) => areaAllowed(area.name, allowedAreas));
  const ownerIsValid = principalIdProblem(tokenOwner, 'user id') === undefined;

  // Descriptions are unique among the owner's active tokens: fetch them to say so while typing.
  useEffect(() => {
    if (!ownerIsValid) return;
    let cancelled = false;
    const timer = setTimeout(
      () => {
        api
          .listAll({ status: 'active', owner: session.admin ? tokenOwner : undefined })
          .then((tokens) => {
            if (!cancelled)
              setActiveDescriptions({
                owner: tokenOwner,
                keys: new Map(tokens.map((token) => [descriptionKey(token.description), token.description])),
              });
          })
          .catch(() => {
            // Not fatal: the service refuses a duplicate on submit, and that answer is shown here too.
          });
      },
      session.admin ? 300 : 0,
    );
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [api, tokenOwner, ownerIsValid, session.admin]);

  const touch = (field: FieldName) => setTouched((fields) => (fields.has(field) ? fields : new Set([...fields, field])));
  const clearServerError = (...fields: FieldName[]) =>
    setServerErrors((errors) => {
      if (!fields.some((field) => field in errors)) return errors;
      const rest = { ...errors };
      for (const field of fields) delete rest[field];
      return rest;
    });

  // What is wrong right now, whether or not it is shown yet.
  const custom = customExpiry(customDate, openedAt, policy.maxLifetimeDays);
  const filledIps = ipEntries.filter((entry) => entry.value.trim() !== '');
  const problems: Partial<Record<FieldName, string>> = {
    owner: session.admin ? principalIdProblem(owner, 'user id') : undefined,
    description: descriptionProblem(
      description,
      policy.maxDescriptionLength,
      activeDescriptions?.owner === tokenOwner ? activeDescriptions.keys : new Map(),
      tokenOwner === session.user ? 'You' : tokenOwner,
    ),
    expiry: expiry === 'custom' ? custom.problem : undefined,
    scopes: scopeMode === 'selected' && selected.size === 0 ? 'Select at least one scope, or choose All scopes.' : undefined,
    ipList:
      filledIps.length > policy.maxIpEntries
        ? `Use at most ${policy.maxIpEntries} IP entries.`
        : requireIps && filledIps.length === 0
          ? 'The tenant policy requires at least one IP entry: add the addresses the token will be used from.'
          : undefined,
  };
  Object.assign(problems, ipEntryProblems(filledIps));
  const ipRules = {
    requireIpRestriction: requireIps,
    allowedIpRanges: ('allowedIpRanges' in policy ? policy.allowedIpRanges : null) ?? null,
  };
  for (const entry of filledIps) {
    const key = `ip:${entry.key}` as const;
    problems[key] ??= ipEntryPolicyProblem(entry.value, ipRules);
  }
  // A non-admin's token waits for an admin where the tenant requires approval: said before submit.
  const needsApproval = policy.requireApproval && !session.admin;
  const justificationLength = [...justification.trim()].length;
  if (justificationLength > JUSTIFICATION_MAX)
    problems.justification = `At most ${JUSTIFICATION_MAX} characters (now ${justificationLength}).`;

  const shown = (field: FieldName): string | undefined =>
    serverErrors[field] ?? (attempted || touched.has(field) ? problems[field] : undefined);
  const ipErrors = ipErrorsOf(ipEntries, shown);

  /** The control to focus for a field with a problem, in the order the form reads. */
  const controlOf = (field: FieldName): string => {
    if (field === 'owner') return 'create-owner';
    if (field === 'description') return 'create-description';
    if (field === 'expiry') return expiry === 'custom' ? 'create-expiry-date' : `expiry-${expiry.replace(':', '-')}`;
    if (field === 'scopes') return 'scopes-selected';
    if (field === 'ipList') return 'ip-entries-add';
    return `ip-entry-${field.slice(3)}`;
  };
  const fieldOrder = (errors: Partial<Record<FieldName, string>>): FieldName[] => {
    const order: FieldName[] = [
      'owner',
      'description',
      'expiry',
      'scopes',
      ...ipEntries.map((entry): FieldName => `ip:${entry.key}`),
      'ipList',
    ];
    return order.filter((field) => errors[field] !== undefined);
  };
  const focusFirst = (errors: Partial<Record<FieldName, string>>) => {
    const [first] = fieldOrder(errors);
    if (first) setTimeout(() => document.getElementById(controlOf(first))?.focus(), 0);
  };

  /** Where a field named in the service's `details` is shown. */
  const fieldOfDetail = (field: string): FieldName | undefined => {
    if (field === 'owner' || field === 'description') return field;
    if (field === 'expiresAt' || field === 'expiresInDays') return 'expiry';
    if (field.startsWith('scopes')) return 'scopes';
    return ipFieldOfDetail(field, filledIps);
  };

  async function submit(event: FormEvent) {
    event.preventDefault();
    setAttempted(true);
    setFormError(undefined);
    const invalid = fieldOrder(problems);
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
      let placed: Partial<Record<FieldName, string>> = {};
      const unplaced: string[] = [];
      if (error instanceof ApiError && error.details.length > 0) {
        const details = placeDetails(error.details, fieldOfDetail);
        placed = details.placed;
        unplaced.push(...details.unplaced.map((detail) => `${detail.field} ${detail.message}`));
      } else if (error instanceof ApiError && error.code === 'conflict' && /descri/i.test(error.message)) {
        // A duplicate description (another tab, another admin, or a token created since this dialog opened):
        // name the existing token as it is described, which may differ from what was typed in case or width.
        const existing = await api.listAll({ status: 'active', owner: session.admin ? tokenOwner : undefined }).then(
          (tokens) => tokens.find((token) => descriptionKey(token.description) === descriptionKey(description))?.description,
          () => undefined,
        );
        placed.description = existing
          ? duplicateDescriptionMessage(tokenOwner === session.user ? 'You' : tokenOwner, existing)
          : `${sentence(error.message)} Choose another description, or revoke that token first.`;
      } else {
        unplaced.push(error instanceof Error ? error.message : String(error));
      }
      setServerErrors(placed);
      setFormError(refusedMessage('created', Object.keys(placed).length, unplaced));
      focusFirst(placed);
    }
    setBusy(false);
  }

  const descriptionError = shown('description');
  const ownerError = shown('owner');
  const expiryError = shown('expiry');
  const descriptionLength = [...description.trim()].length;
  const maxMillis = openedAt + policy.maxLifetimeDays * DAY_MILLIS;

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

        <TextField
          id="create-description"
          label="Description"
          value={description}
          autoComplete="off"
          data-autofocus
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

        <fieldset className="field" aria-describedby={expiryError ? 'create-expiry-error' : undefined}>
          <legend>Expiration</legend>
          <div className="choices">
            {policy.lifetimesDays.map((days) => (
              <div className="choice" key={days}>
                <input
                  id={`expiry-days-${days}`}
                  type="radio"
                  name="expiry"
                  checked={expiry === `days:${days}`}
                  onChange={() => {
                    setExpiry(`days:${days}`);
                    clearServerError('expiry');
                  }}
                />
                <label htmlFor={`expiry-days-${days}`}>{days} days</label>
                <span className="hint"> (until {formatDate(openedAt + days * DAY_MILLIS)})</span>
              </div>
            ))}
            <div className="choice">
              <input
                id="expiry-custom"
                type="radio"
                name="expiry"
                checked={expiry === 'custom'}
                onChange={() => {
                  setExpiry('custom');
                  clearServerError('expiry');
                }}
              />
              <label htmlFor="expiry-custom">Custom date</label>
            </div>
            {policy.allowNoExpiry && (
              <div className="choice">
                <input
                  id="expiry-never"
                  type="radio"
                  name="expiry"
                  checked={expiry === 'never'}
                  onChange={() => {
                    setExpiry('never');
                    clearServerError('expiry');
                  }}
                />
                <label htmlFor="expiry-never">No expiry</label>
                <span className="hint"> (not recommended: the token works until someone revokes it)</span>
              </div>
            )}
          </div>
          {expiry === 'custom' && (
            <div className="field nested">
              <label htmlFor="create-expiry-date">Expires on</label>
              <input
                id="create-expiry-date"
                type="date"
                value={customDate}
                min={dateInputValue(openedAt + DAY_MILLIS)}
                max={dateInputValue(maxMillis)}
                onChange={(event) => {
                  setCustomDate(event.target.value);
                  touch('expiry');
                  clearServerError('expiry');
                }}
                aria-invalid={expiryError ? true : undefined}
                aria-describedby={describedBy('create-expiry-date', true, undefined, expiryError ? 'create-expiry-error' : undefined)}
              />
              <p id="create-expiry-date-hint" className="hint">
                {custom.millis
                  ? `The token expires on ${formatDateTime(custom.millis)}.`
                  : `At most ${policy.maxLifetimeDays} days from today (${formatDate(maxMillis)} at the latest).`}
              </p>
            </div>
          )}
          <FieldError id="create-expiry" error={expiryError} />
        </fieldset>

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
          max={policy.maxIpEntries}
          onChange={(entries) => {
            const edited = entries.filter((entry) => {
              const before = ipEntries.find((old) => old.key === entry.key);
              return before !== undefined && before.value !== entry.value;
            });
            clearServerError('ipList', ...edited.map((entry): FieldName => `ip:${entry.key}`));
            setIpEntries(entries);
          }}
          // An entry's problem shows once its row has been left (then live), or on submit.
          onBlurEntry={(key) => touch(`ip:${key}`)}
          errors={ipErrors}
          listError={shown('ipList')}
          required={requireIps}
          allowedRanges={'allowedIpRanges' in policy ? policy.allowedIpRanges : null}
        />

        {needsApproval && (
          <div className="field">
            <label htmlFor="create-justification">Justification (optional, shown to the approving admins)</label>
            <textarea
              id="create-justification"
              rows={3}
              value={justification}
              onChange={(event) => setJustification(event.target.value)}
              aria-invalid={shown('justification') ? true : undefined}
              aria-describedby={
                shown('justification') ? 'create-justification-hint create-justification-error' : 'create-justification-hint'
              }
            />
            <p id="create-justification-hint" className="hint">
              What the token is for and why it needs these scopes, up to {JUSTIFICATION_MAX} characters.
            </p>
            {shown('justification') && (
              <p id="create-justification-error" className="error">
                {shown('justification')}
              </p>
            )}
          </div>
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

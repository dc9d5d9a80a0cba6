import { useState, type FormEvent } from 'react';
import type { PatApi, TokenMetadata } from '../api';
import type { GovernedToken, TenantPolicy, TokenEdit } from '../governance';
import { describeScopes } from '../scopes';
import { descriptionProblem, ipEntryWithin, normaliseIpEntry } from '../validation';
import { DescriptionField, FieldSet, FormActions } from './Field';
import { fixProblemsMessage, isDuplicateDescription, refusalOf, refusedMessage, sentence, toggled } from './fields';
import { IpEntriesField, ipErrorsOf, ipFieldOfDetail, ipProblems, newIpEntryRow, type IpEntryRow } from './IpEntriesField';
import { Modal } from './Modal';

interface EditTokenDialogProps {
  api: PatApi;
  token: TokenMetadata;
  policy: TenantPolicy;
  showOwner: boolean;
  /** An admin may widen the IP entries; anyone else may only narrow them (as the service rules). */
  admin?: boolean;
  onEdited: (token: GovernedToken) => void;
  onClose: () => void;
}

type FieldName = 'description' | 'scopes' | 'ipList' | `ip:${number}`;

/**
 * Edits a token in place (`PATCH /tokens/{id}`): its description, its IP entries, and its scopes —
 * narrowed only, so the form offers nothing but unticking the scopes it has. A wider grant needs a new token.
 */
export function EditTokenDialog({ api, token, policy, showOwner, admin = false, onEdited, onClose }: EditTokenDialogProps) {
  const [description, setDescription] = useState(token.description);
  const [kept, setKept] = useState<ReadonlySet<string>>(new Set(token.scopes));
  const [ipEntries, setIpEntries] = useState<IpEntryRow[]>(() => token.allowedIps.map((entry) => newIpEntryRow(entry)));
  const [serverErrors, setServerErrors] = useState<Partial<Record<FieldName, string>>>({});
  const [attempted, setAttempted] = useState(false);
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const filledIps = ipEntries.filter((entry) => entry.value.trim() !== '');
  const ipRules = {
    maxIpEntries: policy.maxIpEntries,
    requireIpRestriction: policy.requireIpRestriction,
    allowedIpRanges: policy.allowedIpRanges ?? null,
  };
  const problems: Partial<Record<FieldName, string>> = {
    // The token's own description is no duplicate; the service checks the owner's other tokens.
    description: descriptionProblem(description, policy.maxDescriptionLength, new Set(), 'You'),
    scopes: kept.size === 0 ? 'Keep at least one scope: a token without scopes is no use (revoke it instead).' : undefined,
    ...ipProblems(filledIps, ipRules, 'The tenant policy requires at least one IP entry.'),
  };
  if (!admin && token.allowedIps.length > 0 && filledIps.length === 0)
    problems.ipList ??= 'Without entries the token would work from any address: only an admin can widen its IP restrictions.';
  for (const entry of filledIps) {
    const key = `ip:${entry.key}` as const;
    // Narrowing only, for anyone but an admin: each entry within one the token already has.
    if (!admin && token.allowedIps.length > 0 && !ipEntryWithin(entry.value, token.allowedIps))
      problems[key] ??=
        `Not within the token's current entries (${token.allowedIps.join(', ')}): you can only narrow them; ask an admin to widen them.`;
  }
  const shown = (field: FieldName) => serverErrors[field] ?? (attempted ? problems[field] : undefined);
  const ipErrors = ipErrorsOf(ipEntries, shown);

  /** Only what changed is sent: an unchanged field is not an edit (and not an audit entry). */
  function editOf(): TokenEdit {
    const edit: TokenEdit = {};
    if (description.trim() !== token.description) edit.description = description.trim();
    const ips = filledIps.map((entry) => normaliseIpEntry(entry.value));
    if (ips.join('\n') !== token.allowedIps.join('\n')) edit.allowedIps = ips;
    if (kept.size !== token.scopes.length) edit.scopes = token.scopes.filter((scope) => kept.has(scope));
    return edit;
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setAttempted(true);
    setFormError(undefined);
    setServerErrors({});
    const invalid = Object.entries(problems).filter(([, problem]) => problem !== undefined);
    if (invalid.length > 0) {
      setFormError(fixProblemsMessage('changed', invalid.length));
      return;
    }
    const edit = editOf();
    if (Object.keys(edit).length === 0) {
      setFormError('Nothing to save: change the description, the IP entries or the scopes first.');
      return;
    }
    setBusy(true);
    try {
      onEdited(await api.editToken(token.id, edit));
      return;
    } catch (error) {
      const { placed, unplaced } = isDuplicateDescription(error)
        ? { placed: { description: `${sentence(error.message)} Choose another description.` }, unplaced: [] }
        : refusalOf(error, (name): FieldName | undefined =>
            name === 'description' ? 'description' : name.startsWith('scopes') ? 'scopes' : ipFieldOfDetail(name, filledIps),
          );
      setServerErrors(placed);
      setFormError(refusedMessage('changed', Object.keys(placed).length, unplaced));
    }
    setBusy(false);
  }

  const descriptionError = shown('description');
  const scopesError = shown('scopes');
  const wildcard = token.scopes.length === 1 && token.scopes[0] === '*';
  return (
    <Modal title={`Edit token “${token.description}”${showOwner ? ` of ${token.owner}` : ''}`} onClose={onClose} size="large">
      <form onSubmit={submit} noValidate aria-label="Edit token">
        <p className="hint">Changes apply to the token as it is, within seconds: programs keep their access token and refresh key.</p>
        <DescriptionField
          id="edit-description"
          value={description}
          onChange={(value) => {
            setDescription(value);
            setServerErrors(({ description: _dropped, ...rest }) => rest);
          }}
          error={descriptionError}
        />

        <FieldSet
          id="edit-scopes"
          legend="Scopes"
          hint={
            wildcard
              ? 'This token has every scope (*). It can be narrowed only by creating a new token with fewer scopes.'
              : 'Untick a scope to take it away. A token can only lose scopes here: for more, create a new token.'
          }
          error={scopesError}
        >
          {!wildcard && (
            <ul className="scope-choices">
              {describeScopes(token.scopes).map((scope) => (
                <li key={scope} className="choice">
                  <input
                    id={`edit-scope-${scope}`}
                    type="checkbox"
                    checked={kept.has(scope)}
                    onChange={(event) => {
                      setKept(toggled(kept, scope, event.target.checked));
                      setServerErrors(({ scopes: _dropped, ...rest }) => rest);
                    }}
                  />
                  <label htmlFor={`edit-scope-${scope}`}>{scope}</label>
                </li>
              ))}
            </ul>
          )}
        </FieldSet>

        <IpEntriesField
          entries={ipEntries}
          rules={ipRules}
          onChange={(entries) => {
            setIpEntries(entries);
            setServerErrors(({ ipList: _dropped, ...rest }) => rest);
          }}
          errors={ipErrors}
          listError={shown('ipList')}
        />

        <FormActions formError={formError} busy={busy} submitLabel="Save changes" busyLabel="Saving…" onCancel={onClose} />
      </form>
    </Modal>
  );
}

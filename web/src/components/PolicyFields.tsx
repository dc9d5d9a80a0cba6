import type { ScopeArea } from '../api';
import type { TenantPolicy } from '../governance';
import { COMMON_LIFETIMES, type PolicyDraft, type PolicyField } from '../policy-draft';
import { areaTree, isWithinArea } from '../scopes';
import { Choice, FieldSet, RadioChoices, type RadioOption, SelectField, TextField } from './Field';

/** The controls of the tenant policy form that are more than a checkbox: lifetimes, creators, areas, limits in days. */

/** A change to the draft, and the fields whose errors it clears. */
export type UpdateDraft = (change: Partial<PolicyDraft>, ...fields: PolicyField[]) => void;

interface PolicyFieldProps {
  draft: PolicyDraft;
  update: UpdateDraft;
  errorOf: (field: PolicyField) => string | undefined;
}

/** The lifetimes offered (a checkbox each) and the default among them. */
export function LifetimeFields({ draft, update, errorOf, policy }: PolicyFieldProps & { policy: TenantPolicy }) {
  const choices = [...new Set([...COMMON_LIFETIMES, ...policy.lifetimesDays, ...draft.lifetimesDays])].sort((a, b) => a - b);
  return (
    <>
      <FieldSet id="policy-lifetimes" legend="Lifetimes offered" error={errorOf('lifetimesDays')}>
        <div className="choices">
          {choices.map((days) => (
            <Choice
              key={days}
              id={`policy-lifetime-${days}`}
              type="checkbox"
              label={`${days} days`}
              checked={draft.lifetimesDays.includes(days)}
              onChange={(checked) =>
                update(
                  { lifetimesDays: checked ? [...draft.lifetimesDays, days] : draft.lifetimesDays.filter((d) => d !== days) },
                  'lifetimesDays',
                  'defaultLifetimeDays',
                )
              }
            />
          ))}
        </div>
      </FieldSet>

      <SelectField
        id="policy-default-lifetime"
        label="Default lifetime"
        value={draft.defaultLifetimeDays}
        onChange={(value) => update({ defaultLifetimeDays: Number(value) }, 'defaultLifetimeDays')}
        error={errorOf('defaultLifetimeDays')}
      >
        {[...new Set([...draft.lifetimesDays, draft.defaultLifetimeDays])]
          .sort((a, b) => a - b)
          .map((days) => (
            <option key={days} value={days}>
              {days} days
            </option>
          ))}
      </SelectField>
    </>
  );
}

const creatorOptions: RadioOption<'everyone' | 'admins'>[] = [
  { value: 'everyone', id: 'policy-creators-everyone', label: 'Every user, for themselves' },
  { value: 'admins', id: 'policy-creators-admins', label: 'Only admins' },
];

const areaOptions: RadioOption<'all' | 'some'>[] = [
  { value: 'all', id: 'policy-areas-all', label: 'Every area' },
  { value: 'some', id: 'policy-areas-some', label: 'Only these areas (and their sub-areas)' },
];

/** Every user creates tokens for themselves, or only admins do. */
export function CreatorsField({ draft, update, errorOf }: PolicyFieldProps) {
  return (
    <FieldSet id="policy-creators" legend="Who creates tokens" error={errorOf('creators')}>
      <RadioChoices
        name="creators"
        options={creatorOptions}
        value={draft.creators}
        onChange={(creators) => update({ creators }, 'creators')}
      />
    </FieldSet>
  );
}

/** Every area, or a tree of areas to tick; a sub-area of a ticked area is allowed with it. */
export function AreasField({
  draft,
  update,
  errorOf,
  policy,
  areas,
}: PolicyFieldProps & { policy: TenantPolicy; areas: readonly ScopeArea[] }) {
  const allowed = draft.allowedAreas;
  return (
    <FieldSet id="policy-areas" legend="Areas tokens may be granted" error={errorOf('allowedAreas')}>
      <RadioChoices
        name="areas"
        options={areaOptions}
        value={allowed === null ? 'all' : 'some'}
        onChange={(which) => update({ allowedAreas: which === 'all' ? null : (allowed ?? policy.allowedAreas ?? []) }, 'allowedAreas')}
      />
      {allowed !== null && (
        <div className="choices nested">
          {areaTree(areas).map((area) => {
            // A sub-area of an allowed area is allowed with it (as the service reads the list): shown ticked, not a choice of its own.
            const coveredBy = allowed.find((name) => name !== area.name && isWithinArea(area.name, name));
            return (
              <Choice
                key={area.name}
                id={`policy-area-${area.name.replace(/[^a-z0-9-]/g, '_')}`}
                type="checkbox"
                label={area.name}
                hint={coveredBy ? `allowed with ${coveredBy}` : area.description}
                indent={area.depth * 1.5}
                checked={coveredBy !== undefined || allowed.includes(area.name)}
                disabled={coveredBy !== undefined}
                onChange={(checked) =>
                  update({ allowedAreas: checked ? [...allowed, area.name] : allowed.filter((name) => name !== area.name) }, 'allowedAreas')
                }
              />
            );
          })}
        </div>
      )}
    </FieldSet>
  );
}

type NumberKey = 'maxLifetimeDays' | 'maxActiveTokensPerOwner' | 'maxCredentialAgeDays' | 'idleExpiryDays';

/** A whole number of the draft (days, or tokens), at least 1. */
export function WholeNumberField({
  field,
  id,
  label,
  hint,
  draft,
  update,
  errorOf,
}: PolicyFieldProps & { field: NumberKey; id: string; label: string; hint?: string }) {
  return (
    <TextField
      id={id}
      label={label}
      hint={hint}
      type="number"
      min={1}
      inputMode="numeric"
      value={draft[field]}
      onChange={(value) => update({ [field]: value }, field)}
      error={errorOf(field)}
    />
  );
}

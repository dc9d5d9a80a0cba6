import type { ScopeArea } from '../api';
import { areaTree, coveringArea, permissions, permissionWords, scopeOf } from '../scopes';
import { FieldSet, RadioChoices, type RadioOption } from './Field';

export type ScopeMode = 'selected' | 'all';

interface ScopePickerProps {
  areas: readonly ScopeArea[];
  mode: ScopeMode;
  onModeChange: (mode: ScopeMode) => void;
  selected: ReadonlySet<string>;
  onToggle: (scope: string, checked: boolean) => void;
  error?: string;
  /** False when the tenant policy limits the areas: "All scopes" would grant the others too. @default true */
  allowAll?: boolean;
}

const modeOptions: RadioOption<ScopeMode>[] = [
  { value: 'selected', id: 'scopes-selected', label: 'Selected scopes', hint: 'recommended: only what the program needs' },
  { value: 'all', id: 'scopes-all', label: 'All scopes', hint: 'every area, read, write and delete, including areas added later' },
];

/** "All scopes" or a tree of areas with read / write / delete per area, each area's description as its hint. */
export function ScopePicker({ areas, mode, onModeChange, selected, onToggle, error, allowAll = true }: ScopePickerProps) {
  const tree = areaTree(areas);
  return (
    <FieldSet id="scopes" legend="Scopes" error={error}>
      <RadioChoices
        name="scope-mode"
        options={allowAll ? modeOptions : modeOptions.filter((option) => option.value !== 'all')}
        value={mode}
        onChange={onModeChange}
        describeHints
      />
      {mode === 'selected' && (
        <table className="scope-tree">
          <caption className="visually-hidden">Scopes by area. A grant on an area includes its sub-areas.</caption>
          <thead>
            <tr>
              <th scope="col">Area</th>
              {permissions.map((permission) => (
                <th scope="col" key={permission}>
                  {permissionWords[permission].label}
                  <span className="hint method">{permissionWords[permission].methods}</span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {tree.map((area) => {
              const hintId = `area-${area.name.replace(/[^a-z0-9-]/g, '_')}-hint`;
              return (
                <tr key={area.name}>
                  <th scope="row" style={{ paddingInlineStart: `${0.5 + area.depth * 1.5}rem` }}>
                    <span className="area-name">{area.depth > 0 ? area.name.slice(area.parent!.length + 1) : area.name}</span>
                    <span id={hintId} className="hint area-hint">
                      {area.description}
                    </span>
                  </th>
                  {permissions.map((permission) => {
                    const scope = scopeOf(area.name, permission);
                    const coveredBy = coveringArea(area.name, permission, selected);
                    const coveredId = `${hintId}-${permission}-covered`;
                    return (
                      <td key={permission}>
                        <input
                          type="checkbox"
                          aria-label={`${permissionWords[permission].label} ${area.name}`}
                          aria-describedby={coveredBy ? `${coveredId} ${hintId}` : hintId}
                          checked={coveredBy !== undefined || selected.has(scope)}
                          disabled={coveredBy !== undefined}
                          title={coveredBy ? `Included by ${coveredBy}: ${permission}` : undefined}
                          onChange={(event) => onToggle(scope, event.target.checked)}
                        />
                        {coveredBy && (
                          <span id={coveredId} className="visually-hidden">
                            Included by {coveredBy}: {permission}
                          </span>
                        )}
                      </td>
                    );
                  })}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </FieldSet>
  );
}

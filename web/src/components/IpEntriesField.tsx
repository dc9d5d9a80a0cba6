import { useEffect, useRef } from 'react';
import { ipEntryPolicyProblem, ipEntryProblem } from '../validation';
import { describedBy } from './fields';

export interface IpEntryRow {
  /** Stable across edits and removals, so errors and focus stay with their row. */
  key: number;
  value: string;
}

/** What the tenant's policy says of a token's IP entries. */
export interface IpRules {
  maxIpEntries: number;
  /** At least one entry: said up front, not learned on submit. */
  requireIpRestriction: boolean;
  /** Every entry must lie within one of these. */
  allowedIpRanges: readonly string[] | null;
}

interface IpEntriesFieldProps {
  entries: readonly IpEntryRow[];
  rules: IpRules;
  onChange: (entries: IpEntryRow[]) => void;
  onBlurEntry?: (key: number) => void;
  /** Problems by row key. */
  errors: ReadonlyMap<number, string>;
  /** A problem with the list as a whole (e.g. too many entries). */
  listError?: string;
}

let nextKey = 1;
export function newIpEntryRow(value = ''): IpEntryRow {
  return { key: nextKey++, value };
}

/**
 * What is wrong with the filled rows under the tenant's rules: the list's problem under `ipList`
 * (`whenRequired` when the policy requires an entry and there is none), each row's under `ip:<row key>`.
 */
export function ipProblems(
  filled: readonly IpEntryRow[],
  rules: IpRules,
  whenRequired: string,
): Partial<Record<'ipList' | `ip:${number}`, string>> {
  const problems: Partial<Record<'ipList' | `ip:${number}`, string>> = {
    ipList:
      filled.length > rules.maxIpEntries
        ? `Use at most ${rules.maxIpEntries} IP entries.`
        : rules.requireIpRestriction && filled.length === 0
          ? whenRequired
          : undefined,
  };
  for (const entry of filled) problems[`ip:${entry.key}`] = ipEntryProblem(entry.value) ?? ipEntryPolicyProblem(entry.value, rules);
  return problems;
}

/** Where the service's detail on `allowedIps[i]` (or the list) is shown: next to that filled row, else under the list. */
export function ipFieldOfDetail(detailField: string, filled: readonly IpEntryRow[]): `ip:${number}` | 'ipList' | undefined {
  const ip = /^allowedIps\[(\d+)\]$/.exec(detailField);
  const entry = ip ? filled[Number(ip[1])] : undefined;
  if (entry) return `ip:${entry.key}`;
  return detailField.startsWith('allowedIps') ? 'ipList' : undefined;
}

/** The errors to show by row key, from a form's `shown(field)`. */
export function ipErrorsOf(entries: readonly IpEntryRow[], shown: (field: `ip:${number}`) => string | undefined): Map<number, string> {
  const errors = new Map<number, string>();
  for (const entry of entries) {
    const error = shown(`ip:${entry.key}`);
    if (error) errors.set(entry.key, error);
  }
  return errors;
}

/** IP restrictions (optional, or required by the tenant's policy): each row an address, a CIDR or a from–to range. */
export function IpEntriesField({ entries, rules, onChange, onBlurEntry, errors, listError }: IpEntriesFieldProps) {
  const { maxIpEntries: max, requireIpRestriction: required, allowedIpRanges: allowedRanges } = rules;
  const listRef = useRef<HTMLUListElement>(null);
  const previousCount = useRef(entries.length);
  const addRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    // A new row gets the focus, so keyboard users can type right away.
    if (entries.length > previousCount.current) {
      const inputs = listRef.current?.querySelectorAll('input');
      inputs?.[inputs.length - 1]?.focus();
    }
    previousCount.current = entries.length;
  }, [entries.length]);

  const update = (key: number, value: string) => onChange(entries.map((entry) => (entry.key === key ? { ...entry, value } : entry)));
  const remove = (index: number) => {
    const remaining = entries.filter((_, i) => i !== index);
    onChange(remaining);
    // Keep the focus in the list: on the row that took this one's place, else the add button.
    setTimeout(() => {
      const inputs = listRef.current?.querySelectorAll('input');
      const target = inputs?.[Math.min(index, remaining.length - 1)];
      (target ?? addRef.current)?.focus();
    }, 0);
  };

  return (
    <fieldset className="field" aria-describedby={describedBy('ip-entries', true, listError)}>
      <legend>IP restrictions {required ? <span className="required-mark">(required)</span> : '(optional)'}</legend>
      <p id="ip-entries-hint" className="hint">
        {required
          ? 'The tenant policy requires at least one entry: the addresses the token will be used from. '
          : 'Leave empty to allow calls from any address. '}
        Each entry is one address (203.0.113.7), a CIDR (10.0.0.0/8) or a range (192.0.2.10-192.0.2.20); IPv6 works the same way. Up to{' '}
        {max} entries.
        {allowedRanges && allowedRanges.length > 0 && <> The tenant allows only addresses within {allowedRanges.join(', ')}.</>}
      </p>
      {entries.length > 0 && (
        <ul className="ip-entries" ref={listRef}>
          {entries.map((entry, index) => {
            const id = `ip-entry-${entry.key}`;
            const error = errors.get(entry.key);
            return (
              <li key={entry.key}>
                <label htmlFor={id}>IP entry {index + 1}</label>
                <div className="inline">
                  <input
                    id={id}
                    value={entry.value}
                    spellCheck={false}
                    autoComplete="off"
                    placeholder="e.g. 10.0.0.0/8"
                    onChange={(event) => update(entry.key, event.target.value)}
                    onBlur={() => onBlurEntry?.(entry.key)}
                    required={required && index === 0}
                    aria-required={required && index === 0 ? true : undefined}
                    aria-invalid={error ? true : undefined}
                    aria-describedby={describedBy(id, false, error)}
                  />
                  <button type="button" className="secondary" onClick={() => remove(index)} aria-label={`Remove IP entry ${index + 1}`}>
                    Remove
                  </button>
                </div>
                {error && (
                  <p id={`${id}-error`} className="error">
                    {error}
                  </p>
                )}
              </li>
            );
          })}
        </ul>
      )}
      <button
        ref={addRef}
        id="ip-entries-add"
        type="button"
        className="secondary"
        disabled={entries.length >= max}
        onClick={() => onChange([...entries, newIpEntryRow()])}
      >
        Add IP entry
      </button>
      {entries.length >= max && <span className="hint"> The maximum of {max} entries is reached.</span>}
      {listError && (
        <p id="ip-entries-error" className="error">
          {listError}
        </p>
      )}
    </fieldset>
  );
}

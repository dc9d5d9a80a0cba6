import { dateInputValue, DAY_MILLIS, formatDate, formatDateTime } from '../format';
import { FieldSet, RadioChoices, type RadioOption } from './Field';
import { describedBy } from './fields';

/** A lifetime the policy offers, a custom date, or no expiry. */
export type ExpiryChoice = `days:${number}` | 'custom' | 'never';

/** A custom expiry: the end of the chosen day, but never past the policy's maximum. */
export function customExpiry(date: string, now: number, maxLifetimeDays: number): { millis?: number; problem?: string } {
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

/** The control to focus when the expiry has a problem. */
export const expiryControl = (expiry: ExpiryChoice) => (expiry === 'custom' ? 'create-expiry-date' : `expiry-${expiry.replace(':', '-')}`);

interface ExpiryFieldProps {
  policy: { lifetimesDays: readonly number[]; allowNoExpiry: boolean; maxLifetimeDays: number };
  /** When the dialog opened: the lifetimes are counted from then. */
  openedAt: number;
  expiry: ExpiryChoice;
  onExpiry: (expiry: ExpiryChoice) => void;
  customDate: string;
  onCustomDate: (date: string) => void;
  error: string | undefined;
}

/** The new token's expiration: one of the lifetimes the policy offers (each with its date), a custom date, or none if allowed. */
export function ExpiryField({ policy, openedAt, expiry, onExpiry, customDate, onCustomDate, error }: ExpiryFieldProps) {
  const maxMillis = openedAt + policy.maxLifetimeDays * DAY_MILLIS;
  const custom = customExpiry(customDate, openedAt, policy.maxLifetimeDays);
  const options: RadioOption<ExpiryChoice>[] = [
    ...policy.lifetimesDays.map((days) => ({
      value: `days:${days}` as const,
      id: `expiry-days-${days}`,
      label: `${days} days`,
      hint: `until ${formatDate(openedAt + days * DAY_MILLIS)}`,
    })),
    { value: 'custom', id: 'expiry-custom', label: 'Custom date' },
  ];
  if (policy.allowNoExpiry)
    options.push({
      value: 'never',
      id: 'expiry-never',
      label: 'No expiry',
      hint: 'not recommended: the token works until someone revokes it',
    });
  return (
    <FieldSet id="create-expiry" legend="Expiration" error={error}>
      <RadioChoices name="expiry" options={options} value={expiry} onChange={onExpiry} />
      {expiry === 'custom' && (
        <div className="field nested">
          <label htmlFor="create-expiry-date">Expires on</label>
          <input
            id="create-expiry-date"
            type="date"
            value={customDate}
            min={dateInputValue(openedAt + DAY_MILLIS)}
            max={dateInputValue(maxMillis)}
            onChange={(event) => onCustomDate(event.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={describedBy('create-expiry-date', true, undefined, error ? 'create-expiry-error' : undefined)}
          />
          <p id="create-expiry-date-hint" className="hint">
            {custom.millis
              ? `The token expires on ${formatDateTime(custom.millis)}.`
              : `At most ${policy.maxLifetimeDays} days from today (${formatDate(maxMillis)} at the latest).`}
          </p>
        </div>
      )}
    </FieldSet>
  );
}

import type { InputHTMLAttributes, ReactNode } from 'react';
import { describedBy } from './fields';

/**
 * The form parts every console form is built from, so that a label, its hint and its error are tied
 * to the control the same way everywhere (`<id>-hint`, `<id>-error`, `aria-describedby`, `aria-invalid`).
 */

/** A field's error line, `<id>-error`, which the control names in `aria-describedby`. */
export function FieldError({ id, error }: { id: string; error: string | undefined }) {
  if (!error) return null;
  return (
    <p id={`${id}-error`} className="error">
      {error}
    </p>
  );
}

/** What follows a control: its hint (`<id>-hint`), then its error. */
function HintAndError({ id, hint, error }: { id: string; hint: ReactNode; error: string | undefined }) {
  return (
    <>
      {hint !== undefined && (
        <p id={`${id}-hint`} className="hint">
          {hint}
        </p>
      )}
      <FieldError id={id} error={error} />
    </>
  );
}

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'value' | 'onChange' | 'aria-invalid' | 'aria-describedby'>;

interface TextFieldProps extends InputProps {
  id: string;
  label: string;
  value: string | number;
  onChange: (value: string) => void;
  hint?: ReactNode;
  error?: string;
  /** Shown between the control and its hint, e.g. the `<datalist>` the input names. */
  children?: ReactNode;
}

/** A labelled input with an optional hint and error. */
export function TextField({ id, label, value, onChange, hint, error, children, ...input }: TextFieldProps) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        value={value}
        {...input}
        onChange={(event) => onChange(event.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, hint !== undefined, error)}
      />
      {children}
      <HintAndError id={id} hint={hint} error={error} />
    </div>
  );
}

interface CheckboxFieldProps {
  id: string;
  label: ReactNode;
  checked: boolean;
  onChange: (checked: boolean) => void;
  hint?: ReactNode;
  error?: string;
}

/** A checkbox on a line of its own, its label after it. */
export function CheckboxField({ id, label, checked, onChange, hint, error }: CheckboxFieldProps) {
  return (
    <div className="field checkbox-field">
      <input
        id={id}
        type="checkbox"
        checked={checked}
        onChange={(event) => onChange(event.target.checked)}
        aria-describedby={describedBy(id, hint !== undefined, error)}
      />
      <label htmlFor={id}>{label}</label>
      <HintAndError id={id} hint={hint} error={error} />
    </div>
  );
}

interface FormActionsProps {
  formError: string | undefined;
  busy: boolean;
  submitLabel: string;
  busyLabel: string;
  /** Renders a Cancel button after the submit button. */
  onCancel?: () => void;
  /** Any other secondary button, e.g. Undo changes. */
  children?: ReactNode;
}

/** The form-wide error (announced) and the submit button, which reads `busyLabel` while the request runs. */
export function FormActions({ formError, busy, submitLabel, busyLabel, onCancel, children }: FormActionsProps) {
  return (
    <>
      {formError && (
        <p className="error form-error" role="alert">
          {formError}
        </p>
      )}
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? busyLabel : submitLabel}
        </button>
        {onCancel && (
          <button type="button" className="secondary" onClick={onCancel}>
            Cancel
          </button>
        )}
        {children}
      </div>
    </>
  );
}

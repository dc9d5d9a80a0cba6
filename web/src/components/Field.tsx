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

/** What ties a control to its hint and error: its id, `aria-invalid` and `aria-describedby`. */
const describedControl = (id: string, hint: ReactNode, error: string | undefined) => ({
  id,
  'aria-invalid': error ? true : undefined,
  'aria-describedby': describedBy(id, hint !== undefined, error),
});

/** A control under its label, followed by `between` (if any), its hint and its error. */
function LabelledField({
  field: { id, label, hint, error },
  control,
  between,
}: {
  field: { id: string; label: string; hint?: ReactNode; error?: string };
  control: ReactNode;
  between?: ReactNode;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {control}
      {between}
      <HintAndError id={id} hint={hint} error={error} />
    </div>
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
    <LabelledField
      field={{ id, label, hint, error }}
      control={<input value={value} {...input} onChange={(event) => onChange(event.target.value)} {...describedControl(id, hint, error)} />}
      between={children}
    />
  );
}

/** A token's description: the first field of the create and edit forms, focused when they open. */
export function DescriptionField({
  id,
  value,
  onChange,
  hint,
  error,
}: Pick<TextFieldProps, 'id' | 'value' | 'onChange' | 'hint' | 'error'>) {
  return (
    <TextField id={id} label="Description" value={value} autoComplete="off" data-autofocus onChange={onChange} hint={hint} error={error} />
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

interface FieldSetProps {
  /** `<id>-hint` and `<id>-error` name the hint and the error. */
  id: string;
  legend: ReactNode;
  hint?: ReactNode;
  error?: string;
  children: ReactNode;
}

/** A group of controls under a legend: its hint first, then the controls, then its error. */
export function FieldSet({ id, legend, hint, error, children }: FieldSetProps) {
  return (
    <fieldset className="field" aria-describedby={describedBy(id, hint !== undefined, error)}>
      <legend>{legend}</legend>
      {hint !== undefined && (
        <p id={`${id}-hint`} className="hint">
          {hint}
        </p>
      )}
      {children}
      <FieldError id={id} error={error} />
    </fieldset>
  );
}

interface ChoiceProps {
  id: string;
  /** @default 'radio' */
  type?: 'radio' | 'checkbox';
  /** The radio group's name. */
  name?: string;
  label: ReactNode;
  checked: boolean;
  onChange: (checked: boolean) => void;
  /** Said after the label, in parentheses. */
  hint?: ReactNode;
  /** The control names its hint (`<id>-hint`) in `aria-describedby`. */
  describeHint?: boolean;
  disabled?: boolean;
  /** Nesting depth of a tree of choices, in rem. */
  indent?: number;
}

/** One radio button or checkbox of a group, its label after it and an optional hint in parentheses. */
export function Choice({ id, type = 'radio', name, label, checked, onChange, hint, describeHint, disabled, indent }: ChoiceProps) {
  const hintId = describeHint ? `${id}-hint` : undefined;
  return (
    <div className="choice" style={indent ? { paddingInlineStart: `${indent}rem` } : undefined}>
      <input
        id={id}
        type={type}
        name={name}
        checked={checked}
        disabled={disabled}
        onChange={(event) => onChange(event.target.checked)}
        aria-describedby={hintId}
      />
      <label htmlFor={id}>{label}</label>
      {hint !== undefined && (
        <span id={hintId} className="hint">
          {' '}
          ({hint})
        </span>
      )}
    </div>
  );
}

interface TextAreaFieldProps {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  rows?: number;
  hint?: ReactNode;
  error?: string;
}

/** A labelled multi-line text with an optional hint and error. */
export function TextAreaField({ id, label, value, onChange, rows = 3, hint, error }: TextAreaFieldProps) {
  return (
    <LabelledField
      field={{ id, label, hint, error }}
      control={
        <textarea rows={rows} value={value} onChange={(event) => onChange(event.target.value)} {...describedControl(id, hint, error)} />
      }
    />
  );
}

interface SelectFieldProps {
  id: string;
  label: string;
  value: string | number;
  onChange: (value: string) => void;
  error?: string;
  /** The `<option>`s. */
  children: ReactNode;
}

/** A labelled drop-down with an optional error. */
export function SelectField({ id, label, value, onChange, error, children }: SelectFieldProps) {
  return (
    <LabelledField
      field={{ id, label, error }}
      control={
        <select value={value} onChange={(event) => onChange(event.target.value)} {...describedControl(id, undefined, error)}>
          {children}
        </select>
      }
    />
  );
}

export interface RadioOption<V extends string> {
  value: V;
  id: string;
  label: ReactNode;
  hint?: ReactNode;
}

interface RadioChoicesProps<V extends string> {
  name: string;
  options: readonly RadioOption<V>[];
  value: V;
  onChange: (value: V) => void;
  /** Each radio button names its hint in `aria-describedby`. */
  describeHints?: boolean;
}

/** A group of radio buttons, one per option, the one of `value` checked. */
export function RadioChoices<V extends string>({ name, options, value, onChange, describeHints }: RadioChoicesProps<V>) {
  return (
    <div className="choices">
      {options.map((option) => (
        <Choice
          key={option.id}
          id={option.id}
          name={name}
          label={option.label}
          hint={option.hint}
          describeHint={describeHints}
          checked={value === option.value}
          onChange={() => onChange(option.value)}
        />
      ))}
    </div>
  );
}

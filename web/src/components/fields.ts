import { ApiError } from '../api';

/** `aria-describedby` for a control with an optional hint (`<id>-hint`) and error (`<id>-error`). */
export function describedBy(id: string, hint: boolean, error: string | undefined, ...more: (string | undefined)[]): string | undefined {
  const ids = [hint ? `${id}-hint` : undefined, error ? `${id}-error` : undefined, ...more].filter(Boolean);
  return ids.length > 0 ? ids.join(' ') : undefined;
}

/** A service message as a sentence: "must be in the future" → "Must be in the future." */
export function sentence(message: string): string {
  const text = message.charAt(0).toUpperCase() + message.slice(1);
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/** `set` with `item` in it or not, as a checkbox says: a new set, so React sees the change. */
export function toggled<T>(set: ReadonlySet<T>, item: T, present: boolean): Set<T> {
  const next = new Set(set);
  if (present) next.add(item);
  else next.delete(item);
  return next;
}

/**
 * The service's `details` placed next to the form fields they name (two on one field read as one text);
 * those that name no field of the form are returned for the form-wide error.
 */
export function placeDetails<F extends string>(
  details: readonly { field: string; message: string }[],
  fieldOf: (detailField: string) => F | undefined,
): { placed: Partial<Record<F, string>>; unplaced: { field: string; message: string }[] } {
  const placed: Partial<Record<F, string>> = {};
  const unplaced: { field: string; message: string }[] = [];
  for (const detail of details) {
    const field = fieldOf(detail.field);
    if (field) placed[field] = [placed[field], sentence(detail.message)].filter(Boolean).join(' ');
    else unplaced.push(detail);
  }
  return { placed, unplaced };
}

/** The form-wide error when the form's own checks found problems: "Nothing was saved: fix the 2 problems marked above." */
export function fixProblemsMessage(outcome: 'created' | 'changed' | 'saved', count: number): string {
  return `Nothing was ${outcome}: fix the ${count === 1 ? 'problem' : `${count} problems`} marked above.`;
}

/**
 * The form-wide error when the service refused the request: how many fields it refused (marked next
 * to them), `why` after that count, then whatever it said that names no field.
 */
export function refusedMessage(
  outcome: 'created' | 'changed' | 'saved',
  placedCount: number,
  unplaced: readonly string[],
  why = '',
): string {
  const refused =
    placedCount > 0 ? `: the service refused ${placedCount === 1 ? 'one field' : `${placedCount} fields`}, marked above${why}` : '';
  return [`Nothing was ${outcome}${refused}.`, ...unplaced.map(sentence)].join(' ');
}

/**
 * What the service refused, for the form: its `details` placed next to the fields they name, and
 * what names no field (`field<separator>message`), or any other failure's message, for the form-wide error.
 */
export function refusalOf<F extends string>(
  error: unknown,
  fieldOf: (detailField: string) => F | undefined,
  separator = ' ',
): { placed: Partial<Record<F, string>>; unplaced: string[] } {
  if (error instanceof ApiError && error.details.length > 0) {
    const { placed, unplaced } = placeDetails(error.details, fieldOf);
    return { placed, unplaced: unplaced.map((detail) => `${detail.field}${separator}${detail.message}`) };
  }
  return { placed: {}, unplaced: [error instanceof Error ? error.message : String(error)] };
}

/** The service's 409 for a description another active token of the owner already has. */
export const isDuplicateDescription = (error: unknown): error is ApiError =>
  error instanceof ApiError && error.details.length === 0 && error.code === 'conflict' && /descri/i.test(error.message);

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

const DAY = 86_400_000;

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const relativeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

export function formatDate(iso: string | number): string {
  return dateFormat.format(new Date(iso));
}

export function formatDateTime(iso: string | number): string {
  return dateTimeFormat.format(new Date(iso));
}

/** "in 12 days", "3 hours ago", "yesterday": precise enough to act on, in the reader's language. */
export function relativeTime(iso: string | number, now = Date.now()): string {
  const difference = new Date(iso).getTime() - now;
  const magnitude = Math.abs(difference);
  if (magnitude < 60_000) return difference >= 0 ? 'in less than a minute' : 'just now';
  if (magnitude < 3_600_000) return relativeFormat.format(Math.round(difference / 60_000), 'minute');
  if (magnitude < DAY) return relativeFormat.format(Math.round(difference / 3_600_000), 'hour');
  if (magnitude < 400 * DAY) return relativeFormat.format(Math.round(difference / DAY), 'day');
  return relativeFormat.format(Math.round(difference / (365.25 * DAY)), 'year');
}

/** Days until a moment, rounded down (a token expiring in 6 days and 23 hours has 6 days left). */
export function daysUntil(iso: string, now = Date.now()): number {
  return Math.floor((new Date(iso).getTime() - now) / DAY);
}

/** The date an `<input type="date">` holds for a moment, in the reader's time zone. */
export function dateInputValue(millis: number): string {
  const date = new Date(millis);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

export const DAY_MILLIS = DAY;

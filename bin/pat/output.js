// @ts-check
/**
 * Output hygiene: one line, no control characters, no secrets. Everything `pat` writes to stdout or
 * stderr goes through `say`, `sayJson` or `safeText` here.
 */

/** Every secret this process has handled, so no message can ever echo one. */
const knownSecrets = new Set();

/** @param {unknown} value */
export function rememberSecret(value) {
  if (typeof value === 'string' && value.length >= 8) knownSecrets.add(value);
}

/**
 * Characters a terminal may act on instead of showing, or that make shown text lie: C0 and C1
 * controls (ESC starts CSI/OSC sequences that move the cursor, retitle the window or plant links; the
 * C1 CSI U+009B does the same without ESC), DEL, line and paragraph separators, and invisible
 * format characters such as the bidi overrides and isolates (U+202A–U+202E, U+2066–U+2069) that
 * reorder what follows them. A lone surrogate is not text either.
 */
const UNSAFE_CHARACTERS = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

/**
 * THE sanitizer: every byte this process writes to stdout or stderr passes through it (`say` and
 * `sayJson` and the error line in `main`), whatever the field, so a hostile server, proxy or
 * description cannot reach the terminal. Controls become spaces (they often separate words),
 * format characters vanish.
 * @param {string} text
 */
export function terminalSafe(text) {
  return text.replace(UNSAFE_CHARACTERS, (character) => (/[\p{Cc}\p{Zl}\p{Zp}]/u.test(character) ? ' ' : ''));
}

/**
 * A field for one line of a table or message: terminal-safe, trimmed, and anything that looks like
 * a token or a refresh key masked. Non-strings (a hostile server may send anything) are shown as
 * their JSON.
 * @param {unknown} value
 */
export function safeText(value) {
  let result = terminalSafe(typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value));
  for (const secret of knownSecrets) result = result.split(secret).join('[redacted]');
  return result
    .replace(/\beyJ[\w-]*\.[\w-]*\.[\w-]*/g, '[redacted]')
    .replace(/\bpatr_[\w-]+/g, '[redacted]')
    .trim();
}

/**
 * Writes lines to stdout, each through the sanitizer (a field put there unsanitized by mistake is
 * still made safe here).
 * @param {string} text
 * @returns {void}
 */
export const say = (text) => {
  process.stdout.write(`${text.split('\n').map(terminalSafe).join('\n')}\n`);
};

/**
 * JSON for stdout. JSON.stringify escapes C0 controls but leaves C1 controls and bidi overrides raw;
 * they occur only inside strings, where a \uXXXX escape means the same, so the output stays the same
 * JSON and terminal-safe.
 * @param {unknown} value
 * @param {boolean} [pretty]
 */
export function sayJson(value, pretty = false) {
  const json = JSON.stringify(value, null, pretty ? 2 : undefined);
  // A raw newline can only be the pretty layout's: JSON.stringify escapes those inside strings.
  const escaped = json.replace(UNSAFE_CHARACTERS, (character) =>
    character === '\n' ? character : `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  process.stdout.write(`${escaped}\n`);
}

/**
 * @param {string | null | undefined} iso
 */
export const shortTime = (iso) => (typeof iso === 'string' ? safeText(iso.replace(/:\d\d(\.\d+)?Z$/, 'Z').replace('T', ' ')) : '-');

/** @param {any} token */
export const scopesOf = (token) => (Array.isArray(token?.scopes) ? token.scopes.map(String).join(' ') : '');

/**
 * @param {string[]} headings
 * @param {string[][]} rows
 */
export function table(headings, rows) {
  const widths = headings.map((heading, column) => Math.max(heading.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (/** @type {string[]} */ cells) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headings), ...rows.map(line)].join('\n');
}

/**
 * "just now", "5 min ago", "2 h ago", "3 d ago": enough to tell a working rotation from a stuck one.
 * @param {unknown} iso
 * @param {number} now
 */
export function ago(iso, now) {
  const at = typeof iso === 'string' ? Date.parse(iso) : Number.NaN;
  if (!Number.isFinite(at)) return '?';
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} d ago`;
}

/** A token's IP entries, or `any` when it has none. @param {any} token */
export const allowedIpsOf = (token) =>
  Array.isArray(token?.allowedIps) && token.allowedIps.length > 0 ? safeText(token.allowedIps.join(', ')) : 'any';

/** @param {any} token */
export const generationOf = (token) =>
  Number.isInteger(token?.generation) && token.generation > 0 ? /** @type {number} */ (token.generation) : undefined;

/**
 * The one place a secret is printed: a new token's access token and refresh key, shown once, as
 * the service does (`pat create` and `pat regenerate` without a file to save them to).
 * @param {string} headline already made safe
 * @param {any} token the service's answer, secrets included
 */
export function sayIssuedToken(headline, token) {
  say(headline);
  say(`  scopes:        ${safeText(scopesOf(token))}`);
  say(`  expires:       ${safeText(token.expiresAt ?? 'never')}`);
  if (allowedIpsOf(token) !== 'any') say(`  allowed IPs:   ${allowedIpsOf(token)}`);
  if (token.status === 'pending') say('  status:        pending: it works once a tenant admin approves it (pat approve)');
  // Not through safeText, which would mask them; `say` still strips anything a terminal acts on.
  say(`  access token:  ${terminalSafe(String(token.accessToken))}`);
  say(`  refresh key:   ${terminalSafe(String(token.refreshKey))}`);
  say('Copy both now: they are not shown again.');
}

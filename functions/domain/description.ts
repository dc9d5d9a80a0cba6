/**
 * The description and principal-id rules, in one place for the service and the web console (which
 * bundles this file: it must stay free of imports, Node APIs and AWS). Each rule answers a typed
 * fault; the service and the console word it for their own readers.
 */

const controlCharacters = /[\u0000-\u001f\u007f]/;

// Code points a description may never hold: C0/C1 controls (Cc, tabs and line breaks included),
// lone surrogates (Cs: \p{Cs} under the u flag matches only unpaired halves, which SDK serializers
// and JSON encoders choke on), line/paragraph separators and noncharacters.
const forbiddenInDescription = /[\p{Cc}\p{Cs}\p{Zl}\p{Zp}\p{Noncharacter_Code_Point}]/u;
// Invisible characters: format characters (Cf: bidi overrides and isolates, zero-width space and
// joiners, soft hyphen, BOM, tags…) and every other default-ignorable code point (Hangul fillers,
// variation selectors, the combining grapheme joiner…). Each lets two descriptions look identical
// and differ in bytes, or reorders what a reader sees (Trojan Source).
const invisibleInDescription = /[\p{Cf}\p{Default_Ignorable_Code_Point}]/u;
const emojiBeforeJoiner = /[\p{Extended_Pictographic}\p{Emoji_Modifier}\uFE0F]/u;
const emojiAfterJoiner = /\p{Extended_Pictographic}/u;
const emojiBeforeSelector = /\p{Emoji}/u;
const presentationSelectors = /[\uFE0E\uFE0F]/gu;
const surroundingWhiteSpace = /^\p{White_Space}+|\p{White_Space}+$/gu;

/** `U+202E`: how a refused code point is named to the person who typed it. */
export const codePointName = (character: string) => `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * The first invisible code point of `text` that is not part of an emoji: a zero-width joiner is
 * kept between two pictographs (👩‍💻), an emoji presentation selector (VS15/VS16) after an emoji
 * character (❤️, 1️⃣). Anything else invisible is refused rather than silently dropped.
 */
function invisibleCharacter(text: string): string | undefined {
  const points = [...text];
  for (let i = 0; i < points.length; i++) {
    const point = points[i]!;
    if (!invisibleInDescription.test(point)) continue;
    const before = points[i - 1] ?? '';
    const after = points[i + 1] ?? '';
    if (point === '\u200D' && emojiBeforeJoiner.test(before) && emojiAfterJoiner.test(after)) continue;
    if ((point === '\uFE0E' || point === '\uFE0F') && emojiBeforeSelector.test(before)) continue;
    return point;
  }
  return undefined;
}

/**
 * The stored form of a description: surrounding white space (Unicode White_Space, which unlike
 * String#trim does not include the BOM) removed, then NFKC, so compatibility look-alikes
 * (fullwidth letters, ligatures, superscripts) are stored as the letters they stand for. Idempotent.
 */
export function normalizeDescription(description: string): string {
  return description.replace(surroundingWhiteSpace, '').normalize('NFKC').replace(surroundingWhiteSpace, '');
}

/** Why a description is refused; `codePoint` is the offending character, `length` the stored form's. */
export type DescriptionFault =
  | { kind: 'empty' }
  | { kind: 'lone_surrogate'; codePoint: string }
  | { kind: 'control'; codePoint: string }
  | { kind: 'invisible'; codePoint: string }
  | { kind: 'too_long'; length: number; maxLength: number };

/**
 * Why a description is refused, or undefined. Checked on what the caller sent (a lone surrogate or
 * an invisible character is refused, not repaired); the length counts code points of the stored
 * (NFKC) form, so what is stored is never longer than the policy allows.
 */
export function descriptionFault(description: string, maxLength: number): DescriptionFault | undefined {
  const trimmed = description.replace(surroundingWhiteSpace, '');
  if (trimmed.length === 0) return { kind: 'empty' };
  const forbidden = forbiddenInDescription.exec(trimmed)?.[0];
  if (forbidden !== undefined) return { kind: /\p{Cs}/u.test(forbidden) ? 'lone_surrogate' : 'control', codePoint: forbidden };
  const invisible = invisibleCharacter(trimmed);
  if (invisible !== undefined) return { kind: 'invisible', codePoint: invisible };
  const length = [...normalizeDescription(trimmed)].length;
  if (length > maxLength) return { kind: 'too_long', length, maxLength };
  return undefined;
}

/**
 * The key under which descriptions are unique per owner (the DynamoDB store's uniqueness lock):
 * NFKC, then full case folding, then NFKC again (case mapping can leave a string unnormalized), in
 * the spirit of Unicode's NFKC_Casefold. JavaScript has no casefold: toUpperCase then toLowerCase
 * is used, which applies the full (multi-character) mappings — "ß" → "SS" → "ss", "ﬃ" (NFKC'd to
 * "ffi") — and maps every case variant of a letter to one form (ς, σ, Σ all meet at "Σ"; Final_Sigma
 * then picks σ or ς by position, the same for all). It is locale-independent (no Turkish dotless
 * rules). Emoji presentation selectors are dropped: "❤" and "❤️" are one description.
 * key(normalizeDescription(x)) === key(x), so stored descriptions and raw input compare alike.
 */
export function descriptionKey(description: string): string {
  return normalizeDescription(description).replace(presentationSelectors, '').toUpperCase().toLowerCase().normalize('NFKC');
}

export type PrincipalIdFault = 'empty' | 'too_long' | 'forbidden_character';

/** User and tenant ids become parts of keys: 1–128 characters, no `#`, no control characters. */
export function principalIdFault(value: string): PrincipalIdFault | undefined {
  if (value.length === 0) return 'empty';
  if (value.length > 128) return 'too_long';
  if (value.includes('#') || controlCharacters.test(value)) return 'forbidden_character';
  return undefined;
}

export function isValidPrincipalId(value: string): boolean {
  return principalIdFault(value) === undefined;
}

import { invalidRequest, type FieldProblem } from './errors';
import { parseIpEntry } from './ip-entries';
import { resolveExpiry, type TokenPolicy } from './policy';
import { normaliseScopes, type ScopeCatalogue } from './scopes';

/** What a caller asks for when creating a token, after JSON-shape validation. */
export interface NewTokenRequest {
  description: string;
  scopes: string[];
  expiresInDays?: number;
  expiresAt?: string | null;
  allowedIps?: string[];
  owner?: string;
}

export interface NewTokenTerms {
  description: string;
  scopes: string[];
  allowedIps: string[];
  /** Epoch milliseconds (whole seconds), or null for no expiry. */
  expiresAt: number | null;
}

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

const codePointName = (character: string) => `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

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

/**
 * Why a description is refused, or undefined. Checked on what the caller sent (a lone surrogate or
 * an invisible character is refused, not repaired); the length counts code points of the stored
 * (NFKC) form, so what is stored is never longer than the policy allows.
 */
export function descriptionProblem(description: string, maxLength: number): string | undefined {
  const trimmed = description.replace(surroundingWhiteSpace, '');
  if (trimmed.length === 0) return 'must not be empty';
  const forbidden = forbiddenInDescription.exec(trimmed)?.[0];
  if (forbidden !== undefined) {
    return /\p{Cs}/u.test(forbidden)
      ? `must be well-formed Unicode (lone surrogate ${codePointName(forbidden)})`
      : `must not contain control characters or line breaks (${codePointName(forbidden)})`;
  }
  const invisible = invisibleCharacter(trimmed);
  if (invisible !== undefined) return `must not contain invisible or format characters (${codePointName(invisible)})`;
  if ([...normalizeDescription(trimmed)].length > maxLength) return `must be at most ${maxLength} characters`;
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

/** User and tenant ids become parts of keys: no `#`, no control characters, bounded. */
export function isValidPrincipalId(value: string): boolean {
  return value.length >= 1 && value.length <= 128 && !value.includes('#') && !controlCharacters.test(value);
}

/**
 * Checks every rule of a create request and returns the normalised terms, or throws one
 * `invalid_request` listing every offending field.
 */
export function newTokenTerms(
  request: NewTokenRequest,
  policy: TokenPolicy,
  catalogue: ScopeCatalogue,
  nowMillis: number,
): NewTokenTerms {
  const problems: FieldProblem[] = [];

  const descriptionIssue = descriptionProblem(request.description, policy.maxDescriptionLength);
  if (descriptionIssue) problems.push({ field: 'description', message: descriptionIssue });

  let scopes: string[] = [];
  if (request.scopes.length === 0) {
    problems.push({ field: 'scopes', message: 'must name at least one scope' });
  } else {
    const normalised = normaliseScopes(request.scopes, catalogue);
    if (normalised.ok) scopes = normalised.scopes;
    else problems.push({ field: 'scopes', message: `not in the scope catalogue: ${normalised.unknown.join(', ')}` });
  }

  const allowedIps: string[] = [];
  const seen = new Set<string>();
  const entries = request.allowedIps ?? [];
  if (entries.length > policy.maxIpEntries) {
    problems.push({ field: 'allowedIps', message: `at most ${policy.maxIpEntries} entries` });
  } else {
    entries.forEach((entry, index) => {
      const parsed = parseIpEntry(entry);
      if (parsed.ok) {
        // Stored as the caller wrote it (trimmed); two spellings of one entry count once.
        if (!seen.has(parsed.canonical)) {
          seen.add(parsed.canonical);
          allowedIps.push(entry.trim());
        }
      } else {
        problems.push({ field: `allowedIps[${index}]`, message: parsed.reason });
      }
    });
  }

  let expiresAt: number | null = null;
  try {
    const seconds = resolveExpiry(request, policy, Math.floor(nowMillis / 1000));
    expiresAt = seconds === null ? null : seconds * 1000;
  } catch (error) {
    if (error instanceof Error && 'details' in error && Array.isArray(error.details)) problems.push(...(error.details as FieldProblem[]));
    else throw error;
  }

  if (problems.length > 0) {
    throw invalidRequest(problems.map((p) => `${p.field} ${p.message}`).join('; '), problems);
  }
  return { description: normalizeDescription(request.description), scopes, allowedIps, expiresAt };
}

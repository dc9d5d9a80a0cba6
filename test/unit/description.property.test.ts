import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codePointName, descriptionFault, descriptionKey, normalizeDescription } from '../../functions/domain/description';
import { descriptionProblem, newTokenTerms } from '../../functions/domain/new-token';
import { defaultPolicy } from '../../functions/domain/token-policy';
import { exampleCatalogue } from '../../functions/domain/routes';
import { descriptionProblem as consoleDescriptionProblem } from '../../web/src/validation';

const MAX = 100;
const loneSurrogates = fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit));
const controls = fc.oneof(fc.integer({ min: 0, max: 0x1f }), fc.integer({ min: 0x7f, max: 0x9f })).map((code) => String.fromCharCode(code));
// Format (Cf) and other default-ignorable code points, the joiner excepted (allowed inside emoji).
const invisibles = fc.constantFrom(
  '\u00ad',
  '\u034f',
  '\u061c',
  '\u115f',
  '\u17b4',
  '\u180e',
  '\u200b',
  '\u200c',
  '\u200e',
  '\u200f',
  '\u202a',
  '\u202b',
  '\u202c',
  '\u202d',
  '\u202e',
  '\u2060',
  '\u2061',
  '\u2064',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
  '\u206f',
  '\u3164',
  '\ufe00',
  '\ufeff',
  '\uffa0',
  '\u{110bd}',
  '\u{1d173}',
  '\u{e0001}',
  '\u{e0041}',
  '\u{e0100}',
);
const anyCodePoint = fc
  .integer({ min: 0, max: 0x10ffff })
  .map((cp) => (cp >= 0xd800 && cp <= 0xdfff ? String.fromCharCode(cp) : String.fromCodePoint(cp)));
const interesting = fc.constantFrom(
  'a',
  'Z',
  'ß',
  'ﬁ',
  'Ａ',
  ' ',
  '\u3000',
  '😀',
  '👩',
  '💻',
  '\u200d',
  '\ufe0f',
  '\u0301',
  '\ud83d',
  '\u202e',
  '1',
  'İ',
  'ς',
  '¨',
);
/** Strings mixing any code point (lone surrogates included) with the characters the rules are about. */
const candidates = fc.string({ unit: fc.oneof(anyCodePoint, interesting, interesting), maxLength: 40 });

const isEmoji = (c: string | undefined) => c !== undefined && /\p{Extended_Pictographic}|\p{Emoji_Modifier}|\uFE0F/u.test(c);

describe('description: well-formed Unicode only', () => {
  it('no accepted description stores a lone surrogate, a control, a line break or an invisible character', () => {
    fc.assert(
      fc.property(candidates, (description) => {
        fc.pre(descriptionProblem(description, MAX) === undefined);
        const stored = normalizeDescription(description);
        expect(stored).not.toMatch(/\p{Cs}/u); // no lone surrogate
        expect(stored).not.toMatch(/[\p{Cc}\p{Zl}\p{Zp}]/u);
        expect([...stored].length).toBeGreaterThanOrEqual(1);
        expect([...stored].length).toBeLessThanOrEqual(MAX);
        const points = [...stored];
        points.forEach((point, i) => {
          if (!/[\p{Cf}\p{Default_Ignorable_Code_Point}]/u.test(point)) return;
          // Only the emoji exceptions: a joiner between pictographs, a presentation selector after an emoji.
          if (point === '\u200d')
            expect([isEmoji(points[i - 1]), /\p{Extended_Pictographic}/u.test(points[i + 1] ?? '')]).toEqual([true, true]);
          else expect(['\ufe0e', '\ufe0f'], stored).toContain(point);
        });
      }),
      { numRuns: 3_000 },
    );
  });

  it('refuses any description holding a lone surrogate, a control or an invisible character, wherever it stands', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 30 }),
        fc.oneof(loneSurrogates, controls, invisibles),
        fc.string({ maxLength: 30 }),
        (before, bad, after) => {
          const description = `x${before}${bad}${after}x`;
          expect(descriptionProblem(description, MAX), JSON.stringify(description)).toBeDefined();
          expect(consoleDescriptionProblem(description, MAX, new Set(), 'You'), JSON.stringify(description)).toBeDefined();
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('names the field and the offending code point in the 400', () => {
    const attempt = () =>
      newTokenTerms({ description: 'vendor \ud800', scopes: ['jobs:read'] }, defaultPolicy, exampleCatalogue, Date.UTC(2026, 0, 1));
    expect(attempt).toThrowError(
      expect.objectContaining({
        code: 'invalid_request',
        details: [{ field: 'description', message: 'must be well-formed Unicode (lone surrogate U+D800)' }],
      }),
    );
    expect(descriptionProblem('pay\u202eroll', MAX)).toBe('must not contain invisible or format characters (U+202E)');
    expect(descriptionProblem('a\tb', MAX)).toBe('must not contain control characters or line breaks (U+0009)');
  });

  it('keeps emoji whole: joiner sequences and presentation selectors are accepted', () => {
    for (const emoji of ['👩\u200d💻', '👨\u200d👩\u200d👧', '❤\ufe0f', '1\ufe0f\u20e3', '👍🏽', '🏳\ufe0f\u200d🌈']) {
      expect(descriptionProblem(`CI ${emoji}`, MAX), emoji).toBeUndefined();
    }
    expect(descriptionProblem('a\u200db', MAX)).toBeDefined(); // a joiner between letters hides nothing but bytes
    expect(descriptionProblem('a\ufe0f', MAX)).toBeDefined();
  });

  it('counts code points of the stored (NFKC) form: 100 emoji pass, 101 do not; a ligature expanding past the limit does not', () => {
    expect(descriptionProblem('😀'.repeat(100), MAX)).toBeUndefined();
    expect(descriptionProblem('😀'.repeat(101), MAX)).toBe('must be at most 100 characters');
    expect(descriptionProblem(`${'a'.repeat(99)}ﬃ`, MAX)).toBe('must be at most 100 characters'); // ﬃ → ffi
  });
});

describe('description uniqueness key: NFKC and full case folding', () => {
  const asciiCharacters = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -'];
  /** The same character as a person would read it: as is, other case, or its fullwidth form. */
  const lookAlike = (c: string, how: number) =>
    [c, c.toUpperCase(), c.toLowerCase(), c === ' ' ? '\u3000' : String.fromCharCode(c.charCodeAt(0) + 0xfee0)][how]!;

  it('fullwidth and case variants of a description collide on the key', () => {
    const spelled = fc.array(fc.tuple(fc.constantFrom(...asciiCharacters), fc.integer({ min: 0, max: 3 })), {
      minLength: 1,
      maxLength: 30,
    });
    fc.assert(
      fc.property(spelled, (characters) => {
        const text = characters.map(([c]) => c).join('');
        const variant = characters.map(([c, how]) => lookAlike(c, how)).join('');
        expect(descriptionKey(variant)).toBe(descriptionKey(text));
      }),
      { numRuns: 2_000 },
    );
  });

  it('ligatures, compatibility forms and case-folding expansions collide', () => {
    const pairs: Array<[string, string]> = [
      ['ﬁle share', 'file share'],
      ['Oﬃce', 'OFFICE'],
      ['ﬂow', 'flow'],
      ['Straße', 'STRASSE'],
      ['straße', 'strasse'],
      ['ＡＣＭＥ　ｓｙｎｃ', 'acme sync'],
      ['x²', 'x2'],
      ['Ⅸ', 'ix'],
      ['\u212a', 'k'], // Kelvin sign
      ['ſ', 's'], // long s
      ['Café', 'CAFE\u0301'], // precomposed vs combining accent
      ['ΟΔΟΣ', 'οδος'],
      ['ᾼ', 'ΑΙ'], // Greek capital alpha with prosgegrammeni folds to "αι"
      ['❤\ufe0f', '❤'],
    ];
    for (const [a, b] of pairs) expect([a, descriptionKey(a)]).toEqual([a, descriptionKey(b)]);
    expect(descriptionKey('ab')).not.toBe(descriptionKey('a b'));
  });

  it('the key of the stored form is the key of what was sent, and storing twice changes nothing', () => {
    fc.assert(
      fc.property(candidates, (description) => {
        const stored = normalizeDescription(description);
        expect(normalizeDescription(stored)).toBe(stored);
        expect(descriptionKey(stored)).toBe(descriptionKey(description));
      }),
      { numRuns: 3_000 },
    );
  });

  it('the service and the web console word every fault of the one rule, and refuse nothing else', () => {
    fc.assert(
      fc.property(candidates, (description) => {
        const fault = descriptionFault(description, MAX);
        const service = descriptionProblem(description, MAX);
        const console = consoleDescriptionProblem(description, MAX, new Set(), 'You');
        expect([service === undefined, console === undefined]).toEqual([fault === undefined, fault === undefined]);
        if (fault && 'codePoint' in fault) {
          expect(service).toContain(codePointName(fault.codePoint));
          expect(console).toContain(codePointName(fault.codePoint));
        }
      }),
      { numRuns: 3_000 },
    );
  });

  it('the web console refuses a look-alike of an active description under the same key, quoting the existing one', () => {
    const active = new Map([[descriptionKey('Payroll feed'), 'Payroll feed']]);
    expect(consoleDescriptionProblem('ＰＡＹＲＯＬＬ  feed', MAX, active, 'You')).toBeUndefined(); // two spaces: another key
    expect(consoleDescriptionProblem(' ＰＡＹＲＯＬＬ feed ', MAX, active, 'You')).toContain('“Payroll feed”');
    expect(consoleDescriptionProblem('payroll feeds', MAX, active, 'You')).toBeUndefined();
  });
});

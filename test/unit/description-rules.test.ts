import { describe, expect, it } from 'vitest';
import {
  codePointName,
  descriptionFault,
  descriptionKey,
  isValidPrincipalId,
  normalizeDescription,
  principalIdFault,
} from '../../functions/domain/description';

/** The description and principal-id rules as examples: each refusal exact, each exception on both sides. */
describe('codePointName', () => {
  it('names a code point in four or more upper-case hex digits', () => {
    expect(codePointName('\u202E')).toBe('U+202E');
    expect(codePointName('a')).toBe('U+0061');
    expect(codePointName('😀')).toBe('U+1F600');
  });
});

describe('normalizeDescription', () => {
  it('removes Unicode white space on both sides, and NFKC folds look-alikes', () => {
    expect(normalizeDescription('\u3000 ﬁle\u00a0Ｓｙｎｃ \n')).toBe('file Sync');
  });

  it('removes white space that NFKC makes at the start (¨ is a space and a combining diaeresis)', () => {
    expect(normalizeDescription('\u00a8x')).toBe('\u0308x');
  });

  it('keeps a BOM, which is not white space (it is refused as invisible instead)', () => {
    expect(normalizeDescription('\ufeffa')).toBe('\ufeffa');
  });
});

describe('descriptionFault', () => {
  it('accepts plain text, and emoji with their joiners and presentation selectors', () => {
    for (const text of ['vendor sync', '👩\u200D💻 laptop', '❤\uFE0F', '❤\uFE0E', '1\uFE0F\u20E3', '👍🏽\u200D💻', '❤\uFE0F\u200D🔥']) {
      expect(descriptionFault(text, 100)).toBeUndefined();
    }
  });

  it('refuses an empty description, or one of white space alone', () => {
    expect(descriptionFault('', 100)).toStrictEqual({ kind: 'empty' });
    expect(descriptionFault(' \t\u3000\n', 100)).toStrictEqual({ kind: 'empty' });
  });

  it.each([
    ['a\u0000b', 'control', '\u0000', 'a C0 control'],
    ['a\tb', 'control', '\t', 'a tab inside'],
    ['a\u0085b', 'control', '\u0085', 'a C1 control'],
    ['a\u2028b', 'control', '\u2028', 'a line separator'],
    ['a\uFFFEb', 'control', '\uFFFE', 'a noncharacter'],
    ['a\uD800b', 'lone_surrogate', '\uD800', 'a lone high surrogate'],
    ['a\uDC00', 'lone_surrogate', '\uDC00', 'a lone low surrogate'],
    ['a\u200Bb\u200Cc', 'invisible', '\u200B', 'the first of two invisible characters'],
    ['👩\u200D💻\u200B', 'invisible', '\u200B', 'one after an accepted joiner'],
    ['\ufeffa', 'invisible', '\ufeff', 'a BOM'],
    ['a\u202Eb', 'invisible', '\u202E', 'a bidi override'],
    ['a\u200D💻', 'invisible', '\u200D', 'a joiner after a letter'],
    ['👩\u200Da', 'invisible', '\u200D', 'a joiner before a letter'],
    ['\u200D💻', 'invisible', '\u200D', 'a joiner first'],
    ['👩\u200D', 'invisible', '\u200D', 'a joiner last'],
    ['👩\u2060💻', 'invisible', '\u2060', 'a word joiner between pictographs'],
    ['👩\uFE0F\u200B💻', 'invisible', '\u200B', 'a zero-width space between pictographs'],
    ['a\uFE0F', 'invisible', '\uFE0F', 'VS16 after a letter'],
    ['a\uFE0E', 'invisible', '\uFE0E', 'VS15 after a letter'],
    ['\uFE0Fa', 'invisible', '\uFE0F', 'VS16 first'],
    ['❤\u200B', 'invisible', '\u200B', 'a zero-width space after an emoji'],
  ])('refuses %j, naming the code point (%s: %j, %s)', (text, kind, codePoint) => {
    expect(descriptionFault(text, 100)).toStrictEqual({ kind, codePoint });
  });

  it('counts the code points of the stored form against the maximum, on both sides of it', () => {
    expect(descriptionFault('abc', 3)).toBeUndefined();
    expect(descriptionFault('  abc  ', 3)).toBeUndefined();
    expect(descriptionFault('😀😀😀', 3)).toBeUndefined();
    expect(descriptionFault('abcd', 3)).toStrictEqual({ kind: 'too_long', length: 4, maxLength: 3 });
    expect(descriptionFault('ﬃ', 2)).toStrictEqual({ kind: 'too_long', length: 3, maxLength: 2 });
  });
});

describe('descriptionKey', () => {
  it('folds case fully, and compares the stored and the raw form alike', () => {
    expect(descriptionKey('  Straße ')).toBe('strasse');
    expect(descriptionKey('ＶＥＮＤＯＲ')).toBe('vendor');
    expect(descriptionKey('ς')).toBe(descriptionKey('Σ'));
  });

  it('normalizes again after case mapping', () => {
    expect(descriptionKey('\u01F0')).toBe('\u01F0');
  });

  it('drops every emoji presentation selector', () => {
    expect(descriptionKey('❤\uFE0F ❤\uFE0E')).toBe('❤ ❤');
  });
});

describe('principalIdFault', () => {
  it('accepts 1 to 128 characters', () => {
    expect(principalIdFault('a')).toBeUndefined();
    expect(principalIdFault('a'.repeat(128))).toBeUndefined();
    expect(principalIdFault('ann.smith@example.com \u0080')).toBeUndefined();
    expect(isValidPrincipalId('a')).toBe(true);
  });

  it('refuses an empty id, and one of 129 characters', () => {
    expect(principalIdFault('')).toBe('empty');
    expect(principalIdFault('a'.repeat(129))).toBe('too_long');
    expect(isValidPrincipalId('')).toBe(false);
  });

  it('refuses # and control characters', () => {
    expect(principalIdFault('a#b')).toBe('forbidden_character');
    expect(principalIdFault('a\u001fb')).toBe('forbidden_character');
    expect(principalIdFault('a\u007f')).toBe('forbidden_character');
    expect(isValidPrincipalId('a#b')).toBe(false);
  });
});

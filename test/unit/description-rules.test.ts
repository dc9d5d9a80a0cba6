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

  it('refuses a control character, a line separator or a noncharacter inside, naming it', () => {
    expect(descriptionFault('a\u0000b', 100)).toStrictEqual({ kind: 'control', codePoint: '\u0000' });
    expect(descriptionFault('a\tb', 100)).toStrictEqual({ kind: 'control', codePoint: '\t' });
    expect(descriptionFault('a\u0085b', 100)).toStrictEqual({ kind: 'control', codePoint: '\u0085' });
    expect(descriptionFault('a\u2028b', 100)).toStrictEqual({ kind: 'control', codePoint: '\u2028' });
    expect(descriptionFault('a\uFFFEb', 100)).toStrictEqual({ kind: 'control', codePoint: '\uFFFE' });
  });

  it('refuses a lone surrogate as such', () => {
    expect(descriptionFault('a\uD800b', 100)).toStrictEqual({ kind: 'lone_surrogate', codePoint: '\uD800' });
    expect(descriptionFault('a\uDC00', 100)).toStrictEqual({ kind: 'lone_surrogate', codePoint: '\uDC00' });
  });

  it('refuses the first invisible character, and one after an accepted joiner', () => {
    expect(descriptionFault('a\u200Bb\u200Cc', 100)).toStrictEqual({ kind: 'invisible', codePoint: '\u200B' });
    expect(descriptionFault('👩\u200D💻\u200B', 100)).toStrictEqual({ kind: 'invisible', codePoint: '\u200B' });
    expect(descriptionFault('\ufeffa', 100)).toStrictEqual({ kind: 'invisible', codePoint: '\ufeff' });
    expect(descriptionFault('a\u202Eb', 100)).toStrictEqual({ kind: 'invisible', codePoint: '\u202E' });
  });

  it('keeps a zero-width joiner only between two pictographs', () => {
    expect(descriptionFault('a\u200D💻', 100)).toStrictEqual({ kind: 'invisible', codePoint: '\u200D' });
    expect(descriptionFault('👩\u200Da', 100)).toStrictEqual({ kind: 'invisible', codePoint: '\u200D' });
    expect(descriptionFault('\u200D💻', 100)).toStrictEqual({ kind: 'invisible', codePoint: '\u200D' });
    expect(descriptionFault('👩\u200D', 100)).toStrictEqual({ kind: 'invisible', codePoint: '\u200D' });
  });

  it('keeps no other invisible character between two pictographs', () => {
    expect(descriptionFault('👩\u2060💻', 100)).toStrictEqual({ kind: 'invisible', codePoint: '\u2060' });
    expect(descriptionFault('👩\uFE0F\u200B💻', 100)).toStrictEqual({ kind: 'invisible', codePoint: '\u200B' });
  });

  it('keeps a presentation selector only after an emoji character', () => {
    expect(descriptionFault('a\uFE0F', 100)).toStrictEqual({ kind: 'invisible', codePoint: '\uFE0F' });
    expect(descriptionFault('a\uFE0E', 100)).toStrictEqual({ kind: 'invisible', codePoint: '\uFE0E' });
    expect(descriptionFault('\uFE0Fa', 100)).toStrictEqual({ kind: 'invisible', codePoint: '\uFE0F' });
    expect(descriptionFault('❤\u200B', 100)).toStrictEqual({ kind: 'invisible', codePoint: '\u200B' });
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

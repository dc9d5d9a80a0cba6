import { describe, expect, it } from 'vitest';
import { isValidPrincipalId, principalIdFault } from '../../functions/domain/description';

// User and tenant ids become parts of DynamoDB keys (functions/domain/description.ts).
describe('principalIdFault', () => {
  it('accepts 1 to 128 characters', () => {
    expect(principalIdFault('a')).toBeUndefined();
    expect(principalIdFault('a'.repeat(128))).toBeUndefined();
    expect(isValidPrincipalId('alice@example.com')).toBe(true);
  });

  it('names each fault: empty, 129 characters, a key separator or a control character', () => {
    expect(principalIdFault('')).toBe('empty');
    expect(principalIdFault('a'.repeat(129))).toBe('too_long');
    expect(principalIdFault('alice#1')).toBe('forbidden_character');
    expect(principalIdFault('alice\u0000')).toBe('forbidden_character');
    expect(isValidPrincipalId('alice#1')).toBe(false);
  });
});

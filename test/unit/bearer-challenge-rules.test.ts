import { describe, expect, it } from 'vitest';
import {
  BEARER_REALM,
  bearerChallenge,
  forbiddenChallenge,
  refusalDescriptions,
  tokenRefusalOf,
  unauthorizedChallenge,
} from '../../functions/domain/bearer-challenge';

/** RFC 6750 §3: the exact header each refusal gives, and the characters a quoted-string may carry. */
describe('bearerChallenge', () => {
  it('names the realm alone when there is no error, whatever else the challenge holds', () => {
    expect(bearerChallenge({})).toBe('Bearer realm="pat"');
    expect(bearerChallenge({ description: 'ignored', scope: 'a:read' })).toBe('Bearer realm="pat"');
    expect(BEARER_REALM).toBe('pat');
  });

  it('names a realm given, folded like any value', () => {
    expect(bearerChallenge({}, 'corp "x"')).toBe('Bearer realm="corp ?x?"');
  });

  it('gives the error without a description when none is given', () => {
    expect(bearerChallenge({ error: 'invalid_request' })).toBe('Bearer realm="pat", error="invalid_request"');
    expect(bearerChallenge({ error: 'invalid_token', description: '' })).toBe('Bearer realm="pat", error="invalid_token"');
  });

  it('names a scope only for insufficient_scope, and only when there is one', () => {
    expect(bearerChallenge({ error: 'invalid_token', description: 'd', scope: 'a:read' })).toBe(
      'Bearer realm="pat", error="invalid_token", error_description="d"',
    );
    expect(bearerChallenge({ error: 'insufficient_scope', description: 'd', scope: '' })).toBe(
      'Bearer realm="pat", error="insufficient_scope", error_description="d"',
    );
    expect(bearerChallenge({ error: 'insufficient_scope', scope: 'a:"read"' })).toBe(
      'Bearer realm="pat", error="insufficient_scope", scope="a:?read?"',
    );
  });

  it('keeps every printable ASCII character but " and \\, and folds each other one', () => {
    const printable = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i))
      .filter((c) => c !== '"' && c !== '\\')
      .join('');
    expect(bearerChallenge({ error: 'invalid_token', description: printable })).toBe(
      `Bearer realm="pat", error="invalid_token", error_description="${printable}"`,
    );
    const outside = '\x1f"\\\x7f\x00\t';
    expect(bearerChallenge({ error: 'invalid_token', description: `a${outside}b` })).toBe(
      'Bearer realm="pat", error="invalid_token", error_description="a??????b"',
    );
  });

  it('cuts a value at 300 characters, and keeps one of 300 whole', () => {
    const exact = 'x'.repeat(300);
    expect(bearerChallenge({ error: 'invalid_token', description: exact })).toContain(`error_description="${exact}"`);
    expect(bearerChallenge({ error: 'invalid_token', description: `${exact}y` })).toContain(`error_description="${exact}"`);
  });
});

describe('tokenRefusalOf', () => {
  it.each([
    ['malformed_header', 'missing'],
    ['malformed_token', 'malformed'],
    ['non_canonical', 'malformed'],
    ['missing_claims', 'malformed'],
    ['malformed_claims', 'malformed'],
    ['expired', 'expired'],
    ['revoked', 'revoked'],
    ['pending', 'pending'],
    ['not_yet_valid', 'not_yet_valid'],
    ['idle', 'idle'],
    ['unknown_kid', 'invalid'],
    ['wrong_algorithm', 'invalid'],
    ['bad_signature', 'invalid'],
    ['wrong_issuer', 'invalid'],
    ['unknown_token', 'invalid'],
    ['claims_mismatch', 'invalid'],
    ['', 'invalid'],
  ])('tells the caller of %j: %s', (reason, refusal) => {
    expect(tokenRefusalOf(reason)).toBe(refusal);
  });
});

describe('unauthorizedChallenge', () => {
  it('has no error for a missing credential', () => {
    expect(unauthorizedChallenge('missing')).toStrictEqual({});
  });

  it.each(Object.keys(refusalDescriptions) as (keyof typeof refusalDescriptions)[])('describes %s as the table says', (refusal) => {
    expect(unauthorizedChallenge(refusal)).toStrictEqual({ error: 'invalid_token', description: refusalDescriptions[refusal] });
  });

  it('says what the holder of a genuine token may know, and one thing for a forgery', () => {
    expect(unauthorizedChallenge('idle').description).toBe('The credential was unused longer than the idle expiry allows');
    expect(unauthorizedChallenge('invalid').description).toBe('The access token is not valid');
    expect(unauthorizedChallenge('malformed').description).toBe('The access token is malformed');
  });
});

describe('forbiddenChallenge', () => {
  it('names the scope a route needs', () => {
    expect(forbiddenChallenge({ kind: 'scope', scope: 'candidates:write' })).toStrictEqual({
      error: 'insufficient_scope',
      description: 'This token does not grant candidates:write',
      scope: 'candidates:write',
    });
  });

  it('names no scope when the route has none to name', () => {
    expect(forbiddenChallenge({ kind: 'scope' })).toStrictEqual({
      error: 'insufficient_scope',
      description: 'This token does not allow this request',
    });
    expect(forbiddenChallenge({ kind: 'scope', scope: '' })).toStrictEqual({
      error: 'insufficient_scope',
      description: 'This token does not allow this request',
    });
  });

  it('refuses a client address without naming a scope', () => {
    expect(forbiddenChallenge({ kind: 'ip' })).toStrictEqual({
      error: 'insufficient_scope',
      description: 'This token is not allowed from this client address',
    });
  });
});

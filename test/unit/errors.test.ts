import { describe, expect, it } from 'vitest';
import { DependencyUnavailable, DomainError, notFound } from '../../functions/domain/errors';

// The error vocabulary's names and default words (functions/domain/errors.ts); the code → status
// table is test/unit/error-table.test.ts.
describe('errors', () => {
  it('names a domain error so that logs tell it from a fault', () => {
    expect(new DomainError('conflict', 'x').name).toBe('DomainError');
  });

  it('says "Token not found" when nothing more is known', () => {
    expect(notFound()).toMatchObject({ code: 'not_found', message: 'Token not found', status: 404 });
  });

  it('names the dependency that is unavailable, keeping the cause', () => {
    const cause = new Error('ECONNRESET');
    const error = new DependencyUnavailable('DynamoDB', { cause });

    expect(error).toMatchObject({ name: 'DependencyUnavailable', message: 'DynamoDB is unavailable', dependency: 'DynamoDB', cause });
  });
});

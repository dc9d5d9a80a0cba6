import { describe, expect, it } from 'vitest';
import { LocalSessions } from '../../functions/local/local-sessions';

const names = { adminGroup: 'admins', tenantClaim: 'custom:tenant', userIdClaim: 'custom:userId' };

/** What a refused local sign-in says: after `npm start` restarts, the old session is named as such. */
describe('LocalSessions.refusalOf', () => {
  it('says that a session signed by an earlier run ended with the restart, and to sign in again', async () => {
    const earlierRun = new LocalSessions(names);
    const thisRun = new LocalSessions(names);
    const idToken = await earlierRun.issue({ user: 'ann', tenant: 'acme', admin: false });

    expect(await thisRun.claimsOf(`Bearer ${idToken}`)).toBeUndefined();
    expect(await thisRun.refusalOf(`Bearer ${idToken}`)).toMatch(/issued by an earlier run of npm start.*sign in again/);
    expect(await earlierRun.claimsOf(`Bearer ${idToken}`)).toMatchObject({ 'custom:tenant': 'acme' });
  });

  it('asks for a bearer token when none was sent, and says when the token is not a local ID token', async () => {
    const sessions = new LocalSessions(names);

    expect(await sessions.refusalOf(undefined)).toBe('Sign in: send an ID token as Authorization: Bearer <idToken>');
    expect(await sessions.refusalOf('Basic abc')).toBe('Sign in: send an ID token as Authorization: Bearer <idToken>');
    expect(await sessions.refusalOf('Bearer not-a-jwt')).toMatch(/not an ID token/);
  });
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalSessions } from '../../functions/local/local-sessions';

const names = { adminGroup: 'admins', tenantClaim: 'custom:tenant', userIdClaim: 'custom:userId' };
const keyFileIn = (dir = mkdtempSync(join(tmpdir(), 'pat-sessions-'))) => join(dir, 'session-key.jwk.json');

/** Local sessions survive a restart of `npm start` (the key is in the data directory); a refusal says why. */
describe('LocalSessions', () => {
  it('accepts a session issued before a restart: the next run reads the same key', async () => {
    const keyFile = keyFileIn();
    const earlierRun = new LocalSessions(names, keyFile);
    const idToken = await earlierRun.issue({ user: 'ann', tenant: 'acme', admin: false });

    const thisRun = new LocalSessions(names, keyFile);

    expect(await thisRun.claimsOf(`Bearer ${idToken}`)).toMatchObject({ 'custom:tenant': 'acme' });
  });

  it('says that a session signed with another data directory’s key is refused, and to sign in again', async () => {
    const other = new LocalSessions(names, keyFileIn());
    const idToken = await other.issue({ user: 'ann', tenant: 'acme', admin: false });
    const sessions = new LocalSessions(names, keyFileIn());

    expect(await sessions.claimsOf(`Bearer ${idToken}`)).toBeUndefined();
    expect(await sessions.refusalOf(`Bearer ${idToken}`)).toMatch(/signed with another key.*sign in again/);
  });

  it('asks for a bearer token when none was sent, and says when the token is not a local ID token', async () => {
    const sessions = new LocalSessions(names, keyFileIn());

    expect(await sessions.refusalOf(undefined)).toBe('Sign in: send an ID token as Authorization: Bearer <idToken>');
    expect(await sessions.refusalOf('Basic abc')).toBe('Sign in: send an ID token as Authorization: Bearer <idToken>');
    expect(await sessions.refusalOf('Bearer not-a-jwt')).toMatch(/not an ID token/);
  });
});

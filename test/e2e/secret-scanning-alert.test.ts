import { generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/local-service';

/**
 * GitHub's secret scanning partner program against the local service: a test key pair stands in
 * for GitHub's, configured as the scanner's key; alerts are built and signed as GitHub builds them
 * (ECDSA P-256 SHA-256 over the raw body, DER, base64).
 */
const github = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const KEY_ID = 'bcb53661c06b4728e59d897fb6165d5c9cda0fd9cdf9d09ead458168deb7518c';

let service: TestService;
let alice: string;

beforeAll(async () => {
  service = await startTestService({
    authorizerCacheSeconds: 0,
    settings: {
      statusCacheSeconds: 0,
      feedStatusCacheSeconds: 0,
      secretScanningKeys: [{ keyIdentifier: KEY_ID, key: github.publicKey.export({ format: 'pem', type: 'spki' }).toString() }],
    },
  });
  alice = await service.session('alice', 'acme');
});
afterAll(async () => {
  await service?.stop();
});

function alert(matches: Array<{ token: string; type?: string }>, signer = github.privateKey, keyId = KEY_ID) {
  const rawBody = JSON.stringify(
    matches.map(({ token, type = 'pat_access_token' }) => ({
      token,
      type,
      url: 'https://github.com/octo/repo/blob/main/.env',
      source: 'content',
    })),
  );
  const signature = sign('sha256', Buffer.from(rawBody), { key: signer, dsaEncoding: 'der' }).toString('base64');
  return { rawBody, headers: { 'GITHUB-PUBLIC-KEY-IDENTIFIER': keyId, 'GITHUB-PUBLIC-KEY-SIGNATURE': signature } };
}

const post = (call: { rawBody: string; headers: Record<string, string> }) => service.call('POST', '/secret-scanning/github', call);
const statusOf = async (id: string) => (await service.call('GET', `/tokens/${id}`, { token: alice })).body;

describe('POST /secret-scanning/github', () => {
  it('revokes the family of every match in one signed call and labels each match', async () => {
    const first = await service.createToken(alice);
    const rotated = await service.call('POST', '/tokens/refresh', { body: { refreshKey: first.refreshKey } });
    const other = await service.createToken(alice);

    const response = await post(
      alert([
        { token: first.accessToken },
        { token: other.refreshKey, type: 'pat_refresh_key' },
        { token: 'eyJhbGciOiJFUzI1NiJ9.e30.c2lnbmF0dXJl' },
      ]),
    );

    expect(response.status).toBe(200);
    expect(response.body).toEqual([
      { token_raw: first.accessToken, token_type: 'pat_access_token', label: 'true_positive' },
      { token_raw: other.refreshKey, token_type: 'pat_refresh_key', label: 'true_positive' },
      { token_raw: 'eyJhbGciOiJFUzI1NiJ9.e30.c2lnbmF0dXJl', token_type: 'pat_access_token', label: 'false_positive' },
    ]);
    expect(await statusOf(rotated.body.id)).toMatchObject({ status: 'revoked', revokeReason: 'leaked' });
    expect(await statusOf(other.id)).toMatchObject({ status: 'revoked', revokeReason: 'leaked' });
    expect((await service.call('GET', '/api/candidates', { token: rotated.body.accessToken })).status).toBe(401);
  });

  type Matches = Array<{ token: string }>;
  it.each<[string, (matches: Matches) => ReturnType<typeof alert>]>([
    ['unsigned', (matches) => ({ rawBody: alert(matches).rawBody, headers: {} as never })],
    ['signed by another key under the configured id', (matches) => alert(matches, stranger.privateKey)],
    ['naming an unknown key id', (matches) => alert(matches, github.privateKey, 'f'.repeat(64))],
    [
      'with the body changed after signing',
      (matches) => {
        const signed = alert(matches);
        return { ...signed, rawBody: signed.rawBody.replace('content', 'commit!') };
      },
    ],
  ])('answers a call %s 401 and revokes nothing', async (_name, build) => {
    const token = await service.createToken(alice);

    const response = await post(build([{ token: token.accessToken }]));

    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('unauthorized');
    expect(await statusOf(token.id)).toMatchObject({ status: 'active' });
  });

  it('answers a signed body that is not a list of matches 400', async () => {
    const response = await post(alert([]));

    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_request');
  });
});

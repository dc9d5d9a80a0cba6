/** The web console's sign-in: the local page, and Cognito's hosted login with code + PKCE (the harness: test/support/web-console-harness.ts). */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import * as web from '../support/web-console-harness';

describe('web console: sign-in', { timeout: 120_000 }, () => {
  it('shows an accessible sign-in page', async () => {
    const page = await web.newPage();

    await page.goto(web.service.url);

    await page.getByRole('heading', { name: 'Personal access tokens' }).waitFor();
    expect(await page.getByLabel('Tenant admin').isChecked()).toBe(false);
    await web.expectAccessible(page, 'sign-in page');
    await web.screenshot(page, '01-sign-in');
    await page.context().close();
  });

  it('signs in through the Cognito hosted login with code + PKCE and sends the ID token to the API', async () => {
    const authority = 'https://cognito-idp.example.test/pool-1';
    const hostedUi = 'https://login.example.test/oauth2';
    const apiUrl = 'https://api.example.test/prod';
    const cors = corsFor(web.service.url);
    const now = Math.floor(Date.now() / 1000);
    const segment = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const idToken = [
      segment({ alg: 'RS256', typ: 'JWT', kid: 'k1' }),
      segment({
        sub: 'a1b2',
        'cognito:username': 'frank',
        'custom:tenant': 'acme',
        'cognito:groups': ['pat-admins'],
        iss: authority,
        aud: 'console',
        token_use: 'id',
        iat: now,
        exp: now + 3600,
      }),
      'signature',
    ].join('.');
    // The console is served by the local front, whose CSP allows only itself; deployed, CloudFront's allows Cognito and the API.
    const logoutUrl = `https://login.example.test/logout?client_id=console&logout_uri=${encodeURIComponent(`${web.service.url}/`)}`;
    const page = await web.newPage(
      { mode: 'cognito', authority, clientId: 'console', redirectUri: `${web.service.url}/`, apiUrl, logoutUrl },
      { bypassCSP: true },
    );
    const signOutSteps: string[] = [];
    let revokeRequest: { method: string; contentType: string; body: URLSearchParams } | undefined;
    // Not advertised in the discovery document above: the console finds it next to the token endpoint.
    await page.route(`${hostedUi}/revoke`, (route) => {
      signOutSteps.push('revoke');
      revokeRequest = {
        method: route.request().method(),
        contentType: route.request().headers()['content-type'] ?? '',
        body: new URLSearchParams(route.request().postData() ?? ''),
      };
      return route.fulfill({ status: 200, headers: cors, body: '' });
    });
    await page.route(/^https:\/\/login\.example\.test\/logout/, (route) => {
      signOutSteps.push('logout');
      return route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>Signed out</title><p>Signed out</p>' });
    });
    let authorizeRequest: URL | undefined;
    let tokenRequest: URLSearchParams | undefined;
    const apiAuthorizations: string[] = [];
    await fakeDiscovery(page, authority, hostedUi, cors);
    await page.route(new RegExp(`^${hostedUi}/authorize`), (route) => {
      authorizeRequest = new URL(route.request().url());
      return route.fulfill({
        status: 302,
        headers: { location: `${web.service.url}/?code=one-time-code&state=${authorizeRequest.searchParams.get('state')}` },
      });
    });
    await page.route(`${hostedUi}/token`, (route) => {
      tokenRequest = new URLSearchParams(route.request().postData() ?? '');
      return route.fulfill({
        headers: cors,
        json: { id_token: idToken, access_token: 'access', refresh_token: 'cognito-refresh-token', token_type: 'Bearer', expires_in: 3600 },
      });
    });
    await page.route(new RegExp(`^${apiUrl}/`), (route) => {
      if (route.request().method() === 'OPTIONS') return route.fulfill({ status: 204, headers: cors });
      apiAuthorizations.push(route.request().headers().authorization ?? '');
      const path = new URL(route.request().url()).pathname.replace('/prod', '');
      const answers: Record<string, unknown> = {
        '/policy': {
          lifetimesDays: [90],
          defaultLifetimeDays: 90,
          maxLifetimeDays: 365,
          allowNoExpiry: false,
          maxIpEntries: 20,
          maxDescriptionLength: 100,
        },
        '/scopes': { areas: [] },
        '/tokens': { items: [], nextCursor: null },
      };
      return route.fulfill({ headers: cors, json: answers[path] ?? {} });
    });

    await page.goto(web.service.url);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Signed in as frank').waitFor();

    expect(
      Object.fromEntries(
        ['response_type', 'client_id', 'redirect_uri', 'code_challenge_method'].map((name) => [
          name,
          authorizeRequest?.searchParams.get(name),
        ]),
      ),
    ).toEqual({
      response_type: 'code',
      client_id: 'console',
      redirect_uri: `${web.service.url}/`,
      code_challenge_method: 'S256',
    });
    expect(tokenRequest?.get('code')).toBe('one-time-code');
    expect(tokenRequest?.get('code_verifier')).toMatch(/^[\w~.-]{43,128}$/);
    expect(page.url()).toBe(`${web.service.url}/`); // the single-use code left the address bar
    await page.getByRole('combobox', { name: 'User', exact: true }).waitFor(); // admin from the cognito:groups claim
    expect(apiAuthorizations.length).toBeGreaterThan(0);
    expect(new Set(apiAuthorizations)).toEqual(new Set([`Bearer ${idToken}`]));

    // Sign-out revokes the refresh token at Cognito before leaving for the hosted logout.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/login\.example\.test\/logout/);
    expect(signOutSteps).toEqual(['revoke', 'logout']);
    expect(revokeRequest?.method).toBe('POST');
    expect(revokeRequest?.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    expect(Object.fromEntries(revokeRequest!.body)).toEqual({ token: 'cognito-refresh-token', client_id: 'console' });
    await page.context().close();
  });

  it('shows no text from the address bar after a hosted-login error, and a fixed message only for its own sign-in', async () => {
    const authority = 'https://cognito-idp.example.test/pool-2';
    const hostedUi = 'https://login.example.test/oauth2';
    const cors = corsFor(web.service.url);
    const injected = 'Your account is locked. Call +1 555 0100 to unlock it';
    const page = await web.newPage(
      { mode: 'cognito', authority, clientId: 'console', redirectUri: `${web.service.url}/`, apiUrl: 'https://api.example.test/prod' },
      { bypassCSP: true },
    );
    await fakeDiscovery(page, authority, hostedUi, cors);
    await page.route(new RegExp(`^${hostedUi}/authorize`), (route) => {
      const state = new URL(route.request().url()).searchParams.get('state');
      return route.fulfill({
        status: 302,
        headers: { location: `${web.service.url}/?error=access_denied&error_description=${encodeURIComponent(injected)}&state=${state}` },
      });
    });
    const signInButton = page.getByRole('button', { name: 'Sign in' });

    // A link someone sent: no state, or a state this tab never issued.
    for (const forged of [
      `?error=access_denied&error_description=${encodeURIComponent(injected)}`,
      `?error=access_denied&error_description=${encodeURIComponent(injected)}&state=0123456789abcdef`,
    ]) {
      await page.goto(`${web.service.url}/${forged}`);
      await signInButton.waitFor();
      expect(await page.locator('body').innerText()).not.toContain('Call +1 555');
      expect(await page.getByRole('status').count()).toBe(0);
      expect(page.url()).toBe(`${web.service.url}/`);
    }

    // The answer to this tab's own sign-in: a fixed message, still none of the address bar's text.
    await signInButton.click();
    await page.getByText('Sign-in did not complete: it was cancelled or refused at the sign-in page.').waitFor();
    expect(await page.locator('body').innerText()).not.toContain('Call +1 555');
    expect(page.url()).toBe(`${web.service.url}/`);
    await web.expectAccessible(page, 'sign-in page after a refused sign-in');
    await page.context().close();
  });

  it('raised no script errors on any page', () => {
    expect(web.pageErrors).toEqual([]);
  });
});

/** What the fake Cognito answers a browser on the console's origin with (CORS). */
function corsFor(origin: string): Record<string, string> {
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-headers': 'authorization, content-type',
    'access-control-allow-methods': 'GET, POST, DELETE',
  };
}

/** A fake Cognito's OpenID discovery document: its managed sign-in pages at `hostedUi`. */
async function fakeDiscovery(page: Page, authority: string, hostedUi: string, cors: Record<string, string>): Promise<void> {
  await page.route(`${authority}/.well-known/openid-configuration`, (route) =>
    route.fulfill({
      headers: cors,
      json: {
        issuer: authority,
        authorization_endpoint: `${hostedUi}/authorize`,
        token_endpoint: `${hostedUi}/token`,
        jwks_uri: `${authority}/.well-known/jwks.json`,
        response_types_supported: ['code'],
      },
    }),
  );
}

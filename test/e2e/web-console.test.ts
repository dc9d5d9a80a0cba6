/** The web console in a real browser: sign-in, tokens, errors, admin, keyboard, Cognito sign-in, families (the harness: test/support/web-console-harness.ts). */
import type { Page } from 'playwright-core';
import { expect, describe, it } from 'vitest';
import {
  service,
  pageErrors,
  idTokenOf,
  createToken,
  tokensOf,
  exampleApi,
  newPage,
  signIn,
  rowOf,
  textOf,
  expectAccessible,
  screenshot,
} from '../support/web-console-harness';

describe('web console', { timeout: 120_000 }, () => {
  it('shows an accessible sign-in page', async () => {
    const page = await newPage();

    await page.goto(service.url);

    await page.getByRole('heading', { name: 'Personal access tokens' }).waitFor();
    expect(await page.getByLabel('Tenant admin').isChecked()).toBe(false);
    await expectAccessible(page, 'sign-in page');
    await screenshot(page, '01-sign-in');
    await page.context().close();
  });

  it('lets a user create a scoped, IP-restricted token, use it, and revoke it', async () => {
    const alice = await idTokenOf('alice', 'acme');
    await createToken(alice, {
      description: 'Nightly export',
      scopes: ['*'],
      expiresAt: new Date(Date.now() + 3 * 86_400_000).toISOString(),
    });
    const page = await newPage();
    await signIn(page, 'alice', 'acme');

    // A user sees no admin controls.
    expect(await page.getByRole('combobox', { name: 'User', exact: true }).count()).toBe(0);
    expect(await page.getByRole('columnheader', { name: 'User', exact: true }).count()).toBe(0);
    // A token that expires within 7 days is flagged.
    expect(await textOf(rowOf(page, 'Nightly export'))).toContain('Expires in 3 days: renew it soon');

    await page.getByRole('button', { name: 'Add token' }).click();
    const dialog = page.getByRole('dialog', { name: 'New personal access token' });
    await dialog.waitFor();
    expect(await dialog.getByLabel('For user').count()).toBe(0);
    await dialog.getByLabel('Description').fill('Vendor sync');
    await dialog.getByRole('checkbox', { name: 'Read candidates', exact: true }).check();
    await dialog.getByRole('checkbox', { name: 'Read jobs', exact: true }).check();
    await dialog.getByRole('button', { name: 'Add IP entry' }).click();
    await dialog.getByRole('textbox', { name: 'IP entry 1', exact: true }).fill('127.0.0.0/8');
    await dialog.getByRole('button', { name: 'Add IP entry' }).click();
    await dialog.getByRole('textbox', { name: 'IP entry 2', exact: true }).fill('192.0.2.10 – 192.0.2.20');
    // Reading a parent area covers its sub-areas: the box says so and cannot be unticked.
    const documentsRead = dialog.getByRole('checkbox', { name: 'Read candidates/documents', exact: true });
    expect([await documentsRead.isChecked(), await documentsRead.isDisabled()]).toEqual([true, true]);
    await expectAccessible(page, 'create dialog');
    await screenshot(page, '03-create-dialog', dialog);

    await dialog.getByRole('button', { name: 'Create token' }).click();

    const shownOnce = page.getByRole('dialog', { name: 'Token created: “Vendor sync”' });
    await shownOnce.waitFor();
    expect(await textOf(shownOnce)).toContain('They will not be shown again');
    const accessToken = await shownOnce.getByLabel('Access token').inputValue();
    const refreshKey = await shownOnce.getByLabel('Refresh key').inputValue();
    expect(accessToken).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(refreshKey).toMatch(/^patr_/);
    await shownOnce.getByRole('button', { name: 'Copy access token' }).click();
    await shownOnce.getByText('Access token copied to the clipboard.').waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(accessToken);
    await expectAccessible(page, 'shown-once panel');
    await screenshot(page, '04-shown-once', shownOnce);

    // The copied token works with the example API, for what its scopes grant.
    const allowed = await exampleApi(accessToken);
    expect(allowed.status).toBe(200);
    expect(allowed.body.principal).toMatchObject({ owner: 'alice', tenant: 'acme' });
    expect((await exampleApi(accessToken, 'POST')).status).toBe(403);

    await shownOnce.getByRole('button', { name: 'Done: I have copied them' }).click();
    await shownOnce.waitFor({ state: 'detached' });
    const html = await page.content();
    expect(html).not.toContain(accessToken);
    expect(html).not.toContain(refreshKey);

    const row = rowOf(page, 'Vendor sync');
    await row.waitFor();
    const rowText = await textOf(row);
    for (const expected of ['candidates:read', 'jobs:read', 'in 90 days', 'Active', '127.0.0.0/8, 192.0.2.10-192.0.2.20'])
      expect(rowText).toContain(expected);
    await expectAccessible(page, 'tokens list');
    await screenshot(page, '02-tokens-list');

    await row.getByRole('button', { name: 'Revoke token “Vendor sync”' }).click();
    const confirmation = page.getByRole('alertdialog', { name: 'Revoke token?' });
    await confirmation.waitFor();
    expect(await textOf(confirmation)).toContain('Revoke “Vendor sync”?');
    await expectAccessible(page, 'revoke confirmation');
    await screenshot(page, '05-revoke-confirmation');
    await confirmation.getByRole('button', { name: 'Revoke token' }).click();
    await page.getByText('Revoked “Vendor sync” (generation 1).').waitFor(); // generation: needs issue 11 on the server
    await row.waitFor({ state: 'detached' });

    expect((await exampleApi(accessToken)).status).toBe(401);

    await page.getByRole('radio', { name: 'All tokens' }).check();
    await rowOf(page, 'Vendor sync').getByText('Revoked', { exact: true }).waitFor();
    await page.context().close();
  });

  it('shows what is wrong with invalid inputs and creates nothing', async () => {
    const bea = await idTokenOf('bea', 'acme');
    await createToken(bea, { description: 'Payroll feed', scopes: ['jobs:read'] });
    const before = (await tokensOf(bea)).length;
    const page = await newPage();
    await signIn(page, 'bea', 'acme');
    await page.getByRole('button', { name: 'Add token' }).click();
    const dialog = page.getByRole('dialog', { name: 'New personal access token' });
    await dialog.waitFor();

    await dialog.getByRole('button', { name: 'Create token' }).click();
    await dialog.getByText('Nothing was created: fix the 2 problems marked above.').waitFor();
    await dialog.getByText('Enter a description').waitFor();
    await dialog.getByText('Select at least one scope, or choose All scopes.').waitFor();

    const description = dialog.getByLabel('Description');
    await description.fill('x'.repeat(101));
    await dialog.getByText('Use at most 100 characters (this one has 101).').waitFor();
    await description.fill('  payroll FEED ');
    // The duplicate is named as the existing token is described, not as typed.
    await dialog.getByText('You already have an active token described “Payroll feed”.').waitFor();
    await dialog.getByRole('checkbox', { name: 'Write candidates', exact: true }).check();
    await dialog.getByText('Select at least one scope').waitFor({ state: 'detached' });
    for (const entry of ['10.0.0.300', '10.0.0.9-10.0.0.1', '10.0.0.0/33']) {
      await dialog.getByRole('button', { name: 'Add IP entry' }).click();
      await page.keyboard.type(entry); // the new entry has the focus
    }
    await dialog.getByLabel('Custom date').check();
    await dialog.getByLabel('Expires on').fill('2099-01-01');
    await dialog.getByRole('button', { name: 'Create token' }).click();

    for (const message of [
      'Not an IPv4 or IPv6 address, a CIDR or a range',
      'The range starts after it ends: put the lower address first.',
      'The prefix length of an IPv4 CIDR must be at most 32.',
      'Choose a date at most 365 days from today',
      'Nothing was created: fix the 5 problems marked above.',
    ]) {
      await dialog.getByText(message).waitFor();
    }
    expect(await dialog.getByLabel('Description').evaluate((element) => element === element.ownerDocument.activeElement)).toBe(true);
    await expectAccessible(page, 'create dialog with errors');
    await screenshot(page, '06-create-dialog-errors', dialog);
    expect((await tokensOf(bea)).length).toBe(before);

    // The service is authoritative: what it refuses is shown next to the field it names.
    await page.route('**/tokens', (route) =>
      route.request().method() === 'POST'
        ? route.fulfill({
            status: 400,
            json: {
              error: {
                code: 'invalid_request',
                message: 'allowedIps[1]: not a valid range',
                details: [{ field: 'allowedIps[1]', message: 'not a valid range (expected from-to)' }],
              },
            },
          })
        : route.fallback(),
    );
    await description.fill('Payroll feed 2');
    await dialog.getByRole('textbox', { name: 'IP entry 1', exact: true }).fill('10.0.0.3');
    await dialog.getByRole('textbox', { name: 'IP entry 2', exact: true }).fill('10.0.0.1-10.0.0.9');
    await dialog.getByRole('button', { name: 'Remove IP entry 3' }).click();
    await dialog.getByLabel('180 days').check();
    await dialog.getByRole('button', { name: 'Create token' }).click();
    await dialog.getByText('Not a valid range (expected from-to).').waitFor();
    const secondEntryError = await dialog.getByRole('textbox', { name: 'IP entry 2', exact: true }).getAttribute('aria-describedby');
    expect(await page.locator(`[id="${secondEntryError}"]`).innerText()).toContain('Not a valid range (expected from-to).');
    await page.unroute('**/tokens');

    // A duplicate made elsewhere after the dialog opened: the service's 409 lands under the description.
    await createToken(bea, { description: 'PAYROLL FEED 2', scopes: ['jobs:read'] });
    await dialog.getByRole('button', { name: 'Create token' }).click();
    await dialog.getByText('You already have an active token described “PAYROLL FEED 2”.').waitFor();
    expect(await description.getAttribute('aria-invalid')).toBe('true');
    expect((await tokensOf(bea)).length).toBe(before + 1);
    await page.context().close();
  });

  it('lets an admin filter by user, page through, revoke another user’s token and create one for someone else', async () => {
    const tenant = 'initech';
    const bob = await idTokenOf('bob', tenant);
    const carol = await idTokenOf('carol', tenant);
    const bobsToken = await createToken(bob, { description: 'Bob CI', scopes: ['candidates:read'], allowedIps: ['127.0.0.1'] });
    await createToken(carol, { description: 'Carol export', scopes: ['jobs:read', 'jobs:write'] });
    await createToken(carol, { description: 'Carol reports', scopes: ['assessments:read'], expiresInDays: 365 });
    await createToken(await idTokenOf('dave', 'globex'), { description: 'Dave other tenant', scopes: ['*'] });
    const page = await newPage({ pageSize: 2 });
    await signIn(page, 'root', tenant, true);

    // Every user of the tenant, newest first, two per page; nothing of another tenant.
    const filter = page.getByRole('combobox', { name: 'User', exact: true });
    await page.getByRole('columnheader', { name: 'User', exact: true }).waitFor();
    await rowOf(page, 'Carol reports').waitFor();
    await filter.locator('option', { hasText: 'bob' }).waitFor({ state: 'attached' });
    expect(await filter.locator('option').allInnerTexts()).toEqual(['All users', 'bob', 'carol', 'root']);
    expect(await page.locator('table.tokens tbody tr').count()).toBe(2);
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByText('Page 2').waitFor();
    await rowOf(page, 'Bob CI').waitFor();
    expect(await page.getByText('Dave other tenant').count()).toBe(0);
    await expectAccessible(page, 'admin tokens list');
    await page.getByRole('button', { name: 'Previous page' }).click();
    await rowOf(page, 'Carol reports').waitFor();
    await screenshot(page, '07-admin-tokens');

    await filter.selectOption('bob');
    await rowOf(page, 'Carol export').waitFor({ state: 'detached' });
    const bobsRow = rowOf(page, 'Bob CI');
    expect(await textOf(bobsRow)).toContain('bob');
    await bobsRow.getByRole('button', { name: 'Revoke token “Bob CI” of bob' }).click();
    const confirmation = page.getByRole('alertdialog', { name: 'Revoke token?' });
    expect(await textOf(confirmation)).toContain('Revoke “Bob CI” of bob?');
    await confirmation.getByRole('button', { name: 'Revoke token' }).click();
    await page.getByText('Revoked “Bob CI” of bob (generation 1).').waitFor(); // generation: needs issue 11 on the server
    const revoked = (await tokensOf(bob)).find((token) => token.id === bobsToken.id);
    expect(revoked).toMatchObject({ status: 'revoked', revokedBy: 'root' });
    expect((await exampleApi(bobsToken.accessToken)).status).toBe(401);

    await page.getByRole('button', { name: 'Add token' }).click();
    const dialog = page.getByRole('dialog', { name: 'New personal access token' });
    await dialog.getByLabel('For user').fill('erin');
    await dialog.getByLabel('Description').fill('Erin deploy');
    await dialog.getByLabel('All scopes').check();
    await dialog.getByRole('button', { name: 'Create token' }).click();
    const shownOnce = page.getByRole('dialog', { name: 'Token created: “Erin deploy”' });
    expect(await textOf(shownOnce.locator('dl'))).toContain('Owner erin');
    await shownOnce.getByRole('button', { name: 'Done: I have copied them' }).click();
    const erins = await tokensOf(await idTokenOf('erin', tenant));
    expect(erins).toMatchObject([{ description: 'Erin deploy', owner: 'erin', createdBy: 'root', scopes: ['*'] }]);
    await page.context().close();
  });

  it('is usable with the keyboard alone', async () => {
    const page = await newPage();
    await page.goto(service.url);
    // page.evaluate runs through the DevTools protocol, so the console's strict CSP (no eval) allows it;
    // a string predicate for waitForFunction would be eval'd in the page and refused.
    type Focus = { id: string; text: string; label: string | null };
    const focus = () =>
      page.evaluate((): Focus | null => {
        const element = (
          globalThis as unknown as {
            document: { activeElement: { id: string; textContent: string | null; getAttribute(name: string): string | null } | null };
          }
        ).document.activeElement;
        return element ? { id: element.id, text: element.textContent ?? '', label: element.getAttribute('aria-label') } : null;
      });
    const focused = (read: (focus: Focus | null) => unknown) => expect.poll(async () => read(await focus()), { timeout: 10_000 });
    await focused((f) => f?.id).toBe('sign-in-user'); // focused on arrival
    await page.keyboard.type('gus');
    await page.keyboard.press('Tab');
    await page.keyboard.type('acme');
    await page.keyboard.press('Enter');
    await page.getByText('Signed in as gus').waitFor();
    const focusedId = () => page.evaluate('document.activeElement && document.activeElement.id');
    const focusedName = () => page.evaluate('document.activeElement && document.activeElement.textContent');

    const add = page.getByRole('button', { name: 'Add token' });
    await add.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog', { name: 'New personal access token' }).waitFor();
    expect(await focusedId()).toBe('create-description');
    await page.keyboard.type('Keyboard only');
    await page.keyboard.press('Tab'); // to the expiration choices
    await page.keyboard.press('Tab'); // to the scope mode
    await page.keyboard.press('ArrowDown'); // All scopes
    await page.locator('#create-description').press('Enter'); // submits the form
    const shownOnce = page.getByRole('dialog', { name: 'Token created: “Keyboard only”' });
    await shownOnce.waitFor();
    expect(await focusedName()).toBe('Copy access token');
    await page.keyboard.press('Escape');
    await shownOnce.waitFor({ state: 'detached' });
    await focused((f) => f?.text.includes('Add token')).toBe(true);

    const revoke = rowOf(page, 'Keyboard only').getByRole('button', { name: 'Revoke token “Keyboard only”' });
    await revoke.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('alertdialog', { name: 'Revoke token?' }).waitFor();
    expect(await focusedName()).toBe('Cancel'); // the safe choice is the default
    await page.keyboard.press('Escape');
    await focused((f) => f?.label).toBe('Revoke token “Keyboard only”');
    expect(await rowOf(page, 'Keyboard only').count()).toBe(1);
    await page.context().close();
  });

  it('signs in through the Cognito hosted login with code + PKCE and sends the ID token to the API', async () => {
    const authority = 'https://cognito-idp.example.test/pool-1';
    const hostedUi = 'https://login.example.test/oauth2';
    const apiUrl = 'https://api.example.test/prod';
    const cors = corsFor(service.url);
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
    const logoutUrl = `https://login.example.test/logout?client_id=console&logout_uri=${encodeURIComponent(`${service.url}/`)}`;
    const page = await newPage(
      { mode: 'cognito', authority, clientId: 'console', redirectUri: `${service.url}/`, apiUrl, logoutUrl },
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
        headers: { location: `${service.url}/?code=one-time-code&state=${authorizeRequest.searchParams.get('state')}` },
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

    await page.goto(service.url);
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
      redirect_uri: `${service.url}/`,
      code_challenge_method: 'S256',
    });
    expect(tokenRequest?.get('code')).toBe('one-time-code');
    expect(tokenRequest?.get('code_verifier')).toMatch(/^[\w~.-]{43,128}$/);
    expect(page.url()).toBe(`${service.url}/`); // the single-use code left the address bar
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
    const cors = corsFor(service.url);
    const injected = 'Your account is locked. Call +1 555 0100 to unlock it';
    const page = await newPage(
      { mode: 'cognito', authority, clientId: 'console', redirectUri: `${service.url}/`, apiUrl: 'https://api.example.test/prod' },
      { bypassCSP: true },
    );
    await fakeDiscovery(page, authority, hostedUi, cors);
    await page.route(new RegExp(`^${hostedUi}/authorize`), (route) => {
      const state = new URL(route.request().url()).searchParams.get('state');
      return route.fulfill({
        status: 302,
        headers: { location: `${service.url}/?error=access_denied&error_description=${encodeURIComponent(injected)}&state=${state}` },
      });
    });
    const signInButton = page.getByRole('button', { name: 'Sign in' });

    // A link someone sent: no state, or a state this tab never issued.
    for (const forged of [
      `?error=access_denied&error_description=${encodeURIComponent(injected)}`,
      `?error=access_denied&error_description=${encodeURIComponent(injected)}&state=0123456789abcdef`,
    ]) {
      await page.goto(`${service.url}/${forged}`);
      await signInButton.waitFor();
      expect(await page.locator('body').innerText()).not.toContain('Call +1 555');
      expect(await page.getByRole('status').count()).toBe(0);
      expect(page.url()).toBe(`${service.url}/`);
    }

    // The answer to this tab's own sign-in: a fixed message, still none of the address bar's text.
    await signInButton.click();
    await page.getByText('Sign-in did not complete: it was cancelled or refused at the sign-in page.').waitFor();
    expect(await page.locator('body').innerText()).not.toContain('Call +1 555');
    expect(page.url()).toBe(`${service.url}/`);
    await expectAccessible(page, 'sign-in page after a refused sign-in');
    await page.context().close();
  });

  it('shows one row per credential with its generation and last rotation, and says what a revocation revoked', async () => {
    const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000).toISOString();
    const base = {
      owner: 'kim',
      tenant: 'acme',
      createdBy: 'kim',
      scopes: ['candidates:read'],
      allowedIps: [],
      expiresAt: new Date(Date.now() + 60 * 86_400_000).toISOString(),
      lastUsedAt: null,
    };
    const vendorA15 = {
      ...base,
      id: 'a15',
      description: 'Vendor A',
      familyId: 'a01',
      generation: 15,
      createdAt: hoursAgo(2),
      status: 'active',
    };
    const vendorA14 = {
      ...base,
      id: 'a14',
      description: 'Vendor A',
      familyId: 'a01',
      generation: 14,
      createdAt: hoursAgo(50),
      status: 'revoked',
      revokeReason: 'rotated',
      revokedAt: hoursAgo(2),
      graceUntil: hoursAgo(-0.01),
    };
    const reports = {
      ...base,
      id: 'b01',
      description: 'Reports',
      familyId: 'b01',
      generation: 1,
      createdAt: hoursAgo(200),
      status: 'active',
    };
    const page = await newPage();
    await signIn(page, 'kim', 'families');
    const deleted: string[] = [];
    await page.route(
      (url) => url.pathname.startsWith('/tokens'),
      (route) => {
        const request = route.request();
        if (request.method() === 'DELETE') {
          deleted.push(new URL(request.url()).pathname);
          return route.fulfill({
            json: {
              ...vendorA15,
              status: 'revoked',
              revokeReason: 'revoked',
              revokedAt: new Date().toISOString(),
              revokedTokenIds: ['a15', 'a14'],
            },
          });
        }
        return route.fulfill({ json: { items: deleted.length > 0 ? [reports] : [vendorA15, vendorA14, reports], nextCursor: null } });
      },
    );
    await page.getByRole('radio', { name: 'All tokens' }).check();

    await rowOf(page, 'Reports').waitFor();
    expect(await page.locator('table.tokens tbody tr').count()).toBe(2);
    await page.getByRole('columnheader', { name: 'Generation' }).waitFor();
    expect(await textOf(rowOf(page, 'Vendor A'))).toContain('15 rotated 2 hours ago');
    expect(await textOf(rowOf(page, 'Reports'))).not.toContain('rotated');
    await expectAccessible(page, 'tokens list with credentials');

    await rowOf(page, 'Vendor A').getByRole('button', { name: 'Revoke token “Vendor A”' }).click();
    await page.getByRole('alertdialog', { name: 'Revoke token?' }).getByRole('button', { name: 'Revoke token' }).click();

    await page.getByText('Revoked “Vendor A” (generation 15 and 1 token still in its grace period).').waitFor();
    expect(deleted).toEqual(['/tokens/a15']);
    await rowOf(page, 'Vendor A').waitFor({ state: 'detached' });
    await page.context().close();
  });

  it('raised no script errors on any page', () => {
    expect(pageErrors).toEqual([]);
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

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContextOptions, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalService } from '../../functions/local/service';
import { createTableFirst } from '../support/dynamo';

/*
 * The web console in a real browser (Debian's Chromium driven by playwright-core) against the local
 * service started in-process: the screens people use instead of curl, checked end to end and with
 * axe-core. Screenshots of every screen land in test-results/screenshots/; with
 * UPDATE_DOCS_SCREENSHOTS=1 some of them also refresh docs/screenshots/ for docs/console.md and the README.
 */

const execFileAsync = promisify(execFile);
const webRoot = resolve('web');
const screenshotDir = resolve('test-results/screenshots');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  // Without these Chromium keeps calling home, which on a closed network only slows everything down.
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let service: Awaited<ReturnType<typeof startLocalService>>;
let browser: Browser;
let dataDir: string;
const pageErrors: string[] = [];

function newestChange(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestChange(join(path, name))));
}

/** Builds web/dist unless it is newer than every source of the console. */
async function buildConsoleIfStale(): Promise<void> {
  const index = join(webRoot, 'dist', 'index.html');
  // The console bundles the service's pure rules too (functions/domain/description.ts, scopes.ts).
  const sources = ['src', 'public', 'index.html', 'vite.config.ts', 'tsconfig.json', '../functions/domain'].map((name) => join(webRoot, name));
  if (existsSync(index) && statSync(index).mtimeMs >= Math.max(...sources.map(newestChange))) return;
  // Vitest sets NODE_ENV=test, which would bundle React's development build.
  await execFileAsync(process.execPath, [resolve('node_modules/vite/bin/vite.js'), 'build', '--config', join(webRoot, 'vite.config.ts'), '--logLevel', 'warn'], {
    env: { ...process.env, NODE_ENV: 'production' },
  });
}

beforeAll(async () => {
  const tableName = `web-console-${randomBytes(6).toString('hex')}`;
  if (!existsSync(chromiumPath)) throw new Error(`No Chromium at ${chromiumPath}: apt-get install chromium (or set CHROMIUM_PATH)`);
  dataDir = mkdtempSync(join(tmpdir(), 'pat-web-console-'));
  mkdirSync(screenshotDir, { recursive: true });
  const [started] = await Promise.all([
    buildConsoleIfStale().then(async () =>
      startLocalService({
        port: 0,
        dataDir,
        dynamoEndpoint: inject('dynamoEndpoint'),
        tableName: await createTableFirst(inject('dynamoEndpoint'), tableName).then(() => tableName),
        // No result cache in the front and no status cache in the authorizer: the example API sees a
        // revocation at once (by default it may take up to 5 s).
        authorizerCacheSeconds: 0,
        settings: { statusCacheSeconds: 0, feedStatusCacheSeconds: 0 },
      }),
    ),
    chromium.launch({ executablePath: chromiumPath, args: chromiumArgs }).then((launched) => (browser = launched)),
  ]);
  service = started;
});

afterAll(async () => {
  await browser?.close();
  await service?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

// --- the service, from node -------------------------------------------------------------------

async function idTokenOf(user: string, tenant: string, admin = false): Promise<string> {
  const response = await fetch(`${service.url}/local/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user, tenant, admin }) });
  expect(response.status).toBe(200);
  return ((await response.json()) as { idToken: string }).idToken;
}

async function callApi(idToken: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${service.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${idToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

async function createToken(idToken: string, request: Record<string, unknown>): Promise<any> {
  const created = await callApi(idToken, 'POST', '/tokens', request);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body;
}

async function tokensOf(idToken: string, query = 'status=all'): Promise<any[]> {
  const listed = await callApi(idToken, 'GET', `/tokens?${query}&limit=100`);
  expect(listed.status).toBe(200);
  return listed.body.items;
}

/** The example protected API, called the way a vendor would, from this process (127.0.0.1). */
async function exampleApi(accessToken: string, method = 'GET'): Promise<{ status: number; body: any }> {
  const response = await fetch(`${service.url}/api/candidates`, { method, headers: { authorization: `Bearer ${accessToken}` } });
  return { status: response.status, body: await response.json() };
}

// --- the browser ------------------------------------------------------------------------------

async function newPage(configOverride?: Record<string, unknown>, contextOptions: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'UTC', ...contextOptions });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: service.url });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000); // generous: the suite runs beside the other integration files
  page.on('pageerror', (error) => pageErrors.push(error.message));
  if (configOverride) {
    await page.route('**/console-config.json', (route) => route.fulfill({ json: { mode: 'local', ...configOverride } }));
  }
  return page;
}

async function signIn(page: Page, user: string, tenant: string, admin = false): Promise<void> {
  await page.goto(service.url);
  await page.getByLabel('User', { exact: true }).fill(user);
  await page.getByLabel('Tenant', { exact: true }).fill(tenant);
  if (admin) await page.getByLabel('Tenant admin').check();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText(`Signed in as ${user}`).waitFor();
}

const rowOf = (page: Page | Locator, description: string): Locator => page.locator('table.tokens tbody tr', { hasText: description });

async function textOf(locator: Locator): Promise<string> {
  return (await locator.innerText()).replace(/\s+/g, ' ');
}

/** axe-core on the whole page as it is now: nothing serious or critical may be found. */
async function expectAccessible(page: Page, screen: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id} (${violation.impact}): ${violation.help} at ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
  expect(serious, `accessibility of the ${screen}`).toEqual([]);
}

/** The page as it is; with a dialog, the window grows for the picture so the whole dialog shows. */
async function screenshot(page: Page, name: string, dialog?: Locator): Promise<void> {
  const viewport = page.viewportSize()!;
  const needed = dialog ? (await dialog.evaluate((element) => element.scrollHeight)) + 64 : 0;
  if (needed > viewport.height) await page.setViewportSize({ width: viewport.width, height: needed });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
  if (needed > viewport.height) await page.setViewportSize(viewport);
}

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
    await createToken(alice, { description: 'Nightly export', scopes: ['*'], expiresAt: new Date(Date.now() + 3 * 86_400_000).toISOString() });
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
    for (const expected of ['candidates:read', 'jobs:read', 'in 90 days', 'Active', '127.0.0.0/8, 192.0.2.10-192.0.2.20']) expect(rowText).toContain(expected);
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

    await page.getByLabel('Show all tokens').check();
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
            json: { error: { code: 'invalid_request', message: 'allowedIps[1]: not a valid range', details: [{ field: 'allowedIps[1]', message: 'not a valid range (expected from-to)' }] } },
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
        const element = (globalThis as unknown as { document: { activeElement: { id: string; textContent: string | null; getAttribute(name: string): string | null } | null } }).document.activeElement;
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
    const cors = { 'access-control-allow-origin': service.url, 'access-control-allow-headers': 'authorization, content-type', 'access-control-allow-methods': 'GET, POST, DELETE' };
    const now = Math.floor(Date.now() / 1000);
    const segment = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const idToken = [
      segment({ alg: 'RS256', typ: 'JWT', kid: 'k1' }),
      segment({ sub: 'a1b2', 'cognito:username': 'frank', 'custom:tenant': 'acme', 'cognito:groups': ['pat-admins'], iss: authority, aud: 'console', token_use: 'id', iat: now, exp: now + 3600 }),
      'signature',
    ].join('.');
    // The console is served by the local front, whose CSP allows only itself; deployed, CloudFront's allows Cognito and the API.
    const logoutUrl = `https://login.example.test/logout?client_id=console&logout_uri=${encodeURIComponent(`${service.url}/`)}`;
    const page = await newPage({ mode: 'cognito', authority, clientId: 'console', redirectUri: `${service.url}/`, apiUrl, logoutUrl }, { bypassCSP: true });
    const signOutSteps: string[] = [];
    let revokeRequest: { method: string; contentType: string; body: URLSearchParams } | undefined;
    // Not advertised in the discovery document above: the console finds it next to the token endpoint.
    await page.route(`${hostedUi}/revoke`, (route) => {
      signOutSteps.push('revoke');
      revokeRequest = { method: route.request().method(), contentType: route.request().headers()['content-type'] ?? '', body: new URLSearchParams(route.request().postData() ?? '') };
      return route.fulfill({ status: 200, headers: cors, body: '' });
    });
    await page.route(/^https:\/\/login\.example\.test\/logout/, (route) => {
      signOutSteps.push('logout');
      return route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>Signed out</title><p>Signed out</p>' });
    });
    let authorizeRequest: URL | undefined;
    let tokenRequest: URLSearchParams | undefined;
    const apiAuthorizations: string[] = [];
    await page.route(`${authority}/.well-known/openid-configuration`, (route) =>
      route.fulfill({
        headers: cors,
        json: { issuer: authority, authorization_endpoint: `${hostedUi}/authorize`, token_endpoint: `${hostedUi}/token`, jwks_uri: `${authority}/.well-known/jwks.json`, response_types_supported: ['code'] },
      }),
    );
    await page.route(new RegExp(`^${hostedUi}/authorize`), (route) => {
      authorizeRequest = new URL(route.request().url());
      return route.fulfill({ status: 302, headers: { location: `${service.url}/?code=one-time-code&state=${authorizeRequest.searchParams.get('state')}` } });
    });
    await page.route(`${hostedUi}/token`, (route) => {
      tokenRequest = new URLSearchParams(route.request().postData() ?? '');
      return route.fulfill({ headers: cors, json: { id_token: idToken, access_token: 'access', refresh_token: 'cognito-refresh-token', token_type: 'Bearer', expires_in: 3600 } });
    });
    await page.route(new RegExp(`^${apiUrl}/`), (route) => {
      if (route.request().method() === 'OPTIONS') return route.fulfill({ status: 204, headers: cors });
      apiAuthorizations.push(route.request().headers().authorization ?? '');
      const path = new URL(route.request().url()).pathname.replace('/prod', '');
      const answers: Record<string, unknown> = {
        '/policy': { lifetimesDays: [90], defaultLifetimeDays: 90, maxLifetimeDays: 365, allowNoExpiry: false, maxIpEntries: 20, maxDescriptionLength: 100 },
        '/scopes': { areas: [] },
        '/tokens': { items: [], nextCursor: null },
      };
      return route.fulfill({ headers: cors, json: answers[path] ?? {} });
    });

    await page.goto(service.url);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Signed in as frank').waitFor();

    expect(Object.fromEntries(['response_type', 'client_id', 'redirect_uri', 'code_challenge_method'].map((name) => [name, authorizeRequest?.searchParams.get(name)]))).toEqual({
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
    const cors = { 'access-control-allow-origin': service.url, 'access-control-allow-headers': 'authorization, content-type', 'access-control-allow-methods': 'GET, POST, DELETE' };
    const injected = 'Your account is locked. Call +1 555 0100 to unlock it';
    const page = await newPage({ mode: 'cognito', authority, clientId: 'console', redirectUri: `${service.url}/`, apiUrl: 'https://api.example.test/prod' }, { bypassCSP: true });
    await page.route(`${authority}/.well-known/openid-configuration`, (route) =>
      route.fulfill({ headers: cors, json: { issuer: authority, authorization_endpoint: `${hostedUi}/authorize`, token_endpoint: `${hostedUi}/token`, jwks_uri: `${authority}/.well-known/jwks.json`, response_types_supported: ['code'] } }),
    );
    await page.route(new RegExp(`^${hostedUi}/authorize`), (route) => {
      const state = new URL(route.request().url()).searchParams.get('state');
      return route.fulfill({ status: 302, headers: { location: `${service.url}/?error=access_denied&error_description=${encodeURIComponent(injected)}&state=${state}` } });
    });
    const signInButton = page.getByRole('button', { name: 'Sign in' });

    // A link someone sent: no state, or a state this tab never issued.
    for (const forged of [`?error=access_denied&error_description=${encodeURIComponent(injected)}`, `?error=access_denied&error_description=${encodeURIComponent(injected)}&state=0123456789abcdef`]) {
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
    const base = { owner: 'kim', tenant: 'acme', createdBy: 'kim', scopes: ['candidates:read'], allowedIps: [], expiresAt: new Date(Date.now() + 60 * 86_400_000).toISOString(), lastUsedAt: null };
    const vendorA15 = { ...base, id: 'a15', description: 'Vendor A', familyId: 'a01', generation: 15, createdAt: hoursAgo(2), status: 'active' };
    const vendorA14 = { ...base, id: 'a14', description: 'Vendor A', familyId: 'a01', generation: 14, createdAt: hoursAgo(50), status: 'revoked', revokeReason: 'rotated', revokedAt: hoursAgo(2), graceUntil: hoursAgo(-0.01) };
    const reports = { ...base, id: 'b01', description: 'Reports', familyId: 'b01', generation: 1, createdAt: hoursAgo(200), status: 'active' };
    const page = await newPage();
    await signIn(page, 'kim', 'families');
    const deleted: string[] = [];
    await page.route(
      (url) => url.pathname.startsWith('/tokens'),
      (route) => {
        const request = route.request();
        if (request.method() === 'DELETE') {
          deleted.push(new URL(request.url()).pathname);
          return route.fulfill({ json: { ...vendorA15, status: 'revoked', revokeReason: 'revoked', revokedAt: new Date().toISOString(), revokedTokenIds: ['a15', 'a14'] } });
        }
        return route.fulfill({ json: { items: deleted.length > 0 ? [reports] : [vendorA15, vendorA14, reports], nextCursor: null } });
      },
    );
    await page.getByLabel('Show all tokens').check();

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

  it('lets an admin tighten the tenant policy, shows what the service refuses next to its field, and revoke every token outside it', async () => {
    const tenant = 'governed';
    const admin = await idTokenOf('ada', tenant, true);
    const uma = await idTokenOf('uma', tenant);
    const jobsFeed = await createToken(uma, { description: 'Jobs feed', scopes: ['jobs:read'] });
    const candidatesFeed = await createToken(uma, { description: 'Candidates feed', scopes: ['candidates:read'] });
    const page = await newPage();
    await signIn(page, 'ada', tenant, true);

    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Tenant policy' }).click();
    await page.getByRole('heading', { name: 'Tenant policy' }).waitFor();
    const maxLifetime = page.getByLabel('Maximum lifetime (days)');
    expect(await maxLifetime.inputValue()).toBe('365');
    expect(await page.getByLabel('Every area').isChecked()).toBe(true);
    await page.getByText('Every live token of the tenant follows the policy.').waitFor();
    await expectAccessible(page, 'tenant policy page');
    await screenshot(page, '08-tenant-policy');

    // Wider than the deployment: the service's 400 lands under the field it names, and nothing changes.
    await maxLifetime.fill('400');
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.getByText("Nothing was saved: the service refused one field, marked above (a tenant can only tighten the deployment's policy).").waitFor();
    const maxLifetimeError = await maxLifetime.getAttribute('aria-describedby');
    expect(await page.locator(`[id="${maxLifetimeError!.split(' ').pop()}"]`).innerText()).toContain("at most the deployment's 365");
    expect(await maxLifetime.getAttribute('aria-invalid')).toBe('true');
    await expectAccessible(page, 'tenant policy page with a refused field');
    await screenshot(page, '09-tenant-policy-refused');
    expect((await callApi(admin, 'GET', '/policy')).body.maxLifetimeDays).toBe(365);

    await maxLifetime.fill('180');
    await page.getByLabel('Only these areas (and their sub-areas)').check();
    await page.getByRole('checkbox', { name: 'candidates', exact: true }).check();
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.getByText('Policy saved.', { exact: false }).waitFor();
    expect((await callApi(uma, 'GET', '/policy')).body).toMatchObject({ maxLifetimeDays: 180, lifetimesDays: [90, 180], allowedAreas: ['candidates'] });
    expect(await page.getByLabel('365 days').isChecked()).toBe(false);
    await page.getByText('1 live token does not follow the policy.', { exact: false }).waitFor();

    // The list flags the token the tightened policy no longer allows.
    await page.getByRole('link', { name: 'Tokens' }).click();
    expect(await textOf(await rowOf(page, 'Jobs feed').first())).toContain('Outside policy');
    await rowOf(page, 'Candidates feed').waitFor();
    expect(await textOf(rowOf(page, 'Candidates feed'))).not.toContain('Outside policy');
    await expectAccessible(page, 'tokens list with a token outside the policy');

    await page.getByRole('link', { name: 'Tenant policy' }).click();
    await page.getByRole('button', { name: 'Revoke every token outside the policy' }).click();
    const confirmation = page.getByRole('alertdialog', { name: 'Revoke 1 token outside the policy?' });
    await confirmation.waitFor();
    expect(await textOf(confirmation)).toContain('“Jobs feed” of uma');
    expect(await page.evaluate('document.activeElement && document.activeElement.textContent')).toBe('Cancel');
    await expectAccessible(page, 'revoke outside policy confirmation');
    await screenshot(page, '10-revoke-outside-policy', confirmation);
    await confirmation.getByRole('button', { name: 'Revoke 1 token' }).click();
    await page.getByText('Revoked 1 token outside the policy.').waitFor();
    await page.getByText('Every live token of the tenant follows the policy.').waitFor();

    const after = Object.fromEntries((await tokensOf(admin)).map((token) => [token.id, token]));
    expect(after[jobsFeed.id]).toMatchObject({ status: 'revoked', revokeReason: 'outside_policy' });
    expect(after[candidatesFeed.id]).toMatchObject({ status: 'active' });
    await page.context().close();
  });

  it('holds a user’s token for approval: the owner sees it waiting; an admin approves one and rejects another', async () => {
    const tenant = 'approvals';
    const admin = await idTokenOf('ada', tenant, true);
    const uma = await idTokenOf('uma', tenant);
    expect((await callApi(admin, 'PUT', '/tenant/policy', { requireApproval: true })).status).toBe(200);
    const toRefuse = await createToken(uma, { description: 'To refuse', scopes: ['jobs:read'] });
    const userPage = await newPage();
    await signIn(userPage, 'uma', tenant);
    // Users have one page: no navigation to the admin pages.
    expect(await userPage.getByRole('navigation', { name: 'Console' }).count()).toBe(0);

    await userPage.getByRole('button', { name: 'Add token' }).click();
    const dialog = userPage.getByRole('dialog', { name: 'New personal access token' });
    await dialog.getByLabel('Description').fill('Needs approval');
    await dialog.getByLabel('All scopes').check();
    await dialog.getByRole('button', { name: 'Create token' }).click();
    const shownOnce = userPage.getByRole('dialog', { name: 'Token created: “Needs approval”' });
    await shownOnce.waitFor();
    expect(await textOf(shownOnce)).toContain('Waiting for approval: the token works once an admin of the tenant approves it.');
    const accessToken = await shownOnce.getByLabel('Access token').inputValue();
    await shownOnce.getByRole('button', { name: 'Done: I have copied them' }).click();
    const waiting = userPage.getByRole('region', { name: 'Waiting for approval' });
    await rowOf(waiting, 'Needs approval').waitFor();
    expect(await textOf(rowOf(waiting, 'Needs approval'))).toContain('Waiting for approval');
    expect(await textOf(rowOf(waiting, 'To refuse'))).toContain('Waiting for approval');
    await expectAccessible(userPage, 'tokens list with tokens waiting for approval');
    await screenshot(userPage, '11-waiting-for-approval');
    expect((await exampleApi(accessToken)).status).toBe(401);

    const page = await newPage();
    await signIn(page, 'ada', tenant, true);
    await page.getByRole('link', { name: 'Approvals' }).click();
    await page.getByRole('heading', { name: 'Approvals' }).waitFor();
    await rowOf(page, 'Needs approval').waitFor();
    expect(await textOf(rowOf(page, 'Needs approval'))).toContain('*');
    await expectAccessible(page, 'approvals page');
    await screenshot(page, '12-approvals');

    await page.getByRole('button', { name: 'Approve “Needs approval” of uma' }).click();
    await page.getByText('Approved “Needs approval” of uma: it works now.').waitFor();
    await rowOf(page, 'Needs approval').waitFor({ state: 'detached' });
    expect((await exampleApi(accessToken)).status).toBe(200);

    await page.getByRole('button', { name: 'Reject “To refuse” of uma' }).click();
    const confirmation = page.getByRole('alertdialog', { name: 'Reject token?' });
    await expectAccessible(page, 'reject confirmation');
    await confirmation.getByRole('button', { name: 'Reject token' }).click();
    await page.getByText('Rejected “To refuse” of uma: it is revoked.').waitFor();
    await page.getByText('No token is waiting for approval.').waitFor();
    const refused = (await tokensOf(uma)).find((token) => token.id === toRefuse.id);
    expect(refused).toMatchObject({ status: 'revoked', revokeReason: 'rejected' });

    // The owner's list follows.
    await userPage.reload();
    await rowOf(userPage, 'Needs approval').getByText('Active', { exact: true }).waitFor();
    expect(await userPage.getByRole('region', { name: 'Waiting for approval' }).count()).toBe(0);
    await userPage.context().close();
    await page.context().close();
  });

  it('offers no Add token button to users where only admins create tokens, and says so; an empty tenant reads plainly', async () => {
    const tenant = 'admins-only';
    const admin = await idTokenOf('ada', tenant, true);
    expect((await callApi(admin, 'PUT', '/tenant/policy', { creators: 'admins' })).status).toBe(200);
    const page = await newPage();
    await signIn(page, 'uma', tenant);

    await page.getByText(`In tenant ${tenant} only admins create tokens: ask one of them for a token.`).waitFor();
    expect(await page.getByRole('button', { name: 'Add token' }).count()).toBe(0);
    await page.getByText('You have no active tokens.', { exact: true }).waitFor();
    await expectAccessible(page, 'tokens page where only admins create tokens');

    const adminPage = await newPage();
    await signIn(adminPage, 'ada', tenant, true);
    await adminPage.getByRole('button', { name: 'Add token' }).waitFor();
    await adminPage.getByLabel('Show all tokens').check();
    await adminPage.getByText('No user of this tenant has a token yet.').waitFor();
    await page.context().close();
    await adminPage.context().close();
  });

  it('edits a token in place: description, IP entries, and scopes it can only lose', async () => {
    const ed = await idTokenOf('ed', 'acme');
    const token = await createToken(ed, { description: 'Editable', scopes: ['candidates:read', 'jobs:read', 'jobs:write'], allowedIps: ['10.0.0.1'] });
    const page = await newPage();
    await signIn(page, 'ed', 'acme');

    await rowOf(page, 'Editable').getByRole('button', { name: 'Edit token “Editable”' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit token “Editable”' });
    await dialog.waitFor();
    // Only the token's own scopes are offered, as scopes, each ticked: nothing can be added.
    const boxes = dialog.getByRole('checkbox');
    expect(await dialog.locator('input[type=checkbox] + label').allInnerTexts()).toEqual(['candidates:read', 'jobs:read', 'jobs:write']);
    expect(await boxes.count()).toBe(3);
    for (const box of await boxes.all()) expect(await box.isChecked()).toBe(true);

    await dialog.getByLabel('Description').fill('Edited feed');
    await dialog.getByRole('checkbox', { name: 'jobs:write', exact: true }).uncheck();
    await dialog.getByRole('textbox', { name: 'IP entry 1', exact: true }).fill('127.0.0.1');
    await expectAccessible(page, 'edit dialog');
    await screenshot(page, '13-edit-dialog', dialog);
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Token “Edited feed” saved.').waitFor();

    expect((await callApi(ed, 'GET', `/tokens/${token.id}`)).body).toMatchObject({ description: 'Edited feed', scopes: ['candidates:read', 'jobs:read'], allowedIps: ['127.0.0.1'] });
    expect((await exampleApi(token.accessToken)).status).toBe(200);
    expect((await exampleApi(token.accessToken, 'POST')).status).toBe(403);

    // Keeping no scope is refused here, before the service is asked.
    await rowOf(page, 'Edited feed').getByRole('button', { name: 'Edit token “Edited feed”' }).click();
    const again = page.getByRole('dialog', { name: 'Edit token “Edited feed”' });
    await again.getByRole('checkbox', { name: 'candidates:read', exact: true }).uncheck();
    await again.getByRole('checkbox', { name: 'jobs:read', exact: true }).uncheck();
    await again.getByRole('button', { name: 'Save changes' }).click();
    await again.getByText('Keep at least one scope', { exact: false }).waitFor();
    await expectAccessible(page, 'edit dialog with a problem');
    await page.context().close();
  });

  it('regenerates a token and offers the vendor a credentials file that pat refresh rotates', async () => {
    const rex = await idTokenOf('rex', 'acme');
    const token = await createToken(rex, { description: 'Vendor feed', scopes: ['candidates:read'] });
    const page = await newPage();
    await signIn(page, 'rex', 'acme');

    await rowOf(page, 'Vendor feed').getByRole('button', { name: 'Regenerate token “Vendor feed”' }).click();
    const confirmation = page.getByRole('alertdialog', { name: 'Regenerate token?' });
    await confirmation.waitFor();
    expect(await page.evaluate('document.activeElement && document.activeElement.textContent')).toBe('Cancel');
    await expectAccessible(page, 'regenerate confirmation');
    await confirmation.getByRole('button', { name: 'Regenerate token' }).click();

    const shownOnce = page.getByRole('dialog', { name: 'Token regenerated: “Vendor feed”' });
    await shownOnce.waitFor();
    const accessToken = await shownOnce.getByLabel('Access token').inputValue();
    const refreshKey = await shownOnce.getByLabel('Refresh key').inputValue();
    const [download] = await Promise.all([page.waitForEvent('download'), shownOnce.getByRole('button', { name: 'Download credentials file' }).click()]);
    expect(download.suggestedFilename()).toBe('pat-credentials-vendor-feed.json');
    const file = join(dataDir, download.suggestedFilename());
    await download.saveAs(file);
    const credentials = JSON.parse(readFileSync(file, 'utf8'));
    const regenerated = (await tokensOf(rex, 'status=active')).find((item) => item.description === 'Vendor feed');
    expect(credentials).toEqual({ apiUrl: `${service.url}/`, tokenId: regenerated.id, accessToken, refreshKey, expiresAt: regenerated.expiresAt });
    expect(regenerated).toMatchObject({ familyId: token.id, generation: 2 });
    await shownOnce.getByText('Saved as pat-credentials-vendor-feed.json.').waitFor();
    await expectAccessible(page, 'shown-once panel after a regenerate');
    await screenshot(page, '14-regenerated', shownOnce);
    await shownOnce.getByRole('button', { name: 'Done: I have copied them' }).click();
    expect(await page.content()).not.toContain(refreshKey);

    // The vendor's side: the file works with the CLI as it is.
    await execFileAsync(process.execPath, [resolve('bin/pat.js'), 'refresh', '--credentials', file], { env: { ...process.env, PAT_CREDENTIALS: '' } });
    const rotated = JSON.parse(readFileSync(file, 'utf8'));
    expect(rotated.tokenId).not.toBe(regenerated.id);
    expect(rotated.refreshKey).not.toBe(refreshKey);
    expect((await exampleApi(rotated.accessToken)).status).toBe(200);
    await page.context().close();
  });

  it('names a rotation’s actor as the vendor’s refresh key, not an internal id', async () => {
    const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000).toISOString();
    const rotated = {
      id: 'r01', owner: 'lea', tenant: 'acme', createdBy: 'lea', description: 'Rotated feed', scopes: ['candidates:read'], allowedIps: [],
      createdAt: hoursAgo(30), expiresAt: new Date(Date.now() + 60 * 86_400_000).toISOString(), lastUsedAt: null,
      status: 'revoked', revokeReason: 'rotated', revokedBy: 'refresh:r02', revokedAt: hoursAgo(2), familyId: 'r01', generation: 1,
    };
    const page = await newPage();
    await signIn(page, 'lea', 'rotations');
    await page.route((url) => url.pathname === '/tokens', (route) => route.fulfill({ json: { items: [rotated], nextCursor: null } }));
    await page.getByLabel('Show all tokens').check();

    const row = rowOf(page, 'Rotated feed');
    await row.waitFor();
    expect(await textOf(row)).toContain('replaced by a refresh, by the vendor’s refresh key, 2 hours ago');
    expect(await textOf(row)).not.toContain('refresh:');
    await page.context().close();
  });

  it('raised no script errors on any page', () => {
    expect(pageErrors).toEqual([]);
  });
});

afterAll(() => {
  // Screens that illustrate docs/console.md and the README; refreshed on request only, so a test run leaves git clean.
  if (process.env.UPDATE_DOCS_SCREENSHOTS !== '1') return;
  mkdirSync(resolve('docs/screenshots'), { recursive: true });
  for (const [from, to] of [
    ['02-tokens-list', 'web-console-tokens'],
    ['03-create-dialog', 'web-console-create-token'],
    ['08-tenant-policy', 'web-console-tenant-policy'],
    ['09-tenant-policy-refused', 'web-console-tenant-policy-refused'],
    ['10-revoke-outside-policy', 'web-console-revoke-outside-policy'],
    ['11-waiting-for-approval', 'web-console-waiting-for-approval'],
    ['12-approvals', 'web-console-approvals'],
    ['13-edit-dialog', 'web-console-edit-token'],
    ['14-regenerated', 'web-console-regenerated'],
  ]) {
    copyFileSync(join(screenshotDir, `${from}.png`), resolve('docs/screenshots', `${to}.png`));
  }
});

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContextOptions, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import { startLocalService } from '../../functions/local/service';
import { createTableFirst } from './dynamo';

/*
 * The web console in a real browser (Debian's Chromium driven by playwright-core) against the local
 * service started in-process: the screens people use instead of curl, checked end to end and with
 * axe-core. Screenshots of every screen land in test-results/screenshots/; with
 * UPDATE_DOCS_SCREENSHOTS=1 some of them also refresh docs/screenshots/ for docs/web-console.md and the README.
 */

export const execFileAsync = promisify(execFile);
export const webRoot = resolve('web');
export const screenshotDir = resolve('test-results/screenshots');
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const chromiumArgs = [
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

export let service: Awaited<ReturnType<typeof startLocalService>>;
export let browser: Browser;
export let dataDir: string;
export const pageErrors: string[] = [];

export function newestChange(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestChange(join(path, name))));
}

/** Builds web/dist unless it is newer than every source of the console. */
export async function buildConsoleIfStale(): Promise<void> {
  const index = join(webRoot, 'dist', 'index.html');
  // The console bundles the service's pure rules too (functions/domain/description.ts, scopes.ts).
  const sources = ['src', 'public', 'index.html', 'vite.config.ts', 'tsconfig.json', '../functions/domain'].map((name) =>
    join(webRoot, name),
  );
  if (existsSync(index) && statSync(index).mtimeMs >= Math.max(...sources.map(newestChange))) return;
  // Vitest sets NODE_ENV=test, which would bundle React's development build.
  await execFileAsync(
    process.execPath,
    [resolve('node_modules/vite/bin/vite.js'), 'build', '--config', join(webRoot, 'vite.config.ts'), '--logLevel', 'warn'],
    {
      env: { ...process.env, NODE_ENV: 'production' },
    },
  );
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

export async function idTokenOf(user: string, tenant: string, admin = false): Promise<string> {
  const response = await fetch(`${service.url}/local/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user, tenant, admin }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { idToken: string }).idToken;
}

export async function callApi(idToken: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${service.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${idToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

export async function createToken(idToken: string, request: Record<string, unknown>): Promise<any> {
  const created = await callApi(idToken, 'POST', '/tokens', request);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body;
}

export async function tokensOf(idToken: string, query = 'status=all'): Promise<any[]> {
  const listed = await callApi(idToken, 'GET', `/tokens?${query}&limit=100`);
  expect(listed.status).toBe(200);
  return listed.body.items;
}

/** The example protected API, called the way a vendor would, from this process (127.0.0.1). */
export async function exampleApi(accessToken: string, method = 'GET'): Promise<{ status: number; body: any }> {
  const response = await fetch(`${service.url}/api/candidates`, { method, headers: { authorization: `Bearer ${accessToken}` } });
  return { status: response.status, body: await response.json() };
}

// --- the browser ------------------------------------------------------------------------------

export async function newPage(configOverride?: Record<string, unknown>, contextOptions: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    locale: 'en-US',
    timezoneId: 'UTC',
    ...contextOptions,
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: service.url });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000); // generous: the suite runs beside the other integration files
  page.on('pageerror', (error) => pageErrors.push(error.message));
  if (configOverride) {
    await page.route('**/console-config.json', (route) => route.fulfill({ json: { mode: 'local', ...configOverride } }));
  }
  return page;
}

export async function signIn(page: Page, user: string, tenant: string, admin = false): Promise<void> {
  await page.goto(service.url);
  await page.getByLabel('User', { exact: true }).fill(user);
  await page.getByLabel('Tenant', { exact: true }).fill(tenant);
  if (admin) await page.getByLabel('Tenant admin').check();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText(`Signed in as ${user}`).waitFor();
}

export const rowOf = (page: Page | Locator, description: string): Locator =>
  page.locator('table.tokens tbody tr', { hasText: description });

export async function textOf(locator: Locator): Promise<string> {
  return (await locator.innerText()).replace(/\s+/g, ' ');
}

/** axe-core on the whole page as it is now: nothing serious or critical may be found. */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id} (${violation.impact}): ${violation.help} at ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
    );
  expect(serious, `accessibility of the ${screen}`).toEqual([]);
}

/** The page as it is; with a dialog, the window grows for the picture so the whole dialog shows. */
export async function screenshot(page: Page, name: string, dialog?: Locator): Promise<void> {
  const viewport = page.viewportSize()!;
  const needed = dialog ? (await dialog.evaluate((element) => element.scrollHeight)) + 64 : 0;
  if (needed > viewport.height) await page.setViewportSize({ width: viewport.width, height: needed });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
  if (needed > viewport.height) await page.setViewportSize(viewport);
}

afterAll(() => {
  // Screens that illustrate docs/web-console.md and the README; refreshed on request only, so a test run leaves git clean.
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
    // web-console-pages.test.ts: the pages of issue 23, at a laptop's width and on a phone.
    ['20-tokens-1024', 'web-console-tokens-1024'],
    ['20-tokens-390', 'web-console-tokens-phone'],
    ['21-credential-1024', 'web-console-credential'],
    ['22-regenerate-1024', 'web-console-regenerate-lifetime'],
    ['23-approvals-1024', 'web-console-approvals-justification'],
    ['24-audit-1024', 'web-console-audit'],
    ['25-create-ip-required', 'web-console-create-ip-required'],
  ]) {
    // Each console suite refreshes the screens it took.
    if (existsSync(join(screenshotDir, `${from}.png`)))
      copyFileSync(join(screenshotDir, `${from}.png`), resolve('docs/screenshots', `${to}.png`));
  }
});

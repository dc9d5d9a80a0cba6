/**
 * The console's pages of issue 23 in a real browser at a phone's, a small laptop's and a desktop's
 * width (390, 1024, 1440 px): the token table, a credential's page, the audit log, approvals and the
 * policy-aware forms — every action visible and reached with the Tab key, axe with nothing serious
 * (the harness: test/support/web-console-harness.ts).
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import * as web from '../support/web-console-harness';

const widths = [390, 1024, 1440] as const;

/** The accessible names of everything Tab reaches, in order, from the top of the page (at most `max` stops). */
async function tabStops(page: Page, max = 120): Promise<string[]> {
  await page.evaluate(() => {
    const active = (globalThis as unknown as { document: { activeElement: { blur?: () => void } | null } }).document.activeElement;
    active?.blur?.();
  });
  await page.mouse.click(1, 1); // focus the document itself, before its first control
  const names: string[] = [];
  for (let stop = 0; stop < max; stop++) {
    await page.keyboard.press('Tab');
    const name = await page.evaluate(() => {
      type Focused = {
        tagName: string;
        id: string;
        textContent: string | null;
        labels?: { textContent: string | null }[];
        getAttribute(name: string): string | null;
      };
      const element = (globalThis as unknown as { document: { activeElement: Focused | null } }).document.activeElement;
      if (!element || element.tagName === 'BODY') return null;
      const label = element.getAttribute('aria-label') ?? element.labels?.[0]?.textContent ?? element.textContent ?? element.id;
      return (label ?? '').replace(/\s+/g, ' ').trim();
    });
    if (name === null) break;
    names.push(name);
  }
  return names;
}

/** Nothing wider than the window: no action scrolled out of sight, no sideways scrolling. */
async function expectNoSidewaysScroll(page: Page, width: number): Promise<void> {
  const scrollWidth = await page.evaluate(
    () => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth,
  );
  expect(scrollWidth, `page width at ${width} px`).toBeLessThanOrEqual(width);
  for (const wrap of await page.locator('.table-wrap').all()) {
    const [scroll, client] = await wrap.evaluate((element) => [element.scrollWidth, element.clientWidth]);
    expect(scroll, `a table scrolls sideways at ${width} px`).toBeLessThanOrEqual(client + 1);
  }
}

async function expectVisibleInWindow(page: Page, names: readonly string[], width: number): Promise<void> {
  for (const name of names) {
    const button = page.getByRole('button', { name, exact: true });
    const box = await button.boundingBox();
    expect(box, `${name} at ${width} px`).not.toBeNull();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width, `${name} at ${width} px`).toBeLessThanOrEqual(width);
  }
}

/** A tenant per width: uma's rotated, used vendor credential, a request waiting for approval, ada the admin. */
async function tenantFor(width: number) {
  const tenant = `pages-${width}`;
  const admin = await web.idTokenOf('ada', tenant, true);
  const uma = await web.idTokenOf('uma', tenant);
  const vendor = await web.createToken(uma, { description: 'Vendor feed', scopes: ['candidates:read'] });
  expect((await web.exampleApi(vendor.accessToken)).status).toBe(200); // generation 1 is used…
  const refreshed = await fetch(`${web.service.url}/tokens/refresh`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refreshKey: vendor.refreshKey }),
  });
  expect(refreshed.status).toBe(200); // …then rotated: generation 2 never is
  const successor = (await refreshed.json()) as { id: string };
  await web.createToken(uma, {
    description: 'Reports',
    scopes: ['jobs:read'],
    expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
  });
  expect((await web.callApi(admin, 'PUT', '/tenant/policy', { requireApproval: true })).status).toBe(200);
  const request = await web.createToken(uma, { description: 'Needs review', scopes: ['jobs:read'], justification: 'Nightly job import' });
  return { tenant, admin, uma, vendor, successor, request };
}

describe('web console pages at 390, 1024 and 1440 px', { timeout: 180_000 }, () => {
  for (const width of widths) {
    it(`at ${width} px: tokens, a credential's page, approvals and the audit log work with the keyboard, fit the window and pass axe`, async () => {
      const { tenant, vendor, successor } = await tenantFor(width);
      const page = await web.newPage(undefined, { viewport: { width, height: 900 } });
      await web.signIn(page, 'ada', tenant, true);

      // The token table: the credential's last use is generation 1's, short ids, every action visible.
      const row = web.rowOf(page, 'Vendor feed');
      await row.waitFor();
      expect(await web.textOf(row)).toContain(`${successor.id.slice(0, 8)}…`);
      expect(await web.textOf(row)).not.toContain('Never'); // generation 2 is unused; the credential was used
      const actions = ['Edit token “Vendor feed” of uma', 'Regenerate token “Vendor feed” of uma', 'Revoke token “Vendor feed” of uma'];
      await expectVisibleInWindow(page, actions, width);
      await expectNoSidewaysScroll(page, width);
      const stops = await tabStops(page);
      for (const name of [
        ...actions,
        'Vendor feed of uma: details',
        `Copy token id ${successor.id.slice(0, 8)}… of “Vendor feed”`,
        'Add token',
      ])
        expect(
          stops.some((stop) => stop.endsWith(name)),
          `Tab reaches ${name}: ${stops.join(' | ')}`,
        ).toBe(true);
      await web.expectAccessible(page, `tokens list at ${width} px`);
      await web.screenshot(page, `20-tokens-${width}`);

      // Search by owner and description, the inactive view, sort by expiry.
      await page.getByLabel('Search').fill('report');
      await web.rowOf(page, 'Vendor feed').waitFor({ state: 'detached' });
      expect(await page.locator('table.tokens tbody tr').count()).toBe(1);
      await page.getByLabel('Search').fill('UMA');
      await web.rowOf(page, 'Vendor feed').waitFor();
      await page.getByLabel('Search').fill('');
      await page.getByLabel('Sort by').selectOption('expiry');
      await expect
        .poll(
          async () =>
            await page
              .getByRole('table', { name: /Tokens of every user/ })
              .locator('tbody tr th.description a')
              .allInnerTexts(),
        )
        .toEqual(['Reports', 'Vendor feed']);
      await page.getByRole('radio', { name: 'Inactive' }).check();
      await page.getByText('No revoked or expired tokens.').waitFor();
      await page.getByRole('radio', { name: 'Active', exact: true }).check();
      // The listing has settled on the active tokens again before its link is followed (a click on a
      // row the next answer replaces would be lost).
      await page.waitForLoadState('networkidle');
      await web.rowOf(page, 'Vendor feed').waitFor();

      // A credential's page, by its link, and again by its URL (shareable).
      await web.rowOf(page, 'Vendor feed').getByRole('link', { name: 'Vendor feed of uma: details' }).click();
      await page.getByRole('heading', { name: /Vendor feed/, level: 1 }).waitFor();
      expect(new URL(page.url()).hash).toBe(`#/tokens/${successor.id}`);
      const generations = page.getByRole('table', { name: 'Generations of “Vendor feed”' });
      await expect.poll(() => generations.locator('tbody tr').count()).toBe(2);
      const history = page.getByRole('table', { name: 'Audit history of “Vendor feed”' });
      await history.getByText('Refreshed', { exact: true }).first().waitFor();
      await history.getByText('Created', { exact: true }).first().waitFor();
      await expectNoSidewaysScroll(page, width);
      const pageStops = await tabStops(page);
      for (const name of ['Edit', 'Regenerate', 'Revoke', 'Copy link to this page', '← All tokens'])
        expect(
          pageStops.some((stop) => stop.endsWith(name)),
          `Tab reaches ${name}: ${pageStops.join(' | ')}`,
        ).toBe(true);
      await web.expectAccessible(page, `credential page at ${width} px`);
      await web.screenshot(page, `21-credential-${width}`);
      await page.goto(`${web.service.url}/#/tokens/${vendor.id}`); // an older generation's id finds the same credential
      await page.getByRole('heading', { name: /Vendor feed/, level: 1 }).waitFor();
      await expect.poll(() => generations.locator('tbody tr').count()).toBe(2);

      // Regenerate offers the policy's lifetimes.
      await page.getByRole('button', { name: 'Regenerate' }).click();
      const regenerate = page.getByRole('alertdialog', { name: 'Regenerate token?' });
      await regenerate.getByRole('radio', { name: '180 days from now' }).waitFor();
      await web.expectAccessible(page, `regenerate dialog at ${width} px`);
      await web.screenshot(page, `22-regenerate-${width}`, regenerate);
      await page.keyboard.press('Escape');

      // Approvals: the count on the tab, the justification, a reason on reject.
      const approvalsTab = page.getByRole('link', { name: /Approvals/ });
      await expect.poll(() => approvalsTab.innerText()).toMatch(/Approvals\s*1/);
      await approvalsTab.click();
      await web.rowOf(page, 'Needs review').waitFor();
      await expectVisibleInWindow(page, ['Approve “Needs review” of uma', 'Reject “Needs review” of uma'], width);
      await expectNoSidewaysScroll(page, width);
      expect(await tabStops(page)).toEqual(expect.arrayContaining(['Approve “Needs review” of uma', 'Reject “Needs review” of uma']));
      await web.expectAccessible(page, `approvals at ${width} px`);
      await web.screenshot(page, `23-approvals-${width}`);
      await page.getByRole('button', { name: 'Reject “Needs review” of uma' }).click();
      const reject = page.getByRole('alertdialog', { name: 'Reject token?' });
      await reject.getByLabel('Reason (optional, shown to uma)').fill('Use the shared import token');
      await web.expectAccessible(page, `reject dialog at ${width} px`);
      await reject.getByRole('button', { name: 'Reject token' }).click();
      await page.getByText('Rejected “Needs review” of uma: it is revoked; they see your reason.').waitFor();
      await expect.poll(() => approvalsTab.innerText()).toBe('Approvals');

      // The audit log: filter by event type, export what is shown as CSV.
      await page.getByRole('link', { name: 'Audit log' }).click();
      await page.getByRole('heading', { name: 'Audit log' }).waitFor();
      await page.getByRole('table', { name: 'Audit events' }).waitFor();
      await page.getByLabel('Event').selectOption('token.refreshed');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await expect.poll(() => page.getByRole('table', { name: 'Audit events' }).locator('tbody tr').count()).toBe(1);
      await expectNoSidewaysScroll(page, width);
      expect(await tabStops(page)).toEqual(expect.arrayContaining(['Apply filters', 'Export CSV (1 event)']));
      await web.expectAccessible(page, `audit log at ${width} px`);
      await web.screenshot(page, `24-audit-${width}`);
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Export CSV (1 event)' }).click(),
      ]);
      const csv = readFileSync((await download.path())!, 'utf8')
        .trim()
        .split('\r\n');
      expect(csv[0]).toBe('time,event,action,owner,tokenId,actorType,actorId,sourceIp,details');
      expect(csv).toHaveLength(2);
      expect(csv[1]).toContain(',Refreshed,token.refreshed,uma,');
      await page.context().close();
    });
  }

  it('shows the IP entries as required before submit where the tenant requires them, with no "leave empty"', async () => {
    const admin = await web.idTokenOf('ada', 'ip-required', true);
    expect((await web.callApi(admin, 'PUT', '/tenant/policy', { requireIpRestriction: true })).status).toBe(200);
    const page = await web.newPage(undefined, { viewport: { width: 390, height: 900 } });
    await web.signIn(page, 'uma', 'ip-required');

    await page.getByRole('button', { name: 'Add token' }).click();
    const dialog = page.getByRole('dialog', { name: 'New personal access token' });
    await dialog.waitFor();

    const ipGroup = dialog.getByRole('group', { name: /IP restrictions/ });
    expect(await web.textOf(ipGroup)).toContain('IP restrictions (required)');
    expect(await web.textOf(dialog)).not.toMatch(/leave empty/i);
    const first = dialog.getByRole('textbox', { name: 'IP entry 1', exact: true });
    expect(await first.getAttribute('required')).not.toBeNull();
    expect(await first.getAttribute('aria-required')).toBe('true');
    await first.fill('0.0.0.0/0');
    await first.blur();
    await dialog.getByText('an entry that allows every address is not one').waitFor();
    await web.expectAccessible(page, 'create dialog of a tenant that requires IPs');
    await web.screenshot(page, '25-create-ip-required', dialog);
    await page.context().close();
  });

  // Needs this round's API on the server: the requester's justification (POST /tokens) and the reason shown to them.
  it('shows the requester’s justification to the admin and the rejection’s reason to the requester', async () => {
    const tenant = 'justified';
    const admin = await web.idTokenOf('ada', tenant, true);
    const uma = await web.idTokenOf('uma', tenant);
    expect((await web.callApi(admin, 'PUT', '/tenant/policy', { requireApproval: true })).status).toBe(200);
    const request = await web.createToken(uma, {
      description: 'Payroll export',
      scopes: ['jobs:read'],
      justification: 'Monthly payroll run',
    });
    const page = await web.newPage();
    await web.signIn(page, 'ada', tenant, true);
    await page.getByRole('link', { name: /Approvals/ }).click();
    // The approvals page, not the token list it replaces (both have a row for the request).
    await page.getByRole('heading', { level: 1, name: 'Approvals' }).waitFor();
    await page.getByRole('button', { name: /^Approve “Payroll export”/ }).waitFor();

    expect(await web.textOf(web.rowOf(page, 'Payroll export'))).toContain('Why: Monthly payroll run');
    const reject = await web.callApi(admin, 'POST', `/tokens/${request.id}/reject`, {
      revision: 0,
      reason: 'Ask finance for the shared token',
    });
    expect(reject.status).toBe(200);
    const userPage = await web.newPage();
    await web.signIn(userPage, 'uma', tenant);
    await userPage.getByRole('radio', { name: 'Inactive' }).check();
    expect(await web.textOf(web.rowOf(userPage, 'Payroll export'))).toContain('Rejected: Ask finance for the shared token');
    await page.context().close();
    await userPage.context().close();
  });

  it('raised no script errors on any page', () => {
    expect(web.pageErrors).toEqual([]);
  });
});

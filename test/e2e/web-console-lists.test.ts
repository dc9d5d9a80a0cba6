/** The web console's token list in a real browser: an admin's user filter and pages, one row per credential (the harness: test/support/web-console-harness.ts). */
import { describe, expect, it } from 'vitest';
import { vendorFamilies } from '../support/token-families';
import * as web from '../support/web-console-harness';

describe('web console: the token list', { timeout: 120_000 }, () => {
  it('lets an admin filter by user, page through, revoke another user’s token and create one for someone else', async () => {
    const tenant = 'initech';
    const bob = await web.idTokenOf('bob', tenant);
    const carol = await web.idTokenOf('carol', tenant);
    const bobsToken = await web.createToken(bob, { description: 'Bob CI', scopes: ['candidates:read'], allowedIps: ['127.0.0.1'] });
    await web.createToken(carol, { description: 'Carol export', scopes: ['jobs:read', 'jobs:write'] });
    await web.createToken(carol, { description: 'Carol reports', scopes: ['assessments:read'], expiresInDays: 365 });
    await web.createToken(await web.idTokenOf('dave', 'globex'), { description: 'Dave other tenant', scopes: ['*'] });
    const page = await web.newPage({ pageSize: 2 });
    await web.signIn(page, 'root', tenant, true);

    // Every user of the tenant, newest first, two per page; nothing of another tenant.
    const filter = page.getByRole('combobox', { name: 'User', exact: true });
    await page.getByRole('columnheader', { name: 'User', exact: true }).waitFor();
    await web.rowOf(page, 'Carol reports').waitFor();
    await filter.locator('option', { hasText: 'bob' }).waitFor({ state: 'attached' });
    expect(await filter.locator('option').allInnerTexts()).toEqual(['All users', 'bob', 'carol', 'root']);
    expect(await page.locator('table.tokens tbody tr').count()).toBe(2);
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByText('Page 2').waitFor();
    await web.rowOf(page, 'Bob CI').waitFor();
    expect(await page.getByText('Dave other tenant').count()).toBe(0);
    await web.expectAccessible(page, 'admin tokens list');
    await page.getByRole('button', { name: 'Previous page' }).click();
    await web.rowOf(page, 'Carol reports').waitFor();
    await web.screenshot(page, '07-admin-tokens');

    await filter.selectOption('bob');
    await web.rowOf(page, 'Carol export').waitFor({ state: 'detached' });
    const bobsRow = web.rowOf(page, 'Bob CI');
    expect(await web.textOf(bobsRow)).toContain('bob');
    await bobsRow.getByRole('button', { name: 'Revoke token “Bob CI” of bob' }).click();
    const confirmation = page.getByRole('alertdialog', { name: 'Revoke token?' });
    expect(await web.textOf(confirmation)).toContain('Revoke “Bob CI” of bob?');
    await confirmation.getByRole('button', { name: 'Revoke token' }).click();
    await page.getByText('Revoked “Bob CI” of bob (generation 1).').waitFor(); // generation: needs issue 11 on the server
    const revoked = (await web.tokensOf(bob)).find((token) => token.id === bobsToken.id);
    expect(revoked).toMatchObject({ status: 'revoked', revokedBy: 'root' });
    expect((await web.exampleApi(bobsToken.accessToken)).status).toBe(401);

    await page.getByRole('button', { name: 'Add token' }).click();
    const dialog = page.getByRole('dialog', { name: 'New personal access token' });
    await dialog.getByLabel('For user').fill('erin');
    await dialog.getByLabel('Description').fill('Erin deploy');
    await dialog.getByLabel('All scopes').check();
    await dialog.getByRole('button', { name: 'Create token' }).click();
    const shownOnce = page.getByRole('dialog', { name: 'Token created: “Erin deploy”' });
    expect(await web.textOf(shownOnce.locator('dl'))).toContain('Owner erin');
    await shownOnce.getByRole('button', { name: 'Done: I have copied them' }).click();
    const erins = await web.tokensOf(await web.idTokenOf('erin', tenant));
    expect(erins).toMatchObject([{ description: 'Erin deploy', owner: 'erin', createdBy: 'root', scopes: ['*'] }]);
    await page.context().close();
  });

  it('shows one row per credential with its generation and last rotation, and says what a revocation revoked', async () => {
    const { vendorA15, vendorA14, reports } = vendorFamilies();
    const page = await web.newPage();
    await web.signIn(page, 'kim', 'families');
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

    await web.rowOf(page, 'Reports').waitFor();
    expect(await page.locator('table.tokens tbody tr').count()).toBe(2);
    await page.getByRole('columnheader', { name: 'Generation' }).waitFor();
    expect(await web.textOf(web.rowOf(page, 'Vendor A'))).toContain('15 rotated 2 hours ago');
    expect(await web.textOf(web.rowOf(page, 'Reports'))).not.toContain('rotated');
    await web.expectAccessible(page, 'tokens list with credentials');

    await web.rowOf(page, 'Vendor A').getByRole('button', { name: 'Revoke token “Vendor A”' }).click();
    await page.getByRole('alertdialog', { name: 'Revoke token?' }).getByRole('button', { name: 'Revoke token' }).click();

    await page.getByText('Revoked “Vendor A” (generation 15 and 1 token still in its grace period).').waitFor();
    expect(deleted).toEqual(['/tokens/a15']);
    await web.rowOf(page, 'Vendor A').waitFor({ state: 'detached' });
    await page.context().close();
  });

  it('raised no script errors on any page', () => {
    expect(web.pageErrors).toEqual([]);
  });
});

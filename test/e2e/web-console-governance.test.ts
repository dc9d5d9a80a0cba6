/** The web console in a real browser: tenant policy, approvals, edit, regenerate (the harness: test/support/web-console-harness.ts). */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, describe, it } from 'vitest';
import * as web from '../support/web-console-harness';

describe('web console: tenant governance', { timeout: 120_000 }, () => {
  it('lets an admin tighten the tenant policy, shows what the service refuses next to its field, and revoke every token outside it', async () => {
    const tenant = 'governed';
    const admin = await web.idTokenOf('ada', tenant, true);
    const uma = await web.idTokenOf('uma', tenant);
    const jobsFeed = await web.createToken(uma, { description: 'Jobs feed', scopes: ['jobs:read'] });
    const candidatesFeed = await web.createToken(uma, { description: 'Candidates feed', scopes: ['candidates:read'] });
    const page = await web.newPage();
    await web.signIn(page, 'ada', tenant, true);

    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Tenant policy' }).click();
    await page.getByRole('heading', { name: 'Tenant policy' }).waitFor();
    const maxLifetime = page.getByLabel('Maximum lifetime (days)');
    expect(await maxLifetime.inputValue()).toBe('365');
    expect(await page.getByLabel('Every area').isChecked()).toBe(true);
    await page.getByText('Every live token of the tenant follows the policy.').waitFor();
    await web.expectAccessible(page, 'tenant policy page');
    await web.screenshot(page, '08-tenant-policy');

    // Wider than the deployment: the service's 400 lands under the field it names, and nothing changes.
    await maxLifetime.fill('400');
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page
      .getByText("Nothing was saved: the service refused one field, marked above (a tenant can only tighten the deployment's policy).")
      .waitFor();
    const maxLifetimeError = await maxLifetime.getAttribute('aria-describedby');
    expect(await page.locator(`[id="${maxLifetimeError!.split(' ').pop()}"]`).innerText()).toContain("at most the deployment's 365");
    expect(await maxLifetime.getAttribute('aria-invalid')).toBe('true');
    await web.expectAccessible(page, 'tenant policy page with a refused field');
    await web.screenshot(page, '09-tenant-policy-refused');
    expect((await web.callApi(admin, 'GET', '/policy')).body.maxLifetimeDays).toBe(365);

    await maxLifetime.fill('180');
    await page.getByLabel('Only these areas (and their sub-areas)').check();
    await page.getByRole('checkbox', { name: 'candidates', exact: true }).check();
    // A sub-area comes with its parent: shown ticked (and not a separate choice), as the service reads the list.
    const documents = page.getByRole('checkbox', { name: 'candidates/documents', exact: true });
    expect([await documents.isChecked(), await documents.isDisabled()]).toEqual([true, true]);
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.getByText('Policy saved.', { exact: false }).waitFor();
    expect((await web.callApi(uma, 'GET', '/policy')).body).toMatchObject({
      maxLifetimeDays: 180,
      lifetimesDays: [90, 180],
      allowedAreas: ['candidates'],
    });
    expect(await page.getByLabel('365 days').isChecked()).toBe(false);
    await page.getByText('1 live token does not follow the policy.', { exact: false }).waitFor();

    // The list flags the token the tightened policy no longer allows.
    await page.getByRole('link', { name: 'Tokens' }).click();
    expect(await web.textOf(await web.rowOf(page, 'Jobs feed').first())).toContain('Outside policy');
    await web.rowOf(page, 'Candidates feed').waitFor();
    expect(await web.textOf(web.rowOf(page, 'Candidates feed'))).not.toContain('Outside policy');
    await web.expectAccessible(page, 'tokens list with a token outside the policy');

    await page.getByRole('link', { name: 'Tenant policy' }).click();
    await page.getByRole('button', { name: 'Revoke every token outside the policy' }).click();
    const confirmation = page.getByRole('alertdialog', { name: 'Revoke 1 token outside the policy?' });
    await confirmation.waitFor();
    expect(await web.textOf(confirmation)).toContain('“Jobs feed” of uma');
    expect(await page.evaluate('document.activeElement && document.activeElement.textContent')).toBe('Cancel');
    await web.expectAccessible(page, 'revoke outside policy confirmation');
    await web.screenshot(page, '10-revoke-outside-policy', confirmation);
    await confirmation.getByRole('button', { name: 'Revoke 1 token' }).click();
    await page.getByText('Revoked 1 token outside the policy.').waitFor();
    await page.getByText('Every live token of the tenant follows the policy.').waitFor();

    const after = Object.fromEntries((await web.tokensOf(admin)).map((token) => [token.id, token]));
    expect(after[jobsFeed.id]).toMatchObject({ status: 'revoked', revokeReason: 'outside_policy' });
    expect(after[candidatesFeed.id]).toMatchObject({ status: 'active' });
    await page.context().close();
  });

  it('holds a user’s token for approval: the owner sees it waiting; an admin approves one and rejects another', async () => {
    const tenant = 'approvals';
    const admin = await web.idTokenOf('ada', tenant, true);
    const uma = await web.idTokenOf('uma', tenant);
    expect((await web.callApi(admin, 'PUT', '/tenant/policy', { requireApproval: true })).status).toBe(200);
    const toRefuse = await web.createToken(uma, { description: 'To refuse', scopes: ['jobs:read'] });
    const userPage = await web.newPage();
    await web.signIn(userPage, 'uma', tenant);
    // Users have one page: no navigation to the admin pages.
    expect(await userPage.getByRole('navigation', { name: 'Console' }).count()).toBe(0);

    await userPage.getByRole('button', { name: 'Add token' }).click();
    const dialog = userPage.getByRole('dialog', { name: 'New personal access token' });
    await dialog.getByLabel('Description').fill('Needs approval');
    await dialog.getByLabel('All scopes').check();
    // Said before submit, with a place to say why.
    expect(await web.textOf(dialog)).toContain('Needs an admin’s approval.');
    await dialog.getByLabel('Justification (optional, shown to the approving admins)').fill('Nightly import of the job board');
    await dialog.getByRole('button', { name: 'Request token' }).click();
    const shownOnce = userPage.getByRole('dialog', { name: 'Token created: “Needs approval”' });
    await shownOnce.waitFor();
    expect(await web.textOf(shownOnce)).toContain('Waiting for approval: the token works once an admin of the tenant approves it.');
    const accessToken = await shownOnce.getByLabel('Access token').inputValue();
    await shownOnce.getByRole('button', { name: 'Done: I have copied them' }).click();
    const waiting = userPage.getByRole('region', { name: 'Waiting for approval' });
    await web.rowOf(waiting, 'Needs approval').waitFor();
    expect(await web.textOf(web.rowOf(waiting, 'Needs approval'))).toContain('Waiting for approval');
    expect(await web.textOf(web.rowOf(waiting, 'To refuse'))).toContain('Waiting for approval');
    await web.expectAccessible(userPage, 'tokens list with tokens waiting for approval');
    await web.screenshot(userPage, '11-waiting-for-approval');
    expect((await web.exampleApi(accessToken)).status).toBe(401);

    const page = await web.newPage();
    await web.signIn(page, 'ada', tenant, true);
    await page.getByRole('link', { name: 'Approvals' }).click();
    await page.getByRole('heading', { name: 'Approvals' }).waitFor();
    await web.rowOf(page, 'Needs approval').waitFor();
    expect(await web.textOf(web.rowOf(page, 'Needs approval'))).toContain('*');
    await web.expectAccessible(page, 'approvals page');
    await web.screenshot(page, '12-approvals');

    await page.getByRole('button', { name: 'Approve “Needs approval” of uma' }).click();
    await page.getByText('Approved “Needs approval” of uma: it works now.').waitFor();
    await web.rowOf(page, 'Needs approval').waitFor({ state: 'detached' });
    expect((await web.exampleApi(accessToken)).status).toBe(200);

    await page.getByRole('button', { name: 'Reject “To refuse” of uma' }).click();
    const confirmation = page.getByRole('alertdialog', { name: 'Reject token?' });
    await web.expectAccessible(page, 'reject confirmation');
    await confirmation.getByRole('button', { name: 'Reject token' }).click();
    await page.getByText('Rejected “To refuse” of uma: it is revoked.').waitFor();
    await page.getByText('No token is waiting for approval.').waitFor();
    const refused = (await web.tokensOf(uma)).find((token) => token.id === toRefuse.id);
    expect(refused).toMatchObject({ status: 'revoked', revokeReason: 'rejected' });

    // The owner's list follows.
    await userPage.reload();
    await web.rowOf(userPage, 'Needs approval').getByText('Active', { exact: true }).waitFor();
    expect(await userPage.getByRole('region', { name: 'Waiting for approval' }).count()).toBe(0);
    await userPage.context().close();
    await page.context().close();
  });

  it('offers no Add token button to users where only admins create tokens, and says so; an empty tenant reads plainly', async () => {
    const tenant = 'admins-only';
    const admin = await web.idTokenOf('ada', tenant, true);
    expect((await web.callApi(admin, 'PUT', '/tenant/policy', { creators: 'admins' })).status).toBe(200);
    const page = await web.newPage();
    await web.signIn(page, 'uma', tenant);

    await page.getByText(`In tenant ${tenant} only admins create tokens: ask one of them for a token.`).waitFor();
    expect(await page.getByRole('button', { name: 'Add token' }).count()).toBe(0);
    await page.getByText('You have no active tokens.', { exact: true }).waitFor();
    await web.expectAccessible(page, 'tokens page where only admins create tokens');

    const adminPage = await web.newPage();
    await web.signIn(adminPage, 'ada', tenant, true);
    await adminPage.getByRole('button', { name: 'Add token' }).waitFor();
    await adminPage.getByRole('radio', { name: 'All tokens' }).check();
    await adminPage.getByText('No user of this tenant has a token yet.').waitFor();
    await page.context().close();
    await adminPage.context().close();
  });

  it('edits a token in place: description, IP entries, and scopes it can only lose', async () => {
    const ed = await web.idTokenOf('ed', 'acme');
    const token = await web.createToken(ed, {
      description: 'Editable',
      scopes: ['candidates:read', 'jobs:read', 'jobs:write'],
      allowedIps: ['127.0.0.0/8'],
    });
    const page = await web.newPage();
    await web.signIn(page, 'ed', 'acme');

    await web.rowOf(page, 'Editable').getByRole('button', { name: 'Edit token “Editable”' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit token “Editable”' });
    await dialog.waitFor();
    // Only the token's own scopes are offered, as scopes, each ticked: nothing can be added.
    const boxes = dialog.getByRole('checkbox');
    expect(await dialog.locator('input[type=checkbox] + label').allInnerTexts()).toEqual(['candidates:read', 'jobs:read', 'jobs:write']);
    expect(await boxes.count()).toBe(3);
    for (const box of await boxes.all()) expect(await box.isChecked()).toBe(true);

    await dialog.getByLabel('Description').fill('Edited feed');
    await dialog.getByRole('checkbox', { name: 'jobs:write', exact: true }).uncheck();
    // A user may only narrow the IP entries: a wider one is refused here, before the service is asked.
    await dialog.getByRole('textbox', { name: 'IP entry 1', exact: true }).fill('10.0.0.1');
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await dialog.getByText('you can only narrow them; ask an admin to widen them', { exact: false }).waitFor();
    await dialog.getByRole('textbox', { name: 'IP entry 1', exact: true }).fill('127.0.0.1');
    await web.expectAccessible(page, 'edit dialog');
    await web.screenshot(page, '13-edit-dialog', dialog);
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Token “Edited feed” saved.').waitFor();

    expect((await web.callApi(ed, 'GET', `/tokens/${token.id}`)).body).toMatchObject({
      description: 'Edited feed',
      scopes: ['candidates:read', 'jobs:read'],
      allowedIps: ['127.0.0.1'],
    });
    expect((await web.exampleApi(token.accessToken)).status).toBe(200);
    expect((await web.exampleApi(token.accessToken, 'POST')).status).toBe(403);

    // Keeping no scope is refused here, before the service is asked.
    await web.rowOf(page, 'Edited feed').getByRole('button', { name: 'Edit token “Edited feed”' }).click();
    const again = page.getByRole('dialog', { name: 'Edit token “Edited feed”' });
    await again.getByRole('checkbox', { name: 'candidates:read', exact: true }).uncheck();
    await again.getByRole('checkbox', { name: 'jobs:read', exact: true }).uncheck();
    await again.getByRole('button', { name: 'Save changes' }).click();
    await again.getByText('Keep at least one scope', { exact: false }).waitFor();
    await web.expectAccessible(page, 'edit dialog with a problem');
    await page.context().close();
  });

  it('regenerates a token and offers the vendor a credentials file that pat refresh rotates', async () => {
    const rex = await web.idTokenOf('rex', 'acme');
    const token = await web.createToken(rex, { description: 'Vendor feed', scopes: ['candidates:read'] });
    const page = await web.newPage();
    await web.signIn(page, 'rex', 'acme');

    await web.rowOf(page, 'Vendor feed').getByRole('button', { name: 'Regenerate token “Vendor feed”' }).click();
    const confirmation = page.getByRole('alertdialog', { name: 'Regenerate token?' });
    await confirmation.waitFor();
    expect(await page.evaluate('document.activeElement && document.activeElement.textContent')).toBe('Cancel');
    await web.expectAccessible(page, 'regenerate confirmation');
    await confirmation.getByRole('button', { name: 'Regenerate token' }).click();

    const shownOnce = page.getByRole('dialog', { name: 'Token regenerated: “Vendor feed”' });
    await shownOnce.waitFor();
    const accessToken = await shownOnce.getByLabel('Access token').inputValue();
    const refreshKey = await shownOnce.getByLabel('Refresh key').inputValue();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      shownOnce.getByRole('button', { name: 'Download credentials file' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('pat-credentials-vendor-feed.json');
    const file = join(web.dataDir, download.suggestedFilename());
    await download.saveAs(file);
    const credentials = JSON.parse(readFileSync(file, 'utf8'));
    const regenerated = (await web.tokensOf(rex, 'status=active')).find((item) => item.description === 'Vendor feed');
    expect(credentials).toEqual({
      apiUrl: `${web.service.url}/`,
      tokenId: regenerated.id,
      accessToken,
      refreshKey,
      expiresAt: regenerated.expiresAt,
    });
    expect(regenerated).toMatchObject({ familyId: token.id, generation: 2 });
    await shownOnce.getByText('Saved as pat-credentials-vendor-feed.json.').waitFor();
    await web.expectAccessible(page, 'shown-once panel after a regenerate');
    await web.screenshot(page, '14-regenerated', shownOnce);
    await shownOnce.getByRole('button', { name: 'Done: I have copied them' }).click();
    expect(await page.content()).not.toContain(refreshKey);

    // The vendor's side: the file works with the CLI as it is.
    await web.execFileAsync(process.execPath, [resolve('bin/pat.js'), 'refresh', '--credentials', file], {
      env: { ...process.env, PAT_CREDENTIALS: '' },
    });
    const rotated = JSON.parse(readFileSync(file, 'utf8'));
    expect(rotated.tokenId).not.toBe(regenerated.id);
    expect(rotated.refreshKey).not.toBe(refreshKey);
    expect((await web.exampleApi(rotated.accessToken)).status).toBe(200);
    await page.context().close();
  });

  it('names a rotation’s actor as the vendor’s refresh key, not an internal id', async () => {
    const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000).toISOString();
    const rotated = {
      id: 'r01',
      owner: 'lea',
      tenant: 'acme',
      createdBy: 'lea',
      description: 'Rotated feed',
      scopes: ['candidates:read'],
      allowedIps: [],
      createdAt: hoursAgo(30),
      expiresAt: new Date(Date.now() + 60 * 86_400_000).toISOString(),
      lastUsedAt: null,
      status: 'revoked',
      revokeReason: 'rotated',
      revokedBy: 'refresh:r02',
      revokedAt: hoursAgo(2),
      familyId: 'r01',
      generation: 1,
    };
    const page = await web.newPage();
    await web.signIn(page, 'lea', 'rotations');
    await page.route(
      (url) => url.pathname === '/tokens',
      (route) => route.fulfill({ json: { items: [rotated], nextCursor: null } }),
    );
    await page.getByRole('radio', { name: 'All tokens' }).check();

    const row = web.rowOf(page, 'Rotated feed');
    await row.waitFor();
    expect(await web.textOf(row)).toContain('replaced by a refresh, by the vendor’s refresh key, 2 hours ago');
    expect(await web.textOf(row)).not.toContain('refresh:');
    await page.context().close();
  });

  it('raised no script errors on any page', () => {
    expect(web.pageErrors).toEqual([]);
  });
});

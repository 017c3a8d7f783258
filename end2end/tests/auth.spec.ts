import { execFileSync } from 'node:child_process';
import { expect, test } from '@playwright/test';
import { ADMIN_PASSWORD, hydrated, signIn, signOut, snap } from './helpers';

test.describe.configure({ mode: 'serial' });

test('a wrong password gets a clear message', async ({ page }) => {
  await signIn(page, 'admin', 'not-the-password');
  await expect(page.getByRole('alert')).toHaveText('Wrong username or password.');
  await expect(page).toHaveURL(/\/login/);
  await snap(page, 'login-wrong-password');
});

test('anonymous visitors are sent to sign in, and back after', async ({ page }) => {
  await page.goto('/audit');
  await expect(page).toHaveURL(/\/login\?next=%2Faudit|\/login\?next=\/audit/);
  await hydrated(page);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/audit$/);
  await expect(page.getByRole('heading', { name: 'Audit log' })).toBeVisible();
  await expect(page.getByRole('cell', { name: 'login_failed' }).first()).toBeVisible();
  await snap(page, 'audit-log');
});

test('admin creates a helpdesk user, who cannot open the Users page', async ({ page }) => {
  await signIn(page, 'admin', ADMIN_PASSWORD);
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
  await expect(page.locator('.who')).toContainText('admin');
  await expect(page.locator('.who')).toContainText('Administrator');
  await snap(page, 'dashboard-admin');

  await page.getByRole('link', { name: 'Users' }).click();
  await expect(page.getByRole('heading', { name: 'Users', exact: true })).toBeVisible();
  await hydrated(page);
  const form = page.getByRole('form', { name: 'Add a user' });
  await form.getByLabel('Username').fill('helen');
  await form.getByLabel('Role').selectOption('helpdesk');
  await form.getByLabel('Password').fill('helpdesk-password-1');
  await form.getByRole('button', { name: 'Add user' }).click();
  await expect(page.getByRole('status')).toContainText('helen was created.');
  const row = page.getByRole('row', { name: /helen/ });
  await expect(row).toContainText('Helpdesk');
  await expect(row).toContainText('Active');
  await snap(page, 'users-after-create');

  await signOut(page);
  await signIn(page, 'helen', 'helpdesk-password-1');
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
  await expect(page.locator('.who')).toContainText('Helpdesk');
  // Helpdesk staff do not even see the link...
  await expect(page.getByRole('link', { name: 'Users' })).toHaveCount(0);
  // ...and typing the address gets a refusal, not the page.
  await page.goto('/users');
  await expect(page.getByRole('heading', { name: 'Not allowed' })).toBeVisible();
  await expect(page.getByRole('form', { name: 'Add a user' })).toHaveCount(0);
  await snap(page, 'users-refused-for-helpdesk');
});

test('admin resets a password and the generated one is shown once', async ({ page }) => {
  await signIn(page, 'admin', ADMIN_PASSWORD);
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
  await page.goto('/users');
  await hydrated(page);
  const row = page.getByRole('row', { name: /helen/ });
  await row.getByRole('button', { name: 'Reset password' }).click();
  await row.getByRole('button', { name: 'Reset', exact: true }).click();
  const password = page.getByTestId('generated-password');
  await expect(password).toHaveText(/^[A-Za-z0-9]{16}$/);
  const newPassword = (await password.textContent()) ?? '';

  await signOut(page);
  await signIn(page, 'helen', 'helpdesk-password-1');
  await expect(page.getByRole('alert')).toHaveText('Wrong username or password.');
  await signIn(page, 'helen', newPassword);
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
});

test('unknown pages get a proper 404 page', async ({ page }) => {
  await signIn(page, 'admin', ADMIN_PASSWORD);
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
  const response = await page.goto('/no/such/page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await snap(page, 'not-found');
});

test('the portal reads well on a phone', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, 'admin', ADMIN_PASSWORD);
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
  await snap(page, 'dashboard-phone');
  await page.goto('/users');
  await expect(page.getByRole('row', { name: /helen/ })).toBeVisible();
  await snap(page, 'users-phone');
});

test('devices that inform are counted on the dashboard', async ({ page }) => {
  const port = Number(process.env.E2E_PORT ?? 3100) + 1;
  const simulator = process.env.CPE_SIM_BIN ?? '../target/debug/cpe-sim';
  const report = execFileSync(simulator, ['--url', `http://127.0.0.1:${port}/`, '--devices', '3', '--cycles', '2']).toString();
  expect(report).toContain('sessions=6 failed=0');
  await signIn(page, 'admin', ADMIN_PASSWORD);
  await hydrated(page);
  // The figures are counted in the background every 10 s and the open page reads them
  // again every 10 s, so a snapshot taken while the simulator ran (devices registered, their
  // trees not yet read) can show for up to 20 s. Wait for one taken after it, then read it.
  test.setTimeout(60_000);
  await expect(page.getByText('3 with their parameters read')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('devices-total')).toHaveText('3');
  await expect(page.getByTestId('devices-online')).toHaveText('3');
  await expect(page.getByTestId('devices-new-today')).toHaveText('3');
  await expect(page.getByTestId('software-versions')).toContainText('SimGW');
  await expect(page.getByRole('img', { name: /Informs per minute: .*, ([6-9]|[1-9][0-9]+) in all/ })).toBeVisible({ timeout: 20_000 });
  await snap(page, 'dashboard-with-devices');
});

test('the dashboard shows device activity as it happens', async ({ page }) => {
  const port = Number(process.env.E2E_PORT ?? 3100) + 1;
  const simulator = process.env.CPE_SIM_BIN ?? '../target/debug/cpe-sim';
  await signIn(page, 'admin', ADMIN_PASSWORD);
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
  await hydrated(page);
  await expect(page.getByTestId('live-status')).toHaveText(/Connected/);
  // A new device bootstraps while the page is open: no reload.
  execFileSync(simulator, ['--url', `http://127.0.0.1:${port}/`, '--devices', '1', '--first', '500']);
  const feed = page.getByTestId('live-events');
  await expect(feed.getByText('SIM000000500 (SimGW)')).toBeVisible();
  await expect(feed.getByText(/SIM000000500: 0 BOOTSTRAP, 1 BOOT/)).toBeVisible();
  await snap(page, 'dashboard-live');
});

test('staff search the device list with the query language', async ({ page }) => {
  await signIn(page, 'admin', ADMIN_PASSWORD);
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
  await page.getByRole('link', { name: 'Devices' }).first().click();
  await expect(page.getByRole('heading', { name: 'Devices' })).toBeVisible();
  // Every simulated device so far: three counted earlier and the one seen live.
  await expect(page.locator('tbody tr')).toHaveCount(4);
  await page.getByLabel('Search').fill('serial_number = SIM000000500');
  await page.getByLabel('Sort by').selectOption('-last_inform');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/q=serial_number/);
  // The server-rendered result hydrates like any page.
  await hydrated(page);
  await expect(page.locator('tbody tr')).toHaveCount(1);
  await expect(page.getByRole('cell', { name: 'SIM000000500', exact: true })).toBeVisible();
  await expect(page.locator('tbody').getByText('Online', { exact: true })).toBeVisible();
  await snap(page, 'devices-search');
  await page.getByLabel('Search').fill('serial_number =');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page.getByText(/The search has a problem at character/)).toBeVisible();
  await page.getByLabel('Search').fill('tag = nobody-has-this');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page.getByTestId('no-devices')).toHaveText('No device matches this search.');
});

test('staff filter the list, tag devices in bulk and export them', async ({ page }) => {
  await signIn(page, 'admin', ADMIN_PASSWORD);
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
  await page.goto('/devices?sort=serial_number');
  await hydrated(page);
  await expect(page.locator('tbody tr')).toHaveCount(4);
  await page.getByLabel('Select SIM000000001').check();
  await page.getByLabel('Select SIM000000002').check();
  await expect(page.getByTestId('selected-count')).toHaveText('2 devices selected');
  await page.getByLabel('Action', { exact: true }).selectOption('add_tag');
  await page.getByLabel('Tag to add or remove').fill('north');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page.getByTestId('bulk-result')).toContainText("Add tag 'north': done on 2 devices.");
  // The list is read again: the tags show at once.
  await expect(page.locator('tbody tr', { hasText: 'north' })).toHaveCount(2);

  // The filters narrow the list, and the export carries them.
  await page.getByLabel('Tag', { exact: true }).fill('north');
  await page.getByLabel('Status').selectOption('true');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/tag=north/);
  await expect(page.locator('tbody tr')).toHaveCount(2);
  const href = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
  const csv = await page.request.get(href!);
  expect(csv.status()).toBe(200);
  const lines = (await csv.text()).trim().split('\n');
  expect(lines).toHaveLength(3);
  expect(lines[1]).toContain('SIM000000001');

  // Everything on the page at once; a reboot asks first.
  await hydrated(page);
  await page.getByLabel('Select every device on this page').check();
  await expect(page.getByTestId('selected-count')).toHaveText('2 devices selected');
  await page.getByLabel('Action', { exact: true }).selectOption('reboot');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page.getByRole('button', { name: 'Reboot 2 devices now' })).toBeVisible();
  await snap(page, 'devices-bulk');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('button', { name: 'Apply' })).toBeVisible();
});

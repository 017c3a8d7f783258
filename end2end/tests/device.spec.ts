import { ChildProcess, spawn } from 'node:child_process';
import { APIRequestContext, expect, Page, test } from '@playwright/test';
import { ADMIN_PASSWORD, hydrated, signIn, signOut, snap } from './helpers';

// One simulated router that can be woken (its own Connection Request endpoint, credentials
// set by the ACS at BOOTSTRAP), shared by the journeys below in order.
test.describe.configure({ mode: 'serial' });

const SERIAL = 'SIM000000700';
let simulator: ChildProcess | undefined;

test.beforeAll(async () => {
  const port = Number(process.env.E2E_PORT ?? 3100) + 1;
  const binary = process.env.CPE_SIM_BIN ?? '../target/debug/cpe-sim';
  simulator = spawn(binary, [
    '--url', `http://127.0.0.1:${port}/`, '--wakeable', '--devices', '1', '--first', '700',
    '--profile', 'tr181', '--interval', '300', '--duration', '600',
  ], { stdio: 'ignore' });
});

test.afterAll(async () => {
  simulator?.kill();
});

/** Creates a user through the admin's server function. */
async function createUser(request: APIRequestContext, username: string, role: string, password: string) {
  const login = await request.post('/api/login', { form: { username: 'admin', password: ADMIN_PASSWORD } });
  expect(login.status()).toBe(200);
  const created = await request.post('/api/create_user', { form: { username, role, password } });
  expect(created.status()).toBe(200);
}

/** Opens the simulated router's page from the device list, as staff do. */
async function openRouter(page: Page) {
  await page.goto(`/devices?q=${encodeURIComponent(`serial_number = ${SERIAL}`)}`);
  await expect(page.getByRole('link', { name: SERIAL })).toBeVisible({ timeout: 20_000 });
  await page.getByRole('link', { name: SERIAL }).click();
  await expect(page.getByRole('heading', { name: SERIAL })).toBeVisible();
  await hydrated(page);
  await expect(page.getByText('Live', { exact: true })).toBeVisible();
}

test('helpdesk finds a device, edits its Wi-Fi name and sees the task complete live', async ({ page, request }) => {
  await createUser(request, 'hank', 'helpdesk', 'helpdesk-password-2');
  await signIn(page, 'hank', 'helpdesk-password-2');
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
  await openRouter(page);
  const summary = page.getByTestId('device-summary');
  await expect(summary).toContainText('TR-181 (Device:2)');
  await expect(page.getByTestId('device-status')).toHaveText('Online');
  const overview = page.getByTestId('device-overview');
  await expect(overview).toContainText('Home-700-1');
  await expect(overview).toContainText('br-lan');
  await snap(page, 'device-page');

  // Down the tree to the first SSID, one level at a time.
  const tree = page.getByRole('tree', { name: 'Parameter tree' });
  for (const level of ['Device.', 'WiFi.', 'SSID.', '1.']) {
    await tree.getByRole('button', { name: level, exact: true }).click();
  }
  const ssid = tree.locator('li[data-name="Device.WiFi.SSID.1.SSID"]');
  await expect(ssid).toContainText('Home-700-1');
  await ssid.getByRole('button', { name: 'Edit' }).click();
  // A value the type does not allow is refused before anything is sent.
  const enable = tree.locator('li[data-name="Device.WiFi.SSID.1.Enable"]');
  await expect(enable).toContainText('boolean');
  await ssid.getByLabel('New value of Device.WiFi.SSID.1.SSID').fill('Helpdesk-Net');
  await ssid.getByRole('button', { name: 'Save' }).click();
  const progress = page.getByTestId('action-progress');
  await expect(progress).toContainText("Set Device.WiFi.SSID.1.SSID to 'Helpdesk-Net'");
  await expect(progress.getByTestId('action-stage').first()).toHaveText('Done', { timeout: 15_000 });
  // The page reads the device again: the tree and the overview show the new name.
  await expect(ssid).toContainText('Helpdesk-Net');
  await expect(overview).toContainText('Helpdesk-Net');
  await page.getByRole('tab', { name: 'Tasks' }).click();
  await expect(page.getByRole('tabpanel')).toContainText('SetParameterValues · by hank');
  await snap(page, 'device-page-after-edit');

  // A wrong type for a number, caught in the browser.
  await page.getByLabel('Find a parameter (name or value)').fill('PeriodicInformInterval');
  await page.getByRole('button', { name: 'Find' }).click();
  const interval = page.locator('li[data-name="Device.ManagementServer.PeriodicInformInterval"]');
  await interval.getByRole('button', { name: 'Edit' }).click();
  await interval.getByRole('textbox').fill('soon');
  await interval.getByRole('button', { name: 'Save' }).click();
  await expect(interval.getByRole('alert')).toContainText('is not a valid xsd:unsignedInt');
  await signOut(page);
});

test('an admin reboots a device and sees it come back', async ({ page }) => {
  await signIn(page, 'admin', ADMIN_PASSWORD);
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
  await openRouter(page);
  await page.getByRole('button', { name: 'Reboot', exact: true }).click();
  await expect(page.getByRole('group', { name: 'Confirm reboot' })).toContainText(`Restart ${SERIAL}?`);
  await page.getByRole('button', { name: 'Reboot now' }).click();
  const stage = page.getByTestId('action-progress').getByTestId('action-stage').first();
  await expect(stage).toHaveText('Back online', { timeout: 20_000 });
  await page.getByRole('tab', { name: 'Events' }).click();
  await expect(page.getByRole('tabpanel')).toContainText('1 BOOT');
  await snap(page, 'device-rebooted');

  // The factory reset asks for the serial number before it can be sent.
  await page.getByRole('button', { name: 'Factory reset' }).click();
  const erase = page.getByRole('button', { name: 'Erase and reset' });
  await expect(erase).toBeDisabled();
  await page.getByRole('form', { name: 'Confirm factory reset' }).getByLabel('Serial number').fill(SERIAL);
  await expect(erase).toBeEnabled();
  await page.getByRole('form', { name: 'Confirm factory reset' }).getByRole('button', { name: 'Cancel' }).click();
  await signOut(page);
});

test('a customer claims their router, changes the Wi-Fi password and sees nothing else', async ({ page, request }) => {
  // Staff make a claim code for the customer.
  await signIn(page, 'admin', ADMIN_PASSWORD);
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
  await openRouter(page);
  await page.getByRole('button', { name: 'Make a claim code' }).click();
  const code = (await page.getByTestId('claim-code').textContent()) ?? '';
  expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
  await signOut(page);

  await createUser(request, 'cora', 'customer', 'customer-password-1');
  await signIn(page, 'cora', 'customer-password-1');
  await expect(page.getByRole('heading', { name: 'My devices' })).toBeVisible();
  await hydrated(page);
  await expect(page.getByTestId('no-devices')).toBeVisible();
  const claim = page.getByRole('form', { name: 'Add a device' });
  await claim.getByLabel('Serial number').fill(SERIAL);
  await claim.getByLabel('Claim code').fill(code.toLowerCase());
  await claim.getByRole('button', { name: 'Add device' }).click();
  await expect(page).toHaveURL(/\/my\/devices\/\d+$/);
  await hydrated(page);
  await expect(page.getByTestId('device-status')).toHaveText('Online');
  const networks = page.getByTestId('wifi-network');
  await expect(networks).toHaveCount(4);
  await expect(networks.first()).toContainText('Helpdesk-Net');
  await snap(page, 'customer-device');

  const first = networks.first();
  await first.getByLabel('New Wi-Fi password').fill('short');
  await first.getByRole('button', { name: 'Change password' }).click();
  await expect(first.getByRole('alert')).toContainText('8 to 63 characters');
  await first.getByLabel('New Wi-Fi password').fill('correct horse battery');
  await first.getByRole('button', { name: 'Change password' }).click();
  const stage = page.getByTestId('action-progress').getByTestId('action-stage').first();
  await expect(stage).toHaveText('Done', { timeout: 15_000 });
  await expect(page.getByTestId('action-progress')).not.toContainText('correct horse battery');
  await snap(page, 'customer-password-changed');

  // Someone else's device, by URL: refused, and staff pages too.
  await page.goto('/my/devices/1');
  await expect(page.getByTestId('device-refused')).toContainText('not linked to your account');
  await snap(page, 'customer-refused');
  await page.goto('/devices/1');
  await expect(page.getByRole('heading', { name: 'Not allowed' })).toBeVisible();
  const api = await page.request.post('/api/device_detail', { form: { id: '1' } });
  expect(api.status()).toBe(403);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/');
  await expect(page.getByRole('link', { name: 'Manage' })).toBeVisible();
  await snap(page, 'customer-home-phone');
});

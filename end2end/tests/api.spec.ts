import SwaggerParser from '@apidevtools/swagger-parser';
import { expect, test } from '@playwright/test';
import { ADMIN_PASSWORD, hydrated, signIn, snap } from './helpers';

test.describe.configure({ mode: 'serial' });

test('the OpenAPI document validates as OpenAPI 3.1', async ({ request }) => {
  const response = await request.get('/api/v1/openapi.json');
  expect(response.status()).toBe(200);
  const document = await response.json();
  expect(document.openapi).toBe('3.1.0');
  // Throws, naming the problem, when the document breaks the OpenAPI schema or a $ref dangles.
  await SwaggerParser.validate(structuredClone(document));
});

test('an admin creates an API token, a machine uses it, the admin revokes it', async ({ page, request }) => {
  await signIn(page, 'admin', ADMIN_PASSWORD);
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
  await page.getByRole('link', { name: 'API', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'API', exact: true })).toBeVisible();
  await hydrated(page);

  const form = page.getByRole('form', { name: 'Create an API token' });
  await form.getByLabel('Name').fill('billing-system');
  await form.getByLabel('Acts as').selectOption('helpdesk');
  await form.getByRole('button', { name: 'Create token' }).click();
  const secret = page.getByTestId('api-token-secret');
  await expect(secret).toHaveText(/^osp_[0-9a-f]{40}$/);
  const token = (await secret.textContent()) ?? '';
  const row = page.getByRole('row', { name: /billing-system/ });
  await expect(row).toContainText('Helpdesk');
  await expect(row).toContainText('never');
  await snap(page, 'api-token-created');

  const auth = { Authorization: `Bearer ${token}` };
  const count = await request.get('/api/v1/devices/count', { headers: auth });
  expect(count.status()).toBe(200);
  expect(typeof (await count.json()).count).toBe('number');
  const refused = await request.delete('/api/v1/devices/1', { headers: auth });
  expect(refused.status()).toBe(403);
  expect((await refused.json()).error.code).toBe('forbidden');

  // The reference reads the same document.
  const operation = page.locator('details.operation', { hasText: 'Queue a task' });
  await operation.locator('summary').click();
  await expect(operation).toContainText('wait');
  await snap(page, 'api-reference');

  await page.reload();
  await hydrated(page);
  const used = page.getByRole('row', { name: /billing-system/ });
  await expect(used).not.toContainText('never');
  await used.getByRole('button', { name: 'Revoke' }).click();
  await used.getByRole('button', { name: 'Revoke', exact: true }).last().click();
  await expect(used).toContainText('Revoked');
  const after = await request.get('/api/v1/devices/count', { headers: auth });
  expect(after.status()).toBe(401);
});

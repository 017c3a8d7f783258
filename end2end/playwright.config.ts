import { defineConfig } from '@playwright/test';

// The Makefile's `e2e` target sets these: a freshly built server, its assets, an empty
// database. The server is started here and stopped when the run ends.
const port = Number(process.env.E2E_PORT ?? 3100);
const binary = process.env.OSPREY_BIN ?? '../target/debug/osprey';
export const ADMIN_PASSWORD = 'e2e-admin-password';

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: {
    command: binary,
    url: `http://127.0.0.1:${port}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      OSPREY_UI_LISTEN: `127.0.0.1:${port}`,
      OSPREY_CWMP_LISTEN: `127.0.0.1:${port + 1}`,
      OSPREY_ADMIN_PASSWORD: ADMIN_PASSWORD,
      OSPREY_DATABASE_URL: process.env.OSPREY_DATABASE_URL ?? 'sqlite://../target/e2e/osprey.db?mode=rwc',
      OSPREY_SITE_ROOT: process.env.OSPREY_SITE_ROOT ?? '../target/site-debug',
      OSPREY_LOG_LEVEL: 'info',
    },
  },
});

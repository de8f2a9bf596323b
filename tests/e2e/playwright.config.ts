/**
 * Playwright: the same specs against the served console in Debian's Chromium
 * ("chromium") and against the Electron app ("electron", skipped with the
 * reason where the Electron runtime binary is not installed). See fixtures.ts.
 *
 * Never downloads browsers: Chromium is /usr/bin/chromium (Debian package
 * `chromium`; `npm test` installs it when run as root with apt-get), or the
 * path in CHARTER_CHROMIUM.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from '@playwright/test';
import type { ConsoleOptions } from './fixtures';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const chromium = process.env.CHARTER_CHROMIUM ?? '/usr/bin/chromium';

export default defineConfig<ConsoleOptions>({
  testDir: '.',
  testMatch: '**/*.spec.ts',
  // Override when several runs share a checkout (each run empties its outputDir).
  outputDir: process.env.CHARTER_E2E_OUTPUT ?? path.join(ROOT, 'test-results/e2e'),
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  timeout: 240_000,
  expect: { timeout: 20_000 },
  reporter: [[process.env.CI ? 'line' : 'list'], ['json', { outputFile: process.env.CHARTER_E2E_JSON ?? path.join(ROOT, 'test-results/playwright.json') }]],
  use: {
    actionTimeout: 30_000,
    navigationTimeout: 60_000,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    video: 'off',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        charterHost: 'serve',
        browserName: 'chromium',
        headless: true,
        launchOptions: {
          ...(existsSync(chromium) ? { executablePath: chromium } : {}),
          args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
        },
      },
    },
    {
      name: 'electron',
      use: { charterHost: 'electron' },
    },
  ],
});

/**
 * Loading the console is clean: no console error, no failed request and no
 * 4xx/5xx response (the favicon included: the page links an SVG icon from the
 * renderer's public assets, served under the console's CSP), in the served
 * console (Debian's Chromium) and in the Electron window where it exists.
 */
import type { ConsoleMessage, Response } from '@playwright/test';
import { expect, test } from './fixtures';

test('loading the console logs no error and every request it makes, the favicon included, succeeds', async ({ page, console }) => {
  const errors: string[] = [];
  const bad: string[] = [];
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('requestfailed', (r) => bad.push(`${r.url()} failed: ${r.failure()?.errorText}`));
  page.on('response', (r: Response) => {
    if (r.status() >= 400) bad.push(`${r.url()} → ${r.status()}`);
  });

  const icon = page.waitForResponse((r) => /\/favicon\.(svg|ico)$/.test(new URL(r.url()).pathname), { timeout: 30_000 }).catch(() => null);
  if (console.url) await page.goto(console.url);
  await expect(page.getByRole('contentinfo', { name: 'Status bar' }).getByText(/Node connected/)).toBeVisible();
  if (console.url) {
    // The browser's own request for the icon, made while loading: 200, as SVG (no 404 in the console).
    const r = await icon;
    expect(r, 'the browser requested an icon while loading the page').not.toBeNull();
    expect(`${new URL(r!.url()).pathname} → ${r!.status()} ${r!.headers()['content-type']}`).toBe('/favicon.svg → 200 image/svg+xml');
    await page.waitForTimeout(500);
  }
  expect(bad).toEqual([]);
  expect(errors).toEqual([]);

  // The document names its icon; the icon is served as SVG.
  const href = await page.locator('link[rel="icon"]').getAttribute('href');
  expect(href).toBe('./favicon.svg');
  const fetched = await page.evaluate(async () => {
    const r = await fetch((document.querySelector('link[rel="icon"]') as HTMLLinkElement).href);
    return { status: r.status, type: r.headers.get('content-type'), body: await r.text() };
  });
  expect(fetched).toMatchObject({ status: 200, type: 'image/svg+xml' });
  expect(fetched.body).toContain('<svg');
});

/**
 * The served console's session in a real browser (Chromium, the served
 * console only: Electron has no URL, no cookie and no WebSocket).
 *
 * - Cookies ignore ports: another web service on 127.0.0.1 that the same
 *   browser visits receives every cookie of 127.0.0.1. Nothing it receives may
 *   open the contract, and the token must not be in it.
 * - A reload keeps working (the token stays in this tab's sessionStorage); a
 *   new tab without the token says what to do.
 * - A bad WebSocket frame closes only its socket: `charter serve` (a separate
 *   process here) and its devnet keep serving the page.
 * - A trust file too large for one message gets a clear error and nothing is sent.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import type { Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures';

const status = (page: Page): Locator => page.getByRole('contentinfo', { name: 'Status bar' });
const editor = (page: Page): Locator => page.getByRole('main', { name: 'Editor' });

/** A second local web service on another 127.0.0.1 port that records every request's headers. */
async function recordingServer(): Promise<{ url: string; requests: http.IncomingHttpHeaders[]; paths: string[]; close(): Promise<void> }> {
  const requests: http.IncomingHttpHeaders[] = [];
  const paths: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.headers);
    paths.push(req.url ?? '');
    // Its own cookie, so the test can see that this browser does send cookies for 127.0.0.1 here.
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Set-Cookie': 'probe=other-service; Path=/; SameSite=Lax' });
    res.end('<!doctype html><title>Other local service</title><img src="/pixel.png" alt="">');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    paths,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Status and body of GET `path` on the console with exactly these headers. */
function consoleGet(origin: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: string; setCookie: unknown }> {
  return new Promise((resolve, reject) => {
    const req = http.get(new URL(path, origin), { headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, setCookie: res.headers['set-cookie'] }));
    });
    req.on('error', reject);
  });
}

/** The HTTP status of a WebSocket handshake on /contract with these headers (101 when it opens). */
function contractHandshake(origin: string, query: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${origin.replace(/^http/, 'ws')}/contract${query}`, { headers });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', () => resolve(0));
  });
}

test('the session token never leaves this origin; reload works; a bad frame closes only its socket', async ({ page, console, context }) => {
  test.skip(console.host !== 'serve', 'the served console only: the Electron window has no URL, cookie or WebSocket');
  const consoleUrl = new URL(console.url);
  const token = consoleUrl.searchParams.get('token') ?? '';
  expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  const origin = consoleUrl.origin;

  await page.goto(console.url);
  await expect(status(page).getByText(/Node connected/)).toBeVisible();
  expect(page.url()).not.toContain('token=');
  expect(await context.cookies(origin)).toEqual([]);

  // 1. A second local web service, visited by the same browser (same context), twice.
  const other = await recordingServer();
  try {
    const visitor = await context.newPage();
    await visitor.goto(other.url);
    await expect(visitor).toHaveTitle('Other local service');
    await visitor.reload();
    await expect(visitor).toHaveTitle('Other local service');
    await visitor.close();

    const received = other.requests.map((h) => h.cookie ?? '').filter((c) => c !== '');
    // The browser does send this host's cookies to the other port (its own probe comes back) ...
    expect(received.join('; ')).toContain('probe=other-service');
    // ... but nothing of the console's: no cookie of ours, and the token in no header or path at all.
    for (const h of other.requests) expect(JSON.stringify(h)).not.toContain(token);
    for (const p of other.paths) expect(p).not.toContain(token);
    const cookieNames = received.flatMap((c) => c.split(';').map((kv) => kv.trim().split('=')[0]));
    expect(cookieNames.filter((n) => n !== 'probe')).toEqual([]);

    // Replay everything it received against the console: the contract stays shut (401), and the HTTP
    // answer is what anyone gets without credentials (the public renderer files, no data, no cookie).
    const anonymous = await consoleGet(origin, '/', {});
    for (const cookie of [...new Set(received)]) {
      expect(await contractHandshake(origin, '', { Cookie: cookie })).toBe(401);
      const replay = await consoleGet(origin, '/', { Cookie: cookie });
      expect(replay.body).toBe(anonymous.body);
      expect(replay.setCookie).toBeUndefined();
    }
    // The handshake check itself can pass: with the token it opens.
    expect(await contractHandshake(origin, `?token=${token}`, {})).toBe(101);
  } finally {
    await other.close();
  }

  // 2. A reload reconnects by itself (the token is in this tab's sessionStorage, not in a cookie).
  await page.reload();
  await expect(status(page).getByText(/Node connected/)).toBeVisible();
  await expect(page.getByText('This page has no session token')).toHaveCount(0);
  await page.screenshot({ path: test.info().outputPath('after-reload.png') });

  // A tab whose stored token the host no longer accepts (as after `charter serve` restarts with a new one):
  // a reload says there is no valid token and what to do, instead of retrying for ever.
  const stale = await context.newPage();
  await stale.goto(console.url);
  await expect(status(stale).getByText(/Node connected/)).toBeVisible();
  await stale.evaluate(() => sessionStorage.setItem('charter.sessionToken', 'a-token-of-an-earlier-run'));
  await stale.reload();
  await expect(stale.getByRole('alert').filter({ hasText: 'This page has no session token' })).toContainText('charter serve');
  expect(await stale.evaluate(() => sessionStorage.getItem('charter.sessionToken'))).toBeNull();
  await stale.close();

  // A new tab opened without the token says exactly what to do.
  const bare = await context.newPage();
  await bare.goto(origin + '/');
  await expect(bare.getByRole('alert').filter({ hasText: 'This page has no session token' })).toContainText('charter serve');
  await bare.screenshot({ path: test.info().outputPath('no-token.png') });
  await bare.close();

  // 3. Bad frames from a raw client: each closes its own socket; `charter serve` and the page go on.
  const raw = (): Promise<WebSocket> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(`${origin.replace(/^http/, 'ws')}/contract?token=${token}`, { headers: { Origin: origin } });
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    });
  const closeCode = (ws: WebSocket): Promise<number> => new Promise((resolve) => ws.once('close', (code) => resolve(code)));
  const big = await raw();
  big.on('error', () => {});
  const bigClosed = closeCode(big);
  big.send('x'.repeat(1024 * 1024 + 1));
  expect(await bigClosed).toBe(1009);
  const bad = await raw();
  bad.on('error', () => {});
  const badClosed = closeCode(bad);
  const mask = Buffer.from([9, 8, 7, 6]);
  const payload = Buffer.from([0xc3, 0x28, 0xff]);
  (bad as unknown as { _socket: import('node:net').Socket })._socket.write(
    Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!))]),
  );
  expect(await badClosed).toBe(1007);
  await expect(status(page).getByText(/Node connected/)).toBeVisible();
  await page.getByRole('navigation', { name: 'Activity bar' }).getByRole('button', { name: 'Evidence', exact: true }).click();

  // 4. A 2 MiB trust file is refused in the page with its reason; nothing is sent and the console stays connected.
  const trust = Buffer.from(JSON.stringify({ version: 1, log_id: 'x', quorum: 1, keys: [], pad: 'x'.repeat(2 * 1024 * 1024) }));
  await editor(page).getByLabel('Trust file').setInputFiles({ name: 'huge-trust.json', mimeType: 'application/json', buffer: trust });
  await editor(page)
    .getByLabel('Open a bundle')
    .setInputFiles({ name: 'any.zip', mimeType: 'application/zip', buffer: Buffer.from('PK\u0005\u0006' + '\u0000'.repeat(18), 'latin1') });
  const alert = editor(page).getByRole('alert').filter({ hasText: 'huge-trust.json' });
  await expect(alert).toContainText('BUNDLE_TRUST_INVALID');
  await expect(alert).toContainText(/bytes; a trust file .* is under 512 KiB/);
  await page.screenshot({ path: test.info().outputPath('huge-trust.png') });
  await expect(status(page).getByText(/Node connected/)).toBeVisible();
  await expect(page.getByText(/Not connected to the console host/)).toHaveCount(0);
});

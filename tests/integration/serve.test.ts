// The served console's security boundary, over real sockets: token (never a
// cookie), Host and Origin checks, the WebSocket contract protocol, bad frames,
// loopback-only bind.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_MESSAGE_BYTES } from '../../core/contract/limits.js';
import { createCharter, type Charter } from '../../main/app.js';
import { startServe, type ServeHandle } from '../../main/hosts/serve.js';

let dir: string;
let staticDir: string;
let charter: Charter;
let srv: ServeHandle;

function get(p: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: srv.port, path: p, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

function connect(query: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/contract${query}`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function request(ws: WebSocket, msg: unknown): Promise<{ id: unknown; result: { ok: boolean; value?: unknown; error?: { code: string } } }> {
  return new Promise((resolve) => {
    const onMsg = (raw: WebSocket.RawData): void => {
      const m = JSON.parse(raw.toString());
      if ('id' in m) {
        ws.off('message', onMsg);
        resolve(m);
      }
    };
    ws.on('message', onMsg);
    ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  });
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-serve-'));
  staticDir = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-static-'));
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>Charter Console</title>');
  fs.writeFileSync(path.join(dir, 'secret-outside.txt'), 'do not serve');
  charter = await createCharter({ host: 'serve', workspace: dir, blockTimeMs: 100, scrypt: { n: 1 << 12, r: 8, p: 1 }, watch: false });
  srv = await startServe(charter, { staticDir });
});
afterAll(async () => {
  await srv?.close();
  await charter?.close();
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(staticDir, { recursive: true, force: true });
});

describe('charter serve over HTTP', () => {
  it('binds to loopback and prints a URL with a long random token', () => {
    expect(srv.host).toBe('127.0.0.1');
    expect(srv.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
  });

  it('serves the built renderer (code, no data) with or without the token, with a strict CSP, and never sets a cookie', async () => {
    // Cookies ignore ports: a cookie for 127.0.0.1 would reach every other local web service.
    for (const p of ['/', '/index.html', '/?token=wrong', `/?token=${srv.token}`]) {
      const r = await get(p);
      expect(r.status, p).toBe(200);
      expect(r.body).toContain('<title>Charter Console</title>');
      expect(r.headers['set-cookie'], p).toBeUndefined();
      expect(r.headers['content-security-policy']).toContain("script-src 'self'");
      expect(r.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    }
    expect((await get('/assets/app.js')).status).toBe(404);
  });

  it("a plain GET of /contract says only whether the token is the session's (401, or 426 Upgrade Required)", async () => {
    expect((await get('/contract')).status).toBe(401);
    expect((await get('/contract?token=wrong')).status).toBe(401);
    expect((await get('/contract', { Cookie: `token=${srv.token}` })).status).toBe(401);
    const ok = await get(`/contract?token=${srv.token}`);
    expect(ok.status).toBe(426);
    expect(ok.headers['set-cookie']).toBeUndefined();
  });

  it('answers malformed requests with 400, before and without any token, and keeps serving', async () => {
    const raw = await new Promise<string>((resolve) => {
      const sock = net.connect(srv.port, '127.0.0.1', () => sock.write(`GET http://a:99999/ HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\n\r\n`));
      let data = '';
      sock.on('data', (d) => (data += d));
      sock.on('close', () => resolve(data));
      sock.setTimeout(2000, () => sock.destroy());
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400/);
    expect((await get(`/?token=${srv.token}`)).status).toBe(200);
  });

  it('refuses a foreign Host header (DNS rebinding) and paths outside the build', async () => {
    expect((await get(`/?token=${srv.token}`, { Host: `evil.example:${srv.port}` })).status).toBe(421);
    expect((await get(`/..%2fsecret-outside.txt?token=${srv.token}`)).status).toBe(404);
  });

  it('refuses a non-loopback host unless forced, and warns when forced', async () => {
    await expect(startServe(charter, { host: '0.0.0.0', staticDir })).rejects.toMatchObject({ code: 'HOST_REFUSED' });
    const warnings: string[] = [];
    const forced = await startServe(charter, { host: '0.0.0.0', force: true, staticDir, warn: (m) => warnings.push(m) });
    expect(warnings.join('\n')).toMatch(/WARNING/);
    await forced.close();
  });
});

describe('the contract over the WebSocket', () => {
  it('rejects a connection without the token, with a wrong one, with the token only as a cookie, or from a foreign Origin', async () => {
    await expect(connect('')).rejects.toThrow(/401/);
    await expect(connect('?token=wrong')).rejects.toThrow(/401/);
    await expect(connect('', { Cookie: `charter_session_${srv.port}=${srv.token}; token=${srv.token}` })).rejects.toThrow(/401/);
    await expect(connect(`?token=${srv.token}`, { Origin: 'http://evil.example' })).rejects.toThrow(/403/);
  });

  it('an over-size frame or invalid UTF-8 closes only the socket that sent it; the server and other sockets go on', async () => {
    const origin = { Origin: `http://127.0.0.1:${srv.port}` };
    const bystander = await connect(`?token=${srv.token}`, origin);
    const closed = (ws: WebSocket): Promise<number> => new Promise((resolve) => ws.once('close', (code) => resolve(code)));
    try {
      // A frame one byte over 1 MiB: ws answers close 1009 (message too big).
      const big = await connect(`?token=${srv.token}`, origin);
      big.on('error', () => {}); // the client side sees the abrupt end too
      const bigClosed = closed(big);
      big.send(JSON.stringify({ id: 1, method: 'app.info', input: { pad: 'x'.repeat(1024 * 1024) } }));
      expect(await bigClosed).toBe(1009);

      // A text frame whose bytes are not UTF-8: close 1007 (invalid frame payload data).
      const bad = await connect(`?token=${srv.token}`, origin);
      bad.on('error', () => {});
      const badClosed = closed(bad);
      // ws validates what it sends, so write the frame by hand on the raw socket: FIN + text opcode, masked, 4 bytes.
      const payload = Buffer.from([0xff, 0xfe, 0xc3, 0x28]);
      const mask = Buffer.from([1, 2, 3, 4]);
      const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
      (bad as unknown as { _socket: net.Socket })._socket.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]));
      expect(await badClosed).toBe(1007);

      // The bystander's socket still answers, and new connections are accepted.
      expect(bystander.readyState).toBe(WebSocket.OPEN);
      expect((await request(bystander, { id: 7, method: 'app.info', input: {} })).result.ok).toBe(true);
      const fresh = await connect(`?token=${srv.token}`, origin);
      expect((await request(fresh, { id: 8, method: 'app.info', input: {} })).result.ok).toBe(true);
      fresh.close();
      expect((await get('/')).status).toBe(200);
      expect(
        charter.out
          .recent()
          .map((l) => l.message)
          .join('\n'),
      ).toMatch(/closed a WebSocket: WS_ERR_UNSUPPORTED_MESSAGE_LENGTH[\s\S]*closed a WebSocket: WS_ERR_INVALID_UTF8/);
    } finally {
      bystander.close();
    }
  });

  it('answers calls, validates input, and pushes events', async () => {
    const ws = await connect(`?token=${srv.token}`, { Origin: `http://127.0.0.1:${srv.port}` });
    try {
      const info = await request(ws, { id: 1, method: 'app.info', input: {} });
      expect(info).toMatchObject({ id: 1, result: { ok: true, value: { host: 'serve', devnet: true } } });
      expect((await request(ws, { id: 2, method: 'nope', input: {} })).result.error?.code).toBe('UNKNOWN_METHOD');
      expect((await request(ws, { id: 3, method: 'keys.create', input: { label: '' } })).result.error?.code).toBe('INVALID_INPUT');
      expect((await request(ws, '{not json')).result.error?.code).toBe('INVALID_INPUT');
      const events: string[] = [];
      ws.on('message', (raw) => {
        const m = JSON.parse(raw.toString());
        if (m.event) events.push(m.event);
      });
      const created = await request(ws, { id: 4, method: 'keys.create', input: { label: 'ws-key', passphrase: 'a long passphrase' } });
      expect(created.result.ok).toBe(true);
      await new Promise((r) => setTimeout(r, 50));
      expect(events).toContain('audit.appended');
      expect(events).toContain('devices.changed');
    } finally {
      ws.close();
    }
  });
});

describe("the renderer's WebSocket transport against the real host", () => {
  // Node 20 has no global WebSocket: the renderer's transport gets ws's client, which has the browser API (real socket, real host).
  // The renderer is typechecked with the DOM library (renderer/tsconfig.json), this file without it: load it untyped.
  type Client = { call(method: string, input: unknown): Promise<unknown>; connection(): unknown };
  let createWebSocketClient: (token: string | null, loc: { protocol: string; host: string }, opts?: { onTokenRefused?: () => void }) => Client;
  const loc = () => ({ protocol: 'http:', host: `127.0.0.1:${srv.port}` });
  beforeAll(async () => {
    (globalThis as { WebSocket?: unknown }).WebSocket = WebSocket;
    const transport = '../../renderer/src/transport/websocket.js';
    ({ createWebSocketClient } = (await import(transport)) as { createWebSocketClient: typeof createWebSocketClient });
  });
  afterAll(() => {
    delete (globalThis as { WebSocket?: unknown }).WebSocket;
  });

  it('refuses a request over the message limit before sending it, and the connection stays usable', async () => {
    const client = createWebSocketClient(srv.token, loc());
    expect(await client.call('app.info', {})).toMatchObject({ host: 'serve' });
    const before = charter.out.recent().length;
    const huge = { label: 'x'.repeat(MAX_MESSAGE_BYTES), passphrase: 'a long passphrase' };
    await expect(client.call('keys.create', huge)).rejects.toMatchObject({
      error: { code: 'MESSAGE_TOO_LARGE', details: { method: 'keys.create', limit: MAX_MESSAGE_BYTES } },
    });
    // Multi-byte text is counted in UTF-8 bytes, as the host counts it: 400,000 × "€" is 1.2 MB.
    await expect(client.call('keys.create', { label: '€'.repeat(400_000), passphrase: 'a long passphrase' })).rejects.toMatchObject({
      error: { code: 'MESSAGE_TOO_LARGE' },
    });
    expect(client.connection()).toEqual({ state: 'open' });
    expect(await client.call('app.info', {})).toMatchObject({ host: 'serve' });
    // Nothing reached the host: no socket was closed for size.
    expect(
      charter.out
        .recent()
        .slice(before)
        .some((l) => /closed a WebSocket/.test(l.message)),
    ).toBe(false);
  });

  it('a token the host refuses (charter serve restarted with a new one): it stops retrying and says there is no valid token', async () => {
    let refused = 0;
    const client = createWebSocketClient('a-token-from-an-earlier-run', loc(), { onTokenRefused: () => (refused += 1) });
    const deadline = Date.now() + 10_000;
    while ((client.connection() as { state: string }).state !== 'no-token' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(client.connection()).toEqual({ state: 'no-token' });
    expect(refused).toBe(1);
    await expect(client.call('app.info', {})).rejects.toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    // No further attempts: it stays so.
    await new Promise((r) => setTimeout(r, 700));
    expect(client.connection()).toEqual({ state: 'no-token' });
    expect(refused).toBe(1);
  });

  it('without a token it says so and never connects', async () => {
    const client = createWebSocketClient(null, loc());
    expect(client.connection()).toEqual({ state: 'no-token' });
    await expect(client.call('app.info', {})).rejects.toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    await new Promise((r) => setTimeout(r, 50));
    expect(client.connection()).toEqual({ state: 'no-token' });
  });
});

/**
 * The served console (`charter serve`): the built renderer over HTTP and the
 * contract over a WebSocket, the way VS Code's serve-web and Jupyter do it.
 *
 * - Binds to 127.0.0.1 by default; any other host needs `force`.
 * - A random session token (256 bits) is printed in the URL. A request must
 *   carry it (?token=… or the HttpOnly, SameSite=Strict cookie set when the
 *   page is first opened with it); otherwise 401 and no data.
 * - The Host header must name the address we listen on (DNS rebinding), and a
 *   WebSocket's Origin must be our own origin (cross-site WebSocket hijacking).
 * - Strict CSP and no-store on every response.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { CharterError } from '../../core/errors.js';
import type { Charter } from '../app.js';
import { isLoopback } from '../util/cli-args.js';
import { rendererDir } from '../util/paths.js';
import { toSerializedError } from './dispatch.js';

export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

/** Cookies ignore ports: name the session cookie after ours, so other local services never receive it. */
const cookieName = (port: number): string => `charter_session_${port}`;
const MAX_MESSAGE = 1024 * 1024;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

export interface ServeOptions {
  host?: string;
  port?: number;
  /** Allow a non-loopback host (prints a warning). */
  force?: boolean;
  /** Fixed token (tests); default random. */
  token?: string;
  /** Directory of the built renderer; default dist/renderer. */
  staticDir?: string;
  warn?: (msg: string) => void;
}

export interface ServeHandle {
  url: string;
  port: number;
  host: string;
  token: string;
  close(): Promise<void>;
}


function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

function cookieToken(req: http.IncomingMessage, name: string): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k !== name) continue;
    try {
      return decodeURIComponent(v.join('='));
    } catch {
      return null; // a malformed cookie authenticates nothing
    }
  }
  return null;
}

/** The request's URL, or null when the request line cannot be parsed (answered 400, never a crash). */
function parseUrl(req: http.IncomingMessage): URL | null {
  try {
    return new URL(req.url ?? '/', 'http://placeholder');
  } catch {
    return null;
  }
}

export async function startServe(charter: Charter, opts: ServeOptions = {}): Promise<ServeHandle> {
  const host = opts.host ?? '127.0.0.1';
  if (!isLoopback(host)) {
    if (!opts.force) throw new CharterError('HOST_REFUSED', `refusing to listen on ${host}: the console would be reachable from the network`);
    (opts.warn ?? console.warn)(
      `WARNING: serving Charter Console on ${host}, reachable from the network. Anyone with the URL and token can operate this workspace's keys.`,
    );
  }
  const token = opts.token ?? crypto.randomBytes(32).toString('base64url');
  const staticDir = path.resolve(opts.staticDir ?? rendererDir());
  let port = 0;

  const allowedHosts = (): Set<string> => new Set([`${host}:${port}`, `127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);

  const authorised = (req: http.IncomingMessage, url: URL): { ok: boolean; viaQuery: boolean } => {
    const q = url.searchParams.get('token');
    if (q !== null && safeEqual(q, token)) return { ok: true, viaQuery: true };
    const c = cookieToken(req, cookieName(port));
    if (c !== null && safeEqual(c, token)) return { ok: true, viaQuery: false };
    return { ok: false, viaQuery: false };
  };

  const baseHeaders = {
    'Content-Security-Policy': CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'X-Frame-Options': 'DENY',
  };

  const deny = (res: http.ServerResponse, status: number, text: string): void => {
    res.writeHead(status, { ...baseHeaders, 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(text);
  };

  const server = http.createServer((req, res) => {
    const url = parseUrl(req);
    if (!url) return deny(res, 400, 'Bad request.\n');
    if (!allowedHosts().has(req.headers.host ?? '') && isLoopback(host)) return deny(res, 421, 'Misdirected request: unexpected Host header.\n');
    const auth = authorised(req, url);
    if (!auth.ok) return deny(res, 401, '401 Unauthorized: open the console with the URL printed by `charter serve`; it carries the session token.\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return deny(res, 405, 'Method not allowed.\n');
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      return deny(res, 400, 'Bad request.\n');
    }
    if (rel === '/' || rel === '') rel = '/index.html';
    const file = path.resolve(staticDir, '.' + rel);
    if (!file.startsWith(staticDir + path.sep)) return deny(res, 404, 'Not found.\n');
    let data: Buffer;
    try {
      data = fs.readFileSync(file);
    } catch {
      if (rel === '/index.html') {
        return deny(res, 503, 'The console has not been built: run `npm run build` (or `npm install`, which builds it).\n');
      }
      return deny(res, 404, 'Not found.\n');
    }
    const headers: Record<string, string> = { ...baseHeaders, 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' };
    if (auth.viaQuery) headers['Set-Cookie'] = `${cookieName(port)}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : data);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE });
  const sockets = new Set<WebSocket>();

  server.on('upgrade', (req, socket, head) => {
    const reject = (status: string): void => {
      socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      socket.destroy();
    };
    const url = parseUrl(req);
    if (!url) return reject('400 Bad Request');
    if (url.pathname !== '/contract') return reject('404 Not Found');
    if (!allowedHosts().has(req.headers.host ?? '') && isLoopback(host)) return reject('421 Misdirected Request');
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${req.headers.host}`) return reject('403 Forbidden');
    if (!authorised(req, url).ok) return reject('401 Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  const unsubscribe = charter.subscribe((event, payload) => {
    const msg = JSON.stringify({ event, payload });
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(msg);
  });

  wss.on('connection', (ws: WebSocket) => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    ws.on('message', (raw, isBinary) => {
      void (async () => {
        let id: unknown = null;
        try {
          if (isBinary) throw new CharterError('INVALID_INPUT', 'binary frames are not part of the protocol');
          let msg: { id?: unknown; method?: unknown; input?: unknown };
          try {
            msg = JSON.parse(raw.toString()) as typeof msg;
          } catch {
            throw new CharterError('INVALID_INPUT', 'the message is not valid JSON');
          }
          if (msg === null || typeof msg !== 'object') throw new CharterError('INVALID_INPUT', 'a request is a JSON object {id, method, input}');
          id = msg.id ?? null;
          if (typeof id !== 'number' && typeof id !== 'string') throw new CharterError('INVALID_INPUT', 'each request needs an "id" (number or string)');
          const result = await charter.dispatch(String(msg.method), msg.input);
          if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id, result }));
        } catch (e) {
          const error = toSerializedError(e, charter.out, 'serve');
          if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id, result: { ok: false, error } }));
        }
      })();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  port = typeof addr === 'object' && addr ? addr.port : 0;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}/?token=${token}`;

  return {
    url,
    port,
    host,
    token,
    async close() {
      unsubscribe();
      for (const ws of sockets) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

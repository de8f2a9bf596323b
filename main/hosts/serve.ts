/**
 * The served console (`charter serve`): the built renderer over HTTP and the
 * contract over a WebSocket, the way VS Code's serve-web and Jupyter do it.
 *
 * - Binds to 127.0.0.1 by default; any other host needs `force`.
 * - A random session token (256 bits) is printed in the URL. The contract (the
 *   WebSocket at /contract, the only way to any data) needs it as ?token=…;
 *   otherwise 401 and no data. No cookie is ever set: cookies ignore ports, so
 *   a cookie for 127.0.0.1 reaches every other web service on 127.0.0.1 the
 *   browser visits. The page keeps the token in its sessionStorage, which is
 *   scoped to this origin (scheme, host and port) and this tab, so a reload
 *   reconnects and no other local service can read it.
 * - The built renderer (HTML, JavaScript, CSS: the same files for everyone,
 *   no workspace data) is served without the token, so a reload works.
 * - The Host header must name the address we listen on (DNS rebinding), and a
 *   WebSocket's Origin must be our own origin (cross-site WebSocket hijacking).
 * - A frame over MAX_MESSAGE_BYTES, invalid UTF-8 or any other socket error
 *   closes that one socket; the server, the devnet and other sockets go on.
 * - Strict CSP and no-store on every response.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_MESSAGE_BYTES } from '../../core/contract/limits.js';
import { CharterError } from '../../core/errors.js';
import type { Charter } from '../app.js';
import { isLoopback } from '../../base/node/net.js';
import { rendererDir } from '../util/paths.js';
import { toSerializedError } from './dispatch.js';

export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

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

  /** The contract's one credential: ?token=… on the WebSocket's URL (never a cookie, never a header a browser adds by itself). */
  const authorised = (url: URL): boolean => {
    const q = url.searchParams.get('token');
    return q !== null && safeEqual(q, token);
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
    if (req.method !== 'GET' && req.method !== 'HEAD') return deny(res, 405, 'Method not allowed.\n');
    // A plain GET of the contract's address tells the page whether its token is still the session's
    // (a browser's WebSocket hides the handshake's 401); it tells nothing the handshake does not.
    if (url.pathname === '/contract') {
      if (!authorised(url))
        return deny(res, 401, '401 Unauthorized: open the console with the URL printed by `charter serve`; it carries the session token.\n');
      return deny(res, 426, 'Upgrade Required: the contract is a WebSocket.\n');
    }
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
    res.writeHead(200, { ...baseHeaders, 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    res.end(req.method === 'HEAD' ? undefined : data);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  const sockets = new Set<WebSocket>();
  // The server's own errors (never a client's) are reported, not thrown.
  wss.on('error', (e) => charter.out.error('serve', `WebSocket server: ${e.message}`));

  server.on('upgrade', (req, socket, head) => {
    // A peer resetting the connection during the handshake ends that connection only.
    socket.on('error', () => socket.destroy());
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
    if (!authorised(url)) return reject('401 Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  const unsubscribe = charter.subscribe((event, payload) => {
    const msg = JSON.stringify({ event, payload });
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(msg);
  });

  wss.on('connection', (ws: WebSocket) => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    // A frame over the limit (ws answers with close code 1009), invalid UTF-8
    // (1007) or a protocol error (1002): ws is already closing this socket, and
    // only this one. Without a listener the 'error' event would throw and take
    // the process (and the embedded devnet) down.
    ws.on('error', (e: Error & { code?: string }) => {
      sockets.delete(ws);
      charter.out.warn('serve', `closed a WebSocket: ${e.code ?? 'socket error'}: ${e.message}`);
      if (ws.readyState === ws.OPEN) ws.close(1011, 'socket error');
    });
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

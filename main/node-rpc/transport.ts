/**
 * The HTTP transport of a node's RPC: a node:http server that answers only
 * to loopback Host names when bound to loopback (DNS-rebinding guard), caps
 * request bodies, never sends CORS headers, and hands each request to the
 * mounted handlers in order (main/node-rpc/read-api.ts, comet-routes.ts).
 * A handler answers (true) or passes (false); when none answers: 404.
 * Every failure is answered; a request can never take the node down.
 */
import { isLoopback } from '../../base/node/net.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { CharterError } from '../../core/errors.js';
import type { LogFn } from '../app-host/host.js';

export type { LogFn };

/** An error answered as HTTP `status` with the JSON body {code, message}. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** What a mounted handler may use of the transport. */
export interface HttpContext {
  /** http://host:port of this server. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly address: { host: string; port: number };
  readonly log: LogFn;
  /** The body as UTF-8 text, within the cap; rejects with HttpError 413. */
  readBody(req: IncomingMessage): Promise<string>;
  sendJson(res: ServerResponse, status: number, body: unknown): void;
}

/** Answers the request (true) or leaves it to the next handler (false). */
export type HttpHandler = (req: IncomingMessage, res: ServerResponse, url: URL, ctx: HttpContext) => boolean | Promise<boolean>;

export interface HttpTransportOptions {
  maxBodyBytes: number;
  log: LogFn;
}

export function isLoopbackHost(h: string): boolean {
  // A browser may also name this machine *.localhost (RFC 6761), as a Host header or an origin.
  return isLoopback(h) || h.toLowerCase().endsWith('.localhost');
}

/** Is `origin` this loopback node's own web origin (http://127.0.0.1:PORT, http://localhost:PORT, http://[::1]:PORT)? */
export function isLoopbackOrigin(origin: string, port: number): boolean {
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    return false;
  }
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  return u.protocol === 'http:' && u.port === String(port) && isLoopbackHost(host);
}

export class HttpTransport implements HttpContext {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly handlers: HttpHandler[] = [];
  host = '127.0.0.1';
  port = 0;
  readonly log: LogFn;

  constructor(private readonly opts: HttpTransportOptions) {
    this.log = opts.log;
    this.server = createServer({ maxHeaderSize: 16 * 1024 }, (req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        this.opts.log('error', `RPC handler failed: ${(e as Error).message}`);
        if (!res.headersSent) this.sendJson(res, 500, { code: 'INTERNAL', message: 'internal error' });
        else res.destroy();
      });
    });
    this.server.headersTimeout = 20_000;
    this.server.requestTimeout = 60_000;
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('clientError', (_e, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
  }

  /** Adds a handler after those already mounted. */
  mount(handler: HttpHandler): this {
    this.handlers.push(handler);
    return this;
  }

  get url(): string {
    const h = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${h}:${this.port}`;
  }
  get address(): { host: string; port: number } {
    return { host: this.host, port: this.port };
  }

  listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => reject(new CharterError('NODE_ERROR', `cannot listen on ${host}:${port}: ${e.message}`));
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        this.server.on('error', (e) => this.opts.log('error', `RPC server: ${e.message}`));
        const a = this.server.address() as AddressInfo;
        this.host = host;
        this.port = a.port;
        resolve();
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!this.hostAllowed(req.headers.host)) {
      // DNS-rebinding guard: a loopback-bound node answers only to loopback names.
      return this.sendJson(res, 403, { code: 'UNAUTHORIZED', message: `Host ${JSON.stringify(req.headers.host ?? '')} is not allowed; use ${this.url}` });
    }
    for (const h of this.handlers) if (await h(req, res, url, this)) return;
    req.resume();
    this.sendJson(res, 404, { code: 'NOT_FOUND', message: `no route ${req.method ?? 'GET'} ${url.pathname}` });
  }

  private hostAllowed(hostHeader: string | undefined): boolean {
    if (!isLoopbackHost(this.host)) return true;
    if (!hostHeader) return false;
    const m = /^(?:\[([^\]]+)\]|([^:]+))(?::\d+)?$/.exec(hostHeader.trim());
    const name = (m?.[1] ?? m?.[2] ?? '').toLowerCase();
    return isLoopbackHost(name);
  }

  readBody(req: IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
      const declared = Number(req.headers['content-length'] ?? NaN);
      if (Number.isFinite(declared) && declared > this.opts.maxBodyBytes) {
        req.resume();
        return reject(new HttpError(413, 'INVALID_INPUT', `request body is ${declared} bytes; the limit is ${this.opts.maxBodyBytes}`));
      }
      const chunks: Buffer[] = [];
      let n = 0;
      let failed = false;
      req.on('data', (c: Buffer) => {
        if (failed) return;
        n += c.length;
        if (n > this.opts.maxBodyBytes) {
          failed = true;
          req.resume();
          reject(new HttpError(413, 'INVALID_INPUT', `request body exceeds ${this.opts.maxBodyBytes} bytes`));
          return;
        }
        chunks.push(c);
      });
      req.on('end', () => {
        if (!failed) resolve(Buffer.concat(chunks).toString('utf8'));
      });
      req.on('error', (e) => {
        if (!failed) reject(e);
      });
    });
  }

  sendJson(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(text),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    res.end(res.req.method === 'HEAD' ? undefined : text);
  }
}

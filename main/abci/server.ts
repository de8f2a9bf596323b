/**
 * The ABCI socket server: CometBFT v0.38's socket protocol over TCP or a
 * Unix socket, answering with CometApp (main/abci/app.ts).
 *
 * CometBFT opens four connections (consensus, mempool, query, snapshot) and
 * on each sends length-prefixed protobuf Requests (main/abci/framing.ts),
 * expecting the Responses in the same order. Every request is answered
 * synchronously as it is read, so the order holds on each connection and
 * across them (one thread, one application). Responses are buffered while
 * a chunk of input is processed and written out at a Flush, or at the end of
 * the chunk; a request the application cannot serve gets ResponseException.
 *
 * A failure while executing or committing a block is fatal: the server
 * answers the exception (CometBFT halts on it), then reports it through
 * onFatal so the process stops instead of serving a state it cannot vouch
 * for. A restart resumes from the last committed block, and CometBFT's
 * handshake replays what the application lacks.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { existsSync, lstatSync, unlinkSync } from 'node:fs';
import { Request, Response } from 'cosmjs-types/tendermint/abci/types';
import { CharterError } from '../../core/errors.js';
import type { LogFn } from '../app-host/host.js';
import type { CometApp } from './app.js';
import { frame, FrameReader } from './framing.js';

/** "tcp://127.0.0.1:26658" or "unix:///path/app.sock". */
export type AbciAddress = { kind: 'tcp'; host: string; port: number } | { kind: 'unix'; path: string };

export function parseAbciAddress(s: string): AbciAddress {
  const unix = /^unix:\/\/(\/.+)$/.exec(s);
  if (unix) return { kind: 'unix', path: unix[1] as string };
  const tcp = /^(?:tcp:\/\/)?(\[[0-9a-fA-F:.]+\]|[^:/[\]\s]+):(\d{1,5})$/.exec(s);
  if (!tcp || Number(tcp[2]) > 65535) throw new CharterError('USAGE', `--listen must be tcp://host:port or unix:///path, got ${JSON.stringify(s)}`);
  return { kind: 'tcp', host: (tcp[1] as string).replace(/^\[|\]$/g, ''), port: Number(tcp[2]) };
}

/** The requests whose failure leaves the application unable to go on. */
const FATAL = ['initChain', 'finalizeBlock', 'commit', 'applySnapshotChunk'] as const;

export interface AbciServerOptions {
  app: CometApp;
  log?: LogFn;
  /** Called once when executing or committing fails (see above). */
  onFatal?: (e: Error) => void;
}

export class AbciServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly app: CometApp;
  private readonly log: LogFn;
  private readonly onFatal: (e: Error) => void;
  private fatal: Error | null = null;
  private addr: AbciAddress | null = null;
  /** Requests answered, by kind (for status and tests). */
  readonly counts = new Map<string, number>();

  constructor(opts: AbciServerOptions) {
    this.app = opts.app;
    this.log = opts.log ?? (() => {});
    this.onFatal = opts.onFatal ?? (() => {});
    this.server = createServer((s) => this.connection(s));
  }

  listen(addr: AbciAddress): Promise<void> {
    // A socket left by an earlier run is replaced; any other file there is not ours to delete.
    if (addr.kind === 'unix' && existsSync(addr.path)) {
      if (!lstatSync(addr.path).isSocket()) return Promise.reject(new CharterError('USAGE', `${addr.path} exists and is not a socket`));
      unlinkSync(addr.path);
    }
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      const done = (): void => {
        this.server.off('error', reject);
        const a = this.server.address();
        this.addr = addr.kind === 'tcp' && a !== null && typeof a === 'object' ? { kind: 'tcp', host: addr.host, port: a.port } : addr;
        resolve();
      };
      if (addr.kind === 'tcp') this.server.listen(addr.port, addr.host, done);
      else this.server.listen(addr.path, done);
    });
  }

  /** The address listened on (the port chosen when 0 was asked). */
  get address(): AbciAddress {
    if (this.addr === null) throw new Error('not listening');
    return this.addr;
  }

  get url(): string {
    const a = this.address;
    return a.kind === 'tcp' ? `tcp://${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}` : `unix://${a.path}`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private connection(socket: Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const reader = new FrameReader();
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', (e) => this.log('warn', `ABCI connection: ${e.message}`));
    socket.on('data', (chunk: Buffer) => {
      let messages: Uint8Array[];
      try {
        messages = reader.push(chunk);
      } catch (e) {
        this.refuse(socket, (e as Error).message);
        return;
      }
      socket.cork();
      try {
        for (const m of messages) {
          let req: Request;
          try {
            req = Request.decode(m);
          } catch (e) {
            this.refuse(socket, `not an ABCI Request: ${(e as Error).message}`);
            return;
          }
          const res = this.answer(req);
          socket.write(frame(Response.encode(res).finish()));
          if (req.flush) {
            socket.uncork();
            socket.cork();
          }
        }
      } finally {
        socket.uncork();
      }
    });
  }

  private answer(req: Request): Response {
    const kind: string = Object.keys(req).find((k) => (req as Record<string, unknown>)[k] !== undefined) ?? 'unknown';
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    if (this.fatal !== null && kind !== 'flush' && kind !== 'echo') {
      return Response.fromPartial({ exception: { error: `the application stopped after an earlier failure: ${this.fatal.message}` } });
    }
    try {
      return this.app.handle(req);
    } catch (e) {
      const err = e as Error;
      if ((FATAL as readonly string[]).includes(kind)) {
        this.fatal = err;
        this.log('error', `ABCI ${kind} failed: ${err.message}`);
        queueMicrotask(() => this.onFatal(err));
      } else this.log('warn', `ABCI ${kind}: ${err.message}`);
      return Response.fromPartial({ exception: { error: err.message } });
    }
  }

  private refuse(socket: Socket, why: string): void {
    this.log('warn', `ABCI connection closed: ${why}`);
    socket.end(frame(Response.encode(Response.fromPartial({ exception: { error: why } })).finish()));
  }
}

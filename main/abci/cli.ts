/**
 * `charter abci`: the custody application as a CometBFT ABCI server, with
 * its read API (the explorer endpoints, receipts, checkpoints, proofs,
 * historical state, /metrics/engine) on --api, since CometBFT's RPC knows
 * nothing of them. The commander wiring lives with the CLI.
 */
import { CharterError } from '../../core/errors.js';
import { say, sayErr } from '../cli/output.js';
import { mountReadApi, type ReadApiView } from '../node-rpc/read-api.js';
import { HttpTransport, type HttpHandler } from '../node-rpc/transport.js';
import { isLoopback } from '../util/cli-args.js';
import { parseHostPort } from '../devnet/cli.js';
import { CometApp } from './app.js';
import { AbciServer, parseAbciAddress } from './server.js';

export interface AbciCommandOptions {
  home: string;
  /** tcp://host:port or unix:///path; default tcp://127.0.0.1:26658. */
  listen?: string;
  /** host:port of the read API; none when absent. */
  api?: string;
  snapshotEvery?: string;
  checkpointEvery?: string;
  /** Allow a non-loopback --listen or --api address. */
  force?: boolean;
  out?: (line: string) => void;
  err?: (line: string) => void;
  signal?: AbortSignal;
  onStarted?: (s: { server: AbciServer; app: CometApp; apiUrl: string | null }) => void;
}

function positive(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d{1,9}$/.test(v) || Number(v) < 1) throw new CharterError('USAGE', `${name} must be a positive integer, got ${JSON.stringify(v)}`);
  return Number(v);
}

/** The read API before InitChain: nothing to read yet. */
const notYet: HttpHandler = (_req, res) => {
  res.writeHead(503, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { code: 'NOT_AVAILABLE', message: 'the chain is not initialised yet (waiting for InitChain from CometBFT)' } }) + '\n');
  return true;
};

/** Runs until SIGINT, SIGTERM or `signal`; exits 1 (rejects) when the application fails. */
export async function runAbciCommand(opts: AbciCommandOptions): Promise<void> {
  const out = opts.out ?? say;
  const err = opts.err ?? sayErr;
  const addr = parseAbciAddress(opts.listen ?? 'tcp://127.0.0.1:26658');
  const snapshotEvery = positive('--snapshot-every', opts.snapshotEvery);
  const checkpointEvery = positive('--checkpoint-every', opts.checkpointEvery);
  if (addr.kind === 'tcp' && !isLoopback(addr.host) && !opts.force) {
    throw new CharterError(
      'HOST_REFUSED',
      `refusing to serve ABCI on ${addr.host}: it is not a loopback address, and whoever connects drives the application; keep it beside cometbft, or pass --force-host`,
      { host: addr.host },
    );
  }
  const api = opts.api !== undefined ? parseHostPort(opts.api) : null;
  if (api !== null && !isLoopback(api.host) && !opts.force) {
    throw new CharterError('HOST_REFUSED', `refusing to serve the read API on ${api.host}: it is not a loopback address; pass --force-host to do it anyway`, {
      host: api.host,
    });
  }
  const log = (level: 'info' | 'warn' | 'error', msg: string): void => (level === 'info' ? out(msg) : err(`${level}: ${msg}`));
  const app = new CometApp({ home: opts.home, log, ...(snapshotEvery ? { snapshotEvery } : {}), ...(checkpointEvery ? { checkpointEvery } : {}) });
  let failed: Error | null = null;
  let stop: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const server = new AbciServer({
    app,
    log,
    onFatal: (e) => {
      failed = e;
      stop();
    },
  });
  let http: HttpTransport | null = null;
  try {
    await server.listen(addr);
    if (api !== null) {
      let mounted: { host: object; handler: HttpHandler } | null = null;
      http = new HttpTransport({ maxBodyBytes: 1024 * 1024, log });
      http.mount((req, res, url, t) => {
        const host = app.app;
        if (host === null) return notYet(req, res, url, t);
        // A new host after state sync: the routes follow it.
        if (mounted === null || mounted.host !== host) {
          const view: ReadApiView = {
            app: host,
            consensus: { mempoolSize: 0, isPending: () => false, validators: () => [], devnet: false },
          };
          mounted = { host, handler: mountReadApi(view) };
        }
        return mounted.handler(req, res, url, t);
      });
      await http.listen(api.host, api.port);
    }
    const h = app.app;
    out(`charter abci: ${server.url}${http ? `, read API ${http.url}` : ''}; ${h ? `chain ${h.chainId} at height ${h.height()}` : 'waiting for InitChain'}`);
    opts.onStarted?.({ server, app, apiUrl: http?.url ?? null });
    const onSignal = (): void => stop();
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    opts.signal?.addEventListener('abort', onSignal, { once: true });
    await stopped;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  } finally {
    await server.close();
    await http?.close();
    app.close();
  }
  if (failed !== null) throw new CharterError('NODE_ERROR', `the application stopped: ${(failed as Error).message}`);
}

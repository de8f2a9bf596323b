/**
 * `charter node`: run the devnet alone, in the foreground.
 * The commander wiring lives with the CLI; this is the action behind it.
 */
import { isIP } from 'node:net';
import { CharterError } from '../../core/errors.js';
import { isLoopback, parseDuration } from '../util/cli-args.js';
import { say, sayErr } from '../cli/output.js';

export { isLoopback, parseDuration };
import { ADMIN_KEY_WARNING } from './keys.js';
import { DevnetNode, type BlockEvent } from './node.js';

export interface NodeCommandOptions {
  home: string;
  /** "host:port" ("[::1]:26657" for IPv6). Default "127.0.0.1:26657". */
  rpc?: string;
  /** "1s", "500ms", "2m" (1 ms to 1 h). Default "1s". */
  blockTime?: string;
  emptyBlocks?: boolean;
  /** Checkpoint interval in blocks ("10"); a positive integer. Default 10. */
  checkpointEvery?: string;
  /** State snapshot interval in blocks ("1000"); a positive integer. Default 1000. */
  snapshotEvery?: string;
  /** Allow a non-loopback RPC host. */
  force?: boolean;
  /** Output (default stdout / stderr). */
  out?: (line: string) => void;
  err?: (line: string) => void;
  /** Stops the node when aborted (tests, embedding); SIGINT and SIGTERM always stop it. */
  signal?: AbortSignal;
  /** Called once the node is serving. */
  onStarted?: (node: DevnetNode) => void;
}

/** "127.0.0.1:26657", "[::1]:26657", "localhost:0" → {host, port}. */
export function parseHostPort(s: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(s.trim());
  if (!m) throw new CharterError('USAGE', `--rpc must be host:port (e.g. 127.0.0.1:26657), got ${JSON.stringify(s)}`);
  const host = (m[1] ?? m[2]) as string;
  const port = Number(m[3]);
  if (port > 65535) throw new CharterError('USAGE', `port ${port} is out of range`);
  if (m[1] !== undefined && isIP(host) !== 6) throw new CharterError('USAGE', `not an IPv6 address: ${host}`);
  return { host, port };
}

function short(h: string): string {
  return h.slice(0, 12);
}

export function formatBlockLine(b: BlockEvent): string {
  const failed = b.txs.filter((t) => t.code !== 0).length;
  const txs = `${b.numTxs} tx${b.numTxs === 1 ? '' : 's'}${failed ? ` (${failed} failed)` : ''}`;
  return `block ${String(b.height).padStart(6)}  ${b.time}  ${txs.padEnd(8)}  hash ${short(b.hash)}…  state root ${short(b.resultAppHash)}…`;
}

/** Starts the devnet, prints its URL and one line per block, and resolves once it has stopped (SIGINT, SIGTERM or `signal`). */
export async function runNodeCommand(opts: NodeCommandOptions): Promise<void> {
  const out = opts.out ?? say;
  const err = opts.err ?? sayErr;
  const { host, port } = parseHostPort(opts.rpc ?? '127.0.0.1:26657');
  const blockTimeMs = parseDuration(opts.blockTime ?? '1s');
  if (!isLoopback(host)) {
    if (!opts.force) {
      throw new CharterError(
        'HOST_REFUSED',
        `refusing to serve the devnet RPC on ${host}: it is not a loopback address. The devnet has a plaintext admin key and no authentication; pass --force-host to do it anyway.`,
        { host },
      );
    }
    err(
      `WARNING: serving the devnet RPC on ${host}, reachable from the network. Anyone who reaches it can submit transactions; the devnet admin key is in plaintext in ${opts.home}.`,
    );
  }
  const checkpointEvery = opts.checkpointEvery === undefined ? undefined : Number(opts.checkpointEvery);
  if (checkpointEvery !== undefined && (!/^\d{1,9}$/.test(opts.checkpointEvery ?? '') || checkpointEvery < 1)) {
    throw new CharterError('USAGE', `--checkpoint-every must be a positive integer, got ${JSON.stringify(opts.checkpointEvery)}`);
  }
  const snapshotEvery = opts.snapshotEvery === undefined ? undefined : Number(opts.snapshotEvery);
  if (snapshotEvery !== undefined && (!/^\d{1,9}$/.test(opts.snapshotEvery ?? '') || snapshotEvery < 1)) {
    throw new CharterError('USAGE', `--snapshot-every must be a positive integer, got ${JSON.stringify(opts.snapshotEvery)}`);
  }
  if (opts.signal?.aborted) return;

  const node = await DevnetNode.start({
    home: opts.home,
    rpcHost: host,
    rpcPort: port,
    blockTimeMs,
    emptyBlocks: opts.emptyBlocks ?? false,
    ...(checkpointEvery !== undefined ? { checkpointEvery } : {}),
    ...(snapshotEvery !== undefined ? { snapshotEvery } : {}),
    log: (level, msg) => (level === 'info' ? out(msg) : err(`${level}: ${msg}`)),
  });
  const unsubscribe = node.onBlock((b) => out(formatBlockLine(b)));
  out(`Charter devnet ${node.chainId} (home ${opts.home})`);
  out(`RPC: ${node.rpcUrl}   explorer: ${node.rpcUrl}/explorer/overview   metrics: ${node.rpcUrl}/metrics/engine`);
  out(`Devnet admin key: ${DevnetNode.adminKeyPath(opts.home)} — ${ADMIN_KEY_WARNING.split('. ')[0]}.`);
  out(`Height ${node.height()}. Blocks every ${blockTimeMs} ms when there are transactions${opts.emptyBlocks ? ' (and empty blocks)' : ''}. Ctrl+C to stop.`);
  opts.onStarted?.(node);

  await new Promise<void>((resolve) => {
    let done = false;
    const stop = (why: string) => {
      if (done) return;
      done = true;
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
      opts.signal?.removeEventListener('abort', onAbort);
      unsubscribe();
      out(`Stopping (${why})…`);
      node.stop().then(resolve, (e: unknown) => {
        err(`error while stopping: ${(e as Error).message}`);
        resolve();
      });
    };
    const onSigint = () => stop('SIGINT');
    const onSigterm = () => stop('SIGTERM');
    const onAbort = () => stop('aborted');
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigterm);
    opts.signal?.addEventListener('abort', onAbort);
  });
}

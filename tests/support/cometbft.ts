/**
 * Real CometBFT for the network tests: the v0.38.25 binary that
 * scripts/cometbft.mjs finds or builds (npm test does it first), homes made
 * with `cometbft init`, and processes started in their own process group so
 * a test kills the whole tree. Everything binds to 127.0.0.1 on ports chosen
 * here.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { setToml } from '../../main/net/local.js';

export { setToml };
// @ts-expect-error plain ESM script shared with the test runner
import { findCometbft } from '../../scripts/cometbft.mjs';

export const repoRoot = resolve(import.meta.dirname, '../..');

/** The binary, or an error naming how to get it. */
export function cometbftBinary(): string {
  const p = (findCometbft as () => string | null)();
  if (p === null) throw new Error('no cometbft binary: run `node scripts/cometbft.mjs` (npm test does) or set CHARTER_COMETBFT');
  return p;
}

/** A free TCP port on 127.0.0.1 (closed again before it is returned). */
export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => ok(port));
    });
  });
}

export interface CometHome {
  dir: string;
  rpcPort: number;
  p2pPort: number;
  abciPort: number;
}

/** `cometbft init` in `dir`, with the custody genesis as app_state and this chain id, and local ports. */
export async function initCometHome(dir: string, opts: { chainId: string; appState: unknown; blockTime?: string }): Promise<CometHome> {
  const bin = cometbftBinary();
  const r = spawnSync(bin, ['init', '--home', dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cometbft init failed: ${r.stderr}`);
  const genesisPath = join(dir, 'config', 'genesis.json');
  const g = JSON.parse(readFileSync(genesisPath, 'utf8')) as Record<string, unknown>;
  g.chain_id = opts.chainId;
  g.initial_height = '1';
  g.app_state = opts.appState;
  writeFileSync(genesisPath, JSON.stringify(g, null, 2));
  const home: CometHome = { dir, rpcPort: await freePort(), p2pPort: await freePort(), abciPort: await freePort() };
  const cfgPath = join(dir, 'config', 'config.toml');
  let cfg = readFileSync(cfgPath, 'utf8');
  cfg = setToml(cfg, '', 'proxy_app', `"tcp://127.0.0.1:${home.abciPort}"`);
  cfg = setToml(cfg, 'rpc', 'laddr', `"tcp://127.0.0.1:${home.rpcPort}"`);
  cfg = setToml(cfg, 'p2p', 'laddr', `"tcp://127.0.0.1:${home.p2pPort}"`);
  cfg = setToml(cfg, 'p2p', 'addr_book_strict', 'false');
  cfg = setToml(cfg, 'p2p', 'allow_duplicate_ip', 'true');
  cfg = setToml(cfg, 'consensus', 'timeout_commit', `"${opts.blockTime ?? '300ms'}"`);
  cfg = setToml(cfg, 'consensus', 'timeout_propose', '"1s"');
  writeFileSync(cfgPath, cfg);
  return home;
}

export interface Proc {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
  /** SIGKILLs the whole process group. */
  kill(signal?: NodeJS.Signals): void;
}

/** Starts `command` in its own process group, collecting its output. */
export function startProc(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  const child = spawn(command, args, { cwd: repoRoot, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-200_000)));
  child.stderr?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-200_000)));
  const exited = new Promise<number | string>((ok) => child.once('exit', (code, sig) => ok(code ?? sig ?? 'unknown')));
  return {
    child,
    output: () => out,
    exited,
    kill(signal = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    },
  };
}

/** `charter abci` from the built CLI (bin/charter.js → dist/). */
export function startCharterAbci(appHome: string, abciPort: number, apiPort: number, extra: string[] = []): Proc {
  return startProc(process.execPath, [
    join(repoRoot, 'bin', 'charter.js'),
    'abci',
    '--home',
    appHome,
    '--listen',
    `tcp://127.0.0.1:${abciPort}`,
    '--api',
    `127.0.0.1:${apiPort}`,
    ...extra,
  ]);
}

export function startCometbft(home: CometHome): Proc {
  return startProc(cometbftBinary(), ['start', '--home', home.dir, '--log_level', 'info']);
}

/** A CometBFT JSON-RPC GET (e.g. rpc(port, 'status')); throws on a JSON-RPC error. */
export async function rpc<T = Record<string, unknown>>(port: number, method: string, params: Record<string, string> = {}): Promise<T> {
  const q = new URLSearchParams(params).toString();
  const r = await fetch(`http://127.0.0.1:${port}/${method}${q ? `?${q}` : ''}`);
  const j = (await r.json()) as { result?: T; error?: { message: string; data?: string } };
  if (j.error) throw new Error(`${method}: ${j.error.message} ${j.error.data ?? ''}`);
  return j.result as T;
}

export async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 30_000, procs: Proc[] = []): Promise<T> {
  const t0 = Date.now();
  let last: unknown = null;
  while (Date.now() - t0 < timeoutMs) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  const tail = procs.map((p) => p.output().slice(-3000)).join('\n----\n');
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}\n${tail}`);
}

/** The latest committed height CometBFT reports. */
export async function cometHeight(port: number): Promise<number> {
  const s = await rpc<{ sync_info: { latest_block_height: string } }>(port, 'status');
  return Number(s.sync_info.latest_block_height);
}

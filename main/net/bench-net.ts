/**
 * The network benchmark (`npm run bench` runs it through scripts/bench-net.mjs):
 * sustained custody withdrawals per second through a local 4-validator
 * CometBFT network of custody applications (main/net/local.ts), and their
 * commit latency, side by side with CometBFT's built-in kvstore application
 * on the same kind of network, under the same load generator with the same
 * transaction sizes. The two networks run one after the other, never at once.
 *
 * The load generator (runLoad) is the same for both:
 *
 * - `lanes` streams of transactions, lane i sent to validator i mod N, each
 *   with at most one broadcast_tx_sync (JSON-RPC over HTTP) in flight: a
 *   lane's transactions reach its validator's CheckTx in order (a custody
 *   lane's nonces and its approvals of its own requests depend on that);
 * - at most `maxPending` transactions submitted and not yet committed, so
 *   the mempools stay below their size limit and nothing is refused for room;
 * - a block watcher polls /status of validator 0 and reads every new block
 *   (/block, /block_results): a transaction's commit latency is the time
 *   from the start of its broadcast to the watcher seeing the block that
 *   holds it.
 *
 * Throughput is the sum of num_txs of the blocks committed during the
 * measured window (after a warm-up) divided by the span of those blocks'
 * header times. The custody workload: per lane one initiator key and a vault
 * with two approver keys (threshold 2), set up and funded by the network's
 * operator key (the faucet is on in a local network's genesis); then
 * withdrawal.create, withdrawal.approve, withdrawal.approve, … (each third
 * transaction executes a withdrawal). The kvstore workload: `key=value`
 * transactions each padded to the size of the custody transaction the same
 * generator makes at that point.
 *
 * It prints figures and asserts nothing.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { toHex } from '../../core/codec/index.js';
import type { SignedEnvelope, TxBodies, TxType, UnsignedEnvelope } from '../../core/engine/types.js';
import { encodeTx, requestIdOf, signingDigest } from '../../core/tx/envelope.js';
import { nodeSha256 } from '../crypto/node-hash.js';
import { seededKey, signSeeded, type SeededKey } from '../crypto/seeded-keys.js';
import { loadDevnetAdmin, type DevnetAdmin } from '../devnet/keys.js';
import { createNet, processStatus, startNode, stopNode, type NetDescription } from './local.js';

export const BENCH_NET_CHAIN_ID = 'charter-net-bench';
export const DEFAULT_CUSTODY_BASE_PORT = 37656;
export const DEFAULT_KVSTORE_BASE_PORT = 37666;

// ---------------------------------------------------------------------------
// The load generator

/** A lane's next transaction, given the latest height seen (called once per transaction, in order). */
export type TxSource = (height: number) => Uint8Array;

export interface LoadOptions {
  /** The validators' RPC addresses (http://ip:port); lane i goes to rpcs[i mod N]. */
  rpcs: string[];
  lanes: TxSource[];
  /** Measured window after the warm-up (ignored when `txs` is given). */
  durationMs: number;
  /** Submit this many measured transactions instead of running for `durationMs`. */
  txs?: number;
  warmupMs: number;
  maxPending: number;
  /** How long to wait, after the load stops, for the last transactions to commit. */
  drainMs: number;
  /** The watcher's polling interval. */
  pollMs?: number;
  /** CPU seconds used so far by each kind of process (sampled when the measured window starts and ends). */
  cpu?: () => Record<string, number>;
  log?: (line: string) => void;
}

export interface BlockSeen {
  height: number;
  /** Header time, milliseconds since the epoch. */
  timeMs: number;
  numTxs: number;
  /** Transactions of this block that the generator submitted. */
  ours: number;
  /** Transactions whose FinalizeBlock result code is not 0. */
  failed: number;
}

export interface LoadResult {
  /** Heights (exclusive, inclusive] of the measured window. */
  fromHeight: number;
  toHeight: number;
  /** The header-time span of the window, seconds. */
  spanSeconds: number;
  /** Sum of num_txs of the window's blocks. */
  committedInWindow: number;
  txPerSecond: number;
  /** Transactions submitted (accepted by CheckTx), in the whole run and in the measured window. */
  accepted: number;
  acceptedMeasured: number;
  /** Refused by CheckTx (a code other than 0). */
  rejected: number;
  /** Broadcasts retried (an RPC error such as a full mempool, or no answer). */
  retries: number;
  /** Our transactions seen committed (whole run), and those with a measured latency. */
  committed: number;
  committedMeasured: number;
  /** Measured transactions still not committed when the drain ended. */
  uncommitted: number;
  /** Committed with a FinalizeBlock code other than 0. */
  failed: number;
  /** Commit latency of the measured transactions, milliseconds. */
  latencyMs: { p50: number; p99: number; max: number; mean: number };
  /** Time a broadcast_tx_sync took to answer (CheckTx at the lane's validator), milliseconds, over the whole run. */
  broadcastMs: { p50: number; p99: number };
  /** Mean size of the submitted transactions, bytes. */
  meanTxBytes: number;
  /** The machine's 1-minute load average when the load started and stopped (the machine may be shared). */
  loadAverage: [number, number];
  /** CPU seconds each kind of process used during the measured window (where /proc tells). */
  cpuSeconds: Record<string, number>;
  blocks: BlockSeen[];
}

interface RpcAnswer<T> {
  result?: T;
  error?: { code: number; message: string; data?: string };
}

let rpcId = 0;
async function rpcCall<T>(url: string, method: string, params: Record<string, unknown>, timeoutMs = 10_000): Promise<T> {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: ++rpcId, method, params }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const j = (await r.json()) as RpcAnswer<T>;
  if (j.error) throw new Error(`${method}: ${j.error.message} ${j.error.data ?? ''}`.trim());
  return j.result as T;
}

const txHash = (tx: Uint8Array) => Buffer.from(nodeSha256(tx)).toString('hex').toUpperCase();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** RFC 3339 with up to nanoseconds, to milliseconds. */
function headerTimeMs(t: string): number {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(t);
  if (!m) return Date.parse(t);
  return Date.parse(`${m[1]}Z`) + Number(((m[2] ?? '') + '000').slice(0, 3));
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

async function latestHeight(rpc: string): Promise<number> {
  const s = await rpcCall<{ sync_info: { latest_block_height: string } }>(rpc, 'status', {});
  return Number(s.sync_info.latest_block_height);
}

/** Drives the lanes against the network and measures what it commits (see the file comment). */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const watchRpc = opts.rpcs[0] as string;
  const pollMs = opts.pollMs ?? 20;
  const log = opts.log ?? (() => {});
  const inflight = new Map<string, { t: number; measured: boolean }>();
  const blocks: BlockSeen[] = [];
  const latencies: number[] = [];
  const answers: number[] = [];
  let height = await latestHeight(watchRpc);
  let seen = height;
  let pending = 0;
  let stopped = false;
  let measuring = false;
  let watching = true;
  let accepted = 0;
  let acceptedMeasured = 0;
  let rejected = 0;
  let retries = 0;
  let committed = 0;
  let committedMeasured = 0;
  let failed = 0;
  let bytes = 0;
  let wake: (() => void) | null = null;
  const roomFreed = () => {
    const w = wake;
    wake = null;
    w?.();
  };

  const watcher = (async () => {
    while (watching) {
      let top: number;
      try {
        top = await latestHeight(watchRpc);
      } catch {
        await sleep(pollMs);
        continue;
      }
      height = top;
      while (seen < top) {
        const h = seen + 1;
        type Block = { block: { header: { time: string }; data: { txs: string[] | null } } };
        type Results = { txs_results: { code: number }[] | null };
        let b: Block;
        let res: Results;
        try {
          b = await rpcCall<Block>(watchRpc, 'block', { height: String(h) });
          res = await rpcCall<Results>(watchRpc, 'block_results', { height: String(h) });
        } catch {
          await sleep(pollMs);
          continue;
        }
        const now = performance.now();
        const txs = b.block.data.txs ?? [];
        const codes = res.txs_results ?? [];
        const rec: BlockSeen = { height: h, timeMs: headerTimeMs(b.block.header.time), numTxs: txs.length, ours: 0, failed: 0 };
        txs.forEach((t, i) => {
          const code = codes[i]?.code ?? 0;
          if (code !== 0) rec.failed++;
          const hash = txHash(Buffer.from(t, 'base64'));
          const f = inflight.get(hash);
          if (!f) return;
          inflight.delete(hash);
          rec.ours++;
          committed++;
          pending--;
          if (code !== 0) failed++;
          if (f.measured) {
            committedMeasured++;
            latencies.push(now - f.t);
          }
        });
        blocks.push(rec);
        seen = h;
        roomFreed();
      }
      await sleep(pollMs);
    }
  })();

  const lane = async (i: number, next: TxSource) => {
    const rpc = opts.rpcs[i % opts.rpcs.length] as string;
    while (!stopped) {
      while (pending >= opts.maxPending && !stopped) await new Promise<void>((r) => (wake = chain(wake, r)));
      if (stopped) break;
      const tx = next(height);
      const hash = txHash(tx);
      const entry = { t: performance.now(), measured: measuring };
      inflight.set(hash, entry);
      pending++;
      bytes += tx.length;
      const b64 = Buffer.from(tx).toString('base64');
      for (;;) {
        try {
          const tb = performance.now();
          const r = await rpcCall<{ code: number; log: string }>(rpc, 'broadcast_tx_sync', { tx: b64 });
          answers.push(performance.now() - tb);
          if (r.code === 0) {
            accepted++;
            if (entry.measured) acceptedMeasured++;
          } else {
            rejected++;
            if (inflight.delete(hash)) pending--;
            if (rejected <= 5) log(`  CheckTx refused a transaction of lane ${i}: code ${r.code} ${r.log}`);
          }
          break;
        } catch (e) {
          const msg = (e as Error).message;
          if (/already exists in cache/.test(msg)) {
            accepted++;
            if (entry.measured) acceptedMeasured++;
            break;
          }
          retries++;
          if (stopped) {
            if (inflight.delete(hash)) pending--;
            break;
          }
          await sleep(50);
        }
      }
      if (opts.txs !== undefined && acceptedMeasured >= opts.txs) stopped = true;
    }
  };

  const t0 = performance.now();
  const load0 = loadavg()[0] as number;
  const lanes = opts.lanes.map((next, i) => lane(i, next));
  await sleep(opts.warmupMs);
  const fromHeight = seen;
  const cpu0 = opts.cpu?.() ?? {};
  const client0 = process.cpuUsage();
  measuring = true;
  log(`  warm-up done at height ${fromHeight} (${accepted} accepted); measuring`);
  if (opts.txs === undefined) {
    await sleep(opts.durationMs);
    stopped = true;
  }
  roomFreed();
  await Promise.all(lanes);
  // Every lane has its answer: the blocks up to now are the window (duration), or the drain decides it (count).
  const stopHeight = seen;
  const load1 = loadavg()[0] as number;
  const cpu1 = opts.cpu?.() ?? {};
  const client1 = process.cpuUsage(client0);
  const cpuSeconds: Record<string, number> = { 'load generator': (client1.user + client1.system) / 1e6 };
  for (const k of Object.keys(cpu1)) cpuSeconds[k] = (cpu1[k] as number) - (cpu0[k] ?? 0);
  const t1 = performance.now();
  log(`  load stopped at height ${stopHeight} after ${((t1 - t0) / 1000).toFixed(1)} s; draining`);
  const drainEnd = performance.now() + opts.drainMs;
  while (pending > 0 && performance.now() < drainEnd) await sleep(pollMs);
  watching = false;
  await watcher;
  let toHeight = stopHeight;
  if (opts.txs !== undefined) {
    // Count mode: the window ends at the block that holds the last measured transaction.
    const lastMeasured = [...blocks].reverse().find((b) => b.height > fromHeight && b.ours > 0);
    toHeight = lastMeasured?.height ?? stopHeight;
  }
  const window = blocks.filter((b) => b.height > fromHeight && b.height <= toHeight);
  const fromTime =
    blocks.find((b) => b.height === fromHeight)?.timeMs ??
    headerTimeMs((await rpcCall<{ block: { header: { time: string } } }>(watchRpc, 'block', { height: String(fromHeight) })).block.header.time);
  const toTime = window.at(-1)?.timeMs ?? fromTime;
  const committedInWindow = window.reduce((a, b) => a + b.numTxs, 0);
  const spanSeconds = (toTime - fromTime) / 1000;
  latencies.sort((a, b) => a - b);
  answers.sort((a, b) => a - b);
  return {
    fromHeight,
    toHeight,
    spanSeconds,
    committedInWindow,
    txPerSecond: spanSeconds > 0 ? committedInWindow / spanSeconds : 0,
    accepted,
    acceptedMeasured,
    rejected,
    retries,
    committed,
    committedMeasured,
    uncommitted: [...inflight.values()].filter((f) => f.measured).length,
    failed,
    latencyMs: {
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? NaN,
      mean: latencies.length ? latencies.reduce((a, b) => a + b, 0) / latencies.length : NaN,
    },
    broadcastMs: { p50: percentile(answers, 50), p99: percentile(answers, 99) },
    loadAverage: [load0, load1],
    cpuSeconds,
    meanTxBytes: accepted + rejected > 0 ? bytes / (accepted + rejected) : 0,
    blocks,
  };
}

function chain(prev: (() => void) | null, next: () => void): () => void {
  return prev
    ? () => {
        prev();
        next();
      }
    : next;
}

// ---------------------------------------------------------------------------
// The workloads

/** One custody lane's keys and vault, and its stream: create, approve, approve, … */
export class WithdrawalLane {
  readonly initiator: SeededKey;
  readonly approvers: [SeededKey, SeededKey];
  readonly vaultId: string;
  private seq = 0;
  private requestId = '';

  constructor(
    readonly chainId: string,
    readonly lane: number,
  ) {
    this.initiator = seededKey(`charter-net-bench/lane-${lane}/initiator`);
    this.approvers = [seededKey(`charter-net-bench/lane-${lane}/approver-0`), seededKey(`charter-net-bench/lane-${lane}/approver-1`)];
    this.vaultId = `bench-vault-${lane}`;
  }

  readonly next: TxSource = (height) => {
    const step = this.seq % 3;
    const n = Math.floor(this.seq / 3);
    this.seq++;
    if (step === 0) {
      const c = signSeeded(
        this.initiator,
        this.chainId,
        'withdrawal.create',
        { vault_id: this.vaultId, asset: 'USDC', amount: String(1 + (n % 997)), destination: `acct:${this.lane}-${n % 5000}`, memo: `w${this.lane}-${n}` },
        height,
      );
      this.requestId = requestIdOf(c.unsigned, nodeSha256);
      return c.bytes;
    }
    return signSeeded(this.approvers[step - 1] as SeededKey, this.chainId, 'withdrawal.approve', { request_id: this.requestId }, height).bytes;
  };
}

/** A kvstore lane: `key=value` transactions each as long as the custody transaction `shape` makes next. */
export function kvLane(lane: number, shape: TxSource): TxSource {
  let seq = 0;
  return (height) => {
    const size = shape(height).length;
    const key = `bench-${lane}-${seq++}=`;
    return Buffer.from(key + 'v'.repeat(Math.max(1, size - key.length)), 'utf8');
  };
}

function operatorTx<T extends TxType>(admin: DevnetAdmin, chainId: string, type: T, body: TxBodies[T], nonce: number, height: number): Uint8Array {
  const unsigned = { version: 1, chain_id: chainId, type, body, signer: admin.keyId, nonce, expires_at: height + 100 } as UnsignedEnvelope<T>;
  return encodeTx({ ...unsigned, signature: toHex(admin.sign(signingDigest(unsigned))) } as SignedEnvelope<T>);
}

/** Registers the lanes' keys, creates and funds their vaults with the network's operator key; returns when all committed. */
async function setupCustody(net: NetDescription, home: string, lanes: WithdrawalLane[], log: (s: string) => void): Promise<void> {
  const admin = loadDevnetAdmin(home);
  const rpc = rpcOf(net, 0);
  const h = await latestHeight(rpc);
  let nonce = 0;
  const txs: Uint8Array[] = [];
  for (const l of lanes) {
    for (const k of [l.initiator, ...l.approvers]) {
      txs.push(
        operatorTx(admin, net.chainId, 'key.register', { public_key: k.publicKeyHex, scheme: 'ed25519', label: `bench ${k.keyId.slice(0, 8)}` }, ++nonce, h),
      );
    }
  }
  for (const l of lanes) {
    const policy = { approvers: l.approvers.map((a) => a.keyId), threshold: 2 };
    txs.push(operatorTx(admin, net.chainId, 'vault.create', { vault_id: l.vaultId, name: l.vaultId, policy }, ++nonce, h));
    txs.push(operatorTx(admin, net.chainId, 'vault.fund', { vault_id: l.vaultId, asset: 'USDC', amount: '1000000000000000000' }, ++nonce, h));
  }
  for (const tx of txs) {
    const r = await rpcCall<{ code: number; log: string }>(rpc, 'broadcast_tx_sync', { tx: Buffer.from(tx).toString('base64') });
    if (r.code !== 0) throw new Error(`setup transaction refused: code ${r.code} ${r.log}`);
  }
  for (const tx of txs) {
    const hash = txHash(tx);
    const r = await waitFor(`setup transaction ${hash.slice(0, 12)} committed`, 60_000, async () => {
      try {
        return await rpcCall<{ tx_result: { code: number; log: string } }>(rpc, 'tx', { hash: Buffer.from(hash, 'hex').toString('base64') });
      } catch {
        return null;
      }
    });
    if (r.tx_result.code !== 0) throw new Error(`setup transaction failed: code ${r.tx_result.code} ${r.tx_result.log}`);
  }
  log(`  setup: ${txs.length} operator transactions committed (${lanes.length * 3} keys, ${lanes.length} funded vaults)`);
}

// ---------------------------------------------------------------------------
// The networks

export interface NetBenchOptions {
  cometbft: string;
  /** bin/charter.js of a built checkout (`npm run build`). */
  charterBin: string;
  validators?: number;
  durationMs?: number;
  txs?: number;
  warmupMs?: number;
  lanes?: number;
  maxPending?: number;
  drainMs?: number;
  blockTime?: string;
  custodyBasePort?: number;
  kvstoreBasePort?: number;
  /** Networks' directories go under here (default: a fresh temporary directory, removed at the end). */
  workDir?: string;
  log?: (line: string) => void;
}

export interface NetBenchResult {
  custody: LoadResult;
  kvstore: LoadResult;
  /** custody txs/s ÷ kvstore txs/s. */
  ratio: number;
  settings: Required<Pick<NetBenchOptions, 'validators' | 'lanes' | 'maxPending' | 'blockTime' | 'warmupMs' | 'durationMs'>> & { txs: number | null };
}

const rpcOf = (net: NetDescription, i: number) => {
  const n = net.nodes[i]!;
  return `http://${n.ip}:${n.rpcPort}`;
};

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | null | false>): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== null && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** All validators answer and the chain is past height 2. */
async function waitForBlocks(net: NetDescription): Promise<void> {
  await waitFor('blocks from every validator', 120_000, async () => {
    try {
      for (let i = 0; i < net.nodes.length; i++) if ((await latestHeight(rpcOf(net, i))) < 2) return null;
      return true;
    } catch {
      return null;
    }
  });
}

/** Starts validator i of a kvstore network: CometBFT alone, with its pid file where stopNode and processStatus look. */
function startKvNode(net: NetDescription, i: number, cometbft: string): void {
  const node = net.nodes[i]!;
  if (processStatus(node, 'cometbft').state === 'running') return;
  const fd = openSync(join(node.cometHome, 'cometbft.log'), 'a');
  try {
    const child = spawn(cometbft, ['start', '--home', node.cometHome], { detached: true, stdio: ['ignore', fd, fd] });
    if (child.pid === undefined) throw new Error('could not start cometbft');
    child.unref();
    writeFileSync(join(node.cometHome, 'cometbft.pid'), `${child.pid}\n`);
  } finally {
    closeSync(fd);
  }
}

/** A network as createNet makes it, with each validator's proxy_app set to CometBFT's built-in kvstore. */
function createKvNet(opts: { home: string; validators: number; basePort: number; cometbft: string; blockTime: string }): NetDescription {
  const net = createNet({ ...opts, chainId: BENCH_NET_CHAIN_ID });
  for (const node of net.nodes) {
    const p = join(node.cometHome, 'config', 'config.toml');
    const cfg = readFileSync(p, 'utf8');
    if (!/^proxy_app = .*$/m.test(cfg)) throw new Error(`${p} has no proxy_app`);
    writeFileSync(p, cfg.replace(/^proxy_app = .*$/m, 'proxy_app = "kvstore"'));
  }
  return net;
}

/** CPU seconds (user + system) of a process, from /proc (Linux); 0 where it cannot be read. */
function procCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat (utime, stime), in clock ticks (100 per second on Linux).
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

/** CPU seconds used so far by the network's applications and its CometBFT processes. */
function netCpu(net: NetDescription): () => Record<string, number> {
  return () => {
    const out: Record<string, number> = {};
    for (const node of net.nodes) {
      for (const which of ['app', 'cometbft'] as const) {
        const s = processStatus(node, which);
        if (s.state === 'running' && s.pid !== null) out[which] = (out[which] ?? 0) + procCpuSeconds(s.pid);
      }
    }
    return out;
  };
}

/** SIGKILL to every process group of the network (what an interrupted bench leaves running). */
function killNet(net: NetDescription): void {
  for (const node of net.nodes) {
    for (const which of ['cometbft', 'app'] as const) {
      const s = processStatus(node, which);
      if (s.state === 'running' && s.pid !== null) {
        try {
          process.kill(-s.pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
  }
}

async function withNet<T>(net: NetDescription, start: (i: number) => void, body: () => Promise<T>): Promise<T> {
  const onSignal = () => {
    killNet(net);
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    for (const n of net.nodes) start(n.index);
    await waitForBlocks(net);
    return await body();
  } finally {
    for (const n of net.nodes) await stopNode(net, n.index, 3000);
    killNet(net);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Runs the custody network, then the kvstore network, under the same load; returns both measurements. */
export async function runNetBench(opts: NetBenchOptions): Promise<NetBenchResult> {
  const log = opts.log ?? ((s: string) => console.log(s));
  const settings = {
    validators: opts.validators ?? 4,
    lanes: opts.lanes ?? 64,
    maxPending: opts.maxPending ?? 2000,
    blockTime: opts.blockTime ?? '500ms',
    warmupMs: opts.warmupMs ?? 5000,
    durationMs: opts.durationMs ?? 30_000,
    txs: opts.txs ?? null,
  };
  const drainMs = opts.drainMs ?? 30_000;
  const work = opts.workDir ?? mkdtempSync(join(tmpdir(), 'charter-bench-net-'));
  const load = (net: NetDescription, lanes: TxSource[]) =>
    runLoad({
      rpcs: net.nodes.map((_, i) => rpcOf(net, i)),
      lanes,
      durationMs: settings.durationMs,
      ...(settings.txs !== null ? { txs: settings.txs } : {}),
      warmupMs: settings.warmupMs,
      maxPending: settings.maxPending,
      drainMs,
      cpu: netCpu(net),
      log,
    });
  try {
    log(`custody network: ${settings.validators} validators (cometbft + charter abci each)`);
    const cHome = join(work, 'custody');
    const cNet = createNet({
      home: cHome,
      validators: settings.validators,
      chainId: BENCH_NET_CHAIN_ID,
      basePort: opts.custodyBasePort ?? DEFAULT_CUSTODY_BASE_PORT,
      cometbft: opts.cometbft,
      charterBin: opts.charterBin,
      blockTime: settings.blockTime,
    });
    const custody = await withNet(
      cNet,
      (i) => startNode(cNet, i, { cometbft: opts.cometbft, charterBin: opts.charterBin }),
      async () => {
        const lanes = Array.from({ length: settings.lanes }, (_, i) => new WithdrawalLane(cNet.chainId, i));
        await setupCustody(cNet, cHome, lanes, log);
        return load(
          cNet,
          lanes.map((l) => l.next),
        );
      },
    );

    log(`kvstore network: ${settings.validators} validators (cometbft with proxy_app = "kvstore")`);
    const kNet = createKvNet({
      home: join(work, 'kvstore'),
      validators: settings.validators,
      basePort: opts.kvstoreBasePort ?? DEFAULT_KVSTORE_BASE_PORT,
      cometbft: opts.cometbft,
      blockTime: settings.blockTime,
    });
    const kvstore = await withNet(
      kNet,
      (i) => startKvNode(kNet, i, opts.cometbft),
      () =>
        load(
          kNet,
          Array.from({ length: settings.lanes }, (_, i) => kvLane(i, new WithdrawalLane(kNet.chainId, i).next)),
        ),
    );
    const ratio = kvstore.txPerSecond > 0 ? custody.txPerSecond / kvstore.txPerSecond : NaN;
    return { custody, kvstore, ratio, settings };
  } finally {
    if (opts.workDir === undefined) rmSync(work, { recursive: true, force: true });
  }
}

/** The figures, as `npm run bench` prints them. */
export function formatNetBench(r: NetBenchResult): string {
  const s = r.settings;
  const lines = [
    `Network throughput: ${s.validators} validators on one machine, timeout_commit ${s.blockTime}, ${s.lanes} lanes (one broadcast_tx_sync in flight each),` +
      ` at most ${s.maxPending} uncommitted; ${s.txs !== null ? `${s.txs} measured transactions` : `${s.durationMs / 1000} s measured`} after ${s.warmupMs / 1000} s warm-up`,
    'Throughput: num_txs of the blocks committed in the window ÷ their header-time span. Latency: broadcast start → the block holding the transaction seen by polling validator 0 (/status, /block).',
    'refused: CheckTx code ≠ 0; failed: FinalizeBlock code ≠ 0; late: measured transactions not committed by the end; sync: broadcast_tx_sync answer time; load avg: the machine’s, at start → stop.',
    '',
    `${''.padEnd(22)}${'tx/s'.padStart(9)}${'committed'.padStart(11)}${'blocks'.padStart(8)}${'tx bytes'.padStart(10)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'max ms'.padStart(9)}${'refused'.padStart(9)}${'failed'.padStart(8)}${'late'.padStart(6)}${'sync p50/p99 ms'.padStart(17)}${'load avg'.padStart(11)}`,
  ];
  const row = (name: string, x: LoadResult) =>
    `${name.padEnd(22)}${x.txPerSecond.toFixed(0).padStart(9)}${String(x.committedInWindow).padStart(11)}${String(x.toHeight - x.fromHeight).padStart(8)}` +
    `${x.meanTxBytes.toFixed(0).padStart(10)}${x.latencyMs.p50.toFixed(0).padStart(9)}${x.latencyMs.p99.toFixed(0).padStart(9)}${x.latencyMs.max.toFixed(0).padStart(9)}` +
    `${String(x.rejected).padStart(9)}${String(x.failed).padStart(8)}${String(x.uncommitted).padStart(6)}` +
    `${`${x.broadcastMs.p50.toFixed(0)}/${x.broadcastMs.p99.toFixed(0)}`.padStart(17)}${`${x.loadAverage[0].toFixed(1)}→${x.loadAverage[1].toFixed(1)}`.padStart(11)}`;
  lines.push(row('custody withdrawals', r.custody), row('kvstore (built-in)', r.kvstore));
  lines.push(
    '',
    `custody ÷ kvstore throughput: ${r.ratio.toFixed(2)}× (target ≥ 0.8×: the application is not the bottleneck) — ${r.ratio >= 0.8 ? 'met' : 'not met'}`,
    `(withdrawals executed per second ≈ custody tx/s ÷ 3: each withdrawal is one create and two approvals)`,
    '',
    'CPU seconds during the measured window (all validators together; the machine has ' + `${availableParallelism()} cores):`,
  );
  for (const [name, x] of [
    ['custody', r.custody],
    ['kvstore', r.kvstore],
  ] as const) {
    const parts = Object.entries(x.cpuSeconds).map(([k, v]) => `${k === 'app' ? 'charter abci' : k} ${v.toFixed(1)}`);
    lines.push(`  ${name.padEnd(8)} ${parts.join(', ')} (window ${x.spanSeconds.toFixed(1)} s)`);
  }
  return lines.join('\n');
}

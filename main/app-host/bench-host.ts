/**
 * Measuring the application host's storage (node.db) against state size:
 * per-block commit time and bytes written, snapshot size and time, restart
 * time and historical proof latency. runHostBench prints figures and asserts
 * nothing; `npm run bench` or a test may call it at any size.
 *
 * The pieces it uses to drive a real host without a consensus driver (a
 * deterministic workload of signed transactions, decided blocks, one
 * finalize + commit) are exported for the host's tests.
 */
import { createPrivateKey, createPublicKey, sign as edSign } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { makeGenesis } from '../../core/engine/genesis.js';
import type { GenesisDoc, TxBodies, TxType } from '../../core/engine/types.js';
import { nodeSha256 } from '../crypto/node-hash.js';
import { seededKey, signSeeded, type SeededKey } from '../crypto/seeded-keys.js';
import { hexUpper } from '../cometbft/encoding.js';
import type { DecidedBlock, FinalizeBlockResponse } from './abci.js';
import { ApplicationHost, DEFAULT_SNAPSHOT_EVERY, type ApplicationHostOptions } from './host.js';
import { NodeStore } from './store.js';

export const HOST_BENCH_CHAIN_ID = 'charter-host-bench';

type BenchKey = SeededKey;

function benchKey(label: string): BenchKey {
  return seededKey(`charter-host-bench-key/${label}`);
}

function benchSigned<T extends TxType>(k: BenchKey, type: T, body: TxBodies[T], height: number, chainId = HOST_BENCH_CHAIN_ID): Uint8Array {
  return signSeeded(k, chainId, type, body, height).bytes;
}

/**
 * The workload: one admin registers keys (each a new state entry), creates
 * VAULTS vaults and funds them in turn (updates of existing entries), so the
 * state grows by about one entry per transaction and keeps changing old ones.
 */
export class HostWorkload {
  static readonly VAULTS = 8;
  readonly genesis: GenesisDoc;
  readonly admin: BenchKey;
  private registered = 0;
  private funded = 0;
  /** The last height whose transactions block() made (they are made once, in order: nonces advance). */
  produced = 0;

  constructor(chainId = HOST_BENCH_CHAIN_ID) {
    this.admin = benchKey('admin');
    this.genesis = makeGenesis({
      chain_id: chainId,
      genesis_time: '2026-01-01T00:00:00Z',
      admins: [{ public_key: this.admin.publicKeyHex, label: 'bench admin' }],
      params: { faucet: true, max_expiry_blocks: 1000 },
    });
  }

  /** The transactions of block `height` (about `n` of them; block 1 creates the vaults). */
  block(height: number, n: number): Uint8Array[] {
    if (height !== this.produced + 1) throw new Error(`the workload makes block ${this.produced + 1} next, not ${height}`);
    this.produced = height;
    const chain = this.genesis.chain_id;
    const txs: Uint8Array[] = [];
    if (height === 1) {
      for (let v = 0; v < HostWorkload.VAULTS; v++) {
        txs.push(
          benchSigned(this.admin, 'vault.create', { vault_id: `v${v}`, name: `v${v}`, policy: { approvers: [this.admin.keyId], threshold: 1 } }, height, chain),
        );
      }
      return txs;
    }
    const funds = Math.max(1, Math.floor(n / 10));
    for (let i = 0; i < funds; i++) {
      const v = this.funded++ % HostWorkload.VAULTS;
      txs.push(benchSigned(this.admin, 'vault.fund', { vault_id: `v${v}`, asset: 'USDC', amount: String(1 + (this.funded % 97)) }, height, chain));
    }
    while (txs.length < n) {
      const k = benchKey(`k${this.registered++}`);
      txs.push(benchSigned(this.admin, 'key.register', { public_key: k.publicKeyHex, scheme: 'ed25519', label: `k${this.registered}` }, height, chain));
    }
    return txs;
  }
}

function blockTime(h: number): string {
  return new Date(Date.UTC(2026, 0, 1) + h * 1000).toISOString().replace('.000Z', 'Z');
}

/** Finalizes and commits the next block of `host` with `txs` (a decided block with placeholder header fields). */
export function driveBlock(host: ApplicationHost, txs: Uint8Array[], timing?: { finalizeMs: number; commitMs: number }): FinalizeBlockResponse {
  const prev = host.latestBlock();
  const height = (prev?.height ?? 0) + 1;
  const time = blockTime(height);
  const hash = hexUpper(nodeSha256(Buffer.from(`${host.chainId}/block/${height}`)));
  const hashes = txs.map((t) => hexUpper(nodeSha256(t)));
  const block: DecidedBlock = {
    height,
    hash,
    time,
    time_ms: Date.parse(time),
    app_hash: prev ? prev.result_app_hash : host.genesisAppHash,
    last_block_hash: prev?.hash ?? '',
    data_hash: '',
    proposer: 'BENCH',
    num_txs: txs.length,
    size: txs.reduce((a, t) => a + t.length, 0),
    header: '{}',
    block_id: JSON.stringify({ hash, parts: { total: 1, hash } }),
    last_commit: '{}',
    commit_signature: '',
    commit_time: time,
  };
  const t0 = performance.now();
  const res = host.finalizeBlock({ height, time, txs, hashes, block });
  const t1 = performance.now();
  host.commit();
  if (timing) {
    timing.finalizeMs = t1 - t0;
    timing.commitMs = performance.now() - t1;
  }
  return res;
}

const CHECKPOINT_SECRET = nodeSha256(Buffer.from('charter-host-bench/checkpoint'));
const CHECKPOINT_KEY = createPrivateKey({
  key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), CHECKPOINT_SECRET]),
  format: 'der',
  type: 'pkcs8',
});
const CHECKPOINT_PUB = (() => {
  const spki = createPublicKey(CHECKPOINT_KEY).export({ format: 'der', type: 'spki' });
  return new Uint8Array(spki.subarray(spki.length - 32));
})();

/** Opens (creating) a host on `dbPath` for `genesis`, as a driver would. */
export function openHost(dbPath: string, genesis: GenesisDoc, opts: Partial<ApplicationHostOptions> = {}): ApplicationHost {
  const store = NodeStore.open(dbPath);
  try {
    ApplicationHost.checkGenesis(store, genesis, 'genesis.json');
    return new ApplicationHost({
      store,
      dbPath,
      genesis,
      checkpointSigner: { publicKey: CHECKPOINT_PUB, sign: (m) => new Uint8Array(edSign(null, m, CHECKPOINT_KEY)) },
      ...opts,
    });
  } catch (e) {
    store.close();
    throw e;
  }
}

function dbBytes(dbPath: string): number {
  let n = 0;
  for (const f of [dbPath, dbPath + '-wal']) {
    try {
      n += statSync(f).size;
    } catch {
      // absent
    }
  }
  return n;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
}

export interface HostBenchOptions {
  /** Transactions in all (state entries grow by about this many). */
  txs: number;
  /** Transactions per block; default 1000. */
  blockTxs?: number;
  /** Snapshot interval; default the host's (1000). */
  snapshotEvery?: number;
  /** Historical proofs to time at random heights; default 200. */
  proofs?: number;
  /** Blocks whose commit is timed at the end (the state at its largest); default 20. */
  sampleBlocks?: number;
  /** Directory for node.db (a temporary one, removed after, by default). */
  dir?: string;
  log?: (line: string) => void;
}

export interface HostBenchResult {
  entries: number;
  blocks: number;
  /** finalizeBlock (engine execution), p50 over all blocks. */
  finalizeMsP50: number;
  /** commit() without the snapshot: the engine commit and the block's SQLite transaction. */
  commitMsP50: number;
  /** The block's SQLite transaction alone (txs, events, tree nodes, evidence), p50. */
  writeMsP50: number;
  /** Of that, the state-tree rows, p50. */
  treeWriteMsP50: number;
  commitMsP99: number;
  bytesPerBlock: number;
  treeNodesPerBlock: number;
  snapshotBytes: number;
  snapshotMs: number;
  /** Of snapshotMs, engine.snapshot() alone. */
  snapshotEncodeMs: number;
  restartMs: number;
  restartReplayed: number;
  /** Of restartMs, restoring the snapshot. */
  restoreMs: number;
  proofMsP50: number;
  proofMsP99: number;
  dbBytes: number;
}

/** Builds a chain of `txs` transactions on a real node.db and prints what its storage costs. */
export function runHostBench(opts: HostBenchOptions): HostBenchResult {
  const log = opts.log ?? ((l: string) => process.stdout.write(l + '\n'));
  const blockTxs = opts.blockTxs ?? 1000;
  const sample = opts.sampleBlocks ?? 20;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'charter-host-bench-'));
  const dbPath = join(dir, 'node.db');
  const w = new HostWorkload();
  // Restart is measured as after a crash: no snapshot written at close.
  const hostOpts = { snapshotOnClose: false, ...(opts.snapshotEvery !== undefined ? { snapshotEvery: opts.snapshotEvery } : {}) };
  try {
    let host = openHost(dbPath, w.genesis, hostOpts);
    const total = Math.ceil(opts.txs / blockTxs);
    const commitMs: number[] = [];
    const finalizeMs: number[] = [];
    const writeMs: number[] = [];
    const treeWriteMs: number[] = [];
    const bytes: number[] = [];
    const nodes: number[] = [];
    let snapshotBytes = 0;
    let snapshotMs = 0;
    let snapshotEncodeMs = 0;
    for (let b = 1; b <= total + 1; b++) {
      const txs = w.block(b, blockTxs);
      const timing = { finalizeMs: 0, commitMs: 0 };
      driveBlock(host, txs, timing);
      const dt = timing.commitMs;
      finalizeMs.push(timing.finalizeMs);
      const c = host.lastCommit;
      if (c !== null && c.snapshotBytes > 0) {
        snapshotBytes = c.snapshotBytes;
        snapshotMs = c.snapshotMs;
        snapshotEncodeMs = c.snapshotEncodeMs;
      }
      if (b > total + 1 - sample) {
        commitMs.push(dt - (c?.snapshotMs ?? 0));
        writeMs.push(c?.writeMs ?? 0);
        treeWriteMs.push(c?.treeWriteMs ?? 0);
        bytes.push(c?.treeBytes ?? 0);
        nodes.push(c?.treeNodes ?? 0);
      }
    }
    const height = host.height();
    host.close();
    const t0 = performance.now();
    host = openHost(dbPath, w.genesis, hostOpts);
    const restartMs = performance.now() - t0;
    const restartReplayed = host.started.replayedBlocks;
    const restoreMs = host.started.restoreMs;
    const proofs = opts.proofs ?? 200;
    const proofMs: number[] = [];
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < proofs; i++) {
      const h = 2 + Math.floor(rnd() * (height - 1));
      const key = `vault/v${Math.floor(rnd() * HostWorkload.VAULTS)}`;
      const t = performance.now();
      host.stateProofAt(Math.min(h, height), key);
      proofMs.push(performance.now() - t);
    }
    host.close();
    const r: HostBenchResult = {
      entries: opts.txs,
      blocks: height,
      finalizeMsP50: pct(finalizeMs, 50),
      commitMsP50: pct(commitMs, 50),
      writeMsP50: pct(writeMs, 50),
      treeWriteMsP50: pct(treeWriteMs, 50),
      commitMsP99: pct(commitMs, 99),
      bytesPerBlock: Math.round(bytes.reduce((a, x) => a + x, 0) / Math.max(1, bytes.length)),
      treeNodesPerBlock: Math.round(nodes.reduce((a, x) => a + x, 0) / Math.max(1, nodes.length)),
      snapshotBytes,
      snapshotMs,
      snapshotEncodeMs,
      restartMs,
      restartReplayed,
      restoreMs,
      proofMsP50: pct(proofMs, 50),
      proofMsP99: pct(proofMs, 99),
      dbBytes: dbBytes(dbPath),
    };
    log(
      `host bench: ~${r.entries} entries, ${r.blocks} blocks of ${blockTxs} txs | finalize p50 ${r.finalizeMsP50.toFixed(1)} ms, commit p50 ${r.commitMsP50.toFixed(1)} ms p99 ${r.commitMsP99.toFixed(1)} ms, of which SQLite ${r.writeMsP50.toFixed(1)} ms (tree rows ${r.treeWriteMsP50.toFixed(1)} ms) ` +
        `(last ${sample} blocks, snapshot excluded), tree ${r.treeNodesPerBlock} rows ${(r.bytesPerBlock / 1024).toFixed(0)} KiB/block | ` +
        `${r.snapshotBytes > 0 ? `snapshot ${(r.snapshotBytes / 1048576).toFixed(1)} MiB in ${r.snapshotMs.toFixed(0)} ms (engine.snapshot() ${r.snapshotEncodeMs.toFixed(0)} ms)` : `no snapshot in ${r.blocks} blocks (one every ${opts.snapshotEvery ?? DEFAULT_SNAPSHOT_EVERY})`} | restart ${r.restartMs.toFixed(0)} ms (snapshot restore ${r.restoreMs.toFixed(0)} ms, ${r.restartReplayed} blocks re-executed) | ` +
        `proof p50 ${r.proofMsP50.toFixed(3)} ms p99 ${r.proofMsP99.toFixed(3)} ms | node.db ${(r.dbBytes / 1048576).toFixed(1)} MiB`,
    );
    return r;
  } finally {
    if (opts.dir === undefined) rmSync(dir, { recursive: true, force: true });
  }
}

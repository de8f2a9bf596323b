/**
 * The application host: everything that stays with the application whatever
 * runs consensus — the custody engine (core/engine), the node store (node.db:
 * block and transaction index, state snapshots, security events), the
 * evidence log (receipts, MMR, checkpoints, cosignatures), historical state
 * and the engine metrics. A consensus driver (main/devnet/ today, an ABCI
 * socket server next) drives it only through AbciApplication (./abci.ts);
 * routes read it through AppReadView (./views.ts). It imports no driver and
 * no RPC code (tests/unit/layering.test.ts).
 *
 * Per block: finalizeBlock runs the engine, whose root cache tells the host
 * (a RootObserver) every state-tree node it hashed anew; commit() commits the
 * engine and writes ONE SQLite transaction (block + txs + events + those tree
 * nodes + security events + evidence, synchronous=FULL); only then are the
 * block, its receipts and its metrics visible. A failed write throws: the
 * driver halts, and a restart resumes from the last durable block. Every
 * `snapshotEvery` blocks (DEFAULT_SNAPSHOT_EVERY) the engine's snapshot is
 * written after the block, in a transaction of its own.
 *
 * Start: restore the newest stored snapshot (or genesis when there is none),
 * re-execute the stored blocks after it (at most snapshotEvery of them, unless
 * a snapshot write failed) and check each root against the block's stored
 * result_app_hash.
 */
import { performance } from 'node:perf_hooks';
import { CustodyEngine, type EngineOptions } from '../../core/engine/engine.js';
import type { RootObserver } from '../../core/engine/state-root.js';
import { nativeVerifier } from '../crypto/native-verifier.js';
import { VerdictCache } from '../crypto/verdict-cache.js';
import { nodeSha256 } from '../crypto/node-hash.js';
import { genesisHash } from '../../core/engine/genesis.js';
import { decodeTx, MAX_TX_BYTES } from '../../core/tx/envelope.js';
import { fromHex } from '../../core/codec/index.js';
import { CharterError } from '../../core/errors.js';
import type { Application, GenesisDoc, TxResult } from '../../core/engine/types.js';
import type { SignedCheckpoint } from '../../core/evidence/checkpoint.js';
import type { HistoricalStateProof } from '../../core/node-api/read-api.js';
import { hexUpper } from '../cometbft/encoding.js';
import type {
  AbciApplication,
  ApplySnapshotChunkResult,
  CheckTxRequest,
  CommitResponse,
  FinalizeBlockRequest,
  FinalizeBlockResponse,
  InfoResponse,
  InitChainRequest,
  InitChainResponse,
  OfferSnapshotResult,
  PrepareProposalRequest,
  PrepareProposalResponse,
  ProcessProposalRequest,
  ProcessProposalResponse,
  QueryRequest,
  QueryResponse,
  Snapshot,
} from './abci.js';
import { MAX_COSIGNATURES, checkCosignature, servedCheckpoint, type CosignaturePost } from './cosignatures.js';
import { DEFAULT_CHECKPOINT_EVERY, EvidenceLog, type CheckpointRow, type CheckpointSigner, type ReceiptRow } from './evidence.js';
import { HistoricalState } from './history.js';
import { EngineMetrics } from './metrics.js';
import {
  NodeStore,
  admissionEventsOf,
  resultToStored,
  securityEventsOf,
  storedToResult,
  type BlockRow,
  type SecurityEventFilter,
  type SecurityEventRow,
  type StateNodeRow,
  type StoredResult,
  type TxEventRow,
  type TxRow,
} from './store.js';
import type { AppReadView } from './views.js';

export type LogFn = (level: 'info' | 'warn' | 'error', msg: string) => void;

/**
 * A state snapshot every this many blocks by default. Restart re-executes at
 * most this many blocks; a snapshot costs a canonical JSON of the whole state
 * (about 0.3 KB per entry, written once per interval, SNAPSHOTS_KEPT kept).
 * 1000 keeps the snapshot's amortised cost per block a small fraction of a
 * block's own commit at a million entries, while restart stays within
 * seconds of replay. See docs/formats/node-db.md.
 */
export const DEFAULT_SNAPSHOT_EVERY = 1000;

/** Snapshot chunks offered to state sync: at most this many bytes each (format 1, the snapshot bytes cut in order). */
export const SNAPSHOT_CHUNK_BYTES = 8 * 1024 * 1024;

/** Collects the state-tree nodes the engine's root cache hashes anew, as node.db rows. */
class TreeCollector implements RootObserver {
  on = true;
  private rows: StateNodeRow[] = [];
  inner(hash: Uint8Array, bit: number, left: Uint8Array, right: Uint8Array): void {
    if (this.on) this.rows.push({ hash: Buffer.from(hash), bit, left: Buffer.from(left), right: Buffer.from(right), key: null, value: null });
  }
  leaf(hash: Uint8Array, key: string, value: Uint8Array): void {
    if (this.on)
      this.rows.push({
        hash: Buffer.from(hash),
        bit: null,
        left: null,
        right: null,
        key,
        value: Buffer.from(value.buffer, value.byteOffset, value.byteLength),
      });
  }
  take(): StateNodeRow[] {
    const r = this.rows;
    this.rows = [];
    return r;
  }
}

/** How the host started: the snapshot it restored (0: genesis) and the stored blocks it re-executed after it. */
export interface HostStart {
  snapshotHeight: number;
  replayedBlocks: number;
  /** Restoring the snapshot (or building genesis), ms; `ms` is the whole start including the re-execution. */
  restoreMs: number;
  ms: number;
}

/** What the last commit() wrote (for measurement). */
export interface CommitStats {
  height: number;
  /** The block's SQLite transaction (NodeStore.commitBlock), ms. */
  writeMs: number;
  /** Of writeMs, inserting the state-tree rows. */
  treeWriteMs: number;
  /** State-tree rows written with the block. */
  treeNodes: number;
  /** Bytes of those rows' hashes, children, keys and values. */
  treeBytes: number;
  /** Size of the snapshot written after this block; 0 when none. */
  snapshotBytes: number;
  /** Writing it in all, and of that engine.snapshot() (the canonical JSON of the state). */
  snapshotMs: number;
  snapshotEncodeMs: number;
}

export interface ApplicationHostOptions {
  /** node.db, opened (and so locked) by the caller: NodeStore.open(dbPath). The host owns it from here and closes it. */
  store: NodeStore;
  dbPath: string;
  genesis: GenesisDoc;
  /** Passed to the engine (e.g. a faster signature verifier that agrees with the default). */
  engineOptions?: EngineOptions;
  /** Signs the checkpoints of the evidence log. */
  checkpointSigner: CheckpointSigner;
  /** A signed checkpoint at every height divisible by this; default 10. */
  checkpointEvery?: number;
  /** A state snapshot at every height divisible by this; default DEFAULT_SNAPSHOT_EVERY. */
  snapshotEvery?: number;
  /** Write a snapshot of the last block at close() when it has none (default true). False leaves node.db as a crash would (tests, restart benchmarks). */
  snapshotOnClose?: boolean;
  /** The driver's mempool, for the metrics' gauges (zero when there is none). */
  mempool?: { size(): number; bytes(): number };
  log?: LogFn;
}

interface Pending {
  req: FinalizeBlockRequest;
  res: FinalizeBlockResponse;
  t0: number;
}

export class ApplicationHost implements AbciApplication, AppReadView {
  readonly chainId: string;
  readonly genesis: GenesisDoc;
  /** App version reported by the engine's info(). */
  readonly appVersion: number;
  /** State root of the genesis state (header app_hash of block 1), upper-case hex. */
  readonly genesisAppHash: string;
  readonly metrics: EngineMetrics;
  /** Receipts, MMR and checkpoints (./evidence.ts). */
  readonly evidence: EvidenceLog;
  readonly dbPath: string;
  readonly snapshotEvery: number;
  /** How this host started (restored snapshot, blocks re-executed). */
  readonly started: HostStart;
  /** What the last commit() wrote. */
  lastCommit: CommitStats | null = null;

  private readonly engine: Application;
  private readonly tree = new TreeCollector();
  private readonly snapshotOnClose: boolean;
  private readonly store: NodeStore;
  private readonly history: HistoricalState;
  private readonly log: LogFn;
  private last: BlockRow | null;
  private pending: Pending | null = null;

  /**
   * The genesis a node.db was first started with is recorded in it; another
   * genesis is refused (WORKSPACE_INVALID naming `file`).
   */
  static checkGenesis(store: NodeStore, genesis: GenesisDoc, file: string): void {
    const gh = genesisHash(genesis);
    const stored = store.getMeta('genesis_hash');
    if (stored === null) store.setMeta('genesis_hash', gh);
    else if (stored !== gh) {
      throw new CharterError('WORKSPACE_INVALID', `${file} is not the genesis this node.db was started with (hash ${gh}, expected ${stored})`, { file });
    }
  }

  /**
   * State sync: makes the empty node.db at `dbPath` start from a peer's
   * snapshot. The bytes must hash to the offered hash, restore under this
   * genesis, and give the offered height and root (the app hash the light
   * client verified); then they are stored as the node's base
   * (NodeStore.putStateSyncBase), and a host opened on it next continues at
   * height + 1. Refuses, changing nothing, otherwise.
   */
  static restoreSnapshotInto(dbPath: string, genesis: GenesisDoc, snap: { height: number; appHash: string; hash: string; bytes: Uint8Array }): void {
    const digest = Buffer.from(nodeSha256(snap.bytes)).toString('hex');
    if (digest !== snap.hash.toLowerCase()) throw new CharterError('INVALID_INPUT', `the snapshot's bytes hash to ${digest}, not the offered ${snap.hash}`);
    const engine = CustodyEngine.restore(snap.bytes, genesis, { verifier: nativeVerifier, sha256: nodeSha256 });
    const info = engine.info();
    const root = hexUpper(info.lastBlockAppHash);
    if (info.lastBlockHeight !== snap.height || root !== snap.appHash.toUpperCase()) {
      throw new CharterError(
        'INVALID_INPUT',
        `the snapshot restores height ${info.lastBlockHeight} root ${root}, not the offered height ${snap.height} root ${snap.appHash}`,
      );
    }
    const time = (JSON.parse(Buffer.from(snap.bytes).toString('utf8')) as { state: { time: string } }).state.time;
    const store = NodeStore.open(dbPath);
    try {
      ApplicationHost.checkGenesis(store, genesis, 'genesis.json');
      store.putStateSyncBase({ height: snap.height, appHash: root, time, bytes: snap.bytes });
    } finally {
      store.close();
    }
  }

  constructor(opts: ApplicationHostOptions) {
    const { store, genesis } = opts;
    this.store = store;
    this.genesis = genesis;
    this.chainId = genesis.chain_id;
    this.dbPath = opts.dbPath;
    this.log = opts.log ?? (() => {});
    const snapshotEvery = opts.snapshotEvery ?? DEFAULT_SNAPSHOT_EVERY;
    if (!Number.isSafeInteger(snapshotEvery) || snapshotEvery < 1)
      throw new CharterError('USAGE', `the snapshot interval must be a positive integer, got ${snapshotEvery}`);
    this.snapshotEvery = snapshotEvery;
    this.snapshotOnClose = opts.snapshotOnClose ?? true;
    const t0 = performance.now();
    // node:crypto signatures and hashing by default (same verdicts and roots as the pure-JS ones)
    // One cache of signature verdicts for admission, recheck and execution (main/crypto/verdict-cache.ts). Around node:crypto's
    // verifier only: a verifier given in engineOptions is used as it is (a test's may change its mind between admission and execution).
    const verifier = opts.engineOptions?.verifier ?? new VerdictCache(nativeVerifier);
    const engineOptions: EngineOptions = { sha256: nodeSha256, ...opts.engineOptions, verifier, rootObserver: this.tree };
    const fresh = new CustodyEngine(genesis, engineOptions);
    this.genesisAppHash = hexUpper(fresh.info().lastBlockAppHash);

    const snap = store.snapshot();
    this.last = store.latestBlock();
    let engine: CustodyEngine = fresh;
    if (snap !== null) {
      // The tree of the snapshot's height is stored unless this home predates the stored trees: then the rebuild feeds it.
      this.tree.on = !store.hasStateNode(fromHex(snap.app_hash.toLowerCase()));
      try {
        engine = CustodyEngine.restore(new Uint8Array(snap.snapshot), genesis, engineOptions);
      } catch (e) {
        throw new CharterError('WORKSPACE_INVALID', `${this.dbPath}: the state snapshot at height ${snap.height} cannot be restored: ${(e as Error).message}`);
      }
      this.tree.on = true;
      const info = engine.info();
      const root = hexUpper(info.lastBlockAppHash);
      const at = store.block(snap.height);
      const last = this.last;
      if (info.lastBlockHeight !== snap.height || root !== snap.app_hash || at === null || at.result_app_hash !== root || last === null) {
        throw new CharterError(
          'WORKSPACE_INVALID',
          `${this.dbPath}: refusing to start: the restored state (height ${info.lastBlockHeight}, root ${root}) does not match ` +
            `the stored snapshot (height ${snap.height}, root ${snap.app_hash}) and its block (height ${at?.height ?? '-'}, root ${at?.result_app_hash ?? '-'}). ` +
            'The home is damaged; restore it from a backup or start a new home.',
          { height: snap.height, expected: snap.app_hash, restored: root },
        );
      }
    }
    const from = engine.info().lastBlockHeight;
    const restoreMs = performance.now() - t0;
    const top = this.last?.height ?? 0;
    for (let h = from + 1; h <= top; h++) {
      const b = store.block(h);
      if (b === null) throw new CharterError('WORKSPACE_INVALID', `${this.dbPath}: block ${h} is missing`);
      // Its tree was stored with it, unless the block is from before the stored trees.
      this.tree.on = !store.hasStateNode(fromHex(b.result_app_hash.toLowerCase()));
      engine.finalizeBlock({ height: h, time: b.time, txs: store.txsOf(h).map((t) => new Uint8Array(t.bytes)) });
      engine.commit();
      const root = hexUpper(engine.info().lastBlockAppHash);
      if (root !== b.result_app_hash) {
        throw new CharterError(
          'WORKSPACE_INVALID',
          `${this.dbPath}: refusing to start: re-executing stored block ${h} after the snapshot at height ${from} gives root ${root}, which does not match the stored ${b.result_app_hash}. ` +
            'The home is damaged; restore it from a backup or start a new home.',
          { height: h, expected: b.result_app_hash, restored: root },
        );
      }
    }
    this.tree.on = true;
    store.putStateNodes(this.tree.take());
    this.engine = engine;
    this.started = { snapshotHeight: from, replayedBlocks: top - from, restoreMs, ms: performance.now() - t0 };
    if (top > from) this.log('info', `state restored from ${from === 0 ? 'genesis' : `the snapshot at height ${from}`}, blocks ${from + 1}–${top} re-executed`);
    const info = this.engine.info();
    if (info.chainId !== genesis.chain_id)
      throw new CharterError('WORKSPACE_INVALID', `engine reports chain ${info.chainId}, genesis says ${genesis.chain_id}`);
    this.appVersion = info.appVersion;

    this.evidence = new EvidenceLog(this.chainId, opts.checkpointSigner, opts.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY, store);
    this.catchUpEvidence();
    this.history = new HistoricalState(store);

    const mempool = opts.mempool;
    this.metrics = new EngineMetrics({ height: () => this.height(), mempoolSize: () => mempool?.size() ?? 0, mempoolBytes: () => mempool?.bytes() ?? 0 });
    this.metrics.seed(store.txCountsByCode(), this.last?.time_ms ?? null);
  }

  /**
   * Closes node.db, first writing a snapshot of the last block when it has
   * none (so a clean stop restarts without re-executing anything; a crash
   * re-executes at most snapshotEvery blocks).
   */
  close(): void {
    const last = this.last;
    try {
      const info = this.engine.info();
      if (
        this.snapshotOnClose &&
        this.store.isOpen &&
        last !== null &&
        this.pending === null &&
        info.lastBlockHeight === last.height &&
        hexUpper(info.lastBlockAppHash) === last.result_app_hash &&
        this.store.snapshots()[0]?.height !== last.height
      )
        this.writeSnapshot(last.height, last.result_app_hash);
    } finally {
      this.store.close();
    }
  }

  // ─── info/query connection ───────────────────────────────────────────────

  info(): InfoResponse {
    return this.engine.info();
  }
  query(req: QueryRequest): QueryResponse {
    return this.engine.query(req);
  }

  // ─── mempool connection ──────────────────────────────────────────────────

  /**
   * The engine's checkTx. Every refusal is counted and persisted as a
   * security event (stage "admission" or "recheck"), seen at the last
   * committed height.
   */
  checkTx(req: CheckTxRequest): TxResult {
    const result = this.engine.checkTx(req.tx);
    if (result.code !== 0) {
      this.metrics.recordCheckRejected(result.code, result.codespace);
      this.store.recordRefusal(req.type === 'new' ? 'admission' : 'recheck', admissionEventsOf(this.height(), req.hash, result.events, result.log));
    }
    return result;
  }

  // ─── consensus connection ────────────────────────────────────────────────

  /** The genesis is the host's (given at construction); initChain checks the chain and answers the genesis root. */
  initChain(req: InitChainRequest): InitChainResponse {
    if (req.chainId !== this.chainId) throw new CharterError('WORKSPACE_INVALID', `initChain for chain ${req.chainId}, this application holds ${this.chainId}`);
    if (this.height() !== 0) throw new CharterError('WORKSPACE_INVALID', `initChain at height ${this.height()}: the chain is already initialised`);
    return { appHash: new Uint8Array(Buffer.from(this.genesisAppHash, 'hex')) };
  }

  /** The mempool's order, at most maxTxs (the engine does not reorder or add). */
  prepareProposal(req: PrepareProposalRequest): PrepareProposalResponse {
    return { txs: req.txs.length > req.maxTxs ? req.txs.slice(0, req.maxTxs) : req.txs };
  }

  /** Accepts a proposal whose transactions are within the size limit; the engine judges each in finalizeBlock. */
  processProposal(req: ProcessProposalRequest): ProcessProposalResponse {
    return { status: req.txs.every((t) => t.length <= MAX_TX_BYTES) ? 'accept' : 'reject' };
  }

  finalizeBlock(req: FinalizeBlockRequest): FinalizeBlockResponse {
    if (this.pending) {
      // CometBFT decided this height again after a restart of its own, before our Commit: the block it had
      // finalized was never committed, so it is dropped (the engine rebuilds its working copy from the committed state).
      if (this.pending.req.height !== req.height) throw new Error(`finalizeBlock(${req.height}) before commit of block ${this.pending.req.height}`);
      this.log('warn', `block ${req.height} finalized again before its commit; the earlier result is dropped`);
      this.pending = null;
    }
    const expected = (this.last?.height ?? 0) + 1;
    if (req.height !== expected) throw new Error(`finalizeBlock(${req.height}): the next height is ${expected}`);
    const t0 = performance.now();
    this.tree.take();
    const res = this.engine.finalizeBlock({ height: req.height, time: req.time, txs: req.txs });
    if (res.txResults.length !== req.txs.length) throw new Error(`engine returned ${res.txResults.length} results for ${req.txs.length} transactions`);
    this.pending = { req, res, t0 };
    return res;
  }

  commit(): CommitResponse {
    const p = this.pending;
    if (!p) throw new Error('commit without a finalized block');
    this.pending = null;
    const { req, res } = p;
    const { height, time, txs, hashes } = req;
    this.engine.commit();
    const nodes = this.tree.take();
    const info = this.engine.info();
    const resultAppHash = hexUpper(res.appHash);
    if (info.lastBlockHeight !== height || hexUpper(info.lastBlockAppHash) !== resultAppHash) {
      throw new Error(
        `engine after commit reports height ${info.lastBlockHeight} root ${hexUpper(info.lastBlockAppHash)}, expected ${height} ${resultAppHash}`,
      );
    }
    const row: BlockRow = { ...req.block, result_app_hash: resultAppHash, finalize_events: JSON.stringify(res.events) };
    const txRows = txs.map((bytes, idx) => {
      const r = res.txResults[idx] as TxResult;
      let type: string | null = null;
      let signer: string | null = null;
      try {
        const env = decodeTx(bytes);
        type = env.type;
        signer = env.signer;
      } catch {
        // Undecodable bytes cannot pass checkTx; kept with null type if they ever do.
      }
      const events: TxEventRow[] = [];
      for (const ev of r.events) for (const a of ev.attributes) events.push({ type: ev.type, key: a.key, value: a.value });
      return {
        hash: hashes[idx] as string,
        height,
        idx,
        bytes,
        type,
        signer,
        code: r.code,
        codespace: r.codespace,
        result: JSON.stringify(resultToStored(r)),
        events,
      };
    });
    const securityEvents = securityEventsOf(
      height,
      txRows.map((t, i) => ({ index: t.idx, hash: t.hash, events: (res.txResults[i] as TxResult).events })),
      res.events,
    );
    const evidence = this.evidence.plan(
      height,
      time,
      txRows.map((t, i) => ({ hash: t.hash, code: t.code, codespace: t.codespace, events: (res.txResults[i] as TxResult).events })),
    );
    const prev = this.last;
    const tw = performance.now();
    this.store.commitBlock(row, txRows, nodes, securityEvents, evidence);
    const writeMs = performance.now() - tw;

    // Durable: publish.
    this.evidence.apply(evidence);
    this.last = row;
    const commitSeconds = (performance.now() - p.t0) / 1000;
    this.metrics.recordBlock({ timeMs: row.time_ms, prevTimeMs: prev?.time_ms ?? null, results: res.txResults, commitSeconds });
    let treeBytes = 0;
    for (const n of nodes) treeBytes += 32 + (n.left ? 64 : 0) + (n.key?.length ?? 0) + (n.value?.length ?? 0);
    this.lastCommit = {
      height,
      writeMs,
      treeWriteMs: this.store.lastTreeWriteMs,
      treeNodes: nodes.length,
      treeBytes,
      snapshotBytes: 0,
      snapshotMs: 0,
      snapshotEncodeMs: 0,
    };
    if (height % this.snapshotEvery === 0) this.writeSnapshot(height, resultAppHash);
    return { retainHeight: 0 };
  }

  /**
   * The snapshot after block `height`, in its own transaction. The block is
   * durable already: a failure here is logged and costs only a longer
   * re-execution at the next start (from the snapshot before).
   */
  private writeSnapshot(height: number, appHash: string): void {
    const t0 = performance.now();
    try {
      const bytes = this.engine.snapshot();
      const encodeMs = performance.now() - t0;
      this.store.putSnapshot({ height, appHash, bytes });
      if (this.lastCommit !== null && this.lastCommit.height === height) {
        this.lastCommit.snapshotBytes = bytes.length;
        this.lastCommit.snapshotMs = performance.now() - t0;
        this.lastCommit.snapshotEncodeMs = encodeMs;
      }
    } catch (e) {
      this.log(
        'error',
        `the state snapshot at height ${height} was not written: ${(e as Error).message}; the next start re-executes from the snapshot before it`,
      );
    }
  }

  // ─── state-sync connection ───────────────────────────────────────────────

  /**
   * The stored state snapshots, newest first (format 1: the engine's
   * canonical JSON, cut in order into chunks of SNAPSHOT_CHUNK_BYTES; hash:
   * SHA-256 of the whole, lower-case hex; metadata: the app hash).
   */
  listSnapshots(): Snapshot[] {
    return this.store.snapshots().map((s) => ({
      height: s.height,
      format: 1,
      chunks: Math.max(1, Math.ceil(s.size / SNAPSHOT_CHUNK_BYTES)),
      hash: s.hash,
      metadata: s.app_hash,
    }));
  }
  /** Restoring from a peer's snapshot is not supported yet: every offer is refused. */
  offerSnapshot(_snapshot: Snapshot, _appHash: Uint8Array): OfferSnapshotResult {
    return 'reject';
  }
  loadSnapshotChunk(req: { height: number; format: number; chunk: number }): Uint8Array | null {
    const s = this.store.snapshots().find((x) => x.height === req.height);
    if (s === undefined || req.format !== 1 || !Number.isSafeInteger(req.chunk) || req.chunk < 0) return null;
    if (req.chunk >= Math.max(1, Math.ceil(s.size / SNAPSHOT_CHUNK_BYTES))) return null;
    const bytes = this.store.snapshotBytes(s.height, req.chunk * SNAPSHOT_CHUNK_BYTES, SNAPSHOT_CHUNK_BYTES);
    return bytes === null ? null : new Uint8Array(bytes);
  }
  applySnapshotChunk(_req: { index: number; chunk: Uint8Array; sender: string }): ApplySnapshotChunkResult {
    return 'abort';
  }

  // ─── block and transaction index (AppReadView) ───────────────────────────

  height(): number {
    return this.last?.height ?? 0;
  }
  latestBlock(): BlockRow | null {
    return this.last;
  }
  earliestBlock(): BlockRow | null {
    return this.store.earliestBlock();
  }
  blockAt(height: number): BlockRow | null {
    return this.store.block(height);
  }
  blockByHash(hash: string): BlockRow | null {
    return this.store.blockByHash(hash.toUpperCase());
  }
  blocksDesc(min: number, max: number): BlockRow[] {
    return this.store.blocksDesc(min, max);
  }
  txsOf(height: number): TxRow[] {
    return this.store.txsOf(height);
  }
  /** The results of the transactions of block `height`, in order. */
  resultsOf(height: number): TxResult[] {
    return this.store.txsOf(height).map((t) => storedToResult(JSON.parse(t.result) as StoredResult));
  }
  txByHash(hash: string): TxRow | null {
    return this.store.tx(hash.toUpperCase());
  }
  hasTx(hash: string): boolean {
    return this.store.hasTx(hash);
  }
  txEvents(hash: string): TxEventRow[] {
    return this.store.eventsOf(hash);
  }
  txCounts(): { total: number; ok: number; rejected: number } {
    return this.store.txCounts();
  }
  searchTxs(...args: Parameters<NodeStore['searchTxs']>): string[] {
    return this.store.searchTxs(...args);
  }

  // ─── evidence log (AppReadView) ──────────────────────────────────────────

  securityEvents(filter: SecurityEventFilter): SecurityEventRow[] {
    return this.store.securityEvents(filter);
  }
  receiptByTx(hash: string): ReceiptRow | null {
    return this.store.receiptByTx(hash.replace(/^0x/i, '').toUpperCase());
  }
  receiptBySeq(seq: number): ReceiptRow | null {
    return this.store.receiptBySeq(seq);
  }
  receiptsBySeq(from: number, to: number, limit: number): ReceiptRow[] {
    return this.store.receiptsBySeq(from, to, limit);
  }
  receiptsByHeight(from: number, to: number, limit: number): ReceiptRow[] {
    return this.store.receiptsByHeight(from, to, limit);
  }
  latestCheckpoint(): CheckpointRow | null {
    return this.store.latestCheckpoint();
  }
  checkpointAt(height: number): CheckpointRow | null {
    return this.store.checkpointAt(height);
  }
  checkpointsDesc(before: number, limit: number): CheckpointRow[] {
    return this.store.checkpointsDesc(before, limit);
  }
  /** A stored checkpoint as the routes serve it: the signed checkpoint plus its witness cosignatures, when there are any. */
  servedCheckpoint(row: CheckpointRow): SignedCheckpoint {
    return servedCheckpoint(row, this.store.cosignaturesOf(row.height));
  }

  /**
   * Store a witness's cosignature of a checkpoint this node signed (checked by
   * ./cosignatures.ts checkCosignature: NOT_FOUND, CHECKPOINT_MISMATCH,
   * INVALID_INPUT, BAD_SIGNATURE). Idempotent per key: a second cosignature of
   * the same key for the same checkpoint changes nothing (`stored` false).
   * Returns the checkpoint as now served.
   */
  addCosignature(post: CosignaturePost): { checkpoint: SignedCheckpoint; stored: boolean } {
    const row = this.store.checkpointAt(post.checkpoint.height);
    checkCosignature(post, row, nativeVerifier);
    const cp = row as CheckpointRow;
    const known = this.store.cosignaturesOf(cp.height).some((r) => r.key_id === post.cosignature.key_id);
    if (!known && this.store.cosignatureCount(cp.height) >= MAX_COSIGNATURES) {
      throw new CharterError(
        'INVALID_INPUT',
        `the checkpoint at height ${cp.height} already carries ${MAX_COSIGNATURES} cosignatures, the most a signed checkpoint may`,
      );
    }
    const stored =
      !known &&
      this.store.addCosignature({
        height: cp.height,
        key_id: post.cosignature.key_id,
        scheme: post.cosignature.scheme,
        public_key: post.public_key,
        signature: post.cosignature.signature,
        received_at: new Date().toISOString(),
      });
    if (stored) this.log('info', `cosignature of witness ${post.cosignature.key_id} stored for the checkpoint at height ${cp.height}`);
    return { checkpoint: this.servedCheckpoint(cp), stored };
  }

  /** The state entry `key` after block `height`, with its proof against that block's result app hash. */
  stateProofAt(height: number, key: string): HistoricalStateProof {
    return this.history.proofAt(height, key);
  }

  /**
   * A signed checkpoint covering block `height`: the stored one at or above
   * it, else one for the latest block now, outside the every-N cadence
   * (`issued` true). Null while the log is empty.
   */
  checkpointCovering(height: number, why: string): { checkpoint: SignedCheckpoint | null; issued: boolean } {
    const covering = this.store.latestCheckpoint();
    if (covering !== null && covering.height >= height) return { checkpoint: this.servedCheckpoint(covering), issued: false };
    const top = this.last;
    if (top === null) return { checkpoint: null, issued: false };
    const plan = this.evidence.checkpointNow(top.height, top.time);
    if (plan === null || plan.checkpoint === null) return { checkpoint: null, issued: false };
    this.store.commitEvidence(plan, top.height);
    this.evidence.apply(plan);
    this.log('info', `checkpoint issued on demand at height ${top.height} (MMR size ${plan.checkpoint.mmr_size}) for ${why}`);
    return { checkpoint: JSON.parse(plan.checkpoint.signed) as SignedCheckpoint, issued: true };
  }

  /** Blocks stored before the evidence log existed (schema < 3) get their receipts and checkpoints now. */
  private catchUpEvidence(): void {
    const done = Number(this.store.getMeta('evidence_height') ?? '0');
    const top = this.last?.height ?? 0;
    for (let h = done + 1; h <= top; h++) {
      const b = this.store.block(h);
      if (b === null) throw new CharterError('WORKSPACE_INVALID', `${this.dbPath}: block ${h} is missing`);
      const txs = this.store.txsOf(h).map((t) => {
        const r = JSON.parse(t.result) as StoredResult;
        return { hash: t.hash, code: t.code, codespace: t.codespace, events: r.events };
      });
      const plan = this.evidence.plan(h, b.time, txs);
      this.store.commitEvidence(plan, h);
      this.evidence.apply(plan);
    }
    if (top > done) this.log('info', `evidence log caught up: blocks ${done + 1}–${top}, ${this.evidence.receiptCount} receipts`);
  }
}

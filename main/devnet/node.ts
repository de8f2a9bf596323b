/**
 * The embedded devnet: a single-validator node that drives the custody engine
 * (core/engine) through its Application interface, persists blocks and state
 * in SQLite (node.db) and serves a CometBFT 0.38-compatible JSON-RPC subset
 * (rpc-server.ts) on a real socket.
 *
 * Block production follows CometBFT with create_empty_blocks=false: a block is
 * made on the timer when the mempool is non-empty, for the first block, and
 * for the "proof block" after a block that changed the state root (so that
 * every root is signed in a header). With emptyBlocks, a block on every tick.
 *
 * Header semantics are CometBFT's: header.app_hash of block H is the state
 * root after block H-1; the root after block H is in block_results(H).app_hash,
 * abci_info and header H+1.
 *
 * Per block: finalizeBlock → commit → snapshot → ONE SQLite transaction
 * (block + txs + events + snapshot, synchronous=FULL) → only then is the block
 * visible (height(), RPC, broadcast_tx_commit waiters, listeners). If the
 * write fails the node halts; a restart resumes from the last durable block.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { ensurePrivateDir, tightenMode } from '../../hsm/atomic-file.js';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CustodyEngine, type EngineOptions } from '../../core/engine/engine.js';
import { nativeVerifier } from '../crypto/native-verifier.js';
import { nodeSha256 } from '../crypto/node-hash.js';
import { genesisHash, makeGenesis, validateGenesis } from '../../core/engine/genesis.js';
import { decodeTx, MAX_TX_BYTES } from '../../core/tx/envelope.js';
import { canonicalBytes, canonicalJson, txHashOf } from '../../core/codec/index.js';
import { CharterError } from '../../core/errors.js';
import type { AbciEvent, Application, GenesisDoc, TxResult } from '../../core/engine/types.js';
import { b64, goTime, hexUpper, merkleRoot, parseTimeMs, sha256 } from '../cometbft/encoding.js';
import { ADMIN_KEY_FILE, ensureAdminKey, loadDevnetAdmin, loadOrCreateValidatorKey, writeSecretFile, type DevnetAdmin, type ValidatorKey } from './keys.js';
import { Mempool } from './mempool.js';
import { EngineMetrics } from './metrics.js';
import { RpcError } from './rpc-error.js';
import { RpcServer } from './rpc-server.js';
import { DEFAULT_CHECKPOINT_EVERY, EvidenceLog, type CheckpointRow, type ReceiptRow } from './evidence.js';
import { HistoricalState } from './history.js';
import type { SignedCheckpoint } from '../../core/evidence/checkpoint.js';
import { MAX_COSIGNATURES, checkCosignature, servedCheckpoint, type CosignaturePost } from './cosignatures.js';
import { NodeStore, admissionEventsOf, securityEventsOf, type BlockRow, type SecurityEventFilter, type SecurityEventRow, type TxEventRow, type TxRow } from './store.js';

export { loadDevnetAdmin, type DevnetAdmin };

export const DEFAULT_DEVNET_CHAIN_ID = 'charter-devnet-1';
export const GENESIS_FILE = 'genesis.json';
export const NODE_DB_FILE = 'node.db';
/** The CometBFT RPC generation this node speaks; cosmjs' connectComet picks Comet38Client for "0.38.". */
export const COMET_COMPAT_VERSION = '0.38.17';
export const BLOCK_PROTOCOL_VERSION = '11';
export const VALIDATOR_POWER = '10';

export type LogFn = (level: 'info' | 'warn' | 'error', msg: string) => void;

export interface DevnetNodeOptions {
  /** Home directory (created if missing): genesis.json, node_key.json, admin_key.json, node.db. */
  home: string;
  /** Default 127.0.0.1. */
  rpcHost?: string;
  /** Default 0: pick a free port. */
  rpcPort?: number;
  /** Block timer period; default 1000. 0 disables the timer: blocks only via produceBlock(). */
  blockTimeMs?: number;
  /** Make a block on every tick even with an empty mempool. Default false. */
  emptyBlocks?: boolean;
  /** Chain id for a new home (default "charter-devnet-1"); if given for an existing home it must match its genesis. */
  chainId?: string;
  log?: LogFn;
  /** Wall clock in epoch ms (default Date.now). Block times are max(clock, previous + 1 ms). */
  clock?: () => number;
  /** For a new home only: fixed key seeds (32 bytes each), e.g. for deterministic tests. */
  initKeys?: { adminSecret?: Uint8Array; validatorSecret?: Uint8Array };
  /** Mempool bounds; defaults 5000 transactions and 32 MiB. */
  mempoolMaxTxs?: number;
  mempoolMaxBytes?: number;
  /** Largest number of transactions in one block; default 1000. */
  maxBlockTxs?: number;
  /** How long broadcast_tx_commit waits for inclusion; default 10 000 ms (CometBFT's timeout_broadcast_tx_commit). */
  commitTimeoutMs?: number;
  /** Largest HTTP request body; default 1 MiB. */
  maxBodyBytes?: number;
  /** Passed to the engine (e.g. a faster signature verifier that agrees with the default). */
  engineOptions?: EngineOptions;
  /** Issue a signed checkpoint of the receipt MMR at every height divisible by this; default 10. */
  checkpointEvery?: number;
}

/** What listeners hear after each durable block. */
export interface BlockEvent {
  height: number;
  hash: string;
  time: string;
  numTxs: number;
  /** Header app_hash (root after height-1). */
  appHash: string;
  /** Root after this block. */
  resultAppHash: string;
  txs: { hash: string; code: number; codespace: string; log: string }[];
}

export interface IncludedTx {
  height: number;
  index: number;
  result: TxResult;
}

interface Waiter {
  resolve(v: IncludedTx): void;
  reject(e: Error): void;
}

/** JSON form of an ABCI result, as stored in txs.result. */
export interface StoredResult {
  code: number;
  codespace: string;
  log: string;
  data: string;
  events: AbciEvent[];
}

export function resultToStored(r: TxResult): StoredResult {
  return { code: r.code, codespace: r.codespace, log: r.log, data: b64(r.data), events: r.events };
}
export function storedToResult(s: StoredResult): TxResult {
  return { code: s.code, codespace: s.codespace, log: s.log, data: new Uint8Array(Buffer.from(s.data, 'base64')), events: s.events };
}

const EMPTY_BLOCK_ID = { hash: '', parts: { total: 0, hash: '' } };

export class DevnetNode {
  readonly home: string;
  readonly chainId: string;
  readonly genesis: GenesisDoc;
  readonly validator: ValidatorKey;
  readonly metrics: EngineMetrics;
  readonly emptyBlocks: boolean;
  readonly blockTimeMs: number;
  readonly commitTimeoutMs: number;
  readonly maxBlockTxs: number;
  /** App version reported by the engine's info(). */
  readonly appVersion: number;
  /** State root of the genesis state (header app_hash of block 1), upper-case hex. */
  readonly genesisAppHash: string;
  readonly startedAtMs: number;

  private rpc!: RpcServer;
  private readonly engine: Application;
  private readonly store: NodeStore;
  /** Receipts, MMR and checkpoints (main/devnet/evidence.ts). */
  readonly evidence: EvidenceLog;
  private readonly history: HistoricalState;
  private readonly mempool: Mempool;
  private readonly clock: () => number;
  private readonly log: LogFn;
  private last: BlockRow | null;
  private lastResults: TxResult[];
  private readonly waiters = new Map<string, Set<Waiter>>();
  private readonly listeners = new Set<(b: BlockEvent) => void>();
  private timer: NodeJS.Timeout | null = null;
  private haltedBy: Error | null = null;
  private stopping: Promise<void> | null = null;

  /** Where the plaintext devnet admin key of a home lives. */
  static adminKeyPath(home: string): string {
    return join(home, ADMIN_KEY_FILE);
  }

  static async start(opts: DevnetNodeOptions): Promise<DevnetNode> {
    const clock = opts.clock ?? Date.now;
    const log: LogFn = opts.log ?? (() => {});
    try {
      ensurePrivateDir(opts.home);
    } catch (e) {
      throw new CharterError('WORKSPACE_INVALID', `cannot create the devnet home ${opts.home}: ${(e as Error).message}`, { file: opts.home });
    }
    // The lock first: nothing in the home is touched before we own it.
    const store = NodeStore.open(join(opts.home, NODE_DB_FILE));
    let node: DevnetNode | null = null;
    try {
      // Ours now: files an older version left readable by others are narrowed to 0600.
      for (const e of readdirSync(opts.home, { withFileTypes: true })) if (e.isFile()) tightenMode(join(opts.home, e.name), 0o600);
      const validator = loadOrCreateValidatorKey(opts.home, opts.initKeys?.validatorSecret, log);
      const genesis = DevnetNode.loadOrCreateGenesis(opts, store, clock);
      node = new DevnetNode(opts, store, genesis, validator, clock, log);
      node.rpc = new RpcServer(node, { maxBodyBytes: opts.maxBodyBytes ?? 1024 * 1024, log });
      await node.rpc.listen(opts.rpcHost ?? '127.0.0.1', opts.rpcPort ?? 0);
      if (node.height() === 0) node.produceBlock();
      node.scheduleTimer();
      log('info', `devnet ${node.chainId} at height ${node.height()}, RPC ${node.rpcUrl}`);
      return node;
    } catch (e) {
      if (node) await node.stop().catch(() => {});
      else store.close();
      throw e;
    }
  }

  private static loadOrCreateGenesis(opts: DevnetNodeOptions, store: NodeStore, clock: () => number): GenesisDoc {
    const path = join(opts.home, GENESIS_FILE);
    let genesis: GenesisDoc;
    if (existsSync(path)) {
      let raw: unknown;
      try {
        raw = JSON.parse(readFileSync(path, 'utf8'));
      } catch (e) {
        throw new CharterError('WORKSPACE_INVALID', `${path} is not JSON: ${(e as Error).message}`, { file: path });
      }
      try {
        genesis = validateGenesis(raw);
      } catch (e) {
        throw new CharterError('WORKSPACE_INVALID', `${path}: ${(e as Error).message}`, { file: path });
      }
      if (opts.chainId !== undefined && opts.chainId !== genesis.chain_id) {
        throw new CharterError('WORKSPACE_INVALID', `${path} is for chain ${genesis.chain_id}, not ${opts.chainId}; use another --home for another chain`, { file: path });
      }
    } else {
      if (store.latestBlock() !== null) {
        throw new CharterError('WORKSPACE_INVALID', `${path} is missing but node.db holds blocks; restore genesis.json or start a new home`, { file: path });
      }
      ensureAdminKey(opts.home, opts.initKeys?.adminSecret);
      const admin = loadDevnetAdmin(opts.home);
      genesis = makeGenesis({
        chain_id: opts.chainId ?? DEFAULT_DEVNET_CHAIN_ID,
        genesis_time: goTime(Math.floor(clock())),
        admins: [{ public_key: Buffer.from(admin.publicKey).toString('hex'), label: admin.label }],
        params: { faucet: true, max_expiry_blocks: 1000 },
      });
      writeSecretFile(path, JSON.stringify(genesis, null, 2) + '\n');
    }
    const gh = genesisHash(genesis);
    const stored = store.getMeta('genesis_hash');
    if (stored === null) store.setMeta('genesis_hash', gh);
    else if (stored !== gh) {
      throw new CharterError('WORKSPACE_INVALID', `${path} is not the genesis this node.db was started with (hash ${gh}, expected ${stored})`, { file: path });
    }
    return genesis;
  }

  private constructor(opts: DevnetNodeOptions, store: NodeStore, genesis: GenesisDoc, validator: ValidatorKey, clock: () => number, log: LogFn) {
    this.home = opts.home;
    this.store = store;
    this.genesis = genesis;
    this.chainId = genesis.chain_id;
    this.validator = validator;
    this.clock = clock;
    this.log = log;
    this.emptyBlocks = opts.emptyBlocks ?? false;
    this.blockTimeMs = opts.blockTimeMs ?? 1000;
    this.commitTimeoutMs = opts.commitTimeoutMs ?? 10_000;
    this.maxBlockTxs = opts.maxBlockTxs ?? 1000;
    this.startedAtMs = clock();
    if (!Number.isFinite(this.blockTimeMs) || this.blockTimeMs < 0) throw new CharterError('USAGE', `block time must be ≥ 0 ms, got ${this.blockTimeMs}`);
    this.mempool = new Mempool(opts.mempoolMaxTxs ?? 5000, opts.mempoolMaxBytes ?? 32 * 1024 * 1024);

    opts = { ...opts, engineOptions: { verifier: nativeVerifier, sha256: nodeSha256, ...opts.engineOptions } }; // node:crypto signatures and hashing by default (same verdicts and roots as the pure-JS ones)
    const fresh = new CustodyEngine(genesis, opts.engineOptions);
    this.genesisAppHash = hexUpper(fresh.info().lastBlockAppHash);

    const snap = store.snapshot();
    this.last = store.latestBlock();
    if (snap === null) {
      if (this.last !== null) throw new CharterError('WORKSPACE_INVALID', `${this.dbPath}: blocks without a state snapshot; the home is damaged, start a new one`);
      this.engine = fresh;
    } else {
      let engine: Application;
      try {
        engine = CustodyEngine.restore(new Uint8Array(snap.snapshot), genesis, opts.engineOptions);
      } catch (e) {
        throw new CharterError('WORKSPACE_INVALID', `${this.dbPath}: the state snapshot at height ${snap.height} cannot be restored: ${(e as Error).message}`);
      }
      const info = engine.info();
      const root = hexUpper(info.lastBlockAppHash);
      const last = this.last;
      if (info.lastBlockHeight !== snap.height || root !== snap.app_hash || last === null || last.height !== snap.height || last.result_app_hash !== root) {
        throw new CharterError(
          'WORKSPACE_INVALID',
          `${this.dbPath}: refusing to start: the restored state (height ${info.lastBlockHeight}, root ${root}) does not match ` +
            `the stored snapshot (height ${snap.height}, root ${snap.app_hash}) and last block (height ${last?.height ?? 0}, root ${last?.result_app_hash ?? '-'}). ` +
            'The home is damaged; restore it from a backup or start a new home.',
          { height: snap.height, expected: snap.app_hash, restored: root },
        );
      }
      this.engine = engine;
    }
    const info = this.engine.info();
    if (info.chainId !== genesis.chain_id) throw new CharterError('WORKSPACE_INVALID', `engine reports chain ${info.chainId}, genesis says ${genesis.chain_id}`);
    this.appVersion = info.appVersion;
    this.lastResults = this.last ? store.txsOf(this.last.height).map((t) => storedToResult(JSON.parse(t.result) as StoredResult)) : [];

    this.evidence = new EvidenceLog(this.chainId, validator, opts.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY, store);
    this.catchUpEvidence();
    this.history = new HistoricalState(genesis, opts.engineOptions, store);

    this.metrics = new EngineMetrics({ height: () => this.height(), mempoolSize: () => this.mempool.size, mempoolBytes: () => this.mempool.totalBytes });
    this.metrics.seed(store.txCountsByCode(), this.last?.time_ms ?? null);
  }

  // ─── public surface ──────────────────────────────────────────────────────

  get rpcUrl(): string {
    return this.rpc.url;
  }
  get rpcAddress(): { host: string; port: number } {
    return this.rpc.address;
  }
  get dbPath(): string {
    return join(this.home, NODE_DB_FILE);
  }
  /** Height of the last durable block. */
  height(): number {
    return this.last?.height ?? 0;
  }
  /** The error that halted block production, if any. */
  get halted(): Error | null {
    return this.haltedBy;
  }
  get mempoolSize(): number {
    return this.mempool.size;
  }

  /** Calls fn after every durable block. Returns an unsubscribe function. */
  onBlock(fn: (b: BlockEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Makes a block now from the mempool (possibly empty), on demand. */
  produceBlock(): BlockEvent {
    this.assertRunning();
    const entries = this.mempool.take(this.maxBlockTxs);
    try {
      return this.commitBlock(entries.map((e) => e.bytes), entries.map((e) => e.hash));
    } catch (e) {
      this.halt(e as Error);
      throw e;
    }
  }

  /**
   * Mempool admission: size, duplicates and capacity first, then the engine's
   * checkTx. Returns the check result (code ≠ 0: refused, not in the mempool).
   * Throws RpcError for node-level refusals (as CometBFT does).
   */
  admit(tx: Uint8Array): { hash: string; result: TxResult } {
    this.assertRunning();
    const hash = txHashOf(tx);
    if (tx.length > MAX_TX_BYTES) throw RpcError.internal(`error on broadcastTxSync: tx too large. Max size is ${MAX_TX_BYTES}, but got ${tx.length}`);
    if (this.mempool.has(hash) || this.store.hasTx(hash)) throw RpcError.internal('error on broadcastTxSync: tx already exists in cache');
    const full = this.mempool.fullReason(tx.length);
    if (full) throw RpcError.internal(`error on broadcastTxSync: ${full}`);
    const result = this.engine.checkTx(tx);
    if (result.code === 0) this.mempool.add(hash, tx);
    else {
      this.metrics.recordCheckRejected(result.code, result.codespace);
      // Every rejection is a persisted security event, the ones at admission too (seen at the last committed height).
      this.store.recordRefusal('admission', admissionEventsOf(this.height(), hash, result.events, result.log));
    }
    return { hash, result };
  }

  /** Resolves when the transaction is in a durable block; rejects on timeout, eviction or stop. */
  waitForTx(hash: string, timeoutMs = this.commitTimeoutMs): Promise<IncludedTx> {
    const row = this.store.tx(hash);
    if (row) return Promise.resolve({ height: row.height, index: row.idx, result: storedToResult(JSON.parse(row.result) as StoredResult) });
    return new Promise<IncludedTx>((resolve, reject) => {
      let set = this.waiters.get(hash);
      if (!set) this.waiters.set(hash, (set = new Set()));
      const w: Waiter = {
        resolve: (v) => { clearTimeout(t); resolve(v); },
        reject: (e) => { clearTimeout(t); reject(e); },
      };
      const t = setTimeout(() => {
        this.dropWaiter(hash, w);
        reject(RpcError.internal('timed out waiting for tx to be included in a block'));
      }, timeoutMs);
      set.add(w);
    });
  }

  async stop(): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopping = (async () => {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      for (const [, set] of this.waiters) for (const w of set) w.reject(RpcError.internal('node is stopping'));
      this.waiters.clear();
      this.listeners.clear();
      if (this.rpc) await this.rpc.close();
      this.store.close();
      this.log('info', `devnet ${this.chainId} stopped at height ${this.height()}`);
    })();
    return this.stopping;
  }

  // ─── read access for the RPC server ──────────────────────────────────────

  get isStopping(): boolean {
    return this.stopping !== null;
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
  txByHash(hash: string): TxRow | null {
    return this.store.tx(hash.toUpperCase());
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
  securityEvents(filter: SecurityEventFilter): SecurityEventRow[] {
    return this.store.securityEvents(filter);
  }
  mempoolList(limit?: number): { hash: string; bytes: Uint8Array }[] {
    return this.mempool.list(limit);
  }
  mempoolBytes(): number {
    return this.mempool.totalBytes;
  }
  app(): Application {
    return this.engine;
  }

  // ─── evidence log ────────────────────────────────────────────────────────

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
   * main/devnet/cosignatures.ts checkCosignature: NOT_FOUND, CHECKPOINT_MISMATCH,
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
      throw new CharterError('INVALID_INPUT', `the checkpoint at height ${cp.height} already carries ${MAX_COSIGNATURES} cosignatures, the most a signed checkpoint may`);
    }
    const stored = !known && this.store.addCosignature({
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
  stateProofAt(height: number, key: string): ReturnType<HistoricalState['proofAt']> {
    return this.history.proofAt(height, key);
  }

  /**
   * Make now what evidence of block `height` needs from this node, when it is
   * missing (an idle devnet makes no more blocks, and signs a checkpoint only
   * every N blocks):
   *   - the next block, whose signed header states block `height`'s result
   *     app hash (and links to it): made (from the mempool, possibly empty)
   *     when `height` is the latest block;
   *   - a signed checkpoint covering block `height`'s receipts: when none at
   *     or above `height` exists, one for the latest block, outside the
   *     every-N cadence.
   * At most one block and one checkpoint per call, none when both exist.
   * Returns the checkpoint that covers `height` (null while the log is empty).
   */
  issueEvidenceFor(height: number): { checkpoint: SignedCheckpoint | null; producedBlock: number | null; issuedCheckpoint: boolean } {
    this.assertRunning();
    if (!Number.isSafeInteger(height) || height < 1) throw new CharterError('INVALID_INPUT', 'height: a positive integer');
    const latest = this.last;
    if (latest === null || height > latest.height) throw new CharterError('NOT_FOUND', `no block at height ${height} (latest is ${latest?.height ?? 0})`);
    let producedBlock: number | null = null;
    if (height === latest.height) producedBlock = this.produceBlock().height;
    const covering = this.store.latestCheckpoint();
    if (covering !== null && covering.height >= height) return { checkpoint: this.servedCheckpoint(covering), producedBlock, issuedCheckpoint: false };
    const top = this.last as BlockRow;
    const plan = this.evidence.checkpointNow(top.height, top.time);
    if (plan === null || plan.checkpoint === null) return { checkpoint: null, producedBlock, issuedCheckpoint: false };
    this.store.commitEvidence(plan, top.height);
    this.evidence.apply(plan);
    this.log('info', `checkpoint issued on demand at height ${top.height} (MMR size ${plan.checkpoint.mmr_size}) for evidence of block ${height}`);
    return { checkpoint: JSON.parse(plan.checkpoint.signed) as SignedCheckpoint, producedBlock, issuedCheckpoint: true };
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

  // ─── block production ────────────────────────────────────────────────────

  private assertRunning(): void {
    if (this.stopping) throw RpcError.internal('node is stopping');
    if (this.haltedBy) throw RpcError.internal(`node halted: ${this.haltedBy.message}`);
  }

  private scheduleTimer(): void {
    if (this.blockTimeMs === 0 || this.stopping || this.haltedBy) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.tick();
      this.scheduleTimer();
    }, this.blockTimeMs);
  }

  /** Whether the timer should make a block now. */
  wantsBlock(): boolean {
    if (this.emptyBlocks || this.mempool.size > 0 || this.last === null) return true;
    // Proof block: the root changed in the last block and is not yet in a header.
    return this.last.result_app_hash !== this.last.app_hash;
  }

  private tick(): void {
    if (this.stopping || this.haltedBy) return;
    if (!this.wantsBlock()) return;
    try {
      this.produceBlock();
    } catch {
      // halt() has logged it.
    }
  }

  private halt(e: Error): void {
    if (this.haltedBy) return;
    this.haltedBy = e;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.log('error', `block production halted: ${e.message}. Restart the node to resume from the last durable block.`);
    for (const [, set] of this.waiters) for (const w of set) w.reject(RpcError.internal(`node halted: ${e.message}`));
    this.waiters.clear();
  }

  private blockTimeMsFor(): number {
    const prevMs = this.last ? this.last.time_ms : parseTimeMs(this.genesis.genesis_time);
    return Math.max(Math.floor(this.clock()), prevMs + 1);
  }

  private commitBlock(txs: Uint8Array[], hashes: string[]): BlockEvent {
    const t0 = performance.now();
    const prev = this.last;
    const height = (prev?.height ?? 0) + 1;
    const timeMs = this.blockTimeMsFor();
    const time = goTime(timeMs);

    const res = this.engine.finalizeBlock({ height, time, txs });
    if (res.txResults.length !== txs.length) throw new Error(`engine returned ${res.txResults.length} results for ${txs.length} transactions`);
    this.engine.commit();
    const snapshot = this.engine.snapshot();
    const info = this.engine.info();
    const resultAppHash = hexUpper(res.appHash);
    if (info.lastBlockHeight !== height || hexUpper(info.lastBlockAppHash) !== resultAppHash) {
      throw new Error(`engine after commit reports height ${info.lastBlockHeight} root ${hexUpper(info.lastBlockAppHash)}, expected ${height} ${resultAppHash}`);
    }

    const prevBlockId = prev ? (JSON.parse(prev.block_id) as typeof EMPTY_BLOCK_ID) : EMPTY_BLOCK_ID;
    const lastCommit = prev
      ? {
          height: String(prev.height),
          round: 0,
          block_id: prevBlockId,
          signatures: [{ block_id_flag: 2, validator_address: prev.proposer, timestamp: prev.commit_time, signature: prev.commit_signature }],
        }
      : { height: '0', round: 0, block_id: EMPTY_BLOCK_ID, signatures: [] as unknown[] };
    const header = {
      version: { block: BLOCK_PROTOCOL_VERSION, app: String(this.appVersion) },
      chain_id: this.chainId,
      height: String(height),
      time,
      last_block_id: prevBlockId,
      last_commit_hash: hexUpper(merkleRoot(lastCommit.signatures.map((s) => canonicalBytes(s)))),
      data_hash: hexUpper(merkleRoot(txs.map((t) => sha256(t)))),
      validators_hash: this.validatorsHash(),
      next_validators_hash: this.validatorsHash(),
      consensus_hash: hexUpper(sha256(canonicalBytes(consensusParams()))),
      app_hash: prev ? prev.result_app_hash : this.genesisAppHash,
      last_results_hash: hexUpper(merkleRoot(this.lastResults.map((r) => canonicalBytes({ code: r.code, data: b64(r.data) })))),
      evidence_hash: hexUpper(merkleRoot([])),
      proposer_address: this.validator.address,
    };
    const headerJson = canonicalJson(header);
    const hashBytes = sha256(new TextEncoder().encode(headerJson));
    const hash = hexUpper(hashBytes);
    const block = { header, data: { txs: txs.map(b64) }, evidence: { evidence: [] as unknown[] }, last_commit: lastCommit };
    const blockBytes = canonicalBytes(block);
    const blockId = { hash, parts: { total: 1, hash: hexUpper(merkleRoot([blockBytes])) } };
    const signature = b64(this.validator.sign(hashBytes));

    const row: BlockRow = {
      height,
      hash,
      time,
      time_ms: timeMs,
      app_hash: header.app_hash,
      result_app_hash: resultAppHash,
      last_block_hash: prevBlockId.hash,
      data_hash: header.data_hash,
      proposer: this.validator.address,
      num_txs: txs.length,
      size: blockBytes.length,
      header: headerJson,
      block_id: JSON.stringify(blockId),
      last_commit: JSON.stringify(lastCommit),
      commit_signature: signature,
      commit_time: time,
      finalize_events: JSON.stringify(res.events),
    };
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
    const securityEvents = securityEventsOf(height, txRows.map((t, i) => ({ index: t.idx, hash: t.hash, events: (res.txResults[i] as TxResult).events })), res.events);
    const evidence = this.evidence.plan(height, time, txRows.map((t, i) => ({ hash: t.hash, code: t.code, codespace: t.codespace, events: (res.txResults[i] as TxResult).events })));
    this.store.commitBlock(row, txRows, { height, appHash: resultAppHash, bytes: snapshot }, securityEvents, evidence);

    // Durable: publish.
    this.evidence.apply(evidence);
    this.last = row;
    this.lastResults = res.txResults;
    const commitSeconds = (performance.now() - t0) / 1000;
    this.metrics.recordBlock({ timeMs, prevTimeMs: prev?.time_ms ?? null, results: res.txResults, commitSeconds });
    res.txResults.forEach((r, index) => {
      const set = this.waiters.get(hashes[index] as string);
      if (!set) return;
      this.waiters.delete(hashes[index] as string);
      for (const w of set) w.resolve({ height, index, result: r });
    });
    this.recheckMempool();
    const ev: BlockEvent = {
      height,
      hash,
      time,
      numTxs: txs.length,
      appHash: header.app_hash,
      resultAppHash,
      txs: res.txResults.map((r, i) => ({ hash: hashes[i] as string, code: r.code, codespace: r.codespace, log: r.log })),
    };
    for (const fn of this.listeners) {
      try {
        fn(ev);
      } catch (e) {
        this.log('warn', `block listener failed: ${(e as Error).message}`);
      }
    }
    return ev;
  }

  /** After a commit, re-check what is left in the mempool against the new state (CometBFT's recheck). */
  private recheckMempool(): void {
    for (const { hash, bytes } of this.mempool.list()) {
      const r = this.engine.checkTx(bytes);
      if (r.code === 0) continue;
      this.mempool.remove(hash);
      this.metrics.recordCheckRejected(r.code, r.codespace);
      this.store.recordRefusal('recheck', admissionEventsOf(this.height(), hash, r.events, r.log));
      this.log('info', `tx ${hash} evicted from the mempool on recheck: ${r.log}`);
      const set = this.waiters.get(hash);
      if (set) {
        this.waiters.delete(hash);
        for (const w of set) w.reject(RpcError.internal(`tx ${hash} was removed from the mempool on recheck: ${r.log}`));
      }
    }
  }

  private dropWaiter(hash: string, w: Waiter): void {
    const set = this.waiters.get(hash);
    if (!set) return;
    set.delete(w);
    if (set.size === 0) this.waiters.delete(hash);
  }

  private validatorsHashCache: string | null = null;
  validatorsHash(): string {
    if (this.validatorsHashCache === null) {
      this.validatorsHashCache = hexUpper(merkleRoot(this.validatorSet().map((v) => canonicalBytes(v))));
    }
    return this.validatorsHashCache;
  }

  /** The validator set in CometBFT's JSON shape. */
  validatorSet(): { address: string; pub_key: { type: string; value: string }; voting_power: string; proposer_priority: string }[] {
    return [{ address: this.validator.address, pub_key: { type: 'tendermint/PubKeyEd25519', value: b64(this.validator.publicKey) }, voting_power: VALIDATOR_POWER, proposer_priority: '0' }];
  }
}

/** Consensus parameters the devnet reports (CometBFT 0.38 JSON shape). */
export function consensusParams() {
  return {
    block: { max_bytes: '22020096', max_gas: '-1' },
    evidence: { max_age_num_blocks: '100000', max_age_duration: '172800000000000', max_bytes: '1048576' },
    validator: { pub_key_types: ['ed25519'] },
    version: { app: '0' },
    abci: { vote_extensions_enable_height: '0' },
  };
}

/**
 * The embedded devnet: a single-validator consensus driver over the
 * application host (main/app-host/host.ts), serving a CometBFT
 * 0.38-compatible JSON-RPC subset and the application's read API
 * (main/node-rpc/) on a real socket. The driver owns what CometBFT would:
 * genesis.json and the validator key, the mempool, the block timer, the
 * block builder (header and its signature) and the validator set. It calls
 * the host only through AbciApplication (checkTx, prepareProposal,
 * processProposal, finalizeBlock, commit, info, query) and reads it through
 * its views.
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
 * Per block: prepare/process proposal → header signed → finalizeBlock →
 * commit (the host writes ONE SQLite transaction) → only then is the block
 * visible (height(), RPC, broadcast_tx_commit waiters, listeners). If the
 * write fails the node halts; a restart resumes from the last durable block.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { ensurePrivateDir, tightenMode } from '../../base/node/files.js';
import { join } from 'node:path';
import type { EngineOptions } from '../../core/engine/engine.js';
import { makeGenesis, validateGenesis } from '../../core/engine/genesis.js';
import { MAX_TX_BYTES } from '../../core/tx/envelope.js';
import { canonicalBytes, canonicalJson, txHashOf } from '../../core/codec/index.js';
import { CharterError } from '../../core/errors.js';
import type { GenesisDoc, TxResult } from '../../core/engine/types.js';
import type { SignedCheckpoint } from '../../core/evidence/checkpoint.js';
import { b64, goTime, hexUpper, merkleRoot, parseTimeMs, sha256 } from '../cometbft/encoding.js';
import type { AbciApplication, DecidedBlock } from '../app-host/abci.js';
import type { AppReadView } from '../app-host/views.js';
import type { EvidenceLog } from '../app-host/evidence.js';
import { ApplicationHost, type LogFn } from '../app-host/host.js';
import type { EngineMetrics } from '../app-host/metrics.js';
import { NodeStore, resultToStored, storedToResult, type BlockRow, type StoredResult } from '../app-host/store.js';
import { mountCometRpc, type CometView, type IncludedTx, type ValidatorJson } from '../node-rpc/comet-routes.js';
import { mountReadApi, readApiIndex, type ReadApiView } from '../node-rpc/read-api.js';
import { RpcError } from '../node-rpc/rpc-error.js';
import { HttpTransport } from '../node-rpc/transport.js';
import { ADMIN_KEY_FILE, ensureAdminKey, loadDevnetAdmin, loadOrCreateValidatorKey, writeSecretFile, type DevnetAdmin, type ValidatorKey } from './keys.js';
import { Mempool } from './mempool.js';

export { loadDevnetAdmin, type DevnetAdmin };

export const DEFAULT_DEVNET_CHAIN_ID = 'charter-devnet-1';
export const GENESIS_FILE = 'genesis.json';
export const NODE_DB_FILE = 'node.db';
/** The CometBFT RPC generation this node speaks; cosmjs' connectComet picks Comet38Client for "0.38.". */
export const COMET_COMPAT_VERSION = '0.38.17';
export const BLOCK_PROTOCOL_VERSION = '11';
export const VALIDATOR_POWER = '10';

export type { LogFn, IncludedTx, StoredResult };
export { resultToStored, storedToResult };

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
  /** Write a state snapshot at every height divisible by this; default 1000 (main/app-host/host.ts DEFAULT_SNAPSHOT_EVERY). */
  snapshotEvery?: number;
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

interface Waiter {
  resolve(v: IncludedTx): void;
  reject(e: Error): void;
}

const EMPTY_BLOCK_ID = { hash: '', parts: { total: 0, hash: '' } };

export class DevnetNode {
  readonly home: string;
  readonly chainId: string;
  readonly genesis: GenesisDoc;
  readonly validator: ValidatorKey;
  readonly emptyBlocks: boolean;
  readonly blockTimeMs: number;
  readonly commitTimeoutMs: number;
  readonly maxBlockTxs: number;
  /** App version reported by the engine's info(). */
  readonly appVersion: number;
  /** State root of the genesis state (header app_hash of block 1), upper-case hex. */
  readonly genesisAppHash: string;
  readonly startedAtMs: number;

  private rpc!: HttpTransport;
  /** The application host this driver drives (engine, node store, evidence log, history, metrics). */
  private readonly host: ApplicationHost;
  private readonly mempool: Mempool;
  private readonly clock: () => number;
  private readonly log: LogFn;
  /** Results of the last block's transactions: its successor's header commits to them (last_results_hash). */
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
      node.rpc = new HttpTransport({ maxBodyBytes: opts.maxBodyBytes ?? 1024 * 1024, log });
      node.rpc.mount(mountReadApi(node.readApiView())).mount(mountCometRpc(node.cometView(), node.rpc, { indexRoutes: readApiIndex() }));
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
        throw new CharterError('WORKSPACE_INVALID', `${path} is for chain ${genesis.chain_id}, not ${opts.chainId}; use another --home for another chain`, {
          file: path,
        });
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
    ApplicationHost.checkGenesis(store, genesis, path);
    return genesis;
  }

  private constructor(opts: DevnetNodeOptions, store: NodeStore, genesis: GenesisDoc, validator: ValidatorKey, clock: () => number, log: LogFn) {
    this.home = opts.home;
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

    this.host = new ApplicationHost({
      store,
      dbPath: this.dbPath,
      genesis,
      ...(opts.engineOptions ? { engineOptions: opts.engineOptions } : {}),
      checkpointSigner: validator,
      ...(opts.checkpointEvery !== undefined ? { checkpointEvery: opts.checkpointEvery } : {}),
      ...(opts.snapshotEvery !== undefined ? { snapshotEvery: opts.snapshotEvery } : {}),
      mempool: { size: () => this.mempool.size, bytes: () => this.mempool.totalBytes },
      log,
    });
    this.genesisAppHash = this.host.genesisAppHash;
    this.appVersion = this.host.appVersion;
    const last = this.host.latestBlock();
    this.lastResults = last ? this.host.resultsOf(last.height) : [];
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
    return this.host.height();
  }
  /** The error that halted block production, if any. */
  get halted(): Error | null {
    return this.haltedBy;
  }
  get mempoolSize(): number {
    return this.mempool.size;
  }
  /** The host's engine metrics (served on /metrics/engine). */
  get metrics(): EngineMetrics {
    return this.host.metrics;
  }
  /** Receipts, MMR and checkpoints (main/app-host/evidence.ts). */
  get evidence(): EvidenceLog {
    return this.host.evidence;
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
      return this.commitBlock(
        entries.map((e) => e.bytes),
        entries.map((e) => e.hash),
      );
    } catch (e) {
      this.halt(e as Error);
      throw e;
    }
  }

  /**
   * Mempool admission: size, duplicates and capacity first, then the
   * application's checkTx. Returns the check result (code ≠ 0: refused, not in
   * the mempool). Throws RpcError for node-level refusals (as CometBFT does).
   */
  admit(tx: Uint8Array): { hash: string; result: TxResult } {
    this.assertRunning();
    const hash = txHashOf(tx);
    if (tx.length > MAX_TX_BYTES) throw RpcError.internal(`error on broadcastTxSync: tx too large. Max size is ${MAX_TX_BYTES}, but got ${tx.length}`);
    if (this.mempool.has(hash) || this.host.hasTx(hash)) throw RpcError.internal('error on broadcastTxSync: tx already exists in cache');
    const full = this.mempool.fullReason(tx.length);
    if (full) throw RpcError.internal(`error on broadcastTxSync: ${full}`);
    const result = this.host.checkTx({ tx, hash, type: 'new' });
    if (result.code === 0) this.mempool.add(hash, tx);
    return { hash, result };
  }

  /** Resolves when the transaction is in a durable block; rejects on timeout, eviction or stop. */
  waitForTx(hash: string, timeoutMs = this.commitTimeoutMs): Promise<IncludedTx> {
    const row = this.host.txByHash(hash);
    if (row) return Promise.resolve({ height: row.height, index: row.idx, result: storedToResult(JSON.parse(row.result) as StoredResult) });
    return new Promise<IncludedTx>((resolve, reject) => {
      let set = this.waiters.get(hash);
      if (!set) this.waiters.set(hash, (set = new Set()));
      const w: Waiter = {
        resolve: (v) => {
          clearTimeout(t);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(t);
          reject(e);
        },
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
      this.host.close();
      this.log('info', `devnet ${this.chainId} stopped at height ${this.height()}`);
    })();
    return this.stopping;
  }

  // ─── what the routes see (narrow views, not this class) ──────────────────

  /** The CometBFT routes' view: consensus state, mempool, and the host's index and info/query. */
  private cometView(): CometView {
    // The view's getters read the driver's live state (mempool, validators) when a route asks.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const node = this;
    const host = this.host;
    return {
      chainId: this.chainId,
      genesis: this.genesis,
      appVersion: this.appVersion,
      node: { address: this.validator.address, version: `${COMET_COMPAT_VERSION}+charter-devnet`, moniker: 'charter-devnet' },
      height: () => host.height(),
      latestBlock: () => host.latestBlock(),
      earliestBlock: () => host.earliestBlock(),
      blockAt: (h) => host.blockAt(h),
      blockByHash: (h) => host.blockByHash(h),
      blocksDesc: (min, max) => host.blocksDesc(min, max),
      txsOf: (h) => host.txsOf(h),
      txByHash: (h) => host.txByHash(h),
      searchTxs: (...args) => host.searchTxs(...args),
      app: () => host,
      validatorSet: () => this.validatorSet(),
      consensusParams,
      admit: (tx) => this.admit(tx),
      waitForTx: (hash) => this.waitForTx(hash),
      get mempoolSize() {
        return node.mempool.size;
      },
      mempoolBytes: () => this.mempool.totalBytes,
      mempoolList: (limit) => this.mempool.list(limit),
    };
  }

  /** The read API's view: the host's, plus the mempool and validators, and evidence on demand. */
  private readApiView(): ReadApiView {
    // The view's getters read the driver's live state (mempool, validators) when a route asks.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const node = this;
    return {
      app: this.host,
      consensus: {
        get mempoolSize() {
          return node.mempool.size;
        },
        isPending: (hash) => this.mempool.has(hash),
        validators: () => this.validatorSet(),
        devnet: true,
      },
      issueEvidence: (height) => this.issueEvidenceFor(height),
    };
  }

  // ─── read access (callers and tests; the routes use the views above) ─────

  get isStopping(): boolean {
    return this.stopping !== null;
  }
  mempoolList(limit?: number): { hash: string; bytes: Uint8Array }[] {
    return this.mempool.list(limit);
  }
  mempoolBytes(): number {
    return this.mempool.totalBytes;
  }
  /** The application this driver drives. */
  app(): AbciApplication {
    return this.host;
  }
  /** What the application host serves to readers (blocks, transactions, evidence log): the view the read API uses. */
  get read(): AppReadView {
    return this.host;
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
    const latest = this.host.latestBlock();
    if (latest === null || height > latest.height) throw new CharterError('NOT_FOUND', `no block at height ${height} (latest is ${latest?.height ?? 0})`);
    let producedBlock: number | null = null;
    if (height === latest.height) producedBlock = this.produceBlock().height;
    const r = this.host.checkpointCovering(height, `evidence of block ${height}`);
    return { checkpoint: r.checkpoint, producedBlock, issuedCheckpoint: r.issued };
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
    const last = this.host.latestBlock();
    if (this.emptyBlocks || this.mempool.size > 0 || last === null) return true;
    // Proof block: the root changed in the last block and is not yet in a header.
    return last.result_app_hash !== last.app_hash;
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

  private blockTimeMsFor(prev: BlockRow | null): number {
    const prevMs = prev ? prev.time_ms : parseTimeMs(this.genesis.genesis_time);
    return Math.max(Math.floor(this.clock()), prevMs + 1);
  }

  /** Proposes, signs, finalizes and commits one block through the application interface. */
  private commitBlock(mempoolTxs: Uint8Array[], mempoolHashes: string[]): BlockEvent {
    const app: AbciApplication = this.host;
    const prev = this.host.latestBlock();
    const height = (prev?.height ?? 0) + 1;
    const timeMs = this.blockTimeMsFor(prev);
    const time = goTime(timeMs);

    const proposal = app.prepareProposal({ height, time, txs: mempoolTxs, maxTxs: this.maxBlockTxs });
    const txs = proposal.txs;
    if (txs.length > mempoolTxs.length || txs.some((t, i) => t !== mempoolTxs[i]))
      throw new Error('prepareProposal changed the transactions; this driver only takes them as proposed');
    const hashes = mempoolHashes.slice(0, txs.length);
    if (app.processProposal({ height, time, txs }).status !== 'accept') throw new Error(`the application rejected its own proposal for block ${height}`);

    const block = this.buildBlock(prev, height, time, timeMs, txs);
    const res = app.finalizeBlock({ height, time, txs, hashes, block });
    app.commit();

    // Durable: publish.
    this.lastResults = res.txResults;
    res.txResults.forEach((r, index) => {
      const set = this.waiters.get(hashes[index] as string);
      if (!set) return;
      this.waiters.delete(hashes[index] as string);
      for (const w of set) w.resolve({ height, index, result: r });
    });
    this.recheckMempool();
    const ev: BlockEvent = {
      height,
      hash: block.hash,
      time,
      numTxs: txs.length,
      appHash: block.app_hash,
      resultAppHash: hexUpper(res.appHash),
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

  /** The block's header (CometBFT's fields), its id, the last commit and the validator's signature of the header hash. */
  private buildBlock(prev: BlockRow | null, height: number, time: string, timeMs: number, txs: Uint8Array[]): DecidedBlock {
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
    return {
      height,
      hash,
      time,
      time_ms: timeMs,
      app_hash: header.app_hash,
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
    };
  }

  /** After a commit, re-check what is left in the mempool against the new state (CometBFT's recheck). */
  private recheckMempool(): void {
    for (const { hash, bytes } of this.mempool.list()) {
      const r = this.host.checkTx({ tx: bytes, hash, type: 'recheck' });
      if (r.code === 0) continue;
      this.mempool.remove(hash);
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
  validatorSet(): ValidatorJson[] {
    return [
      {
        address: this.validator.address,
        pub_key: { type: 'tendermint/PubKeyEd25519', value: b64(this.validator.publicKey) },
        voting_power: VALIDATOR_POWER,
        proposer_priority: '0',
      },
    ];
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

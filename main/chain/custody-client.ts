/**
 * The console's client for a custody node: the node's CometBFT JSON-RPC
 * (CometRpcClient, cometbft-rpc.ts) and the application's read API
 * (ReadApiClient, read-api.ts: explorer, evidence log, security events,
 * metrics) under one name, on the node's one address as the embedded devnet
 * serves them. The two stay separate clients (`rpc`, `api`): under real
 * CometBFT the read API is served by the application apart from CometBFT's RPC.
 *
 * Errors are CharterErrors, classified by code (errors.ts):
 * - NODE_UNREACHABLE: nothing answers at the URL (refused, reset, DNS, timeout);
 * - TX_TIMEOUT: broadcast_tx_commit stopped waiting while the transaction is in the mempool;
 * - the engine's stable code (e.g. INSUFFICIENT_BALANCE) when a transaction is
 *   rejected at check time or in its block, details {abci_code, log, hash, height?};
 * - NOT_FOUND for a missing block or transaction;
 * - NODE_ERROR for anything else the node says.
 */
import type { Checkpoint, EvidenceSignature, SignedCheckpoint, TrustFile } from '../../core/evidence/checkpoint.js';
import {
  CometRpcClient,
  type BlockInfo,
  type BlockResults,
  type BlockSummary,
  type ChainStatus,
  type CommitOutcome,
  type SyncOutcome,
  type TxInfo,
} from './cometbft-rpc.js';
import {
  ReadApiClient,
  type CheckpointsPage,
  type ConsistencyProofView,
  type ExplorerBlock,
  type ExplorerOverview,
  type ExplorerTx,
  type HistoricalStateProof,
  type InclusionProofView,
  type ReceiptsPage,
  type ReceiptView,
  type SecurityEventFilter,
  type SecurityEventsPage,
} from './read-api.js';

export type { AbciResult, BlockInfo, BlockResults, BlockSummary, ChainStatus, CommitOutcome, ExecResult, SyncOutcome, TxInfo } from './cometbft-rpc.js';
export type {
  CheckpointsPage,
  ConsistencyProofView,
  ExplorerBlock,
  ExplorerOverview,
  ExplorerTx,
  HistoricalStateProof,
  InclusionProofView,
  ReceiptsPage,
  ReceiptView,
  SecurityEvent,
  SecurityEventFilter,
  SecurityEventsPage,
} from './read-api.js';
export { engineCodeOf } from './errors.js';

export interface CustodyClientOptions {
  /** Timeout of the plain-HTTP requests (read API, JSON-RPC batches), ms; default 15 000. */
  httpTimeoutMs?: number;
  /** Where the application's read API is served, if not on the RPC address. */
  readApiUrl?: string;
}

export class CustodyClient {
  private constructor(
    /** The node's CometBFT JSON-RPC. */
    readonly rpc: CometRpcClient,
    /** The application's read API. */
    readonly api: ReadApiClient,
  ) {}

  /**
   * Connects (one `status` call to detect the CometBFT version, as cosmjs'
   * connectComet does). Throws NODE_UNREACHABLE if nothing answers and
   * NODE_ERROR if the node is not CometBFT 0.38 / 1.x compatible.
   */
  static async connect(rpcUrl: string, opts: CustodyClientOptions = {}): Promise<CustodyClient> {
    const rpc = await CometRpcClient.connect(rpcUrl, opts.httpTimeoutMs !== undefined ? { httpTimeoutMs: opts.httpTimeoutMs } : {});
    const api = new ReadApiClient(
      (opts.readApiUrl ?? rpc.rpcUrl).replace(/\/+$/, ''),
      opts.httpTimeoutMs !== undefined ? { httpTimeoutMs: opts.httpTimeoutMs } : {},
    );
    return new CustodyClient(rpc, api);
  }

  get rpcUrl(): string {
    return this.rpc.rpcUrl;
  }

  /** Round trips made so far: JSON-RPC calls (a batch counts once) and read-API requests. */
  get calls(): { rpc: number; api: number } {
    return { rpc: this.rpc.calls, api: this.api.calls };
  }

  disconnect(): void {
    this.rpc.disconnect();
  }

  // ─── CometBFT RPC ────────────────────────────────────────────────────────

  status(): Promise<ChainStatus> {
    return this.rpc.status();
  }
  abciInfo(): Promise<{ height: number; appHash: string }> {
    return this.rpc.abciInfo();
  }
  query<T>(path: string): Promise<T | null> {
    return this.rpc.query<T>(path);
  }
  queryBatch<T>(paths: readonly string[]): Promise<(T | null)[]> {
    return this.rpc.queryBatch<T>(paths);
  }
  nonceOf(keyId: string): Promise<number> {
    return this.rpc.nonceOf(keyId);
  }
  broadcastCommit(txBytes: Uint8Array): Promise<CommitOutcome> {
    return this.rpc.broadcastCommit(txBytes);
  }
  broadcastSync(txBytes: Uint8Array): Promise<SyncOutcome> {
    return this.rpc.broadcastSync(txBytes);
  }
  block(height?: number, opts: { signatures?: boolean } = {}): Promise<BlockInfo> {
    return this.rpc.block(height, opts);
  }
  blockResults(height: number): Promise<BlockResults> {
    return this.rpc.blockResults(height);
  }
  tx(hash: string): Promise<TxInfo | null> {
    return this.rpc.tx(hash);
  }
  latestBlocks(n = 20): Promise<BlockSummary[]> {
    return this.rpc.latestBlocks(n);
  }
  blocksDown(height: number, limit: number): Promise<BlockSummary[]> {
    return this.rpc.blocksDown(height, limit);
  }

  // ─── the application's read API ──────────────────────────────────────────

  explorerOverview(limit = 20): Promise<ExplorerOverview> {
    return this.api.explorerOverview(limit);
  }
  explorerBlock(height: number): Promise<ExplorerBlock> {
    return this.api.explorerBlock(height);
  }
  explorerTx(hash: string): Promise<ExplorerTx> {
    return this.api.explorerTx(hash);
  }
  securityEvents(filter: SecurityEventFilter = {}): Promise<SecurityEventsPage> {
    return this.api.securityEvents(filter);
  }
  receipt(by: { tx: string } | { seq: number }): Promise<ReceiptView> {
    return this.api.receipt(by);
  }
  receipts(range: { from?: number; to?: number; fromHeight?: number; toHeight?: number; limit?: number } = {}): Promise<ReceiptsPage> {
    return this.api.receipts(range);
  }
  checkpoint(height?: number): Promise<SignedCheckpoint> {
    return this.api.checkpoint(height);
  }
  checkpoints(opts: { before?: number; limit?: number } = {}): Promise<CheckpointsPage> {
    return this.api.checkpoints(opts);
  }
  inclusionProof(by: { tx: string } | { seq: number }, size?: number): Promise<InclusionProofView> {
    return this.api.inclusionProof(by, size);
  }
  consistencyProof(from: number, to?: number): Promise<ConsistencyProofView> {
    return this.api.consistencyProof(from, to);
  }
  trustFile(): Promise<TrustFile> {
    return this.api.trustFile();
  }
  stateProofAt(height: number, key: string): Promise<HistoricalStateProof> {
    return this.api.stateProofAt(height, key);
  }
  issueCheckpoint(height: number): Promise<{ checkpoint: SignedCheckpoint | null; produced_block: number | null; issued: boolean }> {
    return this.api.issueCheckpoint(height);
  }
  postCosignature(checkpoint: Checkpoint, cosignature: EvidenceSignature, publicKeyHex: string): Promise<{ checkpoint: SignedCheckpoint; stored: boolean }> {
    return this.api.postCosignature(checkpoint, cosignature, publicKeyHex);
  }
  metrics(): Promise<string> {
    return this.api.metrics();
  }
}

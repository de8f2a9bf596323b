/**
 * What the application host lets others read (and the one write the read API
 * carries, a witness's cosignature). Routes and drivers depend on this view,
 * never on the host class: main/node-rpc/read-api.ts serves it as the read
 * API, main/node-rpc/comet-routes.ts reads its block and transaction index.
 */
import type { SignedCheckpoint } from '../../core/evidence/checkpoint.js';
import type { HistoricalStateProof } from '../../core/node-api/read-api.js';
import type { CosignaturePost } from './cosignatures.js';
import type { CheckpointRow, EvidenceLog, ReceiptRow } from './evidence.js';
import type { BlockRow, NodeStore, SecurityEventFilter, SecurityEventRow, TxEventRow, TxRow } from './store.js';

/** The block and transaction index: blocks as the driver decided them, transactions with their results. */
export interface BlockIndexView {
  readonly chainId: string;
  /** State root of the genesis state (header app_hash of block 1), upper-case hex. */
  readonly genesisAppHash: string;
  /** Height of the last durable block (0 before the first). */
  height(): number;
  latestBlock(): BlockRow | null;
  earliestBlock(): BlockRow | null;
  blockAt(height: number): BlockRow | null;
  blockByHash(hash: string): BlockRow | null;
  blocksDesc(min: number, max: number): BlockRow[];
  txsOf(height: number): TxRow[];
  txByHash(hash: string): TxRow | null;
  hasTx(hash: string): boolean;
  txEvents(hash: string): TxEventRow[];
  txCounts(): { total: number; ok: number; rejected: number };
  searchTxs(...args: Parameters<NodeStore['searchTxs']>): string[];
}

/** The evidence log: receipts, the MMR, signed checkpoints and their cosignatures, historical state. */
export interface EvidenceView {
  readonly evidence: Pick<EvidenceLog, 'receiptCount' | 'size' | 'checkpointEvery' | 'inclusion' | 'consistency' | 'trustFile'>;
  securityEvents(filter: SecurityEventFilter): SecurityEventRow[];
  receiptByTx(hash: string): ReceiptRow | null;
  receiptBySeq(seq: number): ReceiptRow | null;
  receiptsBySeq(from: number, to: number, limit: number): ReceiptRow[];
  receiptsByHeight(from: number, to: number, limit: number): ReceiptRow[];
  latestCheckpoint(): CheckpointRow | null;
  checkpointAt(height: number): CheckpointRow | null;
  checkpointsDesc(before: number, limit: number): CheckpointRow[];
  servedCheckpoint(row: CheckpointRow): SignedCheckpoint;
  stateProofAt(height: number, key: string): HistoricalStateProof;
  /** Checks and stores a witness's cosignature; the checkpoint as now served. */
  addCosignature(post: CosignaturePost): { checkpoint: SignedCheckpoint; stored: boolean };
}

/** Prometheus text of the host's own registry. */
export interface MetricsView {
  readonly contentType: string;
  text(): Promise<string>;
}

/** Everything the application's read API needs from the host. */
export interface AppReadView extends BlockIndexView, EvidenceView {
  readonly metrics: MetricsView;
}

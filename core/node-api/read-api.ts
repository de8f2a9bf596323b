/**
 * The application's read API on the wire: route names and response shapes of
 * /explorer/* and /metrics/engine, as an application host serves them
 * (main/node-rpc/read-api.ts) and as the console's client reads them
 * (main/chain/custody-client.ts). One module for both sides, so a change of
 * shape is a type error on both. Types and constants only: pure, no I/O.
 *
 * These routes are the application's, not CometBFT's: they are served next to
 * the CometBFT JSON-RPC by the devnet, and can be served by themselves next to
 * a real CometBFT (docs/formats/evidence-log.md §7 for the evidence routes).
 */
import type { Receipt } from '../evidence/receipts.js';
import type { Checkpoint, EvidenceSignature, SignedCheckpoint, TrustFile } from '../evidence/checkpoint.js';
import type { EntryProof } from '../engine/state-root.js';
import type { AbciEvent } from '../engine/types.js';

/** Paths of the read API. GET unless marked POST. */
export const READ_API_ROUTES = {
  overview: '/explorer/overview',
  block: '/explorer/block',
  transaction: '/explorer/transaction',
  securityEvents: '/explorer/security-events',
  receipt: '/explorer/receipt',
  receipts: '/explorer/receipts',
  /** GET: a stored checkpoint; POST {"height": H}: issue the evidence of block H that is missing. */
  checkpoint: '/explorer/checkpoint',
  checkpoints: '/explorer/checkpoints',
  inclusionProof: '/explorer/inclusion-proof',
  consistencyProof: '/explorer/consistency-proof',
  trust: '/explorer/trust',
  stateProof: '/explorer/state-proof',
  /** POST only. */
  cosignature: '/explorer/cosignature',
  /** Prometheus text, not JSON. */
  metrics: '/metrics/engine',
} as const;

/** Every read-API path starts with this, except READ_API_ROUTES.metrics. */
export const EXPLORER_PREFIX = '/explorer/';

/** The JSON body of a read-API error answer. */
export interface ReadApiError {
  code: string;
  message: string;
  hint?: string;
  details?: unknown;
}

export interface BlockSummary {
  height: number;
  hash: string;
  time: string;
  numTxs: number;
}

/** GET /explorer/receipt (and each entry of /explorer/receipts). */
export interface ReceiptView {
  seq: number;
  /** Upper-case hex, as the node names transactions. */
  tx_hash: string;
  height: number;
  mmr_index: number;
  /** receiptDigest, lower-case hex: the MMR leaf. */
  digest: string;
  receipt: Receipt;
}
export interface ReceiptsPage {
  /** Receipts in the log. */
  count: number;
  mmr_size: number;
  receipts: ReceiptView[];
}
export interface CheckpointsPage {
  every: number;
  checkpoints: SignedCheckpoint[];
  nextBefore: number | null;
}
export interface InclusionProofView {
  seq: number;
  tx_hash: string;
  receipt: Receipt;
  mmr_index: number;
  size: number;
  /** The leaf value (= the receipt digest), lower-case hex. */
  leaf: string;
  path: string[];
  /** Accumulator of MMR(size), highest first. */
  peaks: string[];
}
export interface ConsistencyProofView {
  from_size: number;
  to_size: number;
  from_peaks: string[];
  to_peaks: string[];
  /** One inclusion path per peak of MMR(from_size), highest first. */
  paths: string[][];
}
export interface HistoricalStateProof {
  height: number;
  /** State root after block `height`, upper-case hex. */
  app_hash: string;
  block_hash: string;
  key: string;
  value: unknown;
  proof: EntryProof;
}

/** Filter of GET /explorer/security-events (all optional; ANDed). */
export interface SecurityEventFilter {
  /** Event type, e.g. "security.tx_rejected" (or "tx_rejected"). */
  kind?: string;
  /** Key id (the event's key_id attribute, else its signer). */
  key?: string;
  vault?: string;
  /** Height range, inclusive. */
  from?: number;
  to?: number;
  /** Paging: only events with seq below this (pass the previous page's nextBefore). */
  before?: number;
  /** 1–1000, default 100. */
  limit?: number;
  /** Only events seen in blocks, at mempool admission (CheckTx), or on mempool recheck. */
  stage?: 'block' | 'admission' | 'recheck';
}

/** One persisted security event (newest first in the answer). */
export interface SecurityEvent {
  /** Order of persistence on this node (block events at commit, admission/recheck refusals when seen). */
  seq: number;
  /** Block height; for admission/recheck refusals the last committed height when they were seen. */
  height: number;
  /** Null for block-level events (FinalizeBlock) and for admission/recheck refusals (in no block). */
  txIndex: number | null;
  txHash: string | null;
  kind: string;
  keyId: string | null;
  vaultId: string | null;
  requestId: string | null;
  proposalId: string | null;
  code: string | null;
  attributes: { key: string; value: string }[];
  /** "block" (in a committed block), "admission" (refused by CheckTx at mempool admission) or "recheck" (evicted on mempool recheck). */
  stage: 'block' | 'admission' | 'recheck';
}

export interface SecurityEventsPage {
  height: number;
  limit: number;
  events: SecurityEvent[];
  /** Pass as `before` for the next (older) page; null when this page was the last. */
  nextBefore: number | null;
}

/** GET /explorer/overview. */
export interface ExplorerOverview {
  chainId: string;
  height: number;
  latestBlockHash: string;
  latestBlockTime: string | null;
  appHash: string;
  resultAppHash: string;
  blocks: BlockSummary[];
  txCount: number;
  txCounts: { total: number; ok: number; rejected: number };
  mempoolSize: number;
  validators: { address: string; votingPower: number }[];
  devnet: boolean;
}

/** One transaction as the explorer routes show it. */
export interface ExplorerTx {
  hash: string;
  height: number;
  index: number;
  type: string;
  signer: string;
  code: number;
  codespace: string;
  /** Stable error code when code ≠ 0. */
  error: string | null;
  log: string;
  events: AbciEvent[];
  /** The engine's result payload, decoded. */
  result: unknown;
  data: string;
  /** The decoded signed envelope. */
  envelope: unknown;
  /** Lower-case hex signing digest the signature covers. */
  signingDigest: string | null;
  decodeError: string | null;
  blockHash: string;
  blockTime: string;
  size: number;
}

/** GET /explorer/block. */
export interface ExplorerBlock {
  height: number;
  hash: string;
  time: string;
  chainId: string;
  numTxs: number;
  /** Header app_hash: state root after height-1 (CometBFT semantics). */
  appHash: string;
  /** State root after executing this block. */
  resultAppHash: string;
  lastBlockHash: string;
  dataHash: string;
  proposer: string;
  header: Record<string, unknown>;
  commit: { validatorAddress: string; timestamp: string; signature: string };
  txs: ExplorerTx[];
}

/** POST /explorer/checkpoint {"height": H}. */
export interface IssueCheckpointRequest {
  height: number;
}
export interface IssueCheckpointResponse {
  checkpoint: SignedCheckpoint | null;
  produced_block: number | null;
  issued: boolean;
}

/** POST /explorer/cosignature: a witness's cosignature of a checkpoint the node signed. */
export interface CosignatureRequest {
  checkpoint: Checkpoint;
  cosignature: EvidenceSignature;
  /** Lower-case hex public key of the cosigning witness. */
  public_key: string;
}
export interface CosignatureResponse {
  /** The checkpoint as now served, with its cosignatures. */
  checkpoint: SignedCheckpoint;
  /** False when this key had already cosigned this checkpoint. */
  stored: boolean;
}

/** GET /explorer/trust. */
export type TrustResponse = TrustFile;

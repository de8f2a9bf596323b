/**
 * The application interface a consensus driver calls, shaped like ABCI 2.0's
 * connections (CometBFT v0.38 abci/types/application.go groups them so):
 *
 *   info/query  info, query
 *   mempool     checkTx (new and recheck)
 *   consensus   initChain, prepareProposal, processProposal, finalizeBlock, commit
 *   state sync  listSnapshots, offerSnapshot, loadSnapshotChunk, applySnapshotChunk
 *
 * Names are CometBFT's in camelCase; requests and responses carry only what
 * this application uses. Vote extensions (extendVote, verifyVoteExtension)
 * are left out: the engine does not use them.
 *
 * One difference from CometBFT: this application keeps a block index (the
 * explorer and the CometBFT routes of the devnet read it), so finalizeBlock
 * takes the decided block's record, which the driver built and signed, and
 * commit() stores it with the state in one transaction.
 */
import type { FinalizeBlockResponse, InfoResponse, QueryRequest, QueryResponse, TxResult } from '../../core/engine/types.js';
import type { BlockRow } from './store.js';

export type { FinalizeBlockResponse, InfoResponse, QueryRequest, QueryResponse, TxResult };

/** CheckTxType: a transaction seen for the first time, or re-checked after a commit. */
export type CheckTxKind = 'new' | 'recheck';

export interface CheckTxRequest {
  tx: Uint8Array;
  /** Upper-case hex transaction hash (txHashOf), computed once by the mempool. */
  hash: string;
  type: CheckTxKind;
}

export interface InitChainRequest {
  chainId: string;
  /** RFC 3339. */
  time: string;
  initialHeight: number;
}
export interface InitChainResponse {
  /** The state root of the genesis state (32 bytes). */
  appHash: Uint8Array;
}

export interface PrepareProposalRequest {
  height: number;
  time: string;
  /** The mempool's transactions, in order. */
  txs: Uint8Array[];
  /** Largest number of transactions the block may carry. */
  maxTxs: number;
}
export interface PrepareProposalResponse {
  txs: Uint8Array[];
}

export interface ProcessProposalRequest {
  height: number;
  time: string;
  txs: Uint8Array[];
}
export interface ProcessProposalResponse {
  status: 'accept' | 'reject';
}

/** The decided block as the driver built and signed it; the host adds the result root and the block events. */
export type DecidedBlock = Omit<BlockRow, 'result_app_hash' | 'finalize_events'>;

export interface FinalizeBlockRequest {
  height: number;
  time: string;
  txs: Uint8Array[];
  /** Upper-case hex hashes of txs, in order. */
  hashes: string[];
  block: DecidedBlock;
}

export interface CommitResponse {
  retainHeight: number;
}

export interface Snapshot {
  height: number;
  format: number;
  chunks: number;
  /** sha256 of the snapshot bytes, lower-case hex. */
  hash: string;
  /** The state root the snapshot restores, upper-case hex. */
  metadata: string;
}
export type OfferSnapshotResult = 'accept' | 'abort' | 'reject' | 'reject_format' | 'reject_sender';
export type ApplySnapshotChunkResult = 'accept' | 'abort' | 'retry' | 'retry_snapshot' | 'reject_snapshot';

export interface AbciApplication {
  // ─── info/query connection ───
  info(): InfoResponse;
  query(req: QueryRequest): QueryResponse;
  // ─── mempool connection ───
  checkTx(req: CheckTxRequest): TxResult;
  // ─── consensus connection ───
  initChain(req: InitChainRequest): InitChainResponse;
  prepareProposal(req: PrepareProposalRequest): PrepareProposalResponse;
  processProposal(req: ProcessProposalRequest): ProcessProposalResponse;
  finalizeBlock(req: FinalizeBlockRequest): FinalizeBlockResponse;
  commit(): CommitResponse;
  // ─── state-sync connection ───
  listSnapshots(): Snapshot[];
  offerSnapshot(snapshot: Snapshot, appHash: Uint8Array): OfferSnapshotResult;
  loadSnapshotChunk(req: { height: number; format: number; chunk: number }): Uint8Array | null;
  applySnapshotChunk(req: { index: number; chunk: Uint8Array; sender: string }): ApplySnapshotChunkResult;
}

/** Stored blocks and results as the routes serve them; shared by the CometBFT routes and the read API. */
import type { TxResult } from '../../core/engine/types.js';
import { storedToResult, type BlockRow, type StoredResult, type TxRow } from '../app-host/store.js';

export function parseStored(row: TxRow): TxResult {
  return storedToResult(JSON.parse(row.result) as StoredResult);
}

const HEADER_FIELDS = [
  'version',
  'chain_id',
  'height',
  'time',
  'last_block_id',
  'last_commit_hash',
  'data_hash',
  'validators_hash',
  'next_validators_hash',
  'consensus_hash',
  'app_hash',
  'last_results_hash',
  'evidence_hash',
  'proposer_address',
];

/** The stored (canonical, key-sorted) header, served in CometBFT's field order. */
export function headerOf(row: BlockRow): Record<string, unknown> {
  const h = JSON.parse(row.header) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of HEADER_FIELDS) if (k in h) out[k] = h[k];
  for (const k of Object.keys(h)) if (!(k in out)) out[k] = h[k];
  return out;
}

/**
 * Historical state proofs: the state entry `key` as it was after block H, with
 * its entry proof (core/engine/state-root.ts) against the app hash the node
 * recorded for H (blocks.result_app_hash, the header app_hash of block H+1).
 *
 * The node keeps only the latest snapshot, so the state at H is reconstructed
 * by re-executing the node's own stored blocks 1..H with a fresh core engine
 * from genesis. The replay engine is kept (a forward cache): a later request
 * at H' ≥ H continues from where it stopped; a request below it starts again
 * from genesis. Answers are memoised per (height, key) in a small LRU.
 * If the re-executed root differs from the recorded one, nothing is answered:
 * HISTORY_MISMATCH.
 */
import { CustodyEngine, type EngineOptions } from '../../core/engine/engine.js';
import type { EntryProof } from '../../core/engine/state-root.js';
import { verifyEntryProof } from '../../core/engine/state-root.js';
import type { GenesisDoc } from '../../core/engine/types.js';
import { CharterError, ENGINE_ERROR_BY_ABCI } from '../../core/errors.js';
import { hexUpper } from '../cometbft/encoding.js';
import type { NodeStore } from './store.js';
import type { HistoricalStateProof } from '../../core/node-api/read-api.js';

/** What /explorer/state-proof answers: the read API's wire type (core/node-api/read-api.ts). */
export type StateProofAt = HistoricalStateProof;

const CACHE_ENTRIES = 256;

export class HistoricalState {
  private engine: CustodyEngine | null = null;
  private at = 0;
  private readonly cache = new Map<string, StateProofAt>();

  constructor(
    private readonly genesis: GenesisDoc,
    private readonly engineOptions: EngineOptions | undefined,
    private readonly store: Pick<NodeStore, 'block' | 'txsOf' | 'latestBlock'>,
  ) {}

  proofAt(height: number, key: string): StateProofAt {
    if (!Number.isSafeInteger(height) || height < 1) throw new CharterError('INVALID_INPUT', 'height: a positive integer');
    if (typeof key !== 'string' || key.length === 0 || key.length > 300) throw new CharterError('INVALID_INPUT', 'key: a state key such as vault/<id>');
    const block = this.store.block(height);
    if (block === null) throw new CharterError('NOT_FOUND', `no block at height ${height} (latest is ${this.store.latestBlock()?.height ?? 0})`);
    const ck = `${height}\u0000${key}`;
    const hit = this.cache.get(ck);
    if (hit !== undefined) {
      this.cache.delete(ck);
      this.cache.set(ck, hit);
      return hit;
    }
    const engine = this.replayTo(height);
    const root = hexUpper(engine.info().lastBlockAppHash);
    if (root !== block.result_app_hash) {
      this.engine = null;
      this.at = 0;
      throw new CharterError('HISTORY_MISMATCH', `re-executing blocks 1–${height} gives root ${root}, the node recorded ${block.result_app_hash}`, { height });
    }
    const r = engine.query({ path: `/proof/${key}` });
    if (r.code !== 0) {
      const code = ENGINE_ERROR_BY_ABCI.get(r.code) ?? 'INTERNAL';
      throw new CharterError(code === 'NOT_IN_STATE' ? 'NOT_IN_STATE' : code, `at height ${height}: ${r.log}`);
    }
    const ans = JSON.parse(new TextDecoder().decode(r.value)) as { height: number; app_hash: string; key: string; value: unknown; proof: EntryProof };
    if (ans.app_hash !== block.result_app_hash || !verifyEntryProof(block.result_app_hash.toLowerCase(), ans.key, ans.value, ans.proof)) {
      throw new CharterError('HISTORY_MISMATCH', `the entry proof of ${key} at height ${height} does not verify against the recorded root`);
    }
    const out: StateProofAt = { height, app_hash: block.result_app_hash, block_hash: block.hash, key: ans.key, value: ans.value, proof: ans.proof };
    this.cache.set(ck, out);
    if (this.cache.size > CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value as string);
    return out;
  }

  private replayTo(height: number): CustodyEngine {
    if (this.engine === null || this.at > height) {
      this.engine = new CustodyEngine(this.genesis, this.engineOptions);
      this.at = 0;
    }
    const engine = this.engine;
    for (let h = this.at + 1; h <= height; h++) {
      const b = this.store.block(h);
      if (b === null) throw new CharterError('NOT_FOUND', `block ${h} is missing`);
      const txs = this.store.txsOf(h).map((t) => new Uint8Array(t.bytes));
      engine.finalizeBlock({ height: h, time: b.time, txs });
      engine.commit();
      this.at = h;
    }
    return engine;
  }
}

/**
 * Historical state proofs: the state entry `key` as it was after block H, with
 * its entry proof (core/engine/state-root.ts) against the app hash the node
 * recorded for H (blocks.result_app_hash, the header app_hash of block H+1).
 *
 * node.db keeps the state tree of every height as a content-addressed DAG
 * (table state_nodes, written with each block; store.ts). A proof starts at
 * the row of H's root and walks down by the key's path bits, one row per
 * level (the sibling's hash is in the parent's row): O(log n) point reads,
 * nothing re-executed. The proof is verified with verifyEntryProof before
 * it is answered.
 *
 * NOT_FOUND: no block at H. NOT_IN_STATE: the walk ends at a leaf of another
 * key (K was absent at H). NOT_AVAILABLE: H is below meta state_tree_from, a
 * height of a home from before the stored trees (its blocks were committed
 * without them; those heights are not answered). HISTORY_MISMATCH: a node of
 * H's tree is missing or the walked proof does not verify against H's root.
 * All heights are retained (no pruning).
 */
import { fromHex, toHex, utf8 } from '../../core/codec/index.js';
import type { EntryProof } from '../../core/engine/state-root.js';
import { verifyEntryProof } from '../../core/engine/state-root.js';
import { CharterError } from '../../core/errors.js';
import { nodeSha256 } from '../crypto/node-hash.js';
import type { NodeStore } from './store.js';
import type { HistoricalStateProof } from '../../core/node-api/read-api.js';

/** What /explorer/state-proof answers: the read API's wire type (core/node-api/read-api.ts). */
export type StateProofAt = HistoricalStateProof;

function bitOf(path: Uint8Array, i: number): number {
  return ((path[i >>> 3] as number) >>> (7 - (i & 7))) & 1;
}

export class HistoricalState {
  constructor(private readonly store: Pick<NodeStore, 'block' | 'latestBlock' | 'stateNode' | 'getMeta'>) {}

  proofAt(height: number, key: string): StateProofAt {
    if (!Number.isSafeInteger(height) || height < 1) throw new CharterError('INVALID_INPUT', 'height: a positive integer');
    if (typeof key !== 'string' || key.length === 0 || key.length > 300) throw new CharterError('INVALID_INPUT', 'key: a state key such as vault/<id>');
    const block = this.store.block(height);
    if (block === null) throw new CharterError('NOT_FOUND', `no block at height ${height} (latest is ${this.store.latestBlock()?.height ?? 0})`);
    const from = Number(this.store.getMeta('state_tree_from') ?? '0');
    if (height < from) {
      throw new CharterError(
        'NOT_AVAILABLE',
        `the state tree of height ${height} is not stored: this node.db was created before state trees were kept, which begin at height ${from}`,
        { height, from },
      );
    }
    const root = block.result_app_hash;
    const path = nodeSha256(utf8(key));
    const bits: number[] = [];
    const siblings: string[] = [];
    let at = fromHex(root.toLowerCase());
    for (;;) {
      const n = this.store.stateNode(at);
      if (n === null) throw new CharterError('HISTORY_MISMATCH', `the state tree of height ${height} lacks node ${toHex(at)}`, { height });
      if (n.bit === null) {
        if (n.key !== key) {
          // Absent only if the leaf reached is genuinely in H's tree: its own proof must verify, or the stored rows are damaged.
          const other: EntryProof = { key: n.key ?? '', bits: [...bits].reverse(), audit_path: [...siblings].reverse() };
          if (n.key === null || !verifyEntryProof(root.toLowerCase(), n.key, new Uint8Array(n.value ?? Buffer.alloc(0)), other))
            throw new CharterError('HISTORY_MISMATCH', `the state tree of height ${height} does not verify along the path of ${key}`, { height });
          throw new CharterError('NOT_IN_STATE', `at height ${height}: the state has no entry ${JSON.stringify(key)}`);
        }
        const valueBytes = new Uint8Array(n.value ?? Buffer.alloc(0));
        const proof: EntryProof = { key, bits: bits.reverse(), audit_path: siblings.reverse() };
        if (!verifyEntryProof(root.toLowerCase(), key, valueBytes, proof)) {
          throw new CharterError('HISTORY_MISMATCH', `the entry proof of ${key} at height ${height} does not verify against the recorded root`, { height });
        }
        const value = JSON.parse(Buffer.from(valueBytes).toString('utf8')) as unknown;
        return { height, app_hash: root, block_hash: block.hash, key, value, proof };
      }
      if (n.left === null || n.right === null || bits.length >= 256)
        throw new CharterError('HISTORY_MISMATCH', `the state tree of height ${height} has a malformed node`, { height });
      const one = bitOf(path, n.bit) === 1;
      bits.push(n.bit);
      siblings.push(toHex(one ? n.left : n.right));
      at = new Uint8Array(one ? n.right : n.left);
    }
  }
}

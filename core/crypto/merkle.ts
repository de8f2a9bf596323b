/**
 * The RFC 6962 Merkle tree as CometBFT's crypto/merkle builds it
 * (HashFromByteSlices): leaf = SHA-256(0x00 || item), inner node =
 * SHA-256(0x01 || left || right), the items split at the largest power of two
 * smaller than their count, and the empty list hashing to SHA-256 of nothing.
 * A block header's data_hash is this root over the transactions' hashes.
 * Pure.
 */
import { concatBytes, sha256 } from '../codec/index.js';

const LEAF = new Uint8Array([0]);
const INNER = new Uint8Array([1]);

export function merkleLeafHash(item: Uint8Array): Uint8Array {
  return sha256(concatBytes(LEAF, item));
}

export function merkleInnerHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(concatBytes(INNER, left, right));
}

/** The largest power of two smaller than n (n ≥ 2). */
export function merkleSplitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Merkle root of the items. */
export function merkleRoot(items: readonly Uint8Array[]): Uint8Array {
  if (items.length === 0) return sha256(new Uint8Array(0));
  if (items.length === 1) return merkleLeafHash(items[0] as Uint8Array);
  const k = merkleSplitPoint(items.length);
  return merkleInnerHash(merkleRoot(items.slice(0, k)), merkleRoot(items.slice(k)));
}

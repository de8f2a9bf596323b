/**
 * Encodings of CometBFT's JSON-RPC, shared by the devnet driver, the RPC
 * routes, the application host and the blocks-history exporter: base64 byte fields,
 * upper-case hex hashes, Go's RFC 3339 "nano" times, and the RFC 6962 Merkle
 * tree CometBFT uses for data_hash and transaction proofs.
 */
import { fromHexLoose, toHexUpper as hexUpper } from '../../core/codec/index.js';
import { nodeSha256 as sha256 } from '../crypto/node-hash.js';
import { merkleInnerHash as innerHash, merkleLeafHash as leafHash, merkleRoot, merkleSplitPoint as splitPoint } from '../../core/crypto/merkle.js';

export { fromHexLoose, hexUpper, sha256 };

export function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Strict base64 (standard alphabet, padding optional). Returns null when malformed. */
export function fromB64(s: string): Uint8Array | null {
  if (typeof s !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.replace(/=+$/, '').length % 4 === 1) return null;
  return new Uint8Array(Buffer.from(s, 'base64'));
}

/**
 * Go's time.RFC3339Nano as CometBFT writes it: UTC, "Z", fractional seconds
 * with trailing zeros dropped (and no dot at all for whole seconds).
 */
export function goTime(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2024-01-02T03:04:05.678Z
  const [whole, frac] = iso.slice(0, -1).split('.') as [string, string | undefined];
  const f = (frac ?? '').replace(/0+$/, '');
  return f ? `${whole}.${f}Z` : `${whole}Z`;
}

/** Parses an RFC 3339 time to epoch milliseconds (sub-millisecond digits are dropped). */
export function parseTimeMs(s: string): number {
  const ms = Date.parse(s);
  if (!Number.isFinite(ms)) throw new Error(`not an RFC 3339 time: ${s}`);
  return ms;
}

// ─── RFC 6962 Merkle tree, as CometBFT's crypto/merkle (core/crypto/merkle.ts) ─

export { leafHash, merkleRoot };

export interface MerkleProof {
  total: number;
  index: number;
  leafHash: Uint8Array;
  aunts: Uint8Array[];
}

/** Inclusion proof of items[index] (CometBFT ProofsFromByteSlices). */
export function merkleProof(items: Uint8Array[], index: number): MerkleProof {
  const aunts: Uint8Array[] = [];
  const walk = (xs: Uint8Array[], i: number): void => {
    if (xs.length <= 1) return;
    const k = splitPoint(xs.length);
    if (i < k) {
      walk(xs.slice(0, k), i);
      aunts.push(merkleRoot(xs.slice(k)));
    } else {
      walk(xs.slice(k), i - k);
      aunts.push(merkleRoot(xs.slice(0, k)));
    }
  };
  walk(items, index);
  return { total: items.length, index, leafHash: leafHash(items[index] as Uint8Array), aunts };
}

/** Recomputes the root from a proof (CometBFT Proof.Verify). */
export function merkleRootFromProof(p: MerkleProof): Uint8Array | null {
  const rec = (index: number, total: number, leaf: Uint8Array, aunts: Uint8Array[]): Uint8Array | null => {
    if (index >= total || total <= 0) return null;
    if (total === 1) return aunts.length === 0 ? leaf : null;
    if (aunts.length === 0) return null;
    const k = splitPoint(total);
    const last = aunts[aunts.length - 1] as Uint8Array;
    const rest = aunts.slice(0, -1);
    if (index < k) {
      const l = rec(index, k, leaf, rest);
      return l && innerHash(l, last);
    }
    const r = rec(index - k, total - k, leaf, rest);
    return r && innerHash(last, r);
  };
  return rec(p.index, p.total, p.leafHash, p.aunts);
}

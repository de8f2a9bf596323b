/**
 * Merkle Mountain Range as specified by the IETF draft "Merkle Mountain Ranges
 * for Verifiable Data Structures" (draft-bryce-cose-merkle-mountain-range-proofs,
 * adopted as draft-ietf-scitt-merkle-mountain-range; the "MMRIVER" profile).
 * docs/formats/evidence-log.md restates every rule; this header is a summary.
 *
 *   - Nodes are numbered from 0 in post order ("mmr index" i). A leaf is added
 *     at the next free index; then, while the next index is the parent of the
 *     two nodes before it, that parent is appended.
 *   - Interior node i = H(be_u64(i + 1) || left || right): the POSITION (the
 *     1-based index of the parent itself) as an 8-byte big-endian integer.
 *   - Leaf nodes hold the leaf hash exactly as given (the caller hashes its data).
 *   - An MMR is named by its size (number of nodes). A size is valid when the
 *     next node to add would be a leaf (index_height(size) = 0).
 *   - The accumulator of MMR(size) is the list of peak values, highest first.
 *   - An inclusion proof of node i in MMR(size) is the list of sibling values
 *     from i up to the peak that commits i (never past it: no bagging).
 *   - A consistency proof from MMR(a) to MMR(b) is, for each peak of MMR(a)
 *     (highest first), its inclusion proof in MMR(b).
 *
 * Pure: numbers are JavaScript numbers (exact to 2^53, far beyond any log this
 * code will hold); the hash is injected so Node can pass native SHA-256.
 */
import { sha256 } from '../codec/index.js';
import { CharterError } from '../errors.js';
import type { Hash } from '../crypto/hash.js';

/** SHA-256 or another 32-byte hash. Must return a fresh array and must not keep `data` (it may be a reused buffer). */
/** The injected hash: core/crypto/hash.ts `Hash` (this name is kept for older imports). */
export type Hasher = Hash;

export interface MmrStore {
  /** The value of node i; throws if i ≥ size(). */
  get(i: number): Uint8Array;
  /** Append the next node value. */
  append(v: Uint8Array): void;
  /** Number of nodes held. */
  size(): number;
}

const CHUNK_NODES = 1 << 15; // 32,768 nodes = 1 MiB per chunk

/**
 * An MmrStore in memory: for tests, the CLI, the devnet and a verifier's
 * scratch work. 32-byte values are packed in 1 MiB chunks (millions of nodes
 * without millions of small objects for the garbage collector); other lengths
 * are kept as given. get() returns a view into the store: do not modify it.
 */
export class MemoryMmrStore implements MmrStore {
  private readonly chunks: Uint8Array[] = [];
  private readonly odd = new Map<number, Uint8Array>();
  private n = 0;
  get(i: number): Uint8Array {
    if (!Number.isInteger(i) || i < 0 || i >= this.n) throw new CharterError('INVALID_INPUT', `mmr node ${i} is not in a store of ${this.n} nodes`);
    const o = this.odd.get(i);
    if (o !== undefined) return o;
    const c = this.chunks[Math.floor(i / CHUNK_NODES)] as Uint8Array;
    const at = (i % CHUNK_NODES) * 32;
    return c.subarray(at, at + 32);
  }
  append(v: Uint8Array): void {
    const i = this.n;
    if (v.length !== 32) {
      this.odd.set(i, Uint8Array.from(v));
    } else {
      const k = Math.floor(i / CHUNK_NODES);
      if (k === this.chunks.length) this.chunks.push(new Uint8Array(CHUNK_NODES * 32));
      (this.chunks[k] as Uint8Array).set(v, (i % CHUNK_NODES) * 32);
    }
    this.n = i + 1;
  }
  size(): number {
    return this.n;
  }
}

export const defaultHasher: Hasher = sha256;

// ── bit helpers, exact for all safe integers ──────────────────────────────────

const TWO32 = 2 ** 32;

/** 2^k for 0 ≤ k ≤ 52, without Math.pow (slow for a variable exponent). */
function pow2(k: number): number {
  return k < 31 ? 1 << k : 2147483648 * pow2(k - 31);
}

/** Number of bits needed to write x (x ≥ 0): bitLength(0) = 0, bitLength(5) = 3. */
export function bitLength(x: number): number {
  if (x < TWO32) return 32 - Math.clz32(x);
  return 32 + bitLength(Math.floor(x / TWO32));
}

function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}
function popcount(x: number): number {
  if (x < TWO32) return popcount32(x >>> 0);
  return popcount32((x % TWO32) >>> 0) + popcount(Math.floor(x / TWO32));
}

function assertIndex(i: number, what: string): void {
  if (!Number.isSafeInteger(i) || i < 0) throw new CharterError('INVALID_INPUT', `${what} must be a non-negative integer, got ${String(i)}`);
}

// ── index arithmetic (draft: "essential supporting algorithms") ────────────────

/** Zero-based height of node i (leaves are 0). */
export function indexHeight(i: number): number {
  let pos = i + 1;
  if (pos < 0x80000000) {
    // 31-bit fast path: the same loop with integer bit operations.
    for (;;) {
      const n = 32 - Math.clz32(pos);
      const allOnes = 0xffffffff >>> (32 - n); // 2^n − 1
      if (pos === allOnes) return n - 1;
      pos -= allOnes >>> 1;
    }
  }
  // Strip the left-most perfect trees until pos names the last node of one: all ones.
  for (;;) {
    const n = bitLength(pos);
    const allOnes = pow2(n) - 1;
    if (pos === allOnes) return n - 1;
    pos = pos - (pow2(n - 1) - 1);
  }
}

/** The mmr index of leaf number e (zero-based): 2e − popcount(e). */
export function mmrIndex(leafIndex: number): number {
  assertIndex(leafIndex, 'leaf index');
  return 2 * leafIndex - popcount(leafIndex);
}

/** Whether `size` nodes form a complete MMR (the next node to add is a leaf). 0 is valid (empty). */
export function isValidSize(size: number): boolean {
  return Number.isSafeInteger(size) && size >= 0 && indexHeight(size) === 0;
}

function assertValidSize(size: number): void {
  if (!isValidSize(size)) throw new CharterError('INVALID_INPUT', `${String(size)} is not a valid mmr size`);
}

/** Number of leaves among nodes 0..size−1. For a valid size this is the leaf count of MMR(size). */
export function leafCount(size: number): number {
  assertIndex(size, 'mmr size');
  let s = size;
  let leaves = 0;
  while (s > 0) {
    const k = bitLength(s + 1) - 1; // largest perfect tree 2^k − 1 ≤ s
    leaves += pow2(k - 1);
    s -= pow2(k) - 1;
  }
  return leaves;
}

/** The mmr size right after leaf number e was added (and its parents completed). */
export function sizeAfterLeaf(leafIndex: number): number {
  assertIndex(leafIndex, 'leaf index');
  const n = leafIndex + 1;
  return 2 * n - popcount(n);
}

/** Indices of the peaks of MMR(size), highest first. Throws if size is not valid. */
export function peakIndices(size: number): number[] {
  assertValidSize(size);
  const out: number[] = [];
  let s = size;
  let base = 0;
  while (s > 0) {
    const highest = pow2(bitLength(s + 1) - 1) - 1;
    base += highest;
    out.push(base - 1);
    s -= highest;
  }
  return out;
}

/** The accumulator of MMR(size): its peak values, highest first. */
export function peaks(store: MmrStore, size: number): Uint8Array[] {
  if (size > store.size()) throw new CharterError('INVALID_INPUT', `mmr size ${size} is beyond the store's ${store.size()} nodes`);
  return peakIndices(size).map((i) => store.get(i));
}

/** Position in the accumulator of MMR(size) of the peak that commits node i. */
export function accumulatorIndex(i: number, size: number): number {
  assertIndex(i, 'mmr index');
  const ps = peakIndices(size);
  if (i >= size) throw new CharterError('INVALID_INPUT', `mmr index ${i} is not in MMR(${size})`);
  for (let k = 0; k < ps.length; k++) if (i <= (ps[k] as number)) return k;
  throw new CharterError('INVALID_INPUT', `mmr index ${i} is not in MMR(${size})`);
}

// ── hashing ─────────────────────────────────────────────────────────────────────

// One scratch buffer for the common case of two 32-byte children: hashing is
// synchronous and a Hasher must not keep its input, so reuse is safe and saves
// an allocation per interior node.
const scratch = new Uint8Array(72);

/**
 * H(be_u64(pos) || a || b): the value of the interior node at 1-based position pos.
 * The hasher must not retain the array it is given (it may be reused).
 */
export function hashPosPair(pos: number, a: Uint8Array, b: Uint8Array, hash: Hasher = defaultHasher): Uint8Array {
  const buf = a.length === 32 && b.length === 32 ? scratch : new Uint8Array(8 + a.length + b.length);
  const hi = Math.floor(pos / TWO32);
  const lo = pos % TWO32;
  buf[0] = (hi >>> 24) & 0xff;
  buf[1] = (hi >>> 16) & 0xff;
  buf[2] = (hi >>> 8) & 0xff;
  buf[3] = hi & 0xff;
  buf[4] = (lo >>> 24) & 0xff;
  buf[5] = (lo >>> 16) & 0xff;
  buf[6] = (lo >>> 8) & 0xff;
  buf[7] = lo & 0xff;
  buf.set(a, 8);
  buf.set(b, 8 + a.length);
  return hash(buf);
}

/**
 * Add a leaf hash, then every interior node it completes. Returns the leaf's
 * mmr index. The store must hold a valid MMR before the call.
 */
export function addLeafHash(store: MmrStore, leaf: Uint8Array, hash: Hasher = defaultHasher): number {
  const leafAt = store.size();
  if (indexHeight(leafAt) !== 0) throw new CharterError('INVALID_INPUT', `the store's ${leafAt} nodes are not a complete mmr`);
  store.append(leaf);
  // The number of parents completed equals the count of trailing one bits of the leaf number.
  let i = leafAt + 1;
  let g = 0;
  while (indexHeight(i) > g) {
    const left = store.get(i - 2 * pow2(g));
    const right = store.get(i - 1);
    store.append(hashPosPair(i + 1, left, right, hash));
    i += 1;
    g += 1;
  }
  return leafAt;
}

// ── inclusion ───────────────────────────────────────────────────────────────────

/** Node indices of the inclusion path of node i in MMR(size) (siblings, bottom up). */
export function inclusionProofPath(i: number, size: number): number[] {
  assertIndex(i, 'mmr index');
  assertValidSize(size);
  if (i >= size) throw new CharterError('INVALID_INPUT', `mmr index ${i} is not in MMR(${size})`);
  const last = size - 1;
  const path: number[] = [];
  let g = indexHeight(i);
  for (;;) {
    const siblingOffset = 2 * pow2(g);
    let sibling: number;
    if (indexHeight(i + 1) > g) {
      // i is a right child: its sibling is behind it, its parent right after it.
      sibling = i - siblingOffset + 1;
      i += 1;
    } else {
      // i is a left child: its sibling is ahead, the parent just after the sibling.
      sibling = i + siblingOffset - 1;
      i += siblingOffset;
    }
    if (sibling > last) return path;
    path.push(sibling);
    g += 1;
  }
}

/** Inclusion proof of node i in MMR(size): the values on its path. */
export function inclusionProof(store: MmrStore, i: number, size: number): Uint8Array[] {
  if (size > store.size()) throw new CharterError('INVALID_INPUT', `mmr size ${size} is beyond the store's ${store.size()} nodes`);
  return inclusionProofPath(i, size).map((k) => store.get(k));
}

/** Apply a proof to the value of node i: the root (peak) it leads to. The draft's included_root. */
export function includedRoot(i: number, nodeHash: Uint8Array, proof: readonly Uint8Array[], hash: Hasher = defaultHasher): Uint8Array {
  assertIndex(i, 'mmr index');
  let root = nodeHash;
  let g = indexHeight(i);
  for (const sibling of proof) {
    if (indexHeight(i + 1) > g) {
      i += 1;
      root = hashPosPair(i + 1, sibling, root, hash);
    } else {
      i += 2 * pow2(g);
      root = hashPosPair(i + 1, root, sibling, hash);
    }
    g += 1;
  }
  return root;
}

function bytesEq(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let k = 0; k < a.length; k++) d |= (a[k] as number) ^ (b[k] as number);
  return d === 0;
}

/**
 * Whether `proof` shows node `i` with value `leafHash` in the MMR whose
 * accumulator (peaks, highest first) is `accumulator` and whose size is `size`.
 * Strict: the proof must have exactly the length of i's path in MMR(size), the
 * accumulator exactly one value per peak, and the proof must reach the peak
 * that commits i. Never throws: malformed input answers false.
 */
export function verifyInclusion(
  size: number,
  leafHash: Uint8Array,
  i: number,
  proof: readonly Uint8Array[],
  accumulator: readonly Uint8Array[],
  hash: Hasher = defaultHasher,
): boolean {
  try {
    if (!isValidSize(size) || !Number.isSafeInteger(i) || i < 0 || i >= size) return false;
    if (accumulator.length !== peakIndices(size).length) return false;
    if (proof.length !== inclusionProofPath(i, size).length) return false;
    const peak = accumulator[accumulatorIndex(i, size)];
    if (peak === undefined) return false;
    return bytesEq(includedRoot(i, leafHash, proof, hash), peak);
  } catch {
    return false;
  }
}

// ── consistency ─────────────────────────────────────────────────────────────────

/** For each peak of MMR(sizeA), highest first, its inclusion path in MMR(sizeB). */
export function consistencyProofPaths(sizeA: number, sizeB: number): number[][] {
  assertValidSize(sizeA);
  assertValidSize(sizeB);
  if (sizeA > sizeB) throw new CharterError('INVALID_INPUT', `consistency runs from the smaller mmr: ${sizeA} > ${sizeB}`);
  return peakIndices(sizeA).map((p) => inclusionProofPath(p, sizeB));
}

/** Proof that MMR(sizeB) extends MMR(sizeA): one inclusion proof per peak of MMR(sizeA). */
export function consistencyProof(store: MmrStore, sizeA: number, sizeB: number): Uint8Array[][] {
  if (sizeB > store.size()) throw new CharterError('INVALID_INPUT', `mmr size ${sizeB} is beyond the store's ${store.size()} nodes`);
  return consistencyProofPaths(sizeA, sizeB).map((path) => path.map((k) => store.get(k)));
}

/**
 * The draft's consistent_roots: apply each path to its peak of MMR(sizeA);
 * the distinct results, in order, are peaks of MMR(sizeB) (a prefix-ordered
 * subsequence of its accumulator). Throws on mismatched lengths.
 */
export function consistentRoots(
  sizeA: number,
  accumulatorA: readonly Uint8Array[],
  proof: readonly (readonly Uint8Array[])[],
  hash: Hasher = defaultHasher,
): Uint8Array[] {
  const fromPeaks = peakIndices(sizeA);
  if (fromPeaks.length !== accumulatorA.length || fromPeaks.length !== proof.length) {
    throw new CharterError('INVALID_INPUT', 'the accumulator and the proof must have one entry per peak of the older mmr');
  }
  const roots: Uint8Array[] = [];
  for (let k = 0; k < fromPeaks.length; k++) {
    const r = includedRoot(fromPeaks[k] as number, accumulatorA[k] as Uint8Array, proof[k] as Uint8Array[], hash);
    const prev = roots[roots.length - 1];
    if (prev !== undefined && bytesEq(prev, r)) continue;
    roots.push(r);
  }
  return roots;
}

/**
 * Whether MMR(sizeB), with accumulator `accumulatorB`, extends MMR(sizeA), with
 * accumulator `accumulatorA`. Strict: each path must have exactly the expected
 * length and lead to the very peak of MMR(sizeB) that commits that peak of
 * MMR(sizeA). Never throws.
 */
export function verifyConsistency(
  sizeA: number,
  sizeB: number,
  accumulatorA: readonly Uint8Array[],
  accumulatorB: readonly Uint8Array[],
  proof: readonly (readonly Uint8Array[])[],
  hash: Hasher = defaultHasher,
): boolean {
  try {
    if (!isValidSize(sizeA) || !isValidSize(sizeB) || sizeA > sizeB) return false;
    const fromPeaks = peakIndices(sizeA);
    if (accumulatorA.length !== fromPeaks.length || proof.length !== fromPeaks.length) return false;
    if (accumulatorB.length !== peakIndices(sizeB).length) return false;
    for (let k = 0; k < fromPeaks.length; k++) {
      const p = fromPeaks[k] as number;
      const path = proof[k] as readonly Uint8Array[];
      if (path.length !== inclusionProofPath(p, sizeB).length) return false;
      const target = accumulatorB[accumulatorIndex(p, sizeB)];
      if (target === undefined) return false;
      if (!bytesEq(includedRoot(p, accumulatorA[k] as Uint8Array, path, hash), target)) return false;
    }
    return true;
  } catch {
    return false;
  }
}

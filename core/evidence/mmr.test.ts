import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toHex } from '../codec/index.js';
import {
  MemoryMmrStore,
  accumulatorIndex,
  addLeafHash,
  consistencyProof,
  consistencyProofPaths,
  consistentRoots,
  includedRoot,
  inclusionProof,
  inclusionProofPath,
  indexHeight,
  isValidSize,
  leafCount,
  mmrIndex,
  peakIndices,
  peaks,
  sizeAfterLeaf,
  verifyConsistency,
  verifyInclusion,
  type Hasher,
} from './mmr.js';

const kat = JSON.parse(readFileSync(new URL('../../tests/fixtures/mmr39-kat.json', import.meta.url), 'utf8')) as {
  nodes: string[];
  inclusion: { i: number; size: number; path: number[]; peaks: number[]; acc_index: number }[];
};

const nodeSha: Hasher = (d) => createHash('sha256').update(d).digest();

function be64(n: number): Uint8Array {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}
function flip(b: Uint8Array, k: number): void {
  b[k] = (b[k] as number) ^ 1;
}
const hashNum = (n: number): Uint8Array => nodeSha(be64(n));

// ── an independent, naive MMR: recursive perfect trees, no index arithmetic from mmr.ts ──

interface Tree {
  index: number; // mmr index of the root
  hash: Uint8Array;
  height: number;
  left?: Tree;
  right?: Tree;
}
/** A perfect tree over leaves[from, from + 2^h), whose first node has mmr index `base`. */
function buildTree(leaves: Uint8Array[], from: number, h: number, base: number): Tree {
  if (h === 0) return { index: base, hash: leaves[from] as Uint8Array, height: 0 };
  const half = 2 ** (h - 1);
  const left = buildTree(leaves, from, h - 1, base);
  const right = buildTree(leaves, from + half, h - 1, base + 2 * half - 1);
  const index = base + 2 ** (h + 1) - 2;
  const hash = nodeSha(Buffer.concat([be64(index + 1), left.hash, right.hash]));
  return { index, hash, height: h, left, right };
}
/** The mountains of n leaves: perfect trees for the set bits of n, highest first. */
function naiveMountains(leaves: Uint8Array[]): Tree[] {
  const out: Tree[] = [];
  let from = 0;
  let base = 0;
  for (let h = 40; h >= 0; h--) {
    if (from + 2 ** h <= leaves.length) {
      const t = buildTree(leaves, from, h, base);
      out.push(t);
      from += 2 ** h;
      base += 2 ** (h + 1) - 1;
    }
  }
  return out;
}
function naiveSize(n: number): number {
  let s = 0;
  for (let h = 40; h >= 0; h--) if (n & (2 ** h) || Math.floor(n / 2 ** h) % 2 === 1) s += 2 ** (h + 1) - 1;
  return s;
}
/** Path of node `target` inside tree t: sibling hashes bottom-up, or null if absent. */
function naivePath(t: Tree, target: number): Uint8Array[] | null {
  if (t.index === target) return [];
  if (t.left === undefined || t.right === undefined) return null;
  const l = naivePath(t.left, target);
  if (l !== null) return [...l, t.right.hash];
  const r = naivePath(t.right, target);
  if (r !== null) return [...r, t.left.hash];
  return null;
}
function naiveLeafIndex(leafNo: number, mountains: Tree[]): number {
  // walk down the mountains by leaf counts
  let rest = leafNo;
  for (const m of mountains) {
    const n = 2 ** m.height;
    if (rest < n) {
      let t = m;
      while (t.height > 0) {
        const half = 2 ** (t.height - 1);
        if (rest < half) t = t.left as Tree;
        else {
          rest -= half;
          t = t.right as Tree;
        }
      }
      return t.index;
    }
    rest -= n;
  }
  throw new Error('leaf out of range');
}

function buildStore(nLeaves: number, hash: Hasher = nodeSha): { store: MemoryMmrStore; leaves: Uint8Array[] } {
  const store = new MemoryMmrStore();
  const leaves: Uint8Array[] = [];
  for (let e = 0; e < nLeaves; e++) {
    const leaf = hash(Buffer.from(`leaf-${e}`));
    leaves.push(leaf);
    addLeafHash(store, leaf, hash);
  }
  return { store, leaves };
}

describe('MMR(39) known answers from the draft', () => {
  it('adds 21 leaves whose values are SHA-256(be_u64(mmr index of the leaf)) and reproduces every node value', () => {
    const store = new MemoryMmrStore();
    for (let e = 0; e < 21; e++) {
      // The draft's test database hashes the MMR index of the leaf, not the leaf number:
      // its leaf table lists e = 2 as d5688a…, which is SHA-256(be_u64(3)).
      const at = addLeafHash(store, hashNum(mmrIndex(e))); // default hasher (@noble/hashes)
      expect(at).toBe(mmrIndex(e));
    }
    expect(store.size()).toBe(39);
    for (let i = 0; i < 39; i++) expect(toHex(store.get(i)), `node ${i}`).toBe(kat.nodes[i]);
    expect(toHex(hashNum(3))).toBe('d5688a52d55a02ec4aea5ec1eadfffe1c9e0ee6a4ddbe2377f98326d42dfc975');
  });

  it('reproduces the inclusion path table, the accumulators and the included roots', () => {
    const store = new MemoryMmrStore();
    for (let e = 0; e < 21; e++) addLeafHash(store, hashNum(mmrIndex(e)));
    expect(kat.inclusion.length).toBeGreaterThan(400);
    for (const row of kat.inclusion) {
      expect(inclusionProofPath(row.i, row.size), `path ${row.i} in MMR(${row.size})`).toEqual(row.path);
      expect(peakIndices(row.size)).toEqual(row.peaks);
      expect(accumulatorIndex(row.i, row.size)).toBe(row.acc_index);
      const proof = inclusionProof(store, row.i, row.size);
      const root = includedRoot(row.i, store.get(row.i), proof);
      expect(toHex(root)).toBe(kat.nodes[row.peaks[row.acc_index] as number]);
      expect(verifyInclusion(row.size, store.get(row.i), row.i, proof, peaks(store, row.size))).toBe(true);
    }
  });

  it('gives the index heights, leaf counts and valid sizes of the draft', () => {
    const g = [0, 0, 1, 0, 0, 1, 2, 0, 0, 1, 0, 0, 1, 2, 3, 0, 0, 1, 0, 0, 1, 2, 0, 0, 1, 0, 0, 1, 2, 3, 4, 0, 0, 1, 0, 0, 1, 2, 0];
    expect(Array.from({ length: 39 }, (_, i) => indexHeight(i))).toEqual(g);
    expect(peakIndices(39)).toEqual([30, 37, 38]);
    expect(leafCount(39)).toBe(21);
    const valid = [0, 1, 3, 4, 7, 8, 10, 11, 15, 16, 18, 19, 22, 23, 25, 26, 31, 32, 34, 35, 38, 39];
    expect(Array.from({ length: 40 }, (_, s) => s).filter(isValidSize)).toEqual(valid);
    for (let e = 0; e < 21; e++) expect(sizeAfterLeaf(e)).toBe(valid[e + 1]);
    expect(() => peakIndices(2)).toThrow(/not a valid mmr size/);
  });
});

describe('index arithmetic beyond 31 bits', () => {
  // BigInt reference of the draft's index_height, for indices past the 31-bit fast path.
  function refHeight(i: bigint): number {
    let pos = i + 1n;
    for (;;) {
      const n = pos.toString(2).length;
      const ones = (1n << BigInt(n)) - 1n;
      if (pos === ones) return n - 1;
      pos -= (1n << BigInt(n - 1)) - 1n;
    }
  }
  it('indexHeight, mmrIndex, peaks and paths agree with a BigInt reference around 2^31, 2^32 and 2^45', () => {
    for (const base of [2 ** 31, 2 ** 32, 2 ** 45]) {
      for (let d = -5; d <= 5; d++) expect(indexHeight(base + d), `${base}+${d}`).toBe(refHeight(BigInt(base + d)));
    }
    expect(indexHeight(2 ** 32 - 2)).toBe(31);
    const e = 2 ** 33 + 12345;
    const ref =
      2n * BigInt(e) -
      BigInt(
        e
          .toString(2)
          .split('')
          .filter((c) => c === '1').length,
      );
    expect(BigInt(mmrIndex(e))).toBe(ref);
    const size = sizeAfterLeaf(e);
    expect(isValidSize(size)).toBe(true);
    expect(leafCount(size)).toBe(e + 1);
    expect(peakIndices(size).length).toBe(
      (e + 1)
        .toString(2)
        .split('')
        .filter((c) => c === '1').length,
    );
    expect(inclusionProofPath(mmrIndex(0), size).length).toBe(33);
  });
});

describe('against a naive recursive MMR', () => {
  it('peaks, indices and every inclusion proof for every leaf in every size up to 130 leaves', () => {
    const { store, leaves } = buildStore(130);
    for (let n = 1; n <= 130; n++) {
      const size = sizeAfterLeaf(n - 1);
      expect(size).toBe(naiveSize(n));
      const mountains = naiveMountains(leaves.slice(0, n));
      const acc = peaks(store, size);
      expect(acc.map(toHex)).toEqual(mountains.map((m) => toHex(m.hash)));
      expect(peakIndices(size)).toEqual(mountains.map((m) => m.index));
      for (let e = 0; e < n; e++) {
        const i = mmrIndex(e);
        expect(i).toBe(naiveLeafIndex(e, mountains));
        const proof = inclusionProof(store, i, size);
        const naive = mountains.map((m) => naivePath(m, i)).find((p) => p !== null) as Uint8Array[];
        expect(proof.map(toHex)).toEqual(naive.map(toHex));
        expect(verifyInclusion(size, leaves[e] as Uint8Array, i, proof, acc, nodeSha)).toBe(true);
      }
    }
  });

  it('every leaf of a 3,000-leaf MMR, and every leaf of several earlier sizes', () => {
    const N = 3000;
    const { store, leaves } = buildStore(N);
    for (const n of [N, 2048, 2047, 1537, 1000]) {
      const size = sizeAfterLeaf(n - 1);
      const mountains = naiveMountains(leaves.slice(0, n));
      const acc = peaks(store, size);
      expect(acc.map(toHex)).toEqual(mountains.map((m) => toHex(m.hash)));
      for (let e = 0; e < n; e++) {
        const i = mmrIndex(e);
        const proof = inclusionProof(store, i, size);
        const naive = mountains.map((m) => naivePath(m, i)).find((p) => p !== null) as Uint8Array[];
        expect(proof.length).toBe(naive.length);
        for (let k = 0; k < proof.length; k++) expect(toHex(proof[k] as Uint8Array)).toBe(toHex(naive[k] as Uint8Array));
        if (!verifyInclusion(size, leaves[e] as Uint8Array, i, proof, acc, nodeSha)) throw new Error(`leaf ${e} in ${n} leaves does not verify`);
      }
    }
  });

  it('consistency proofs between every pair of sizes up to 100 leaves, and sampled pairs up to 3,000', () => {
    const { store } = buildStore(3000);
    const check = (a: number, b: number): void => {
      const sa = sizeAfterLeaf(a - 1);
      const sb = sizeAfterLeaf(b - 1);
      const proof = consistencyProof(store, sa, sb);
      const accA = peaks(store, sa);
      const accB = peaks(store, sb);
      if (!verifyConsistency(sa, sb, accA, accB, proof, nodeSha)) throw new Error(`consistency ${a} → ${b} leaves fails`);
      // the draft's consistent_roots gives peaks of MMR(b), in accumulator order
      const roots = consistentRoots(sa, accA, proof, nodeSha).map(toHex);
      const accBHex = accB.map(toHex);
      let at = -1;
      for (const r of roots) {
        const k = accBHex.indexOf(r);
        expect(k).toBeGreaterThan(at);
        at = k;
      }
    };
    for (let a = 1; a <= 100; a++) for (let b = a; b <= 100; b++) check(a, b);
    for (let k = 0; k < 400; k++) {
      const a = 1 + ((k * 7919) % 3000);
      const b = a + ((k * 104729) % (3001 - a));
      check(a, b);
    }
    expect(consistencyProofPaths(sizeAfterLeaf(0), 39)).toEqual([[1, 5, 13, 29]]);
  });
});

// ── the same naive model in node indices only (no hashing): cheap enough for every (leaf, size) ──

interface Mountain {
  root: number; // mmr index of the peak
  base: number; // mmr index of its first node
  height: number;
}
/** The mountains of n leaves as index ranges, highest first (no bit tricks from mmr.ts). */
function naiveIndexMountains(n: number): Mountain[] {
  const out: Mountain[] = [];
  let from = 0;
  let base = 0;
  for (let h = 40; h >= 0; h--) {
    if (from + 2 ** h <= n) {
      out.push({ root: base + 2 ** (h + 1) - 2, base, height: h });
      from += 2 ** h;
      base += 2 ** (h + 1) - 1;
    }
  }
  return out;
}
/** Sibling indices, bottom-up, from node `target` to the root of a perfect tree; null if absent. */
function naiveIndexPath(m: Mountain, target: number): number[] | null {
  if (target < m.base || target > m.root) return null;
  const up: number[] = [];
  let { root, base, height } = m;
  while (root !== target) {
    const leftRoot = base + 2 ** height - 2; // the left subtree spans [base, leftRoot]
    const rightRoot = root - 1;
    if (target <= leftRoot) {
      up.push(rightRoot);
      root = leftRoot;
    } else {
      up.push(leftRoot);
      base = leftRoot + 1;
      root = rightRoot;
    }
    height -= 1;
  }
  return up.reverse();
}
function naiveLeafIndexOnly(leafNo: number, ms: Mountain[]): number {
  let rest = leafNo;
  for (const m of ms) {
    if (rest < 2 ** m.height) {
      let { base, height } = m;
      while (height > 0) {
        const half = 2 ** (height - 1);
        if (rest >= half) {
          rest -= half;
          base += 2 * half - 1;
        }
        height -= 1;
      }
      return base;
    }
    rest -= 2 ** m.height;
  }
  throw new Error('leaf out of range');
}
const samePath = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((x, k) => x === b[k]);

describe('against the naive model, in node indices, for every leaf and size up to a few thousand', () => {
  it('every inclusion path of every leaf in every MMR of 1 to 2,048 leaves', () => {
    const N = 2048;
    const bad: string[] = [];
    let checked = 0;
    for (let n = 1; n <= N; n++) {
      const ms = naiveIndexMountains(n);
      const size = sizeAfterLeaf(n - 1);
      if (
        size !== naiveSize(n) ||
        !samePath(
          peakIndices(size),
          ms.map((m) => m.root),
        )
      )
        bad.push(`peaks of ${n} leaves`);
      for (let e = 0; e < n; e++) {
        const i = mmrIndex(e);
        if (i !== naiveLeafIndexOnly(e, ms)) bad.push(`index of leaf ${e}`);
        const naive = ms.map((m) => naiveIndexPath(m, i)).find((p) => p !== null) as number[];
        if (!samePath(inclusionProofPath(i, size), naive)) bad.push(`path of leaf ${e} in ${n} leaves`);
        checked += 1;
        if (bad.length > 5) break;
      }
      if (bad.length > 5) break;
    }
    expect(bad).toEqual([]);
    expect(checked).toBe((N * (N + 1)) / 2);
  });

  it('every consistency proof between sizes of 1 to 400 leaves is the inclusion paths of the old peaks in the new MMR', () => {
    const N = 400;
    const bad: string[] = [];
    for (let b = 1; b <= N; b++) {
      const msB = naiveIndexMountains(b);
      const sb = sizeAfterLeaf(b - 1);
      for (let a = 1; a <= b; a++) {
        const sa = sizeAfterLeaf(a - 1);
        const naive = naiveIndexMountains(a).map((pa) => msB.map((m) => naiveIndexPath(m, pa.root)).find((p) => p !== null) as number[]);
        const got = consistencyProofPaths(sa, sb);
        if (got.length !== naive.length || !got.every((p, k) => samePath(p, naive[k] as number[]))) bad.push(`${a} → ${b} leaves`);
        if (bad.length > 5) break;
      }
    }
    expect(bad).toEqual([]);
  });

  it('the naive index model agrees with the hashing model where both run (so a wrong model fails here)', () => {
    const { leaves } = buildStore(64);
    for (const n of [1, 2, 3, 7, 8, 33, 64]) {
      const trees = naiveMountains(leaves.slice(0, n));
      const ms = naiveIndexMountains(n);
      expect(ms.map((m) => m.root)).toEqual(trees.map((t) => t.index));
      for (let e = 0; e < n; e++) expect(naiveLeafIndexOnly(e, ms)).toBe(naiveLeafIndex(e, trees));
    }
  });
});

describe('failure cases', () => {
  const { store, leaves } = buildStore(21);
  const size = 39;
  const acc = peaks(store, size);

  it('rejects a tampered path element, a wrong index, a wrong size, a wrong leaf and a wrong accumulator', () => {
    for (let e = 0; e < 21; e++) {
      const i = mmrIndex(e);
      const leaf = leaves[e] as Uint8Array;
      const proof = inclusionProof(store, i, size);
      expect(verifyInclusion(size, leaf, i, proof, acc, nodeSha)).toBe(true);
      for (let k = 0; k < proof.length; k++) {
        const bad = proof.map((p) => Uint8Array.from(p));
        flip(bad[k] as Uint8Array, 0);
        expect(verifyInclusion(size, leaf, i, bad, acc, nodeSha)).toBe(false);
      }
      const flipped = Uint8Array.from(leaf);
      flip(flipped, 31);
      expect(verifyInclusion(size, flipped, i, proof, acc, nodeSha)).toBe(false);
      const other = mmrIndex((e + 1) % 21);
      expect(verifyInclusion(size, leaf, other, proof, acc, nodeSha)).toBe(false);
      expect(verifyInclusion(size, leaf, i + 1, proof, acc, nodeSha)).toBe(false);
      // the same proof against invalid sizes, and against MMR(26) whose peaks differ
      expect(verifyInclusion(26, leaf, i, proof, peaks(store, 26), nodeSha)).toBe(false);
      expect(verifyInclusion(37, leaf, i, proof, acc, nodeSha)).toBe(false);
      expect(verifyInclusion(40, leaf, i, proof, acc, nodeSha)).toBe(false);
      // truncated and extended proofs, missing or extra peaks
      if (proof.length > 0) expect(verifyInclusion(size, leaf, i, proof.slice(0, -1), acc, nodeSha)).toBe(false);
      expect(verifyInclusion(size, leaf, i, [...proof, acc[0] as Uint8Array], acc, nodeSha)).toBe(false);
      expect(verifyInclusion(size, leaf, i, proof, acc.slice(1), nodeSha)).toBe(false);
      expect(verifyInclusion(size, leaf, i, proof, [...acc, leaf], nodeSha)).toBe(false);
    }
  });

  it('rejects tampered consistency proofs, swapped sizes and wrong accumulators', () => {
    const sa = 10;
    const proof = consistencyProof(store, sa, size);
    const accA = peaks(store, sa);
    expect(verifyConsistency(sa, size, accA, acc, proof, nodeSha)).toBe(true);
    for (let p = 0; p < proof.length; p++) {
      for (let k = 0; k < (proof[p] as Uint8Array[]).length; k++) {
        const bad = proof.map((path) => path.map((x) => Uint8Array.from(x)));
        flip((bad[p] as Uint8Array[])[k] as Uint8Array, 5);
        expect(verifyConsistency(sa, size, accA, acc, bad, nodeSha)).toBe(false);
      }
    }
    const badA = accA.map((x) => Uint8Array.from(x));
    flip(badA[1] as Uint8Array, 0);
    expect(verifyConsistency(sa, size, badA, acc, proof, nodeSha)).toBe(false);
    const badB = acc.map((x) => Uint8Array.from(x));
    flip(badB[0] as Uint8Array, 0);
    expect(verifyConsistency(sa, size, accA, badB, proof, nodeSha)).toBe(false);
    expect(verifyConsistency(size, sa, acc, accA, proof, nodeSha)).toBe(false);
    expect(verifyConsistency(9, size, accA, acc, proof, nodeSha)).toBe(false);
    expect(verifyConsistency(sa, size, accA, acc, proof.slice(1), nodeSha)).toBe(false);
    // a different history of the same size is not consistent
    const other = new MemoryMmrStore();
    for (let e = 0; e < 21; e++) addLeafHash(other, nodeSha(Buffer.from(`other-${e}`)), nodeSha);
    expect(verifyConsistency(sa, size, peaks(other, sa), acc, consistencyProof(other, sa, size), nodeSha)).toBe(false);
  });

  it('refuses bad sizes and indices with INVALID_INPUT', () => {
    expect(() => inclusionProof(store, 39, 39)).toThrow(/not in MMR/);
    expect(() => inclusionProof(store, 0, 41)).toThrow(/beyond the store/);
    expect(() => mmrIndex(-1)).toThrow(/non-negative/);
    expect(() => consistencyProof(store, 11, 10)).toThrow(/smaller mmr/);
    const broken = new MemoryMmrStore();
    broken.append(leaves[0] as Uint8Array);
    broken.append(leaves[1] as Uint8Array);
    expect(() => addLeafHash(broken, leaves[2] as Uint8Array)).toThrow(/not a complete mmr/);
  });
});

/**
 * The state root: one 32-byte commitment to the whole application state.
 *
 * The state is flattened into entries (key, value) — key a UTF-8 string,
 * value canonical JSON (RFC 8785) of a record:
 *
 *   "chain"          {chain_id}
 *   "params"         ChainParams
 *   "admins"         sorted array of admin key ids
 *   "key/<id>"       KeyRecord       one per registered key
 *   "account/<id>"   AccountRecord   one per key that has had a transaction accepted
 *   "vault/<id>"     VaultRecord
 *   "request/<id>"   WithdrawalRecord
 *   "proposal/<id>"  ProposalRecord  governance proposals
 *   "validator/<pk>" ValidatorRecord validators admitted by governance
 *   "control/<id>"   EmergencyControlRecord
 *   "mode"           {degraded} chain-wide degraded mode, once ever set
 *
 * Block height and block time are NOT part of the root: they belong to the
 * block header, which commits to the root. An empty block therefore keeps the
 * root unchanged. (Records still carry the heights at which things happened,
 * e.g. created_at, so the root binds those.)
 *
 * Each entry is hashed to
 *
 *   leaf = SHA-256( 0x00 || u32be(len(key)) || key || SHA-256(value) )
 *
 * and placed in a binary radix (crit-bit) tree by its path,
 * path = SHA-256(key) read as 256 bits, most significant bit of byte 0 first.
 * For a set E of two or more entries, c is the first bit at which their paths
 * differ, E0/E1 the entries with bit c = 0/1, and
 *
 *   T({e})  = leaf(e)
 *   T(E)    = SHA-256( 0x01 || T(E0) || T(E1) )
 *   root    = T(all entries)            (SHA-256("") for no entries)
 *
 * The tree is a function of the set of entries alone (no insertion order),
 * and one changed or added entry changes only the ≈ log2(n) nodes on its
 * path: this is what lets the engine keep the root after every block at a
 * cost that does not grow with the state. (Until contract version 2 the
 * leaves formed an RFC 6962 tree in key order, where an entry inserted
 * among random ids shifts every leaf to its right and the whole tree had to
 * be rehashed each block; see docs/formats/transactions.md §6.)
 *
 * entryProof gives the sibling hashes from the leaf up with the bit index of
 * each branching; verifyEntryProof checks it against a root without the rest
 * of the state.
 */
import { canonicalBytes, concatBytes, fromHex, sha256, toHex, utf8, bytesEqual } from '../codec/index.js';
import type { EngineState } from './types.js';
import type { Hash } from '../crypto/hash.js';
import { fastCanonicalJson } from '../tx/canonical-json.js';

export interface StateEntry {
  key: string;
  /** Canonical JSON bytes of the value. */
  value: Uint8Array;
}

export interface EntryProof {
  key: string;
  /** The bit index (0–255) of each branching on the entry's path, from the leaf up (strictly decreasing). */
  bits: number[];
  /** Sibling hashes from the leaf up to the root, lower-case hex (one per bit). */
  audit_path: string[];
}

/** Byte-order comparison of the UTF-8 encodings of two strings. */
export function compareUtf8(a: string, b: string): number {
  const x = utf8(a);
  const y = utf8(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const d = (x[i] as number) - (y[i] as number);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

function sortedKeys(o: Record<string, unknown>): string[] {
  return Object.keys(o).sort(compareUtf8);
}

/** The entries of the state, sorted by key. */
export function stateEntries(state: EngineState): StateEntry[] {
  const out: { key: string; json: unknown }[] = [
    { key: 'chain', json: { chain_id: state.chain_id } },
    { key: 'params', json: state.params },
    { key: 'admins', json: [...state.admins].sort(compareUtf8) },
  ];
  for (const id of sortedKeys(state.keys)) out.push({ key: `key/${id}`, json: state.keys[id] });
  for (const id of sortedKeys(state.accounts)) out.push({ key: `account/${id}`, json: state.accounts[id] });
  for (const id of sortedKeys(state.vaults)) out.push({ key: `vault/${id}`, json: state.vaults[id] });
  for (const id of sortedKeys(state.requests)) out.push({ key: `request/${id}`, json: state.requests[id] });
  for (const id of sortedKeys(state.proposals ?? {})) out.push({ key: `proposal/${id}`, json: state.proposals[id] });
  for (const id of sortedKeys(state.validators ?? {})) out.push({ key: `validator/${id}`, json: state.validators[id] });
  for (const id of sortedKeys(state.controls ?? {})) out.push({ key: `control/${id}`, json: state.controls[id] });
  if (state.mode !== undefined) out.push({ key: 'mode', json: state.mode });
  out.sort((a, b) => compareUtf8(a.key, b.key));
  for (let i = 1; i < out.length; i++) {
    if (compareUtf8((out[i - 1] as { key: string }).key, (out[i] as { key: string }).key) === 0)
      throw new Error(`duplicate state key ${(out[i] as { key: string }).key}`);
  }
  return out.map((e) => ({ key: e.key, value: canonicalBytes(e.json) }));
}

/** SHA-256(0x00 || u32be(len(key)) || key || SHA-256(value)); `valueHash`, when given, is SHA-256(value) already computed. */
export function leafHash(key: string, value: Uint8Array, hash: Sha256 = sha256, valueHash?: Uint8Array): Uint8Array {
  const k = utf8(key);
  return hash(
    concatBytes(new Uint8Array([0, (k.length >>> 24) & 0xff, (k.length >>> 16) & 0xff, (k.length >>> 8) & 0xff, k.length & 0xff]), k, valueHash ?? hash(value)),
  );
}

const EMPTY_VALUE = new Uint8Array(0);
const ENCODER = new TextEncoder() as unknown as { encodeInto(s: string, into: Uint8Array): { read: number; written: number } };
const VALUE_SCRATCH = new Uint8Array(1 << 16);

/** SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array, hash: Sha256 = sha256): Uint8Array {
  // One scratch buffer: the hash is synchronous and keeps nothing of its input.
  NODE_INPUT.set(left, 1);
  NODE_INPUT.set(right, 33);
  return hash(NODE_INPUT);
}

const NODE_INPUT = new Uint8Array(65);
NODE_INPUT[0] = 1;

/** The path of an entry: SHA-256 of its UTF-8 key. */
export function entryPath(key: string, hash: Sha256 = sha256): Uint8Array {
  return hash(utf8(key));
}

/** Bit i of a 256-bit path (most significant bit of byte 0 first). */
function bitOf(path: Uint8Array, i: number): number {
  return ((path[i >>> 3] as number) >>> (7 - (i & 7))) & 1;
}

/** The first bit at which two paths differ, or -1 when they are equal. */
function critBit(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 32; i++) {
    const x = (a[i] as number) ^ (b[i] as number);
    if (x !== 0) return i * 8 + Math.clz32(x) - 24;
  }
  return -1;
}

function comparePaths(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 32; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return 0;
}

interface Built {
  path: Uint8Array;
  leaf: Uint8Array;
}

/** T over leaves[lo, hi), sorted by path and distinct. */
function treeHash(leaves: Built[], lo: number, hi: number, hash: Sha256): Uint8Array {
  if (hi - lo === 1) return (leaves[lo] as Built).leaf;
  const c = critBit((leaves[lo] as Built).path, (leaves[hi - 1] as Built).path);
  let m = lo + 1;
  while (bitOf((leaves[m] as Built).path, c) === 0) m++;
  return nodeHash(treeHash(leaves, lo, m, hash), treeHash(leaves, m, hi, hash), hash);
}

function built(state: EngineState, hash: Sha256): Built[] {
  const out = stateEntries(state).map((e) => ({ key: e.key, path: entryPath(e.key, hash), leaf: leafHash(e.key, e.value, hash) }));
  out.sort((x, y) => comparePaths(x.path, y.path));
  for (let i = 1; i < out.length; i++)
    if (critBit((out[i - 1] as Built).path, (out[i] as Built).path) < 0)
      throw new Error(`two state keys with one path: ${(out[i - 1] as { key: string }).key}, ${(out[i] as { key: string }).key}`);
  return out;
}

export function stateRoot(state: EngineState, hash: Sha256 = sha256): Uint8Array {
  const leaves = built(state, hash);
  if (leaves.length === 0) return hash(new Uint8Array(0));
  return treeHash(leaves, 0, leaves.length, hash);
}

export function stateRootHex(state: EngineState): string {
  return toHex(stateRoot(state));
}

/** The proof of the entry with this key, or null when the state has no such entry. */
export function entryProof(state: EngineState, key: string): EntryProof | null {
  return RootCache.fromState(state).proof(key);
}

/**
 * Verify that (key, value) is an entry of the state whose root is `root`.
 * `value` is either the canonical JSON bytes of the value or the JSON value
 * itself (canonicalised here). The proof's bits must strictly decrease from
 * the leaf up and each sibling sits on the side opposite the key's path bit.
 * Never throws.
 */
export function verifyEntryProof(root: Uint8Array | string, key: string, value: unknown, proof: EntryProof): boolean {
  try {
    const rootBytes = typeof root === 'string' ? fromHex(root) : root;
    if (rootBytes.length !== 32) return false;
    if (proof.key !== key) return false;
    const { bits, audit_path: siblings } = proof;
    if (!Array.isArray(bits) || !Array.isArray(siblings) || bits.length !== siblings.length || bits.length > 256) return false;
    const valueBytes = value instanceof Uint8Array ? value : canonicalBytes(value);
    const path = entryPath(key);
    let r = leafHash(key, valueBytes);
    let prev = 256;
    for (let i = 0; i < bits.length; i++) {
      const c = bits[i];
      const hex = siblings[i];
      if (typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c >= prev) return false;
      if (typeof hex !== 'string' || !/^[0-9a-f]{64}$/.test(hex)) return false;
      const sib = fromHex(hex);
      r = bitOf(path, c) === 1 ? nodeHash(sib, r) : nodeHash(r, sib);
      prev = c;
    }
    return bytesEqual(r, rootBytes);
  } catch {
    return false;
  }
}

// ─── Incremental root ──────────────────────────────────────────────────────

/** A SHA-256 implementation (the engine may be given a faster one than the pure-JS default, e.g. node:crypto's). */
/** The injected hash (core/crypto/hash.ts `Hash`) under the name the engine uses. */
export type Sha256 = Hash;

export { fastCanonicalJson };

interface TLeaf {
  inner: false;
  key: string;
  path: Uint8Array;
  /** 0x00 || u32be(len key) || key: the part of the leaf hash input that never changes. */
  head: Uint8Array;
  hash: Uint8Array;
}
interface TInner {
  inner: true;
  bit: number;
  l: TNode;
  r: TNode;
  /** This node's hash, a fixed 32-byte slot (rewritten in place), valid unless `dirty`. */
  hash: Uint8Array;
  dirty: boolean;
}
type TNode = TLeaf | TInner;

/**
 * The same root as stateRoot(), maintained incrementally: the crit-bit tree
 * is kept in memory with the hash of every node; a changed or inserted entry
 * clears the hashes on its path, and root() rehashes only those. Entries are
 * never removed from the state.
 */
const SLAB_BYTES = 1 << 16;

export class RootCache {
  private readonly hash: Sha256;
  private top: TNode | null = null;
  private readonly leaves = new Map<string, TLeaf>();
  /**
   * Every node's fixed bytes (a leaf's path, head and hash; an inner node's
   * hash) live in shared slabs: nodes are never removed, so the slabs are
   * never wasted, and a large tree holds a few hundred ArrayBuffers instead of
   * several per entry (each of which the garbage collector tracks).
   */
  private slab = new Uint8Array(SLAB_BYTES);
  private slabAt = 0;
  constructor(hash: Sha256 = sha256) {
    this.hash = hash;
  }

  static fromState(state: EngineState, hash: Sha256 = sha256): RootCache {
    const c = new RootCache(hash);
    for (const e of stateEntries(state)) c.put(e.key, leafHash(e.key, e.value, hash));
    c.root();
    return c;
  }

  get size(): number {
    return this.leaves.size;
  }

  /** Set (or insert) the entry `key` to the canonical JSON of `json`. */
  set(key: string, json: unknown): void {
    const text = fastCanonicalJson(json);
    // Encode into a scratch buffer when it fits (no allocation per entry); the hash keeps nothing of its input.
    const enc = text.length * 3 <= VALUE_SCRATCH.length ? ENCODER.encodeInto(text, VALUE_SCRATCH) : null;
    const value = this.hash(enc ? VALUE_SCRATCH.subarray(0, enc.written) : utf8(text));
    const old = this.leaves.get(key);
    if (old) {
      // leaf = SHA-256(0x00 || u32be(len key) || key || SHA-256(value)), the head kept from the insert.
      const b = new Uint8Array(old.head.length + 32);
      b.set(old.head, 0);
      b.set(value, old.head.length);
      this.update(old, this.hash(b));
      return;
    }
    this.put(key, leafHash(key, EMPTY_VALUE, this.hash, value));
  }

  private alloc(n: number): Uint8Array {
    if (n > SLAB_BYTES >>> 4) return new Uint8Array(n);
    if (this.slabAt + n > this.slab.length) {
      this.slab = new Uint8Array(SLAB_BYTES);
      this.slabAt = 0;
    }
    const out = new Uint8Array(this.slab.buffer, this.slabAt, n);
    this.slabAt += n;
    return out;
  }

  private copy(bytes: Uint8Array): Uint8Array {
    const out = this.alloc(bytes.length);
    out.set(bytes);
    return out;
  }

  private update(old: TLeaf, leaf: Uint8Array): void {
    old.hash.set(leaf);
    let n = this.top as TNode;
    while (n.inner) {
      n.dirty = true;
      n = bitOf(old.path, n.bit) === 1 ? n.r : n.l;
    }
  }

  private put(key: string, leaf: Uint8Array): void {
    const old = this.leaves.get(key);
    if (old) {
      this.update(old, leaf);
      return;
    }
    const path = this.copy(entryPath(key, this.hash));
    const k = utf8(key);
    const head = this.alloc(5 + k.length);
    head[0] = 0;
    head[1] = (k.length >>> 24) & 0xff;
    head[2] = (k.length >>> 16) & 0xff;
    head[3] = (k.length >>> 8) & 0xff;
    head[4] = k.length & 0xff;
    head.set(k, 5);
    const fresh: TLeaf = { inner: false, key, path, head, hash: this.copy(leaf) };
    this.leaves.set(key, fresh);
    if (this.top === null) {
      this.top = fresh;
      return;
    }
    let n: TNode = this.top;
    while (n.inner) n = bitOf(path, n.bit) === 1 ? n.r : n.l;
    const c = critBit(path, n.path);
    if (c < 0) throw new Error(`state keys ${n.key} and ${key} have one path`);
    let parent: TInner | null = null;
    n = this.top;
    while (n.inner && n.bit < c) {
      n.dirty = true;
      parent = n;
      n = bitOf(path, n.bit) === 1 ? n.r : n.l;
    }
    const one = bitOf(path, c) === 1;
    const node: TInner = { inner: true, bit: c, l: one ? n : fresh, r: one ? fresh : n, hash: this.alloc(32), dirty: true };
    if (parent === null) this.top = node;
    else if (parent.l === n) parent.l = node;
    else parent.r = node;
  }

  private hashOf(n: TNode): Uint8Array {
    if (!n.inner) return n.hash;
    if (n.dirty) {
      n.hash.set(nodeHash(this.hashOf(n.l), this.hashOf(n.r), this.hash));
      n.dirty = false;
    }
    return n.hash;
  }

  /** The root (a fresh copy: the tree's own bytes are rewritten in place by later changes). */
  root(): Uint8Array {
    if (this.top === null) return this.hash(new Uint8Array(0));
    return this.hashOf(this.top).slice();
  }

  /** The same proof entryProof(state, key) gives, from the cache. */
  proof(key: string): EntryProof | null {
    const leaf = this.leaves.get(key);
    if (!leaf) return null;
    const bits: number[] = [];
    const siblings: string[] = [];
    let n = this.top as TNode;
    while (n.inner) {
      const one = bitOf(leaf.path, n.bit) === 1;
      bits.push(n.bit);
      siblings.push(toHex(this.hashOf(one ? n.l : n.r)));
      n = one ? n.r : n.l;
    }
    return { key, bits: bits.reverse(), audit_path: siblings.reverse() };
  }
}

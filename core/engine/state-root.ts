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

/**
 * Byte-order comparison of the UTF-8 encodings of two strings, without
 * encoding them: UTF-8 byte order is code point order, which UTF-16 order
 * matches except that a surrogate (a code point ≥ U+10000) sorts after every
 * unit of U+E000–U+FFFF.
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs === ys) return x - y;
    return xs ? 1 : -1;
  }
  return a.length - b.length;
}

/** The entries of the state as (key, record), in no particular order. */
function rawEntries(state: EngineState): { key: string; json: unknown }[] {
  const out: { key: string; json: unknown }[] = [
    { key: 'chain', json: { chain_id: state.chain_id } },
    { key: 'params', json: state.params },
    { key: 'admins', json: [...state.admins].sort(compareUtf8) },
  ];
  const add = (prefix: string, map: Record<string, unknown> | undefined) => {
    if (map === undefined) return;
    for (const id of Object.keys(map)) out.push({ key: prefix + id, json: map[id] });
  };
  add('key/', state.keys);
  add('account/', state.accounts);
  add('vault/', state.vaults);
  add('request/', state.requests);
  add('proposal/', state.proposals);
  add('validator/', state.validators);
  add('control/', state.controls);
  if (state.mode !== undefined) out.push({ key: 'mode', json: state.mode });
  return out;
}

/** The entries of the state, sorted by key. */
export function stateEntries(state: EngineState): StateEntry[] {
  const out = rawEntries(state);
  out.sort((a, b) => compareUtf8(a.key, b.key));
  for (let i = 1; i < out.length; i++) {
    if (compareUtf8((out[i - 1] as { key: string }).key, (out[i] as { key: string }).key) === 0)
      throw new Error(`duplicate state key ${(out[i] as { key: string }).key}`);
  }
  return out.map((e) => ({ key: e.key, value: utf8(fastCanonicalJson(e.json)) }));
}

/** SHA-256(0x00 || u32be(len(key)) || key || SHA-256(value)); `valueHash`, when given, is SHA-256(value) already computed. */
export function leafHash(key: string, value: Uint8Array, hash: Sha256 = sha256, valueHash?: Uint8Array): Uint8Array {
  return hash(leafInput(key, valueHash ?? hash(value)));
}

const ENCODER = new TextEncoder() as unknown as { encodeInto(s: string, into: Uint8Array): { read: number; written: number } };
const VALUE_SCRATCH = new Uint8Array(1 << 16);
/** The value argument of leafHash when its hash is given. */
const EMPTY = new Uint8Array(0);

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
  return hash(keyBytes(key));
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

/**
 * Told of every node root() hashes anew, for a host that persists the tree
 * (main/app-host keeps it in node.db as a content-addressed DAG): inner(hash,
 * bit, left, right) for each rehashed inner node, leaf(hash, key, value) for
 * each changed or inserted entry, its canonical JSON value bytes. The hash
 * arrays are views of the tree's own bytes, rewritten by later changes: copy
 * what you keep. `value` is the observer's (a copy). Without an observer
 * nothing of this is done.
 */
export interface RootObserver {
  inner(hash: Uint8Array, bit: number, left: Uint8Array, right: Uint8Array): void;
  leaf(hash: Uint8Array, key: string, value: Uint8Array): void;
}

/**
 * The same root as stateRoot(), maintained incrementally: the crit-bit tree
 * is kept in memory with the hash of every node; a changed or inserted entry
 * marks the nodes on its path dirty, and root() rehashes only those. Entries
 * are never removed from the state.
 *
 * The tree lives in typed arrays indexed by node number (struct of arrays),
 * not in one JavaScript object per node: a state of a million entries is a
 * handful of large buffers the garbage collector never has to trace, so
 * neither a block's cost nor the collector's grows with the number of
 * entries beyond the ≈ log2(n) hashes on each changed path.
 *
 * Node i is a leaf when `kind[i]` is 0 (its entry's key is `keys[i]`, its
 * path the 32 bytes at `paths[32·i]`) and an inner node when 1 (branching at
 * bit `bits[i]`, children `left[i]`/`right[i]`); its hash is the 32 bytes at
 * `hashes[32·i]`, valid unless `dirty[i]`.
 */
const INITIAL_NODES = 1024;

export class RootCache {
  private readonly hash: Sha256;
  private top = -1;
  private count = 0;
  private readonly leaves = new Map<string, number>();
  private keys: string[] = [];
  private kind = new Uint8Array(INITIAL_NODES);
  private dirty = new Uint8Array(INITIAL_NODES);
  private bits = new Uint16Array(INITIAL_NODES);
  private left = new Int32Array(INITIAL_NODES);
  private right = new Int32Array(INITIAL_NODES);
  private hashes = new Uint8Array(INITIAL_NODES * 32);
  private paths = new Uint8Array(INITIAL_NODES * 32);
  private readonly observer: RootObserver | null;
  /** With an observer: the values of the entries set since the last root(). */
  private readonly observed: Map<string, Uint8Array> | null;

  constructor(hash: Sha256 = sha256, observer?: RootObserver) {
    this.hash = hash;
    this.observer = observer ?? null;
    this.observed = observer ? new Map() : null;
  }

  static fromState(state: EngineState, hash: Sha256 = sha256, observer?: RootObserver): RootCache {
    const c = new RootCache(hash, observer);
    // The tree does not depend on insertion order: no sort (each key is inserted once; a duplicate would be an update).
    for (const e of rawEntries(state)) c.set(e.key, e.json);
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
    const bytes = enc ? VALUE_SCRATCH.subarray(0, enc.written) : utf8(text);
    if (this.observed !== null) this.observed.set(key, bytes.slice());
    const value = this.hash(bytes);
    const at = this.leaves.get(key);
    if (at !== undefined) {
      // leaf = SHA-256(0x00 || u32be(len key) || key || SHA-256(value)).
      this.update(at, leafHash(key, EMPTY, this.hash, value));
      return;
    }
    this.put(key, leafHash(key, EMPTY, this.hash, value));
  }

  private grow(): void {
    const n = this.kind.length * 2;
    const more = <T extends Uint8Array | Uint16Array | Int32Array>(a: T, size: number): T => {
      const b = new (a.constructor as new (n: number) => T)(size);
      b.set(a);
      return b;
    };
    this.kind = more(this.kind, n);
    this.dirty = more(this.dirty, n);
    this.bits = more(this.bits, n);
    this.left = more(this.left, n);
    this.right = more(this.right, n);
    this.hashes = more(this.hashes, n * 32);
    this.paths = more(this.paths, n * 32);
  }

  private node(): number {
    if (this.count === this.kind.length) this.grow();
    return this.count++;
  }

  /** Bit i of the path of leaf `leaf`. */
  private bitAt(leaf: number, i: number): number {
    return ((this.paths[leaf * 32 + (i >>> 3)] as number) >>> (7 - (i & 7))) & 1;
  }

  private update(leaf: number, hash: Uint8Array): void {
    this.hashes.set(hash, leaf * 32);
    let n = this.top;
    while (this.kind[n] === 1) {
      this.dirty[n] = 1;
      n = this.bitAt(leaf, this.bits[n] as number) === 1 ? (this.right[n] as number) : (this.left[n] as number);
    }
  }

  private put(key: string, leafHashBytes: Uint8Array): void {
    const old = this.leaves.get(key);
    if (old !== undefined) {
      this.update(old, leafHashBytes);
      return;
    }
    const path = entryPath(key, this.hash);
    const fresh = this.node();
    this.kind[fresh] = 0;
    this.paths.set(path, fresh * 32);
    this.hashes.set(leafHashBytes, fresh * 32);
    this.keys[fresh] = key;
    this.leaves.set(key, fresh);
    if (this.top < 0) {
      this.top = fresh;
      return;
    }
    let n = this.top;
    while (this.kind[n] === 1) n = this.bitAt(fresh, this.bits[n] as number) === 1 ? (this.right[n] as number) : (this.left[n] as number);
    const c = this.critBitOf(fresh, n);
    if (c < 0) throw new Error(`state keys ${this.keys[n] as string} and ${key} have one path`);
    let parent = -1;
    n = this.top;
    while (this.kind[n] === 1 && (this.bits[n] as number) < c) {
      this.dirty[n] = 1;
      parent = n;
      n = this.bitAt(fresh, this.bits[n] as number) === 1 ? (this.right[n] as number) : (this.left[n] as number);
    }
    const one = this.bitAt(fresh, c) === 1;
    const inner = this.node();
    this.kind[inner] = 1;
    this.bits[inner] = c;
    this.left[inner] = one ? n : fresh;
    this.right[inner] = one ? fresh : n;
    this.dirty[inner] = 1;
    if (parent < 0) this.top = inner;
    else if (this.left[parent] === n) this.left[parent] = inner;
    else this.right[parent] = inner;
  }

  /** The first bit at which the paths of leaves a and b differ, or -1. */
  private critBitOf(a: number, b: number): number {
    const p = this.paths;
    for (let i = 0; i < 32; i++) {
      const x = (p[a * 32 + i] as number) ^ (p[b * 32 + i] as number);
      if (x !== 0) return i * 8 + Math.clz32(x) - 24;
    }
    return -1;
  }

  /** Rehash the dirty nodes below n. */
  private rehash(n: number): void {
    if (this.kind[n] === 0 || this.dirty[n] === 0) return;
    const l = this.left[n] as number;
    const r = this.right[n] as number;
    this.rehash(l);
    this.rehash(r);
    const h = this.hashes;
    const lo = l * 32;
    const ro = r * 32;
    for (let i = 0; i < 32; i++) {
      NODE_INPUT[1 + i] = h[lo + i] as number;
      NODE_INPUT[33 + i] = h[ro + i] as number;
    }
    h.set(this.hash(NODE_INPUT), n * 32);
    this.dirty[n] = 0;
    this.observer?.inner(h.subarray(n * 32, n * 32 + 32), this.bits[n] as number, h.subarray(lo, lo + 32), h.subarray(ro, ro + 32));
  }

  private hashAt(n: number): Uint8Array {
    this.rehash(n);
    return this.hashes.slice(n * 32, n * 32 + 32);
  }

  /** The root (a fresh copy: the tree's own bytes are rewritten in place by later changes). */
  root(): Uint8Array {
    if (this.top < 0) return this.hash(new Uint8Array(0));
    const root = this.hashAt(this.top);
    if (this.observed !== null && this.observed.size > 0) {
      for (const [key, value] of this.observed) {
        const at = (this.leaves.get(key) as number) * 32;
        this.observer?.leaf(this.hashes.subarray(at, at + 32), key, value);
      }
      this.observed.clear();
    }
    return root;
  }

  /** The same proof entryProof(state, key) gives, from the cache. */
  proof(key: string): EntryProof | null {
    const leaf = this.leaves.get(key);
    if (leaf === undefined) return null;
    this.rehash(this.top);
    const bits: number[] = [];
    const siblings: string[] = [];
    let n = this.top;
    while (this.kind[n] === 1) {
      const one = this.bitAt(leaf, this.bits[n] as number) === 1;
      bits.push(this.bits[n] as number);
      const sib = one ? (this.left[n] as number) : (this.right[n] as number);
      siblings.push(toHex(this.hashes.subarray(sib * 32, sib * 32 + 32)));
      n = one ? (this.right[n] as number) : (this.left[n] as number);
    }
    return { key, bits: bits.reverse(), audit_path: siblings.reverse() };
  }
}

/** 0x00 || u32be(len key) || key || valueHash, in a scratch buffer when it fits (the hash keeps nothing of its input). */
function leafInput(key: string, valueHash: Uint8Array): Uint8Array {
  if (key.length * 3 + 37 > LEAF_SCRATCH.length) return concatBytes(new Uint8Array([0]), u32be(utf8(key).length), utf8(key), valueHash);
  const { written } = ENCODER.encodeInto(key, LEAF_SCRATCH.subarray(5));
  LEAF_SCRATCH[0] = 0;
  LEAF_SCRATCH[1] = (written >>> 24) & 0xff;
  LEAF_SCRATCH[2] = (written >>> 16) & 0xff;
  LEAF_SCRATCH[3] = (written >>> 8) & 0xff;
  LEAF_SCRATCH[4] = written & 0xff;
  LEAF_SCRATCH.set(valueHash, 5 + written);
  return LEAF_SCRATCH.subarray(0, 5 + written + 32);
}

/** utf8(key), in the scratch buffer when it fits (for hashing at once). */
function keyBytes(key: string): Uint8Array {
  if (key.length * 3 > LEAF_SCRATCH.length) return utf8(key);
  const { written } = ENCODER.encodeInto(key, LEAF_SCRATCH);
  return LEAF_SCRATCH.subarray(0, written);
}

function u32be(n: number): Uint8Array {
  return new Uint8Array([(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
}

const LEAF_SCRATCH = new Uint8Array(1024);

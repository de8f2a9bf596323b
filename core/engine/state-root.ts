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
 * Entries are sorted by the byte order of their UTF-8 keys. Each is hashed to
 *
 *   leaf = SHA-256( 0x00 || u32be(len(key)) || key || SHA-256(value) )
 *
 * and the leaves form an RFC 6962 / RFC 9162 Merkle tree:
 *
 *   MTH([])    = SHA-256("")
 *   MTH([d])   = leaf(d)
 *   MTH(D[n])  = SHA-256( 0x01 || MTH(D[0:k]) || MTH(D[k:n]) ),  k = largest power of 2 < n
 *
 * entryProof gives the RFC 9162 §2.1.3 audit path of one entry;
 * verifyEntryProof checks it against a root without the rest of the state.
 */
import { canonicalBytes, concatBytes, fromHex, sha256, toHex, utf8, bytesEqual } from '../codec/index.js';
import type { EngineState } from './types.js';

export interface StateEntry {
  key: string;
  /** Canonical JSON bytes of the value. */
  value: Uint8Array;
}

export interface EntryProof {
  key: string;
  /** Position of the entry among the sorted entries. */
  leaf_index: number;
  /** Number of entries in the tree. */
  tree_size: number;
  /** Sibling hashes from the leaf up to the root, lower-case hex. */
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
    if (compareUtf8((out[i - 1] as { key: string }).key, (out[i] as { key: string }).key) === 0) throw new Error(`duplicate state key ${(out[i] as { key: string }).key}`);
  }
  return out.map((e) => ({ key: e.key, value: canonicalBytes(e.json) }));
}

function u32be(n: number): Uint8Array {
  return new Uint8Array([(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
}

/** SHA-256(0x00 || u32be(len(key)) || key || SHA-256(value)). */
export function leafHash(key: string, value: Uint8Array): Uint8Array {
  const k = utf8(key);
  return sha256(concatBytes(new Uint8Array([0]), u32be(k.length), k, sha256(value)));
}

/** SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(concatBytes(new Uint8Array([1]), left, right));
}

/** The largest power of two strictly smaller than n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function mth(leaves: Uint8Array[], lo: number, hi: number): Uint8Array {
  const n = hi - lo;
  if (n === 1) return leaves[lo] as Uint8Array;
  const k = splitPoint(n);
  return nodeHash(mth(leaves, lo, lo + k), mth(leaves, lo + k, hi));
}

/** RFC 6962 Merkle Tree Hash over leaf hashes. */
export function merkleRoot(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return sha256(new Uint8Array(0));
  return mth(leaves, 0, leaves.length);
}

export function stateRoot(state: EngineState): Uint8Array {
  return merkleRoot(stateEntries(state).map((e) => leafHash(e.key, e.value)));
}

export function stateRootHex(state: EngineState): string {
  return toHex(stateRoot(state));
}

function auditPath(leaves: Uint8Array[], m: number, lo: number, hi: number): Uint8Array[] {
  const n = hi - lo;
  if (n <= 1) return [];
  const k = splitPoint(n);
  if (m < k) return [...auditPath(leaves, m, lo, lo + k), mth(leaves, lo + k, hi)];
  return [...auditPath(leaves, m - k, lo + k, hi), mth(leaves, lo, lo + k)];
}

/** The audit path of the entry with this key, or null when the state has no such entry. */
export function entryProof(state: EngineState, key: string): EntryProof | null {
  const entries = stateEntries(state);
  const index = entries.findIndex((e) => e.key === key);
  if (index < 0) return null;
  const leaves = entries.map((e) => leafHash(e.key, e.value));
  return { key, leaf_index: index, tree_size: leaves.length, audit_path: auditPath(leaves, index, 0, leaves.length).map(toHex) };
}

/**
 * Verify that (key, value) is an entry of the state whose root is `root`
 * (RFC 9162 §2.1.3.2). `value` is either the canonical JSON bytes of the
 * value or the JSON value itself (canonicalised here). Never throws.
 */
export function verifyEntryProof(root: Uint8Array | string, key: string, value: unknown, proof: EntryProof): boolean {
  try {
    const rootBytes = typeof root === 'string' ? fromHex(root) : root;
    if (rootBytes.length !== 32) return false;
    if (proof.key !== key) return false;
    const { leaf_index: index, tree_size: size, audit_path: path } = proof;
    if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
    if (!Array.isArray(path)) return false;
    const valueBytes = value instanceof Uint8Array ? value : canonicalBytes(value);
    let fn = index;
    let sn = size - 1;
    let r = leafHash(key, valueBytes);
    for (const hex of path) {
      if (typeof hex !== 'string' || !/^[0-9a-f]{64}$/.test(hex)) return false;
      const p = fromHex(hex);
      if (sn === 0) return false;
      if ((fn & 1) === 1 || fn === sn) {
        r = nodeHash(p, r);
        if ((fn & 1) === 0) {
          while ((fn & 1) === 0 && fn !== 0) {
            fn = Math.floor(fn / 2);
            sn = Math.floor(sn / 2);
          }
        }
      } else {
        r = nodeHash(r, p);
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    return sn === 0 && bytesEqual(r, rootBytes);
  } catch {
    return false;
  }
}

// ─── Incremental root ──────────────────────────────────────────────────────

/** Fast key order: UTF-16 order equals UTF-8 byte order for strings without surrogates (all state keys are ASCII). */
function compareKeys(a: string, b: string): number {
  if (/[\ud800-\udfff]/.test(a) || /[\ud800-\udfff]/.test(b)) return compareUtf8(a, b);
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The same root as stateRoot(), maintained incrementally: leaf hashes are
 * cached per entry and the hashes of full, aligned subtrees of the RFC 6962
 * tree (2^j leaves starting at a multiple of 2^j) are cached per level. A
 * changed entry invalidates the log2(n) subtrees above it; an inserted entry
 * invalidates the subtrees at and to the right of its position (their leaves
 * shift). The tree definition and proofs are exactly those of stateRoot().
 */
/** A SHA-256 implementation (the engine may be given a faster one than the pure-JS default, e.g. node:crypto's). */
export type Sha256 = (data: Uint8Array) => Uint8Array;

/**
 * RFC 8785 canonical JSON for the plain JSON values of the state (objects,
 * arrays, strings, finite numbers, booleans, null): keys sorted by UTF-16 code
 * units, strings and numbers serialised as ECMAScript's JSON.stringify does —
 * which is what RFC 8785 specifies. Properties whose value is undefined are
 * skipped, as JSON.stringify does. Equal to canonicalBytes (tested).
 */
export function fastCanonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new Error('canonical JSON has no non-finite numbers');
    return JSON.stringify(v);
  }
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) {
      if (i) out += ',';
      const x: unknown = v[i];
      out += x === undefined ? 'null' : fastCanonicalJson(x);
    }
    return out + ']';
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).sort();
  let out = '{';
  let first = true;
  for (const k of keys) {
    const x = o[k];
    if (x === undefined) continue;
    if (!first) out += ',';
    first = false;
    out += JSON.stringify(k) + ':' + fastCanonicalJson(x);
  }
  return out + '}';
}

export class RootCache {
  private keys: string[] = [];
  private readonly hash: Sha256;
  constructor(hash: Sha256 = sha256) {
    this.hash = hash;
  }
  private leaf(key: string, value: Uint8Array): Uint8Array {
    const k = utf8(key);
    return this.hash(concatBytes(new Uint8Array([0]), u32be(k.length), k, this.hash(value)));
  }
  private node(l: Uint8Array, r: Uint8Array): Uint8Array {
    const b = new Uint8Array(65);
    b[0] = 1;
    b.set(l, 1);
    b.set(r, 33);
    return this.hash(b);
  }
  /** levels[0] = leaf hashes in key order; levels[j][k] = hash of leaves [k·2^j, (k+1)·2^j), or undefined. */
  private levels: (Uint8Array | undefined)[][] = [[]];

  static fromState(state: EngineState, hash: Sha256 = sha256): RootCache {
    const c = new RootCache(hash);
    const entries = stateEntries(state);
    c.keys = entries.map((e) => e.key);
    c.levels = [entries.map((e) => c.leaf(e.key, e.value))];
    c.root();
    return c;
  }

  get size(): number {
    return this.keys.length;
  }

  private find(key: string): { found: boolean; index: number } {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareKeys(this.keys[mid] as string, key);
      if (c === 0) return { found: true, index: mid };
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    return { found: false, index: lo };
  }

  /** Set (or insert) the entry `key` to the canonical JSON of `json`. Entries are never removed from the state. */
  set(key: string, json: unknown): void {
    const leaf = this.leaf(key, utf8(fastCanonicalJson(json)));
    const { found, index } = this.find(key);
    const l0 = this.levels[0] as (Uint8Array | undefined)[];
    if (found) {
      l0[index] = leaf;
      for (let j = 1; j < this.levels.length; j++) {
        const lvl = this.levels[j] as (Uint8Array | undefined)[];
        const k = index >>> j;
        if (k < lvl.length) lvl[k] = undefined;
      }
      return;
    }
    this.keys.splice(index, 0, key);
    l0.splice(index, 0, leaf);
    for (let j = 1; j < this.levels.length; j++) {
      const lvl = this.levels[j] as (Uint8Array | undefined)[];
      const keep = Math.floor(index / 2 ** j);
      if (lvl.length > keep) lvl.length = keep;
    }
  }

  private full(j: number, k: number): Uint8Array {
    if (j === 0) return this.levels[0]![k] as Uint8Array;
    let lvl = this.levels[j];
    if (!lvl) {
      lvl = [];
      this.levels[j] = lvl;
    }
    let h = lvl[k];
    if (h === undefined) {
      h = this.node(this.full(j - 1, 2 * k), this.full(j - 1, 2 * k + 1));
      while (lvl.length < k) lvl.push(undefined);
      lvl[k] = h;
    }
    return h;
  }

  private mth(lo: number, hi: number): Uint8Array {
    const n = hi - lo;
    if ((n & (n - 1)) === 0) {
      const j = 31 - Math.clz32(n);
      if (lo % n === 0) return this.full(j, lo / n);
    }
    const k = splitPoint(n);
    return this.node(this.mth(lo, lo + k), this.mth(lo + k, hi));
  }

  root(): Uint8Array {
    if (this.keys.length === 0) return this.hash(new Uint8Array(0));
    return this.mth(0, this.keys.length);
  }

  private path(m: number, lo: number, hi: number): Uint8Array[] {
    const n = hi - lo;
    if (n <= 1) return [];
    const k = splitPoint(n);
    if (m < k) return [...this.path(m, lo, lo + k), this.mth(lo + k, hi)];
    return [...this.path(m - k, lo + k, hi), this.mth(lo, lo + k)];
  }

  /** The same proof entryProof(state, key) gives, from the cache. */
  proof(key: string): EntryProof | null {
    const { found, index } = this.find(key);
    if (!found) return null;
    return { key, leaf_index: index, tree_size: this.keys.length, audit_path: this.path(index, 0, this.keys.length).map(toHex) };
  }
}

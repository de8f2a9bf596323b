/**
 * The devnet's evidence log: a receipt for every transaction in a committed
 * block (accepted or rejected: both are in the block), the MMR over the
 * receipt digests, and a checkpoint signed with the validator key every N
 * blocks. Formats: docs/formats/evidence-log.md; primitives: core/evidence.
 *
 * The node plans a block's evidence from in-memory state (plan), writes the
 * plan in the SAME SQLite transaction as the block (NodeStore.commitBlock),
 * and only then applies it to memory (apply). On start, load() reads the log
 * back, checks it (node count, last root, last checkpoint's peaks) and
 * catches up on blocks stored by a build without evidence (schema < 3).
 */
import { nodeSha256 } from '../crypto/node-hash.js';
import { keyIdOf, toHex, fromHex } from '../../core/codec/index.js';
import { checkpointSigningDigest, type Checkpoint, type SignedCheckpoint, type TrustFile } from '../../core/evidence/checkpoint.js';
import { addLeafHash, consistencyProof, inclusionProof, isValidSize, peaks, type Hasher, type MmrStore } from '../../core/evidence/mmr.js';
import { GENESIS_ROOT, eventsDigest, makeReceipt, receiptDigest, type Receipt } from '../../core/evidence/receipts.js';
import { CharterError } from '../../core/errors.js';
import type { AbciEvent } from '../../core/engine/types.js';
/** The key that signs checkpoints (the devnet hands it its validator key). */
export interface CheckpointSigner {
  publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

export const DEFAULT_CHECKPOINT_EVERY = 10;

/** Native SHA-256 for the MMR (same bytes as @noble/hashes). */
/** The MMR's hash: node:crypto's SHA-256 (main/crypto/node-hash.ts). */
export const nativeMmrHash: Hasher = nodeSha256;

export interface ReceiptRow {
  seq: number;
  tx_hash: string;
  height: number;
  mmr_index: number;
  digest: string;
  receipt: string;
}

export interface CheckpointRow {
  height: number;
  mmr_size: number;
  signed: string;
}

export interface EvidencePlan {
  receipts: ReceiptRow[];
  nodes: { idx: number; value: Uint8Array }[];
  checkpoint: CheckpointRow | null;
}

/** What the evidence log needs from a committed transaction. */
export interface CommittedTx {
  hash: string;
  code: number;
  codespace: string;
  events: readonly AbciEvent[];
}

/** The store side of the log (implemented by NodeStore). */
export interface EvidenceStore {
  mmrNodes(): Buffer[];
  lastReceipt(): ReceiptRow | null;
  receiptCount(): number;
  latestCheckpoint(): CheckpointRow | null;
}

/** An MMR store over the loaded nodes plus the ones a plan adds (not visible to the log until apply). */
class OverlayStore implements MmrStore {
  readonly added: Uint8Array[] = [];
  constructor(private readonly base: Uint8Array[]) {}
  get(i: number): Uint8Array {
    const v = i < this.base.length ? this.base[i] : this.added[i - this.base.length];
    if (v === undefined) throw new Error(`mmr node ${i} missing`);
    return v;
  }
  append(v: Uint8Array): void {
    this.added.push(v);
  }
  size(): number {
    return this.base.length + this.added.length;
  }
}

class ArrayStore implements MmrStore {
  constructor(private readonly nodes: Uint8Array[]) {}
  get(i: number): Uint8Array {
    const v = this.nodes[i];
    if (v === undefined) throw new CharterError('INVALID_INPUT', `mmr node ${i} is not in the log (size ${this.nodes.length})`);
    return v;
  }
  append(v: Uint8Array): void {
    this.nodes.push(v);
  }
  size(): number {
    return this.nodes.length;
  }
}

/** The receipt of one committed transaction's result. */
export function receiptResultOf(code: number, codespace: string): Receipt['result'] {
  return code === 0 ? { code: 0 } : { code, codespace: codespace || 'custody' };
}

/** Events as the receipt commits to them: [{type, attributes: [{key, value}]}], attribute order kept. */
export function receiptEvents(events: readonly AbciEvent[]): unknown[] {
  return events.map((e) => ({ type: e.type, attributes: e.attributes.map((a) => ({ key: a.key, value: a.value })) }));
}

export class EvidenceLog {
  readonly checkpointEvery: number;
  readonly keyId: string;
  private readonly nodes: Uint8Array[];
  private lastSeq: number;
  private lastRoot: string;

  constructor(
    private readonly chainId: string,
    private readonly validator: CheckpointSigner,
    checkpointEvery: number,
    store: EvidenceStore,
    private readonly hash: Hasher = nativeMmrHash,
  ) {
    if (!Number.isSafeInteger(checkpointEvery) || checkpointEvery < 1)
      throw new CharterError('USAGE', `--checkpoint-every must be a positive integer, got ${String(checkpointEvery)}`);
    this.checkpointEvery = checkpointEvery;
    this.keyId = keyIdOf('ed25519', validator.publicKey);
    this.nodes = store.mmrNodes().map((b) => new Uint8Array(b));
    const last = store.lastReceipt();
    const count = store.receiptCount();
    this.lastSeq = last?.seq ?? -1;
    this.lastRoot = last ? (JSON.parse(last.receipt) as Receipt).next_root : GENESIS_ROOT;
    // Consistency of what was read back: one receipt per seq, the node count of that many leaves, the checkpoint's peaks.
    if (count !== this.lastSeq + 1) throw new CharterError('WORKSPACE_INVALID', `node.db: ${count} receipts but the last has seq ${this.lastSeq}`);
    const expectedSize = count === 0 ? 0 : 2 * count - popcount(count);
    if (this.nodes.length !== expectedSize || !isValidSize(this.nodes.length)) {
      throw new CharterError('WORKSPACE_INVALID', `node.db: the MMR holds ${this.nodes.length} nodes, ${count} receipts need ${expectedSize}`);
    }
    if (last !== null && toHex(this.nodes[last.mmr_index] as Uint8Array) !== last.digest) {
      throw new CharterError('WORKSPACE_INVALID', `node.db: the MMR leaf of receipt ${last.seq} is not its digest`);
    }
    const cp = store.latestCheckpoint();
    if (cp !== null) {
      const signed = JSON.parse(cp.signed) as SignedCheckpoint;
      const now = this.peaksAt(cp.mmr_size);
      if (now.join() !== signed.checkpoint.peaks.join())
        throw new CharterError('WORKSPACE_INVALID', `node.db: the MMR no longer matches checkpoint ${cp.height}`);
    }
  }

  get size(): number {
    return this.nodes.length;
  }
  get receiptCount(): number {
    return this.lastSeq + 1;
  }
  get root(): string {
    return this.lastRoot;
  }

  /** Receipts, MMR nodes and (every N blocks) the checkpoint for one block. Changes nothing in memory. */
  plan(height: number, time: string, txs: readonly CommittedTx[]): EvidencePlan {
    const overlay = new OverlayStore(this.nodes);
    let seq = this.lastSeq;
    let root = this.lastRoot;
    const receipts: ReceiptRow[] = [];
    for (const t of txs) {
      seq += 1;
      const r = makeReceipt(root, {
        seq,
        height,
        tx_digest: t.hash.toLowerCase(),
        result: receiptResultOf(t.code, t.codespace),
        events_digest: eventsDigest(receiptEvents(t.events)),
      });
      const digest = receiptDigest(r);
      const idx = addLeafHash(overlay, digest, this.hash);
      receipts.push({ seq, tx_hash: t.hash.toUpperCase(), height, mmr_index: idx, digest: toHex(digest), receipt: JSON.stringify(r) });
      root = r.next_root;
    }
    let checkpoint: CheckpointRow | null = null;
    if (height % this.checkpointEvery === 0) {
      const size = overlay.size();
      checkpoint = this.signedRow(size, peaks(overlay, size).map(toHex), height, time);
    }
    const base = this.nodes.length;
    return { receipts, nodes: overlay.added.map((value, k) => ({ idx: base + k, value })), checkpoint };
  }

  private signedRow(size: number, peakHexes: string[], height: number, time: string): CheckpointRow {
    const c: Checkpoint = { log_id: this.chainId, mmr_size: size, peaks: peakHexes, height, time };
    const signature = toHex(this.validator.sign(checkpointSigningDigest(c)));
    const signed: SignedCheckpoint = { checkpoint: c, signatures: [{ key_id: this.keyId, scheme: 'ed25519', signature }] };
    return { height, mmr_size: size, signed: JSON.stringify(signed) };
  }

  /**
   * A checkpoint of the whole log as it is now, for block `height` (the
   * latest: its receipts are the last ones in the MMR) at that block's time,
   * outside the every-N cadence: issued on demand when evidence needs one.
   * Null while the log is empty.
   */
  checkpointNow(height: number, time: string): EvidencePlan | null {
    const size = this.nodes.length;
    if (size === 0) return null;
    return { receipts: [], nodes: [], checkpoint: this.signedRow(size, this.peaksAt(size), height, time) };
  }

  /** After the plan is durable. */
  apply(plan: EvidencePlan): void {
    for (const n of plan.nodes) {
      if (n.idx !== this.nodes.length) throw new Error(`evidence plan out of order: node ${n.idx} at size ${this.nodes.length}`);
      this.nodes.push(n.value);
    }
    const last = plan.receipts[plan.receipts.length - 1];
    if (last !== undefined) {
      this.lastSeq = last.seq;
      this.lastRoot = (JSON.parse(last.receipt) as Receipt).next_root;
    }
  }

  /** The trust file for this devnet: its validator key, quorum 1. */
  trustFile(): TrustFile {
    return {
      version: 1,
      log_id: this.chainId,
      quorum: 1,
      keys: [{ key_id: this.keyId, scheme: 'ed25519', public_key: toHex(this.validator.publicKey), valid_from_height: 0 }],
    };
  }

  private store(): MmrStore {
    return new ArrayStore(this.nodes);
  }

  private checkSize(size: number): void {
    if (!isValidSize(size)) throw new CharterError('INVALID_INPUT', `${size} is not a valid mmr size`);
    if (size > this.nodes.length) throw new CharterError('NOT_FOUND', `mmr size ${size} is beyond the log's ${this.nodes.length} nodes`);
  }

  peaksAt(size: number): string[] {
    this.checkSize(size);
    return peaks(this.store(), size).map(toHex);
  }

  inclusion(mmrIndex: number, size: number): { mmr_index: number; size: number; leaf: string; path: string[]; peaks: string[] } {
    this.checkSize(size);
    if (mmrIndex >= size)
      throw new CharterError('INVALID_INPUT', `mmr index ${mmrIndex} is not in MMR(${size}); ask for a larger size (the receipt was added later)`);
    const s = this.store();
    return { mmr_index: mmrIndex, size, leaf: toHex(s.get(mmrIndex)), path: inclusionProof(s, mmrIndex, size).map(toHex), peaks: peaks(s, size).map(toHex) };
  }

  consistency(from: number, to: number): { from_size: number; to_size: number; from_peaks: string[]; to_peaks: string[]; paths: string[][] } {
    this.checkSize(from);
    this.checkSize(to);
    if (from > to) throw new CharterError('INVALID_INPUT', `consistency runs from the smaller size: ${from} > ${to}`);
    const s = this.store();
    return {
      from_size: from,
      to_size: to,
      from_peaks: peaks(s, from).map(toHex),
      to_peaks: peaks(s, to).map(toHex),
      paths: consistencyProof(s, from, to).map((p) => p.map(toHex)),
    };
  }

  /** Node value (for tests and tools). */
  node(i: number): Uint8Array {
    return this.store().get(i);
  }
}

function popcount(x: number): number {
  let n = 0;
  while (x > 0) {
    n += x % 2;
    x = Math.floor(x / 2);
  }
  return n;
}

/** Decode hex peaks (helper for clients). */
export function peaksBytes(hex: readonly string[]): Uint8Array[] {
  return hex.map((h) => fromHex(h));
}

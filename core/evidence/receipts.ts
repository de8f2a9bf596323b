/**
 * The receipt chain: one receipt per committed custody transaction, chained by
 * roots, each receipt's digest a leaf of the MMR. docs/formats/evidence-log.md
 * is the normative text; in short:
 *
 *   receipt        {seq, prev_root, next_root, height, tx_digest, result, events_digest}
 *   result         {code: 0} for success; {code: n, codespace: "custody"} for a
 *                  transaction the engine rejected inside a block (it is committed too)
 *   next_root      SHA-256("charter/receipt-chain/v1" || 0x00 || JCS(receipt without next_root))
 *                  (the body carries prev_root, so each root commits the whole chain before it)
 *   receiptDigest  SHA-256("charter/receipt/v1" || 0x00 || JCS(receipt))   — the MMR leaf
 *   events_digest  SHA-256("charter/events/v1" || 0x00 || JCS(events array))
 *   genesis        the receipt with seq 0 has prev_root = GENESIS_ROOT (64 zeros)
 *
 * A fork is two receipts with the same (seq, prev_root) and different digests.
 * A fork-resolution record {fork: {seq, prev_root}, chosen, signatures} is signed
 * over SHA-256("charter/fork-resolution/v1" || 0x00 || JCS({fork, chosen})) by a
 * quorum of the trust file's keys (judged at the height of the chosen receipt).
 * Without a valid record the chain continues through the candidate with the
 * LOWEST receipt digest (byte order = lower-case hex order).
 */
import { z } from 'zod';
import { fromHex, toHex } from '../codec/index.js';
import type { SignatureVerifier } from '../crypto/ed25519.js';
import { domainDigest, evidenceSignatureSchema, verifyQuorum, type EvidenceSignature, type QuorumVerdict, type TrustFile } from './checkpoint.js';
import { CharterError } from '../errors.js';
import { jcsBytes } from './jcs.js';
import { checkpointSchema, type Checkpoint } from './checkpoint.js';
import { isValidSize, mmrIndex, verifyInclusion } from './mmr.js';
import type { Hash } from '../crypto/hash.js';

export const RECEIPT_DOMAIN = 'charter/receipt/v1';
export const RECEIPT_CHAIN_DOMAIN = 'charter/receipt-chain/v1';
export const FORK_RESOLUTION_DOMAIN = 'charter/fork-resolution/v1';
export const GENESIS_ROOT = '0'.repeat(64);

export interface ReceiptResult {
  code: number;
  /** Present exactly when code ≠ 0 ("custody" for engine rejections). */
  codespace?: string;
}

export interface Receipt {
  seq: number;
  prev_root: string;
  next_root: string;
  height: number;
  /** SHA-256 of the transaction bytes, lower-case hex (the CometBFT tx hash, lower-cased). */
  tx_digest: string;
  result: ReceiptResult;
  /** eventsDigest(events the engine emitted for the transaction), lower-case hex. */
  events_digest: string;
}

export type ReceiptBody = Omit<Receipt, 'next_root'>;

const HEX32 = /^[0-9a-f]{64}$/;
const intSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const receiptResultSchema = z.strictObject({
  code: z.number().int().nonnegative().max(0xffffffff),
  codespace: z.string().min(1).max(64).optional(),
});

export const receiptSchema = z.strictObject({
  seq: intSchema,
  prev_root: z.string().regex(HEX32),
  next_root: z.string().regex(HEX32),
  height: intSchema,
  tx_digest: z.string().regex(HEX32),
  result: receiptResultSchema,
  events_digest: z.string().regex(HEX32),
});

/** The MMR leaf of a receipt: SHA-256("charter/receipt/v1" || 0x00 || JCS(receipt)). */
export function receiptDigest(r: Receipt): Uint8Array {
  return domainDigest(RECEIPT_DOMAIN, jcsBytes(r));
}
export function receiptDigestHex(r: Receipt): string {
  return toHex(receiptDigest(r));
}

/** The root after `body`: SHA-256("charter/receipt-chain/v1" || 0x00 || JCS(body)); body.prev_root must be prev_root. */
export function nextRoot(prev_root: string, body: ReceiptBody): string {
  if (body.prev_root !== prev_root) throw new CharterError('INVALID_INPUT', `receipt ${body.seq} does not follow root ${prev_root}`);
  const { seq, height, tx_digest, result, events_digest } = body;
  return toHex(domainDigest(RECEIPT_CHAIN_DOMAIN, jcsBytes({ seq, prev_root, height, tx_digest, result, events_digest })));
}

/** Build the next receipt of a chain. */
export function makeReceipt(prev_root: string, body: Omit<ReceiptBody, 'prev_root'>): Receipt {
  const full: ReceiptBody = { ...body, prev_root };
  return { ...full, next_root: nextRoot(prev_root, full) };
}

/** The events digest: SHA-256("charter/events/v1" || 0x00 || JCS(events array)). */
export function eventsDigest(events: unknown): string {
  return toHex(domainDigest('charter/events/v1', jcsBytes(events)));
}

export type ChainBreak = 'MALFORMED' | 'SEQ_GAP' | 'PREV_ROOT_MISMATCH' | 'NEXT_ROOT_MISMATCH' | 'BAD_GENESIS' | 'HEIGHT_DECREASES';

export type ChainVerdict = { ok: true; last_root: string } | { ok: false; index: number; reason: ChainBreak; message: string };

/**
 * Check a run of receipts: each well formed, next_root recomputes, seq rises by
 * one, each prev_root is the previous next_root, heights never decrease, and a
 * run starting at seq 0 starts from GENESIS_ROOT. `expectPrevRoot` pins the
 * root the run must start from (a segment after a known receipt). Never throws.
 */
export function verifyChain(receipts: readonly unknown[], opts: { expectPrevRoot?: string } = {}): ChainVerdict {
  let prev: Receipt | undefined;
  for (let k = 0; k < receipts.length; k++) {
    const p = receiptSchema.safeParse(receipts[k]);
    if (!p.success) return { ok: false, index: k, reason: 'MALFORMED', message: p.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
    const r = p.data as Receipt;
    if (prev === undefined) {
      if (r.seq === 0 && r.prev_root !== GENESIS_ROOT)
        return { ok: false, index: k, reason: 'BAD_GENESIS', message: 'the receipt with seq 0 must have prev_root = 64 zeros' };
      if (opts.expectPrevRoot !== undefined && r.prev_root !== opts.expectPrevRoot) {
        return { ok: false, index: k, reason: 'PREV_ROOT_MISMATCH', message: `receipt ${r.seq} starts from ${r.prev_root}, expected ${opts.expectPrevRoot}` };
      }
    } else {
      if (r.seq !== prev.seq + 1) return { ok: false, index: k, reason: 'SEQ_GAP', message: `seq ${r.seq} follows ${prev.seq}` };
      if (r.prev_root !== prev.next_root)
        return { ok: false, index: k, reason: 'PREV_ROOT_MISMATCH', message: `receipt ${r.seq} does not chain to receipt ${prev.seq}` };
      if (r.height < prev.height)
        return { ok: false, index: k, reason: 'HEIGHT_DECREASES', message: `receipt ${r.seq} is at height ${r.height} < ${prev.height}` };
    }
    const { next_root, ...body } = r;
    if (nextRoot(r.prev_root, body) !== next_root)
      return { ok: false, index: k, reason: 'NEXT_ROOT_MISMATCH', message: `receipt ${r.seq}: next_root does not recompute` };
    prev = r;
  }
  return { ok: true, last_root: prev === undefined ? (opts.expectPrevRoot ?? GENESIS_ROOT) : prev.next_root };
}

export interface Fork {
  seq: number;
  prev_root: string;
  /** Digests of the distinct competing receipts, ascending. */
  digests: string[];
}

/** Every (seq, prev_root) with two or more distinct receipts, ordered by seq then prev_root. */
export function findForks(receipts: readonly Receipt[]): Fork[] {
  const groups = new Map<string, { seq: number; prev_root: string; digests: Set<string> }>();
  for (const r of receipts) {
    const k = `${r.seq}:${r.prev_root}`;
    let g = groups.get(k);
    if (g === undefined) {
      g = { seq: r.seq, prev_root: r.prev_root, digests: new Set() };
      groups.set(k, g);
    }
    g.digests.add(receiptDigestHex(r));
  }
  const out: Fork[] = [];
  for (const g of groups.values()) if (g.digests.size > 1) out.push({ seq: g.seq, prev_root: g.prev_root, digests: [...g.digests].sort() });
  return out.sort((a, b) => a.seq - b.seq || cmp(a.prev_root, b.prev_root));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface ForkResolution {
  fork: { seq: number; prev_root: string };
  /** Receipt digest (hex) of the receipt the chain continues through. */
  chosen: string;
  signatures: EvidenceSignature[];
}

export const forkResolutionSchema = z.strictObject({
  fork: z.strictObject({ seq: intSchema, prev_root: z.string().regex(HEX32) }),
  chosen: z.string().regex(HEX32),
  signatures: z.array(evidenceSignatureSchema).min(1).max(64),
});

/** The 32 bytes each signature of a fork-resolution record covers. */
export function forkResolutionDigest(r: Pick<ForkResolution, 'fork' | 'chosen'>): Uint8Array {
  return domainDigest(FORK_RESOLUTION_DOMAIN, jcsBytes({ fork: { seq: r.fork.seq, prev_root: r.fork.prev_root }, chosen: r.chosen }));
}

/**
 * Verify a fork-resolution record against the trust file at `height` (the
 * height of the chosen receipt). Never throws.
 */
export function verifyForkResolution(record: unknown, trust: TrustFile, height: number, verifier: SignatureVerifier): QuorumVerdict {
  const p = forkResolutionSchema.safeParse(record);
  if (!p.success) return { ok: false, reasons: ['MALFORMED'], valid: 0, quorum: trust.quorum, signatures: [] };
  const r = p.data as ForkResolution;
  return verifyQuorum(forkResolutionDigest(r), r.signatures, trust, height, verifier);
}

export interface ForkChoice {
  seq: number;
  prev_root: string;
  chosen: string;
  by: 'resolution' | 'lowest-digest';
}

export interface SelectedChain {
  chain: Receipt[];
  forks: ForkChoice[];
}

/**
 * Deterministic chain selection. Starting from `startRoot` (GENESIS_ROOT by
 * default), repeatedly take the receipts whose prev_root is the current root
 * and whose seq is the next seq; with one candidate take it, with several take
 * the one a valid resolution names (`resolved`: key `${seq}:${prev_root}` →
 * chosen digest, from records already checked with verifyForkResolution), else
 * the lowest digest. Receipts whose next_root does not recompute are ignored.
 */
export function selectChain(
  receipts: readonly Receipt[],
  resolved: ReadonlyMap<string, string> = new Map(),
  startRoot: string = GENESIS_ROOT,
  startSeq?: number,
): SelectedChain {
  const byParent = new Map<string, Map<string, Receipt>>();
  let minSeq = Number.POSITIVE_INFINITY;
  for (const r of receipts) {
    const { next_root, ...body } = r;
    let okRoot = false;
    try {
      okRoot = nextRoot(r.prev_root, body) === next_root;
    } catch {
      okRoot = false;
    }
    if (!okRoot) continue;
    const k = `${r.seq}:${r.prev_root}`;
    let m = byParent.get(k);
    if (m === undefined) {
      m = new Map();
      byParent.set(k, m);
    }
    m.set(receiptDigestHex(r), r);
    if (r.prev_root === startRoot) minSeq = Math.min(minSeq, r.seq);
  }
  const chain: Receipt[] = [];
  const forks: ForkChoice[] = [];
  let seq = startSeq ?? (startRoot === GENESIS_ROOT ? 0 : minSeq);
  let root = startRoot;
  for (;;) {
    const k = `${seq}:${root}`;
    const m = byParent.get(k);
    if (m === undefined || m.size === 0) break;
    let pick: string;
    let by: ForkChoice['by'] = 'lowest-digest';
    const digests = [...m.keys()].sort();
    const named = resolved.get(k);
    if (named !== undefined && m.has(named)) {
      pick = named;
      by = 'resolution';
    } else pick = digests[0] as string;
    if (m.size > 1) forks.push({ seq, prev_root: root, chosen: pick, by });
    const r = m.get(pick) as Receipt;
    chain.push(r);
    root = r.next_root;
    seq += 1;
  }
  return { chain, forks };
}

/** Decode a receipt digest (hex) to the MMR leaf bytes. */
export function receiptLeaf(digestHex: string): Uint8Array {
  return fromHex(digestHex);
}

export type ReceiptInclusionReason = 'MALFORMED' | 'INDEX_MISMATCH' | 'SIZE_MISMATCH' | 'NOT_IN_CHECKPOINT' | 'PROOF_INVALID';

/**
 * Whether `receipt` is committed by `checkpoint` through `proof` (the
 * {mmr_index, size?, path} of /explorer/inclusion-proof or `charter mmr prove`):
 * the receipt is well formed and its next_root recomputes, mmr_index is the
 * index of leaf number `seq`, the proof's size (if given) is the checkpoint's
 * mmr_size, and the path leads from receiptDigest to the checkpoint's peak
 * (verifyInclusion). Does NOT check the checkpoint's signatures
 * (verifyCheckpoint does). Never throws.
 */
export function verifyReceiptInclusion(
  receipt: unknown,
  proof: { mmr_index: number; size?: number; path: readonly string[] },
  checkpoint: Checkpoint,
  hash?: Hash,
): { ok: true } | { ok: false; reason: ReceiptInclusionReason } {
  const r = receiptSchema.safeParse(receipt);
  const c = checkpointSchema.safeParse(checkpoint);
  if (!r.success || !c.success || !Array.isArray(proof?.path) || !proof.path.every((p) => typeof p === 'string' && HEX32.test(p)))
    return { ok: false, reason: 'MALFORMED' };
  const rec = r.data as Receipt;
  const { next_root, ...body } = rec;
  if (nextRoot(rec.prev_root, body) !== next_root) return { ok: false, reason: 'MALFORMED' };
  if (proof.mmr_index !== mmrIndex(rec.seq)) return { ok: false, reason: 'INDEX_MISMATCH' };
  const size = c.data.mmr_size;
  if (proof.size !== undefined && proof.size !== size) return { ok: false, reason: 'SIZE_MISMATCH' };
  if (!isValidSize(size) || proof.mmr_index >= size) return { ok: false, reason: 'NOT_IN_CHECKPOINT' };
  const ok = verifyInclusion(
    size,
    receiptDigest(rec),
    proof.mmr_index,
    proof.path.map((p) => fromHex(p)),
    c.data.peaks.map((p) => fromHex(p)),
    hash,
  );
  return ok ? { ok: true } : { ok: false, reason: 'PROOF_INVALID' };
}

/**
 * Proof checks shared by the bundle kinds: a receipt reaches a signed
 * checkpoint through an MMR inclusion proof; a checkpoint carries a quorum of
 * trusted signatures; two checkpoints are consistent. Built on the primitives
 * of core/evidence (mmr.ts, receipts.ts, checkpoint.ts). Pure.
 */
import { fromHex } from '../../codec/index.js';
import { verifyCheckpoint, signedCheckpointSchema, checkpointAccumulator, type SignedCheckpoint } from '../checkpoint.js';
import { mmrIndex, verifyConsistency } from '../mmr.js';
import { receiptSchema, verifyChain, verifyReceiptInclusion, type Receipt } from '../receipts.js';
import { readJson } from './custody.js';
import type { Check } from './types.js';
import { check, failFrom, type BundleContext } from './verify.js';

/** An MMR inclusion proof as `charter mmr prove` prints it. */
export interface InclusionProofMember {
  mmr_index: number;
  size: number;
  path: string[];
}

/** Proof that MMR(to_size) extends MMR(from_size): one path per peak of the older MMR, highest first. */
export interface ConsistencyProofMember {
  from_size: number;
  to_size: number;
  paths: string[][];
}

const HEX32 = /^[0-9a-f]{64}$/;

function hexList(xs: unknown): Uint8Array[] | null {
  if (!Array.isArray(xs) || !xs.every((x) => typeof x === 'string' && HEX32.test(x))) return null;
  return (xs as string[]).map((x) => fromHex(x));
}

/** Read and shape-check a signed checkpoint member; a problem string if it is not one. */
export function readCheckpoint(ctx: BundleContext, path: string): SignedCheckpoint | string | null {
  const v = readJson<unknown>(ctx, path);
  if (v === null) return null;
  const p = signedCheckpointSchema.safeParse(v);
  return p.success ? (p.data as SignedCheckpoint) : `${path} is not a signed checkpoint: ${p.error.issues[0]?.message ?? 'invalid'}`;
}

/** The quorum check of one checkpoint member. */
export function checkpointCheck(ctx: BundleContext, id: string, path: string): Check {
  const title = `The checkpoint ${path} is signed by a quorum of trusted keys`;
  const cp = readCheckpoint(ctx, path);
  if (cp === null) return check(id, title, 'unknown', 'NO_CHECKPOINT', `the bundle carries no ${path}: nothing anchors its proofs`);
  if (typeof cp === 'string') return check(id, title, 'fail', 'MEMBER_INVALID', cp);
  if (!ctx.trust) return check(id, title, 'unknown', 'NO_TRUST_FILE', `no trust file given: cannot tell whether keys ${cp.signatures.map((s) => s.key_id).join(', ')} may sign checkpoints of ${cp.checkpoint.log_id} (pass --trust)`);
  const v = verifyCheckpoint(cp, ctx.trust, ctx.verifier);
  if (v.ok) return check(id, title, 'pass', 'OK', `${v.valid} of quorum ${v.quorum} valid signatures over checkpoint ${cp.checkpoint.log_id} size ${cp.checkpoint.mmr_size} at height ${cp.checkpoint.height}`);
  const items = v.signatures.filter((s) => !s.ok).map((s) => ({ subject: `key ${s.key_id}`, reason: s.reason ?? 'BAD_SIGNATURE', detail: `signature refused (${s.reason ?? 'invalid'})` }));
  const reason = v.reasons[0] ?? 'BELOW_QUORUM';
  const detail =
    reason === 'LOG_ID_MISMATCH' ? `the checkpoint is for log ${cp.checkpoint.log_id}, the trust file for ${ctx.trust.log_id}`
    : reason === 'MALFORMED' ? 'the checkpoint is malformed'
    : `${v.valid} valid trusted signature(s), the quorum is ${v.quorum}`;
  return check(id, title, 'fail', reason, items.length ? `${detail}; ${items[0]?.subject}: ${items[0]?.reason}` : detail, items);
}

/** A receipt member reaches the checkpoint through its inclusion proof. */
export function receiptInclusionChecks(ctx: BundleContext, paths: { receipt: string; proof: string; checkpoint: string }, expect: { txDigests: ReadonlySet<string> }): Check[] {
  const out: Check[] = [];
  const R = 'proofs.receipt';
  const R_T = 'The receipt records one of the bundle\'s transactions';
  const rv = readJson<unknown>(ctx, paths.receipt);
  let receipt: Receipt | null = null;
  if (rv === null) out.push(check(R, R_T, 'unknown', 'NO_RECEIPT', `the bundle carries no ${paths.receipt}`));
  else {
    const p = receiptSchema.safeParse(rv);
    if (!p.success) out.push(check(R, R_T, 'fail', 'MEMBER_INVALID', `${paths.receipt} is not a receipt: ${p.error.issues[0]?.message ?? 'invalid'}`));
    else {
      receipt = p.data as Receipt;
      const chain = verifyChain([receipt], { expectPrevRoot: receipt.prev_root });
      if (!chain.ok) out.push(check(R, R_T, 'fail', chain.reason, chain.message));
      else if (!expect.txDigests.has(receipt.tx_digest)) out.push(check(R, R_T, 'fail', 'SUBJECT_MISMATCH', `the receipt is for transaction ${receipt.tx_digest}, which is not one of the case's`));
      else out.push(check(R, R_T, 'pass', 'OK', `receipt #${receipt.seq} at height ${receipt.height}, result code ${receipt.result.code}`));
    }
  }
  const I = 'proofs.inclusion';
  const I_T = 'The receipt is in the log: its inclusion proof reaches the checkpoint';
  const proof = readJson<InclusionProofMember>(ctx, paths.proof);
  const cp = readCheckpoint(ctx, paths.checkpoint);
  if (!receipt) out.push(check(I, I_T, 'unknown', 'NO_RECEIPT', 'no valid receipt to prove'));
  else if (proof === null) out.push(check(I, I_T, 'unknown', 'NO_PROOF', `the bundle carries no ${paths.proof}`));
  else if (cp === null) out.push(check(I, I_T, 'unknown', 'NO_CHECKPOINT', `the bundle carries no ${paths.checkpoint}: the proof leads nowhere`));
  else if (typeof cp === 'string') out.push(check(I, I_T, 'fail', 'MEMBER_INVALID', cp));
  else {
    // core/evidence/receipts.ts verifyReceiptInclusion: the receipt's next_root recomputes, mmr_index is
    // the index of leaf number seq, the sizes agree, and the path reaches the checkpoint's peak.
    const v = verifyReceiptInclusion(receipt, proof, cp.checkpoint);
    if (v.ok) out.push(check(I, I_T, 'pass', 'OK', `receipt #${receipt.seq} is node ${proof.mmr_index} of MMR(${cp.checkpoint.mmr_size}), committed by the checkpoint at height ${cp.checkpoint.height}`));
    else if (v.reason === 'MALFORMED') out.push(check(I, I_T, 'fail', 'MEMBER_INVALID', `${paths.proof} is not an inclusion proof {mmr_index, size, path} of 32-byte hex hashes`));
    else {
      const why = {
        INDEX_MISMATCH: `the proof is for node ${String(proof.mmr_index)}, but receipt #${receipt.seq} is node ${mmrIndex(receipt.seq)}`,
        SIZE_MISMATCH: `the proof is for MMR size ${String(proof.size)}, the checkpoint has size ${cp.checkpoint.mmr_size}`,
        NOT_IN_CHECKPOINT: `node ${String(proof.mmr_index)} is beyond the checkpoint's MMR(${cp.checkpoint.mmr_size})`,
        PROOF_INVALID: `the path from node ${String(proof.mmr_index)} does not reach a peak of the checkpoint`,
      }[v.reason];
      out.push(check(I, I_T, 'fail', 'PROOF_NOT_REACHING_CHECKPOINT', `${why} (${v.reason})`));
    }
  }
  out.push(checkpointCheck(ctx, 'checkpoint.quorum', paths.checkpoint));
  return out;
}

/** Two checkpoints are consistent: the later MMR extends the earlier one. */
export function consistencyChecks(ctx: BundleContext, paths: { from: string; to: string; proof: string }): Check[] {
  const C = 'proofs.consistency';
  const C_T = 'The later checkpoint extends the earlier one (consistency proof)';
  const a = readCheckpoint(ctx, paths.from);
  const b = readCheckpoint(ctx, paths.to);
  const proof = readJson<ConsistencyProofMember>(ctx, paths.proof);
  const out: Check[] = [];
  if (a === null || b === null) out.push(check(C, C_T, 'unknown', 'NO_CHECKPOINT', `the bundle lacks ${a === null ? paths.from : paths.to}`));
  else if (typeof a === 'string' || typeof b === 'string') out.push(check(C, C_T, 'fail', 'MEMBER_INVALID', typeof a === 'string' ? a : (b as string)));
  else if (proof === null) out.push(check(C, C_T, 'unknown', 'NO_PROOF', `the bundle carries no ${paths.proof}`));
  else {
    const pathsHex = Array.isArray(proof.paths) ? proof.paths.map(hexList) : null;
    if (!pathsHex || pathsHex.some((p) => p === null)) out.push(check(C, C_T, 'fail', 'MEMBER_INVALID', `${paths.proof} is not a consistency proof {from_size, to_size, paths}`));
    else if (proof.from_size !== a.checkpoint.mmr_size || proof.to_size !== b.checkpoint.mmr_size || a.checkpoint.log_id !== b.checkpoint.log_id) out.push(check(C, C_T, 'fail', 'PROOF_NOT_REACHING_CHECKPOINT', `the proof runs ${proof.from_size}→${proof.to_size}, the checkpoints have sizes ${a.checkpoint.mmr_size} and ${b.checkpoint.mmr_size}`));
    else if (!verifyConsistency(a.checkpoint.mmr_size, b.checkpoint.mmr_size, checkpointAccumulator(a.checkpoint), checkpointAccumulator(b.checkpoint), pathsHex as Uint8Array[][])) out.push(check(C, C_T, 'fail', 'PROOF_NOT_REACHING_CHECKPOINT', 'the older peaks do not lead to the newer checkpoint\'s peaks'));
    else out.push(check(C, C_T, 'pass', 'OK', `MMR(${b.checkpoint.mmr_size}) at height ${b.checkpoint.height} extends MMR(${a.checkpoint.mmr_size}) at height ${a.checkpoint.height}`));
  }
  out.push(checkpointCheck(ctx, 'checkpoint.from.quorum', paths.from));
  out.push(checkpointCheck(ctx, 'checkpoint.to.quorum', paths.to));
  return out;
}

export { failFrom };

/**
 * Proof checks shared by the bundle kinds: a receipt reaches a signed
 * checkpoint through an MMR inclusion proof; a checkpoint carries a quorum of
 * trusted log signatures and of witness cosignatures; two checkpoints are
 * consistent. Built on the primitives of core/evidence (mmr.ts, receipts.ts,
 * checkpoint.ts). Pure.
 */
import { fromHex } from '../../codec/index.js';
import {
  verifyCheckpoint,
  verifyCosignatures,
  signedCheckpointSchema,
  checkpointAccumulator,
  type SignedCheckpoint,
  type QuorumVerdict,
} from '../checkpoint.js';
import { mmrIndex, verifyConsistency } from '../mmr.js';
import { receiptSchema, verifyChain, verifyReceiptInclusion, type Receipt } from '../receipts.js';
import { HEX64, hasExactKeys, isInt, isObject, readMember } from './members.js';
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

export function hexList(xs: unknown): Uint8Array[] | null {
  if (!Array.isArray(xs) || !xs.every((x) => typeof x === 'string' && HEX64.test(x))) return null;
  return (xs as string[]).map((x) => fromHex(x));
}

/** Exactly `{mmr_index, size, path}` of 32-byte lower-case hex hashes, or null. */
export function inclusionProofShape(v: unknown): InclusionProofMember | null {
  if (!isObject(v) || !hasExactKeys(v, ['mmr_index', 'size', 'path']) || !isInt(v['mmr_index']) || !isInt(v['size']) || hexList(v['path']) === null)
    return null;
  return v as unknown as InclusionProofMember;
}

/** A signed checkpoint member: absent (null), refused (a problem string) or the checkpoint. */
export function readCheckpoint(ctx: BundleContext, path: string): SignedCheckpoint | string | null {
  const r = readMember(ctx, path);
  if (r.state === 'absent') return null;
  if (r.state === 'invalid') return r.detail;
  const p = signedCheckpointSchema.safeParse(r.value);
  return p.success
    ? (p.data as SignedCheckpoint)
    : `${path} is not a signed checkpoint: ${p.error.issues[0]?.path.join('.') ?? ''} ${p.error.issues[0]?.message ?? 'invalid'}`;
}

function quorumFailure(id: string, title: string, v: QuorumVerdict, what: string): Check {
  const items = v.signatures
    .filter((s) => !s.ok)
    .map((s) => ({ subject: `key ${s.key_id}`, reason: s.reason ?? 'BAD_SIGNATURE', detail: `this signature does not count (${s.reason ?? 'invalid'})` }));
  const reason = v.reasons[0] ?? 'BELOW_QUORUM';
  return check(
    id,
    title,
    'fail',
    reason,
    `${v.valid} ${what} count, the quorum is ${v.quorum}${items[0] ? `; ${items[0].subject}: ${items[0].reason}` : ''}`,
    items,
  );
}

/** The log-signature quorum check of one checkpoint member. */
export function checkpointCheck(ctx: BundleContext, id: string, title: string, path: string): Check {
  const cp = readCheckpoint(ctx, path);
  if (cp === null) return check(id, title, 'unknown', 'NO_CHECKPOINT', `the bundle carries no ${path}: nothing anchors its proofs`);
  if (typeof cp === 'string') return check(id, title, 'fail', 'MEMBER_INVALID', cp);
  if (!ctx.trust)
    return check(
      id,
      title,
      'unknown',
      'NO_TRUST_FILE',
      `no trust file given: cannot tell whether keys ${cp.signatures.map((s) => s.key_id).join(', ')} may sign checkpoints of ${cp.checkpoint.log_id} (pass --trust)`,
    );
  if (cp.checkpoint.log_id !== ctx.trust.log_id)
    return check(id, title, 'fail', 'LOG_ID_MISMATCH', `the checkpoint is for log ${cp.checkpoint.log_id}, the trust file for ${ctx.trust.log_id}`);
  const v = verifyCheckpoint(cp, ctx.trust, ctx.verifier);
  if (v.ok)
    return check(
      id,
      title,
      'pass',
      'OK',
      `${v.valid} of quorum ${v.quorum} trusted signatures over checkpoint ${cp.checkpoint.log_id} size ${cp.checkpoint.mmr_size} at height ${cp.checkpoint.height}`,
    );
  return quorumFailure(id, title, v, 'trusted log signature(s)');
}

/** The witness cosignature check of one checkpoint member. */
export function witnessCheck(ctx: BundleContext, id: string, title: string, path: string): Check {
  const cp = readCheckpoint(ctx, path);
  if (cp === null) return check(id, title, 'unknown', 'NO_CHECKPOINT', `the bundle carries no ${path}`);
  if (typeof cp === 'string') return check(id, title, 'fail', 'MEMBER_INVALID', cp);
  if (!ctx.trust) return check(id, title, 'unknown', 'NO_TRUST_FILE', 'no trust file given: cannot tell which witnesses count (pass --trust)');
  const w = ctx.trust.witnesses;
  if (!w)
    return check(
      id,
      title,
      'pass',
      'OK',
      `the trust file requires no witness cosignature${cp.cosignatures?.length ? ` (the checkpoint carries ${cp.cosignatures.length}, not checked)` : ''}`,
    );
  if (!cp.cosignatures || cp.cosignatures.length === 0)
    return check(
      id,
      title,
      'unknown',
      'NO_COSIGNATURE',
      `no witness has cosigned the checkpoint at height ${cp.checkpoint.height} yet; the trust file requires ${w.quorum} of ${w.keys.length} witness(es) (build the bundle again once they have)`,
    );
  const v = verifyCosignatures(cp, ctx.trust, ctx.verifier);
  if (v === null || v.ok)
    return check(
      id,
      title,
      'pass',
      'OK',
      `${v?.valid ?? 0} of quorum ${w.quorum} trusted witness cosignatures over checkpoint ${cp.checkpoint.log_id} size ${cp.checkpoint.mmr_size} at height ${cp.checkpoint.height}`,
    );
  return quorumFailure(id, title, v, 'trusted witness cosignature(s)');
}

/** A receipt member reaches the checkpoint through its inclusion proof. */
export function receiptInclusionChecks(
  ctx: BundleContext,
  paths: { receipt: string; proof: string; checkpoint: string },
  expect: { txDigest: string; height: number } | { unusable: string },
): Check[] {
  const out: Check[] = [];
  const R = 'proofs.receipt';
  const R_T = 'The receipt records the executing transaction';
  const rv = readMember(ctx, paths.receipt);
  let receipt: Receipt | null = null;
  if ('unusable' in expect) out.push(check(R, R_T, 'unknown', 'NOT_CHECKED', `not checked: ${expect.unusable}`));
  else if (rv.state === 'absent')
    out.push(check(R, R_T, 'unknown', 'NO_RECEIPT', `the bundle carries no ${paths.receipt} (the node keeps no evidence log, or none covered the case yet)`));
  else if (rv.state === 'invalid') out.push(check(R, R_T, 'fail', 'MEMBER_INVALID', rv.detail));
  else {
    const p = receiptSchema.safeParse(rv.value);
    if (!p.success) out.push(check(R, R_T, 'fail', 'MEMBER_INVALID', `${paths.receipt} is not a receipt: ${p.error.issues[0]?.message ?? 'invalid'}`));
    else {
      const r = p.data as Receipt;
      const chain = verifyChain([r], { expectPrevRoot: r.prev_root });
      if (!chain.ok) out.push(check(R, R_T, 'fail', chain.reason, chain.message));
      else if (r.tx_digest !== expect.txDigest)
        out.push(
          check(R, R_T, 'fail', 'SUBJECT_MISMATCH', `the receipt is for transaction ${r.tx_digest}, the case's executing transaction is ${expect.txDigest}`),
        );
      else if (r.height !== expect.height)
        out.push(check(R, R_T, 'fail', 'SUBJECT_MISMATCH', `the receipt is at height ${r.height}, the transaction at ${expect.height}`));
      else {
        receipt = r;
        out.push(check(R, R_T, 'pass', 'OK', `receipt #${r.seq} of transaction ${r.tx_digest} at height ${r.height}, result code ${r.result.code}`));
      }
    }
  }
  const I = 'proofs.inclusion';
  const I_T = 'The receipt is in the log: its inclusion proof reaches the checkpoint';
  const pr = readMember(ctx, paths.proof);
  const proof = pr.state === 'ok' ? inclusionProofShape(pr.value) : null;
  const cp = readCheckpoint(ctx, paths.checkpoint);
  if (pr.state === 'invalid') out.push(check(I, I_T, 'fail', 'MEMBER_INVALID', pr.detail));
  else if (pr.state === 'ok' && proof === null)
    out.push(check(I, I_T, 'fail', 'MEMBER_INVALID', `${paths.proof} is not exactly {mmr_index, size, path} with 32-byte lower-case hex hashes`));
  else if (typeof cp === 'string') out.push(check(I, I_T, 'fail', 'MEMBER_INVALID', cp));
  else if (!receipt)
    out.push(
      check(
        I,
        I_T,
        'unknown',
        rv.state === 'absent' && !('unusable' in expect) ? 'NO_RECEIPT' : 'NOT_CHECKED',
        rv.state === 'absent' && !('unusable' in expect) ? 'no receipt to prove' : 'not checked: the receipt did not pass proofs.receipt',
      ),
    );
  else if (proof === null) out.push(check(I, I_T, 'unknown', 'NO_PROOF', `the bundle carries no ${paths.proof}`));
  else if (cp === null) out.push(check(I, I_T, 'unknown', 'NO_CHECKPOINT', `the bundle carries no ${paths.checkpoint}: the proof leads nowhere`));
  else if (cp.checkpoint.height < receipt.height)
    out.push(
      check(
        I,
        I_T,
        'fail',
        'PROOF_NOT_REACHING_CHECKPOINT',
        `the checkpoint is at height ${cp.checkpoint.height}, before the receipt's height ${receipt.height}`,
      ),
    );
  else {
    // core/evidence/receipts.ts verifyReceiptInclusion: the receipt's next_root recomputes, mmr_index is
    // the index of leaf number seq, the sizes agree, and the path reaches the checkpoint's peak.
    const v = verifyReceiptInclusion(receipt, proof, cp.checkpoint);
    if (v.ok)
      out.push(
        check(
          I,
          I_T,
          'pass',
          'OK',
          `receipt #${receipt.seq} is node ${proof.mmr_index} of MMR(${cp.checkpoint.mmr_size}), committed by the checkpoint at height ${cp.checkpoint.height}`,
        ),
      );
    else {
      const why = {
        MALFORMED: 'the receipt is malformed',
        INDEX_MISMATCH: `the proof is for node ${proof.mmr_index}, but receipt #${receipt.seq} is node ${mmrIndex(receipt.seq)}`,
        SIZE_MISMATCH: `the proof is for MMR size ${proof.size}, the checkpoint has size ${cp.checkpoint.mmr_size}`,
        NOT_IN_CHECKPOINT: `node ${proof.mmr_index} is beyond the checkpoint's MMR(${cp.checkpoint.mmr_size})`,
        PROOF_INVALID: `the path from node ${proof.mmr_index} does not reach a peak of the checkpoint`,
      }[v.reason];
      out.push(check(I, I_T, 'fail', 'PROOF_NOT_REACHING_CHECKPOINT', `${why} (${v.reason})`));
    }
  }
  out.push(checkpointCheck(ctx, 'checkpoint.quorum', 'The checkpoint is signed by a quorum of trusted log keys', paths.checkpoint));
  out.push(witnessCheck(ctx, 'checkpoint.witnesses', 'The checkpoint is cosigned by a quorum of trusted witnesses', paths.checkpoint));
  return out;
}

/** Two checkpoints are consistent: the later MMR extends the earlier one. */
export function consistencyCheck(ctx: BundleContext, paths: { from: string; to: string; proof: string }): Check {
  const C = 'proofs.consistency';
  const C_T = 'The later checkpoint extends the earlier one (consistency proof)';
  const a = readCheckpoint(ctx, paths.from);
  const b = readCheckpoint(ctx, paths.to);
  const pr = readMember(ctx, paths.proof);
  if (typeof a === 'string' || typeof b === 'string') return check(C, C_T, 'fail', 'MEMBER_INVALID', typeof a === 'string' ? a : (b as string));
  if (pr.state === 'invalid') return check(C, C_T, 'fail', 'MEMBER_INVALID', pr.detail);
  if (a === null || b === null) return check(C, C_T, 'unknown', 'NO_CHECKPOINT', `the bundle lacks ${a === null ? paths.from : paths.to}`);
  if (pr.state === 'absent') return check(C, C_T, 'unknown', 'NO_PROOF', `the bundle carries no ${paths.proof}`);
  const proof = pr.value;
  const pathsHex =
    isObject(proof) && hasExactKeys(proof, ['from_size', 'to_size', 'paths']) && Array.isArray(proof['paths'])
      ? (proof['paths'] as unknown[]).map(hexList)
      : null;
  if (!isObject(proof) || !pathsHex || pathsHex.some((p) => p === null) || !isInt(proof['from_size']) || !isInt(proof['to_size']))
    return check(C, C_T, 'fail', 'MEMBER_INVALID', `${paths.proof} is not exactly {from_size, to_size, paths}`);
  if (
    proof['from_size'] !== a.checkpoint.mmr_size ||
    proof['to_size'] !== b.checkpoint.mmr_size ||
    a.checkpoint.log_id !== b.checkpoint.log_id ||
    a.checkpoint.height > b.checkpoint.height
  ) {
    return check(
      C,
      C_T,
      'fail',
      'PROOF_NOT_REACHING_CHECKPOINT',
      `the proof runs ${String(proof['from_size'])}→${String(proof['to_size'])}, the checkpoints are size ${a.checkpoint.mmr_size} at ${a.checkpoint.height} and ${b.checkpoint.mmr_size} at ${b.checkpoint.height} (logs ${a.checkpoint.log_id}, ${b.checkpoint.log_id})`,
    );
  }
  if (
    !verifyConsistency(
      a.checkpoint.mmr_size,
      b.checkpoint.mmr_size,
      checkpointAccumulator(a.checkpoint),
      checkpointAccumulator(b.checkpoint),
      pathsHex as Uint8Array[][],
    )
  )
    return check(C, C_T, 'fail', 'PROOF_NOT_REACHING_CHECKPOINT', "the older peaks do not lead to the newer checkpoint's peaks");
  return check(
    C,
    C_T,
    'pass',
    'OK',
    `MMR(${b.checkpoint.mmr_size}) at height ${b.checkpoint.height} extends MMR(${a.checkpoint.mmr_size}) at height ${a.checkpoint.height}`,
  );
}

export { failFrom };

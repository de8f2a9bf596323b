/**
 * Content checks of a history-segment bundle: the blocks of the height range
 * subject.id = "FROM:TO" are all there, of the subject's chain, each linked to
 * the one before (last_block_hash); the receipts (if carried) chain; the
 * consistency proof leads from the earlier checkpoint to the later one. Pure.
 */
import { receiptSchema, verifyChain } from '../receipts.js';
import { readJson } from './custody.js';
import { consistencyChecks } from './proofs.js';
import type { Check } from './types.js';
import { check, failFrom, type BundleContext } from './verify.js';

export const SEGMENT_PATHS = {
  block: (h: number) => `blocks/${String(h).padStart(12, '0')}.json`,
  receipts: 'receipts.json',
  from: 'checkpoints/from.json',
  to: 'checkpoints/to.json',
  consistency: 'proofs/consistency.json',
  receiptsInclusion: 'proofs/receipts-inclusion.json',
} as const;

type Item = NonNullable<Check['items']>[number];

export function historySegmentChecks(ctx: BundleContext): Check[] {
  const out: Check[] = [];
  const B = 'segment.blocks';
  const B_T = 'Every block of the range is present, of the chain, linked to its predecessor';
  const m = /^(\d{1,12}):(\d{1,12})$/.exec(ctx.manifest.subject.id);
  const from = m ? Number(m[1]) : NaN;
  const to = m ? Number(m[2]) : NaN;
  if (!m || from < 1 || to < from || to !== ctx.manifest.subject.height) {
    out.push(check(B, B_T, 'fail', 'SUBJECT_MISMATCH', `subject ${ctx.manifest.subject.id} is not a range FROM:TO ending at height ${ctx.manifest.subject.height}`));
    return out;
  }
  const items: Item[] = [];
  let prevHash: string | null = null;
  for (let h = from; h <= to; h++) {
    const b = readJson<{ height?: unknown; chain_id?: unknown; hash?: unknown; last_block_hash?: unknown }>(ctx, SEGMENT_PATHS.block(h));
    if (!b) {
      items.push({ subject: SEGMENT_PATHS.block(h), reason: 'CASE_INCOMPLETE', detail: 'missing, or does not match the manifest' });
      prevHash = null;
      continue;
    }
    if (b.height !== h || b.chain_id !== ctx.manifest.subject.chain_id) items.push({ subject: SEGMENT_PATHS.block(h), reason: 'SUBJECT_MISMATCH', detail: `holds height ${String(b.height)} of ${String(b.chain_id)}` });
    else if (prevHash !== null && b.last_block_hash !== prevHash) items.push({ subject: SEGMENT_PATHS.block(h), reason: 'CHAIN_BROKEN', detail: `last_block_hash ${String(b.last_block_hash)} is not the hash ${prevHash} of block ${h - 1}` });
    prevHash = typeof b.hash === 'string' ? b.hash : null;
  }
  out.push(items.length ? failFrom(B, B_T, items, 'block refused') : check(B, B_T, 'pass', 'OK', `blocks ${from}–${to} of ${ctx.manifest.subject.chain_id}, each linked to the previous one`));

  const R = 'segment.receipts';
  const R_T = 'The receipts of the range form an unbroken chain';
  const rs = readJson<unknown[]>(ctx, SEGMENT_PATHS.receipts);
  if (rs === null) out.push(check(R, R_T, 'unknown', 'NO_RECEIPT', `the bundle carries no ${SEGMENT_PATHS.receipts}`));
  else if (!Array.isArray(rs) || !rs.every((r) => receiptSchema.safeParse(r).success)) out.push(check(R, R_T, 'fail', 'MEMBER_INVALID', `${SEGMENT_PATHS.receipts} is not an array of receipts`));
  else {
    const first = rs[0] as { prev_root: string } | undefined;
    const v = verifyChain(rs, first ? { expectPrevRoot: first.prev_root } : {});
    const outside = (rs as { height: number }[]).find((r) => r.height < from || r.height > to);
    if (!v.ok) out.push(check(R, R_T, 'fail', v.reason, `receipt ${v.index}: ${v.message}`));
    else if (outside) out.push(check(R, R_T, 'fail', 'SUBJECT_MISMATCH', `a receipt at height ${outside.height} is outside ${from}–${to}`));
    else out.push(check(R, R_T, 'pass', 'OK', `${rs.length} receipts chain`));
  }
  out.push(...consistencyChecks(ctx, { from: SEGMENT_PATHS.from, to: SEGMENT_PATHS.to, proof: SEGMENT_PATHS.consistency }));
  return out;
}

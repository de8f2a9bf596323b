/**
 * A history-segment bundle: the blocks of the height range subject.id =
 * "FROM:TO" with their signed headers (and block TO+1's, which signs TO's
 * result app hash), each header's hash recomputed and linked to the previous
 * one, its data_hash recomputed over the block's transaction hashes; the
 * receipts of exactly those transactions, each shown to be the MMR leaf the
 * later checkpoint commits to; and the consistency of the two checkpoints
 * (docs/formats/evidence-bundle.md §3.2, §5 "history-segment"). Pure.
 */
import { fromHex, toHex } from '../../codec/index.js';
import { merkleRoot } from '../../crypto/merkle.js';
import { receiptSchema, verifyChain, verifyReceiptInclusion, type Receipt } from '../receipts.js';
import { headerSignatures, headerSigningBytes } from './block-signature.js';
import { blockShape, headerCopyProblem, type BlockMember } from './custody.js';
import { HEX64_UPPER, hasExactKeys, isInt, isObject, listed, readMember, type Item } from './members.js';
import { checkpointCheck, consistencyCheck, hexList, readCheckpoint, witnessCheck } from './proofs.js';
import { ARTIFACT_TYPES, BUNDLE_FORMAT_V1, type Check, type Manifest } from './types.js';
import { check, failFrom, type BundleContext, type KindSpec } from './verify.js';

export const SEGMENT_PATHS = {
  block: (h: number) => `blocks/${String(h).padStart(12, '0')}.json`,
  receipts: 'receipts.json',
  from: 'checkpoints/from.json',
  to: 'checkpoints/to.json',
  consistency: 'proofs/consistency.json',
  receiptsInclusion: 'proofs/receipts-inclusion.json',
} as const;

/** Most blocks one segment holds. */
export const MAX_SEGMENT_BLOCKS = 10_000;

export const SEGMENT_CHECKS = [
  ['segment.blocks', 'Every block of the range is present, of the chain, linked to its predecessor'],
  ['segment.headers', "Every block's header hashes to its hash, links to the previous one and commits to its transactions"],
  ['segment.signatures', 'Every header of the range, and the next one, is signed by trusted validators'],
  ['segment.receipts', "The receipts are exactly those of the range's transactions, in an unbroken chain"],
  ['proofs.receipts', 'Every receipt is the MMR leaf the later checkpoint commits to'],
  ['proofs.consistency', 'The later checkpoint extends the earlier one (consistency proof)'],
  ['checkpoint.from.quorum', 'The earlier checkpoint is signed by a quorum of trusted log keys'],
  ['checkpoint.from.witnesses', 'The earlier checkpoint is cosigned by a quorum of trusted witnesses'],
  ['checkpoint.to.quorum', 'The later checkpoint is signed by a quorum of trusted log keys'],
  ['checkpoint.to.witnesses', 'The later checkpoint is cosigned by a quorum of trusted witnesses'],
] as const;

const BLOCK_PATH = /^blocks\/(\d{12})\.json$/;
const RANGE = /^(0|[1-9]\d{0,11}):(0|[1-9]\d{0,11})$/;

/** The range a subject id names, or a problem. */
export function segmentRange(m: Manifest): { from: number; to: number } | string {
  const r = RANGE.exec(m.subject.id);
  if (m.subject.type !== 'height-range') return `a history segment is about a height range, the manifest's subject type is ${m.subject.type}`;
  if (!r) return `subject id ${JSON.stringify(m.subject.id).slice(0, 80)} is not FROM:TO in decimal without leading zeros`;
  const from = Number(r[1]);
  const to = Number(r[2]);
  if (from < 1 || to < from || to !== m.subject.height)
    return `subject ${m.subject.id} is not a range 1 ≤ FROM ≤ TO ending at the subject height ${m.subject.height}`;
  if (to - from + 1 > MAX_SEGMENT_BLOCKS) return `a segment holds at most ${MAX_SEGMENT_BLOCKS} blocks; ${m.subject.id} has ${to - from + 1}`;
  return { from, to };
}

const FIXED: Readonly<Record<string, string>> = {
  [SEGMENT_PATHS.receipts]: ARTIFACT_TYPES.receipts,
  [SEGMENT_PATHS.receiptsInclusion]: ARTIFACT_TYPES.inclusionProofs,
  [SEGMENT_PATHS.from]: ARTIFACT_TYPES.checkpoint,
  [SEGMENT_PATHS.to]: ARTIFACT_TYPES.checkpoint,
  [SEGMENT_PATHS.consistency]: ARTIFACT_TYPES.consistencyProof,
};
export const SEGMENT_RECEIPT_GROUP = [SEGMENT_PATHS.receipts, SEGMENT_PATHS.receiptsInclusion, SEGMENT_PATHS.to];
export const SEGMENT_CONSISTENCY_GROUP = [SEGMENT_PATHS.from, SEGMENT_PATHS.consistency, SEGMENT_PATHS.to];

export function segmentExpectedMembers(m: Manifest): Item[] {
  const items: Item[] = [];
  const range = segmentRange(m);
  const paths = new Set(m.members.map((x) => x.path));
  for (const mem of m.members) {
    const b = BLOCK_PATH.exec(mem.path);
    const want = FIXED[mem.path] ?? (b ? ARTIFACT_TYPES.block : undefined);
    if (want === undefined) items.push({ subject: mem.path, reason: 'UNEXPECTED_MEMBER', detail: 'a history segment defines no such member' });
    else if (b && typeof range !== 'string' && (Number(b[1]) < range.from || Number(b[1]) > range.to))
      items.push({ subject: mem.path, reason: 'UNEXPECTED_MEMBER', detail: `block ${Number(b[1])} is outside the range ${range.from}–${range.to}` });
    else if (mem.artifact_type !== want)
      items.push({
        subject: mem.path,
        reason: 'WRONG_ARTIFACT_TYPE',
        detail: `artifact type ${mem.artifact_type}, a history segment's ${mem.path} is ${want}`,
      });
  }
  if (typeof range !== 'string') {
    for (let h = range.from; h <= range.to; h++)
      if (!paths.has(SEGMENT_PATHS.block(h)))
        items.push({ subject: SEGMENT_PATHS.block(h), reason: 'CASE_INCOMPLETE', detail: `block ${h} of the range is not listed` });
  }
  if (m.format !== BUNDLE_FORMAT_V1) {
    const g = SEGMENT_RECEIPT_GROUP.filter((p) => paths.has(p));
    if (g.length > 0 && g.length < SEGMENT_RECEIPT_GROUP.length)
      for (const p of SEGMENT_RECEIPT_GROUP)
        if (!paths.has(p)) items.push({ subject: p, reason: 'CASE_INCOMPLETE', detail: `${SEGMENT_RECEIPT_GROUP.join(', ')} come together` });
  }
  const c = SEGMENT_CONSISTENCY_GROUP.filter((p) => paths.has(p));
  if ((paths.has(SEGMENT_PATHS.from) || paths.has(SEGMENT_PATHS.consistency)) && c.length < SEGMENT_CONSISTENCY_GROUP.length) {
    for (const p of SEGMENT_CONSISTENCY_GROUP)
      if (!paths.has(p)) items.push({ subject: p, reason: 'CASE_INCOMPLETE', detail: `${SEGMENT_CONSISTENCY_GROUP.join(', ')} come together` });
  }
  return items;
}

type SegmentBlock = BlockMember & { txs: string[] | null };

export function historySegmentChecks(ctx: BundleContext): Check[] {
  const T = Object.fromEntries(SEGMENT_CHECKS) as Record<(typeof SEGMENT_CHECKS)[number][0], string>;
  const v1 = ctx.manifest.format === BUNDLE_FORMAT_V1;
  const out: Check[] = [];
  const notChecked = (id: keyof typeof T, because: string) => check(id, T[id], 'unknown', 'NOT_CHECKED', `not checked: ${because}`);
  const range = segmentRange(ctx.manifest);
  if (typeof range === 'string') {
    out.push(check('segment.blocks', T['segment.blocks'], 'fail', 'SUBJECT_MISMATCH', range));
    return out;
  }
  const { from, to } = range;

  // ── blocks ──
  const blocks: SegmentBlock[] = [];
  {
    const items: Item[] = [];
    let prevHash: string | null = null;
    for (let h = from; h <= to; h++) {
      const path = SEGMENT_PATHS.block(h);
      const r = readMember(ctx, path);
      prevHash = ((): string | null => {
        if (r.state === 'absent') {
          items.push({ subject: path, reason: 'CASE_INCOMPLETE', detail: listed(ctx, path) ? 'not usable (see members.digests)' : 'not a member' });
          return null;
        }
        if (r.state === 'invalid') {
          items.push({ subject: path, reason: 'MEMBER_INVALID', detail: r.detail });
          return null;
        }
        const b = blockShape(r.value);
        if (typeof b === 'string') {
          items.push({ subject: path, reason: 'MEMBER_INVALID', detail: b });
          return null;
        }
        const txs = (r.value as { txs?: unknown }).txs;
        const txList = Array.isArray(txs) && txs.every((t) => typeof t === 'string' && HEX64_UPPER.test(t)) ? (txs as string[]) : null;
        if (!v1 && txList === null) {
          items.push({ subject: path, reason: 'MEMBER_INVALID', detail: 'txs is not a list of upper-case hex SHA-256 hashes' });
          return null;
        }
        if (b.height !== h || b.chain_id !== ctx.manifest.subject.chain_id) {
          items.push({ subject: path, reason: 'SUBJECT_MISMATCH', detail: `holds height ${b.height} of ${b.chain_id}` });
          return null;
        }
        if (prevHash !== null && b.last_block_hash !== prevHash)
          items.push({ subject: path, reason: 'CHAIN_BROKEN', detail: `last_block_hash ${b.last_block_hash} is not the hash ${prevHash} of block ${h - 1}` });
        blocks.push({ ...b, txs: txList });
        return b.hash;
      })();
    }
    out.push(
      items.length
        ? failFrom('segment.blocks', T['segment.blocks'], items, 'block refused')
        : check(
            'segment.blocks',
            T['segment.blocks'],
            'pass',
            'OK',
            `blocks ${from}–${to} of ${ctx.manifest.subject.chain_id}, each linked to the previous one`,
          ),
    );
  }
  const allBlocks = blocks.length === to - from + 1;
  const last = blocks[blocks.length - 1];

  // ── headers (their digests, once computed, are what the signatures are checked over) ──
  const signedHeaders: { digest: Uint8Array; hash: string; signatures: unknown; height: number; what: string }[] = [];
  const headed =
    allBlocks &&
    blocks.every((b) => b.header !== undefined && b.header !== null) &&
    last !== undefined &&
    last.next_header !== undefined &&
    last.next_header !== null;
  if (!allBlocks) out.push(notChecked('segment.headers', 'not every block of the range is usable'));
  else if (!headed) {
    const none = blocks.every((b) => b.header === undefined || b.header === null);
    out.push(
      v1 && none
        ? check(
            'segment.headers',
            T['segment.headers'],
            'unknown',
            'NO_BLOCK_SIGNATURE',
            'a charter.bundle/v1 segment carries no headers: the blocks are only what the node served',
          )
        : check(
            'segment.headers',
            T['segment.headers'],
            'fail',
            'CASE_INCOMPLETE',
            `every block of the range carries its header, and block ${to} the header of block ${to + 1} (next_header)`,
          ),
    );
  } else {
    const items: Item[] = [];
    for (const b of blocks) {
      const p = headerProblem(b.header, {
        hash: b.hash,
        height: b.height,
        chain_id: b.chain_id,
        app_hash: b.app_hash,
        last_block_hash: b.last_block_hash,
        txs: b.txs,
      });
      const copy = 'digest' in p ? headerCopyProblem(b) : null;
      if (!('digest' in p)) items.push({ subject: SEGMENT_PATHS.block(b.height), ...p });
      else if (copy) items.push({ subject: SEGMENT_PATHS.block(b.height), reason: 'HEADER_MISMATCH', detail: copy });
      else signedHeaders.push({ ...p, signatures: b.validator_signatures, height: b.height, what: SEGMENT_PATHS.block(b.height) });
    }
    const lb = last as SegmentBlock;
    const np = headerProblem(lb.next_header, {
      height: lb.height + 1,
      chain_id: lb.chain_id,
      app_hash: lb.result_app_hash,
      last_block_hash: lb.hash,
      txs: null,
    });
    if (!('digest' in np)) items.push({ subject: `${SEGMENT_PATHS.block(lb.height)} next_header`, ...np });
    else signedHeaders.push({ ...np, signatures: lb.next_validator_signatures, height: lb.height + 1, what: `${SEGMENT_PATHS.block(lb.height)} next_header` });
    out.push(
      items.length
        ? failFrom('segment.headers', T['segment.headers'], items, 'header refused')
        : check(
            'segment.headers',
            T['segment.headers'],
            'pass',
            'OK',
            `${blocks.length + 1} headers (${from}–${to + 1}) hash to their blocks' hashes and link up; every data_hash commits to its block's transactions; block ${to + 1} states block ${to}'s result app hash`,
          ),
    );
  }
  const headersOk = out[out.length - 1]?.verdict === 'pass';

  // ── signatures ──
  if (!headersOk) out.push(notChecked('segment.signatures', 'the headers did not pass'));
  else if (!ctx.trust)
    out.push(
      check(
        'segment.signatures',
        T['segment.signatures'],
        'unknown',
        'NO_TRUST_FILE',
        'no trust file given: cannot tell whether the validators that signed the headers may (pass --trust)',
      ),
    );
  else {
    const items: Item[] = [];
    for (const h of signedHeaders) {
      const v = headerSignatures(h.digest, h.hash, h.signatures, h.height, ctx.trust, ctx.verifier);
      if (!v.ok) items.push({ subject: h.what, reason: v.reason, detail: v.detail });
    }
    const bad = items.find((i) => i.reason === 'BAD_SIGNATURE');
    out.push(
      items.length
        ? check(
            'segment.signatures',
            T['segment.signatures'],
            'fail',
            (bad ?? (items[0] as Item)).reason,
            `${items.length} header(s) refused; ${(bad ?? (items[0] as Item)).subject}: ${(bad ?? (items[0] as Item)).detail}`,
            items,
          )
        : check('segment.signatures', T['segment.signatures'], 'pass', 'OK', `headers ${from}–${to + 1} each carry a quorum of trusted validator signatures`),
    );
  }

  // ── receipts ──
  const rr = readMember(ctx, SEGMENT_PATHS.receipts);
  let receipts: Receipt[] | null = null;
  {
    const id = 'segment.receipts';
    if (rr.state === 'absent')
      out.push(check(id, T[id], 'unknown', 'NO_RECEIPT', `the bundle carries no ${SEGMENT_PATHS.receipts} (the node keeps no evidence log)`));
    else if (rr.state === 'invalid') out.push(check(id, T[id], 'fail', 'MEMBER_INVALID', rr.detail));
    else if (!Array.isArray(rr.value) || !rr.value.every((r) => receiptSchema.safeParse(r).success))
      out.push(check(id, T[id], 'fail', 'MEMBER_INVALID', `${SEGMENT_PATHS.receipts} is not an array of receipts`));
    else {
      const rs = rr.value as Receipt[];
      const first = rs[0];
      const v = verifyChain(rs, first ? { expectPrevRoot: first.prev_root } : {});
      const outside = rs.find((r) => r.height < from || r.height > to);
      if (!v.ok) out.push(check(id, T[id], 'fail', v.reason, `receipt ${v.index}: ${v.message}`));
      else if (outside) out.push(check(id, T[id], 'fail', 'SUBJECT_MISMATCH', `a receipt at height ${outside.height} is outside ${from}–${to}`));
      else if (!allBlocks) out.push(notChecked(id, 'not every block of the range is usable, so its transactions are unknown'));
      else if (blocks.some((b) => b.txs === null))
        out.push(
          notChecked(
            id,
            `${rs.length} receipts chain, but the blocks do not list their transactions (a charter.bundle/v1 segment), so whether these are all of the range's is unknown`,
          ),
        );
      else {
        const expected = blocks.flatMap((b) => (b.txs as string[]).map((t) => ({ height: b.height, tx: t.toLowerCase() })));
        const n = Math.min(expected.length, rs.length);
        let k = 0;
        while (k < n && expected[k]?.tx === rs[k]?.tx_digest && expected[k]?.height === rs[k]?.height) k++;
        if (k < n || expected.length !== rs.length) {
          const e = expected[k];
          const r = rs[k];
          out.push(
            check(
              id,
              T[id],
              'fail',
              'RECEIPTS_INCOMPLETE',
              k < n
                ? `receipt ${k} is of transaction ${r?.tx_digest} at height ${r?.height}; the blocks' transaction ${k} is ${e?.tx} at height ${e?.height}`
                : `${rs.length} receipts for the range's ${expected.length} transactions`,
            ),
          );
        } else {
          receipts = rs;
          out.push(check(id, T[id], 'pass', 'OK', `${rs.length} receipts chain and are exactly the transactions of blocks ${from}–${to}, in order`));
        }
      }
    }
  }

  // ── receipts in the later checkpoint ──
  {
    const id = 'proofs.receipts';
    const pr = readMember(ctx, SEGMENT_PATHS.receiptsInclusion);
    const cp = readCheckpoint(ctx, SEGMENT_PATHS.to);
    if (pr.state === 'invalid') out.push(check(id, T[id], 'fail', 'MEMBER_INVALID', pr.detail));
    else if (typeof cp === 'string') out.push(check(id, T[id], 'fail', 'MEMBER_INVALID', cp));
    else if (pr.state === 'absent') out.push(check(id, T[id], 'unknown', 'NO_PROOF', `the bundle carries no ${SEGMENT_PATHS.receiptsInclusion}`));
    else if (cp === null) out.push(check(id, T[id], 'unknown', 'NO_CHECKPOINT', `the bundle carries no ${SEGMENT_PATHS.to}: the proofs lead nowhere`));
    else {
      const v = pr.value;
      const proofs = isObject(v) && hasExactKeys(v, ['size', 'proofs']) && isInt(v['size']) && Array.isArray(v['proofs']) ? (v['proofs'] as unknown[]) : null;
      const shaped = proofs?.every((p) => isObject(p) && hasExactKeys(p, ['mmr_index', 'path']) && isInt(p['mmr_index']) && hexList(p['path']) !== null);
      if (!proofs || !shaped)
        out.push(check(id, T[id], 'fail', 'MEMBER_INVALID', `${SEGMENT_PATHS.receiptsInclusion} is not exactly {size, proofs: [{mmr_index, path}]}`));
      else if (!receipts) out.push(notChecked(id, 'the receipts did not pass'));
      else if (cp.checkpoint.height < to)
        out.push(
          check(
            id,
            T[id],
            'fail',
            'PROOF_NOT_REACHING_CHECKPOINT',
            `${SEGMENT_PATHS.to} is at height ${cp.checkpoint.height}, before the end of the range ${to}`,
          ),
        );
      else if (proofs.length !== receipts.length)
        out.push(check(id, T[id], 'fail', 'RECEIPTS_INCOMPLETE', `${proofs.length} inclusion proofs for ${receipts.length} receipts`));
      else {
        const items: Item[] = [];
        receipts.forEach((r, i) => {
          const p = proofs[i] as { mmr_index: number; path: string[] };
          const res = verifyReceiptInclusion(
            r,
            { mmr_index: p.mmr_index, size: (v as Record<string, unknown>)['size'] as number, path: p.path },
            cp.checkpoint,
          );
          if (!res.ok)
            items.push({
              subject: `receipt #${r.seq}`,
              reason: 'PROOF_NOT_REACHING_CHECKPOINT',
              detail: `its proof does not reach ${SEGMENT_PATHS.to} (${res.reason})`,
            });
        });
        out.push(
          items.length
            ? failFrom(id, T[id], items, 'receipt not in the checkpoint')
            : check(
                id,
                T[id],
                'pass',
                'OK',
                `${receipts.length} receipts are leaves of MMR(${cp.checkpoint.mmr_size}), committed by the checkpoint at height ${cp.checkpoint.height}`,
              ),
        );
      }
    }
  }

  out.push(consistencyCheck(ctx, { from: SEGMENT_PATHS.from, to: SEGMENT_PATHS.to, proof: SEGMENT_PATHS.consistency }));
  out.push(checkpointCheck(ctx, 'checkpoint.from.quorum', T['checkpoint.from.quorum'], SEGMENT_PATHS.from));
  out.push(witnessCheck(ctx, 'checkpoint.from.witnesses', T['checkpoint.from.witnesses'], SEGMENT_PATHS.from));
  out.push(checkpointCheck(ctx, 'checkpoint.to.quorum', T['checkpoint.to.quorum'], SEGMENT_PATHS.to));
  out.push(witnessCheck(ctx, 'checkpoint.to.witnesses', T['checkpoint.to.witnesses'], SEGMENT_PATHS.to));
  return out;
}

/** What a header must state, structurally (no signatures): its hash, height, chain, app hash, previous block and data hash. */
function headerProblem(
  header: unknown,
  e: { hash?: string; height: number; chain_id: string; app_hash: string; last_block_hash: string; txs: string[] | null },
): { reason: string; detail: string } | { digest: Uint8Array; hash: string } {
  if (!isObject(header)) return { reason: 'HEADER_MISMATCH', detail: 'the header is not a JSON object' };
  let digest: Uint8Array;
  let hash: string;
  try {
    digest = headerSigningBytes(header);
    hash = toHex(digest).toUpperCase();
  } catch (err) {
    return { reason: 'HEADER_MISMATCH', detail: `the header cannot be canonicalised: ${(err as Error).message}` };
  }
  if (e.hash !== undefined && hash !== e.hash) return { reason: 'HEADER_MISMATCH', detail: `the header hashes to ${hash}, the block says ${e.hash}` };
  if (header['height'] !== String(e.height) || header['chain_id'] !== e.chain_id)
    return {
      reason: 'HEADER_MISMATCH',
      detail: `the header is height ${String(header['height'])} of ${String(header['chain_id'])}, not "${e.height}" of ${e.chain_id}`,
    };
  if (header['app_hash'] !== e.app_hash)
    return { reason: 'HEADER_MISMATCH', detail: `the header's app_hash is ${String(header['app_hash'])}, expected ${e.app_hash}` };
  const lb = header['last_block_id'];
  if (!isObject(lb) || lb['hash'] !== e.last_block_hash)
    return {
      reason: 'CHAIN_BROKEN',
      detail: `the header's last_block_id.hash is ${String(isObject(lb) ? lb['hash'] : lb)}, the previous block is ${e.last_block_hash || '(none)'}`,
    };
  if (e.txs !== null) {
    const d = toHex(merkleRoot(e.txs.map((t) => fromHex(t.toLowerCase())))).toUpperCase();
    if (header['data_hash'] !== d)
      return {
        reason: 'DATA_HASH_MISMATCH',
        detail: `the header's data_hash is ${String(header['data_hash'])}; the block's ${e.txs.length} transaction hash(es) give ${d}`,
      };
  }
  return { digest, hash };
}

export const HISTORY_SEGMENT: KindSpec = { checks: SEGMENT_CHECKS, expectedMembers: segmentExpectedMembers, content: historySegmentChecks };

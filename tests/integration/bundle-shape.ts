// What a built charter.bundle/v2 bundle must hold (docs/formats/evidence-bundle.md §3), checked
// member by member with the primitives themselves (JCS, the state-root entry proof, CometBFT's
// Merkle root, the MMR) rather than through the bundle verifier: the console's build and the
// verifier are checked apart, so one cannot hide a mistake of the other.
import { expect } from 'vitest';
import { canonicalJson, fromHex, fromUtf8, sha256, toHex } from '../../core/codec/index.js';
import type { VaultRecord, WithdrawalRecord } from '../../core/engine/types.js';
import { verifyEntryProof, type EntryProof } from '../../core/engine/state-root.js';
import { ARTIFACT_TYPES, BUNDLE_FORMAT, CASE_PATHS, SEGMENT_PATHS, type Manifest } from '../../core/evidence/bundle/index.js';
import { checkpointAccumulator, type SignedCheckpoint } from '../../core/evidence/checkpoint.js';
import { mmrIndex, verifyConsistency, verifyInclusion } from '../../core/evidence/mmr.js';
import { receiptDigest, type Receipt } from '../../core/evidence/receipts.js';
import { merkleRoot } from '../../main/cometbft/encoding.js';
import { readZipEntries } from '../../main/evidence/zip-read.js';

export interface OpenedBundle {
  manifest: Manifest;
  /** Member bytes by path (manifest.json and attestations/* excluded). */
  members: Map<string, Uint8Array>;
  /** artifact_type by path, as the manifest lists it. */
  types: Map<string, string>;
  json<T = unknown>(path: string): T;
}

export async function openBundle(zip: Uint8Array): Promise<OpenedBundle> {
  const c = await readZipEntries(Buffer.from(zip));
  expect(c.error).toBeUndefined();
  const byName = new Map(c.entries.map((e) => [e.name, e.data] as const));
  const m = byName.get('manifest.json');
  if (!m) throw new Error('no manifest.json');
  const manifest = JSON.parse(fromUtf8(m)) as Manifest;
  const members = new Map<string, Uint8Array>();
  for (const mem of manifest.members) {
    const d = byName.get(mem.path);
    if (!d) throw new Error(`member ${mem.path} is listed but not in the zip`);
    members.set(mem.path, d);
  }
  return {
    manifest,
    members,
    types: new Map(manifest.members.map((x) => [x.path, x.artifact_type])),
    json<T>(path: string): T {
      const b = members.get(path);
      if (!b) throw new Error(`no member ${path}`);
      return JSON.parse(fromUtf8(b)) as T;
    },
  };
}

interface StateProofMember {
  height: number;
  app_hash: string;
  block_hash: string;
  key: string;
  value: unknown;
  proof: EntryProof;
}

function inclusionHolds(size: number, receipt: Receipt, p: { mmr_index: number; path: string[] }, cp: SignedCheckpoint): boolean {
  return (
    p.mmr_index === mmrIndex(receipt.seq) &&
    verifyInclusion(
      size,
      receiptDigest(receipt),
      p.mmr_index,
      p.path.map((x) => fromHex(x)),
      checkpointAccumulator(cp.checkpoint),
    )
  );
}

/** A custody case of `requestId` as §3.1 (v2) has it; returns the opened bundle. `receiptGroup`: whether receipt/inclusion/checkpoint are expected. */
export async function expectCaseV2(zip: Uint8Array, requestId: string, receiptGroup: boolean): Promise<OpenedBundle> {
  const b = await openBundle(zip);
  expect(b.manifest.format).toBe(BUNDLE_FORMAT);
  expect(b.manifest.kind).toBe('custody-case');
  const type = (p: string) => b.types.get(p);
  expect(type(CASE_PATHS.request)).toBe(ARTIFACT_TYPES.request);
  expect(type(CASE_PATHS.requestState)).toBe(ARTIFACT_TYPES.stateProof);
  expect(type(CASE_PATHS.block)).toBe(ARTIFACT_TYPES.block);
  expect(type(CASE_PATHS.policy)).toBe(ARTIFACT_TYPES.policy);
  expect(type(CASE_PATHS.stateProof)).toBe(ARTIFACT_TYPES.stateProof);

  // request.json is, byte for byte, JCS of the value the request's state proof proves.
  const rs = b.json<StateProofMember>(CASE_PATHS.requestState);
  const req = b.json<WithdrawalRecord>(CASE_PATHS.request);
  expect(fromUtf8(b.members.get(CASE_PATHS.request)!)).toBe(canonicalJson(rs.value));
  expect(req.request_id).toBe(requestId);
  expect(req.status).toBe('executed');
  const at = req.executed_at as number;
  expect(b.manifest.subject.height).toBe(at);
  const block = b.json<{ height: number; result_app_hash: string; header?: unknown }>(CASE_PATHS.block);
  expect(block.height).toBe(at);
  expect(rs).toMatchObject({ height: at, key: `request/${requestId}` });
  expect(rs.app_hash.toUpperCase()).toBe(block.result_app_hash.toUpperCase());
  expect(verifyEntryProof(rs.app_hash.toLowerCase(), rs.key, rs.value, rs.proof)).toBe(true);
  // A proof of a changed value does not hold (the check above can fail).
  expect(verifyEntryProof(rs.app_hash.toLowerCase(), rs.key, { ...req, amount: `${req.amount}0` }, rs.proof)).toBe(false);

  // policy.json: the proven policy, as of the execution height (an integer).
  const ps = b.json<StateProofMember>(CASE_PATHS.stateProof);
  expect(ps).toMatchObject({ height: at, key: `vault/${req.vault_id}` });
  expect(ps.app_hash).toBe(rs.app_hash);
  expect(verifyEntryProof(ps.app_hash.toLowerCase(), ps.key, ps.value, ps.proof)).toBe(true);
  expect(b.json(CASE_PATHS.policy)).toEqual({ vault_id: req.vault_id, policy: (ps.value as VaultRecord).policy, as_of: at });

  // Every transaction the proven record names is a member.
  const hashes = [
    req.created_tx,
    ...req.approvals.map((a) => a.tx_hash),
    ...(req.attestations ?? []).map((a) => a.tx_hash),
    ...(req.executed_tx ? [req.executed_tx] : []),
  ];
  for (const h of hashes) expect(type(CASE_PATHS.tx(h))).toBe(ARTIFACT_TYPES.signedTx);

  // The receipt group: all three or none.
  const group = [CASE_PATHS.receipt, CASE_PATHS.inclusion, CASE_PATHS.checkpoint].filter((p) => b.members.has(p));
  expect(group).toHaveLength(receiptGroup ? 3 : 0);
  if (receiptGroup) {
    expect(type(CASE_PATHS.receipt)).toBe(ARTIFACT_TYPES.receipt);
    expect(type(CASE_PATHS.inclusion)).toBe(ARTIFACT_TYPES.inclusionProof);
    expect(type(CASE_PATHS.checkpoint)).toBe(ARTIFACT_TYPES.checkpoint);
    const receipt = b.json<Receipt>(CASE_PATHS.receipt);
    const inc = b.json<{ mmr_index: number; size: number; path: string[] }>(CASE_PATHS.inclusion);
    const cp = b.json<SignedCheckpoint>(CASE_PATHS.checkpoint);
    expect(Object.keys(inc).sort()).toEqual(['mmr_index', 'path', 'size']);
    expect(inc.size).toBe(cp.checkpoint.mmr_size);
    expect(cp.checkpoint.height).toBeGreaterThanOrEqual(receipt.height);
    expect(receipt.tx_digest).toBe((req.executed_tx ?? hashes[hashes.length - 1]!).toLowerCase());
    expect(inclusionHolds(inc.size, receipt, inc, cp)).toBe(true);
    expect(inclusionHolds(inc.size, { ...receipt, height: receipt.height + 1 }, inc, cp)).toBe(false);
  }
  return b;
}

interface SegmentBlock {
  height: number;
  hash: string;
  data_hash: string;
  txs: string[];
  header?: { data_hash?: string; height?: unknown };
  validator_signatures: unknown[];
  next_header?: { app_hash?: string; last_block_id?: { hash?: string } };
  next_validator_signatures?: unknown[];
  result_app_hash: string;
}

/**
 * A history segment of from..to as §3.2 (v2) has it. `receipts`: whether the receipt group is
 * expected; `consistency`: whether from.json + consistency.json are. Returns the blocks' tx count.
 */
export async function expectSegmentV2(
  zip: Uint8Array,
  from: number,
  to: number,
  opts: { receipts: boolean; consistency: boolean },
): Promise<{ bundle: OpenedBundle; txCount: number }> {
  const b = await openBundle(zip);
  expect(b.manifest.format).toBe(BUNDLE_FORMAT);
  expect(b.manifest.kind).toBe('history-segment');
  expect(b.manifest.subject).toMatchObject({ type: 'height-range', id: `${from}:${to}`, height: to });
  const blockPaths = [...b.members.keys()].filter((p) => p.startsWith('blocks/'));
  const expected = Array.from({ length: to - from + 1 }, (_, k) => SEGMENT_PATHS.block(from + k));
  expect(blockPaths.sort()).toEqual(expected);
  const txs: string[] = [];
  for (let h = from; h <= to; h++) {
    const p = SEGMENT_PATHS.block(h);
    expect(b.types.get(p)).toBe(ARTIFACT_TYPES.block);
    const blk = b.json<SegmentBlock>(p);
    expect(blk.height).toBe(h);
    expect(Array.isArray(blk.txs)).toBe(true);
    for (const t of blk.txs) expect(t).toMatch(/^[0-9A-F]{64}$/);
    // CometBFT's data_hash is the Merkle root over the transactions' 32-byte hashes.
    const root = toHex(merkleRoot(blk.txs.map((t) => fromHex(t.toLowerCase())))).toUpperCase();
    expect(blk.header, `block ${h} carries its signed header`).toBeDefined();
    expect(String(blk.header!.data_hash).toUpperCase()).toBe(root);
    expect(blk.data_hash.toUpperCase()).toBe(root);
    // The block hash is SHA-256(JCS(header)) and the header is of this height.
    expect(toHex(sha256(new TextEncoder().encode(canonicalJson(blk.header)))).toUpperCase()).toBe(blk.hash);
    expect(blk.validator_signatures.length).toBeGreaterThan(0);
    if (h === to) {
      expect(blk.next_header, `block ${to} carries block ${to + 1}'s header`).toBeDefined();
      expect(blk.next_validator_signatures?.length).toBeGreaterThan(0);
      expect(String(blk.next_header!.app_hash).toUpperCase()).toBe(blk.result_app_hash.toUpperCase());
      expect(String(blk.next_header!.last_block_id?.hash).toUpperCase()).toBe(blk.hash);
    } else {
      expect(blk.next_header).toBeUndefined();
      expect(blk.next_validator_signatures).toBeUndefined();
    }
    txs.push(...blk.txs.map((t) => t.toLowerCase()));
  }
  const receiptGroup = [SEGMENT_PATHS.receipts, SEGMENT_PATHS.receiptsInclusion, SEGMENT_PATHS.to].filter((p) => b.members.has(p));
  expect(receiptGroup).toHaveLength(opts.receipts ? 3 : 0);
  if (opts.receipts) {
    expect(b.types.get(SEGMENT_PATHS.receipts)).toBe(ARTIFACT_TYPES.receipts);
    expect(b.types.get(SEGMENT_PATHS.receiptsInclusion)).toBe(ARTIFACT_TYPES.inclusionProofs);
    expect(b.types.get(SEGMENT_PATHS.to)).toBe(ARTIFACT_TYPES.checkpoint);
    const receipts = b.json<Receipt[]>(SEGMENT_PATHS.receipts);
    const proofs = b.json<{ size: number; proofs: { mmr_index: number; path: string[] }[] }>(SEGMENT_PATHS.receiptsInclusion);
    const toCp = b.json<SignedCheckpoint>(SEGMENT_PATHS.to);
    // Exactly the range's receipts: one per transaction of the blocks, in block order.
    expect(receipts.map((r) => r.tx_digest)).toEqual(txs);
    expect(receipts.every((r) => r.height >= from && r.height <= to)).toBe(true);
    for (let k = 1; k < receipts.length; k++) expect(receipts[k]!.seq).toBe(receipts[k - 1]!.seq + 1);
    expect(Object.keys(proofs).sort()).toEqual(['proofs', 'size']);
    expect(proofs.size).toBe(toCp.checkpoint.mmr_size);
    expect(toCp.checkpoint.height).toBeGreaterThanOrEqual(to);
    expect(proofs.proofs).toHaveLength(receipts.length);
    receipts.forEach((r, k) => {
      const p = proofs.proofs[k]!;
      expect(Object.keys(p).sort()).toEqual(['mmr_index', 'path']);
      expect(inclusionHolds(proofs.size, r, p, toCp), `receipt ${r.seq} is in MMR(${proofs.size})`).toBe(true);
    });
    // A proof that lost a step does not hold (the check above can fail).
    if (receipts.length > 0 && proofs.proofs[0]!.path.length > 0)
      expect(inclusionHolds(proofs.size, receipts[0]!, { ...proofs.proofs[0]!, path: proofs.proofs[0]!.path.slice(1) }, toCp)).toBe(false);
  }
  const fromGroup = [SEGMENT_PATHS.from, SEGMENT_PATHS.consistency].filter((p) => b.members.has(p));
  expect(fromGroup).toHaveLength(opts.consistency ? 2 : 0);
  if (opts.consistency) {
    expect(b.types.get(SEGMENT_PATHS.from)).toBe(ARTIFACT_TYPES.checkpoint);
    expect(b.types.get(SEGMENT_PATHS.consistency)).toBe(ARTIFACT_TYPES.consistencyProof);
    const f = b.json<SignedCheckpoint>(SEGMENT_PATHS.from);
    const t = b.json<SignedCheckpoint>(SEGMENT_PATHS.to);
    const c = b.json<{ from_size: number; to_size: number; paths: string[][] }>(SEGMENT_PATHS.consistency);
    expect(f.checkpoint.height).toBeLessThan(from);
    expect(c.from_size).toBe(f.checkpoint.mmr_size);
    expect(c.to_size).toBe(t.checkpoint.mmr_size);
    expect(
      verifyConsistency(
        c.from_size,
        c.to_size,
        checkpointAccumulator(f.checkpoint),
        checkpointAccumulator(t.checkpoint),
        c.paths.map((p) => p.map((x) => fromHex(x))),
      ),
    ).toBe(true);
  }
  return { bundle: b, txCount: txs.length };
}

// Forged bundles that a console's own attestation key can sign: each is built
// from the worked examples (tests/unit/bundle-kit.ts, the real engine's chain),
// changed the way a lying operator would, then given a fresh manifest and a
// fresh, valid attestation by the console key (key 9). Every one must fail —
// not pass, and not merely be unknown — at the check that catches it.
import { describe, expect, it } from 'vitest';
import { canonicalJson, fromUtf8, utf8 } from '../../core/codec/index.js';
import {
  ARTIFACT_TYPES,
  ATTESTATIONS_DIR,
  CASE_PATHS,
  IN_TOTO_PAYLOAD_TYPE,
  MANIFEST_PATH,
  SEGMENT_PATHS,
  envelopeBytes,
  fromBase64,
  pae,
  toBase64,
  type BundleMemberInput,
  type DsseEnvelope,
  type VerifyReport,
} from '../../core/evidence/bundle/index.js';
import { checkpointSigningDigest } from '../../core/evidence/checkpoint.js';
import { nextRoot } from '../../core/evidence/receipts.js';
import { verifyBundleBytes } from '../../main/evidence/bundles.js';
import { writeZip } from '../../main/evidence/zip-write.js';
import { CONSOLE_KEY, caseBundle, fixtureTrust, segmentBundle } from './bundle-kit.js';

const trust = fixtureTrust();
const json = (v: unknown) => utf8(canonicalJson(v));

function edit(path: string, f: (v: Record<string, unknown>) => unknown): (m: BundleMemberInput[]) => BundleMemberInput[] {
  return (ms) =>
    ms.map((m) => {
      if (m.path !== path) return m;
      const v = JSON.parse(fromUtf8(m.bytes)) as Record<string, unknown>;
      const out = f(v);
      return { ...m, bytes: out instanceof Uint8Array ? out : json(out ?? v) };
    });
}
const drop = (path: string) => (ms: BundleMemberInput[]) => ms.filter((m) => m.path !== path);

async function verify(files: Map<string, Uint8Array>): Promise<VerifyReport> {
  return verifyBundleBytes(await writeZip(files), { trust });
}
const at = (r: VerifyReport, id: string) => {
  const c = r.checks.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id}`);
  return `${c.verdict}:${c.reason}`;
};

/** Re-sign a bundle's attestation over an edited statement (the console key can sign anything). */
function resignStatement(files: Map<string, Uint8Array>, f: (st: Record<string, unknown>) => void, name?: string): Map<string, Uint8Array> {
  const out = new Map(files);
  const attName = [...out.keys()].find((k) => k.startsWith(ATTESTATIONS_DIR)) as string;
  const env = JSON.parse(fromUtf8(out.get(attName) as Uint8Array)) as DsseEnvelope;
  const st = JSON.parse(fromUtf8(fromBase64(env.payload) as Uint8Array)) as Record<string, unknown>;
  f(st);
  const payload = json(st);
  const sig = CONSOLE_KEY.sign(pae(IN_TOTO_PAYLOAD_TYPE, payload));
  out.delete(attName);
  out.set(name ?? attName, envelopeBytes({ payloadType: IN_TOTO_PAYLOAD_TYPE, payload: toBase64(payload), signatures: [{ keyid: CONSOLE_KEY.keyId, sig: toBase64(sig) }] }));
  return out;
}

describe('the worked examples themselves', () => {
  it('a custody case and a history segment pass with the trust file', async () => {
    for (const b of [await caseBundle(), await segmentBundle()]) {
      const r = await verify(b.files);
      expect(r.checks.filter((c) => c.verdict !== 'pass').map((c) => `${c.id}:${c.reason}`)).toEqual([]);
    }
  });
});

describe('a custody case whose request.json lies', () => {
  it('a changed amount fails: the signed creation and the chain\'s record say otherwise', async () => {
    const r = await verify((await caseBundle(edit(CASE_PATHS.request, (v) => ({ ...v, amount: '999999999' })))).files);
    expect(at(r, 'case.request')).toBe('fail:REQUEST_MISMATCH');
    expect(at(r, 'case.request.state')).toBe('fail:REQUEST_MISMATCH');
    expect(r.verdict).toBe('fail');
  });
  it('a different destination fails', async () => {
    const r = await verify((await caseBundle(edit(CASE_PATHS.request, (v) => ({ ...v, destination: 'acct:attacker' })))).files);
    expect(at(r, 'case.request')).toBe('fail:REQUEST_MISMATCH');
  });
  it('approvals cut below the proven threshold fail', async () => {
    const r = await verify((await caseBundle(edit(CASE_PATHS.request, (v) => ({ ...v, approvals: [] })))).files);
    expect(at(r, 'case.request.state')).toBe('fail:REQUEST_MISMATCH');
    expect(at(r, 'case.approvals')).toBe('fail:BELOW_THRESHOLD');
  });
  it('a request and its state proof both forged: the proof no longer reaches the signed root', async () => {
    const forged = (v: Record<string, unknown>) => ({ ...v, amount: '999999999' });
    const r = await verify((await caseBundle((ms) => edit(CASE_PATHS.requestState, (sp) => ({ ...sp, value: forged(sp['value'] as Record<string, unknown>) }))(edit(CASE_PATHS.request, forged)(ms)))).files);
    expect(at(r, 'case.request.state')).toBe('fail:BAD_STATE_PROOF');
    expect(at(r, 'case.request')).toBe('fail:REQUEST_MISMATCH');
  });
  it('leaving out the request\'s state proof fails, it is not merely unknown', async () => {
    const r = await verify((await caseBundle(drop(CASE_PATHS.requestState))).files);
    expect(at(r, 'members.expected')).toBe('fail:CASE_INCOMPLETE');
    expect(at(r, 'case.request.state')).toBe('fail:CASE_INCOMPLETE');
  });
  it('leaving out the policy\'s state proof fails', async () => {
    const r = await verify((await caseBundle(drop(CASE_PATHS.stateProof))).files);
    expect(at(r, 'case.policy')).toBe('fail:CASE_INCOMPLETE');
    expect(at(r, 'case.approvals')).toBe('unknown:NOT_CHECKED');
  });
  it('keeping the receipt but leaving out the checkpoint it leads to fails', async () => {
    const r = await verify((await caseBundle(drop(CASE_PATHS.checkpoint))).files);
    expect(at(r, 'members.expected')).toBe('fail:CASE_INCOMPLETE');
  });
  it('leaving out the next block\'s header leaves the result app hash unsigned: unknown, never pass', async () => {
    const r = await verify((await caseBundle(edit(CASE_PATHS.block, (v) => { delete v['next_header']; delete v['next_validator_signatures']; return v; }))).files);
    expect(at(r, 'case.block.signature')).toBe('unknown:NO_NEXT_HEADER');
    expect(r.verdict).not.toBe('pass');
  });
  it('policy.json of another vault fails', async () => {
    const r = await verify((await caseBundle(edit(CASE_PATHS.policy, (v) => ({ ...v, vault_id: 'other-vault' })))).files);
    expect(at(r, 'case.policy')).toBe('fail:SUBJECT_MISMATCH');
  });
  it('a lower-case block hash fails', async () => {
    const r = await verify((await caseBundle(edit(CASE_PATHS.block, (v) => ({ ...v, hash: String(v['hash']).toLowerCase() })))).files);
    expect(at(r, 'case.block')).toBe('fail:MEMBER_INVALID');
  });
  it('an inclusion proof with an extra field fails', async () => {
    const r = await verify((await caseBundle(edit(CASE_PATHS.inclusion, (v) => ({ ...v, note: 'x' })))).files);
    expect(at(r, 'proofs.inclusion')).toBe('fail:MEMBER_INVALID');
  });
  it('a receipt of another of the case\'s transactions than the executing one fails', async () => {
    const b = await caseBundle();
    const req = JSON.parse(fromUtf8(b.files.get(CASE_PATHS.request) as Uint8Array)) as { created_tx: string };
    const r = await verify((await caseBundle(edit(CASE_PATHS.receipt, (v) => ({ ...v, tx_digest: req.created_tx.toLowerCase() })))).files);
    expect(['fail:SUBJECT_MISMATCH', 'fail:NEXT_ROOT_MISMATCH']).toContain(at(r, 'proofs.receipt'));
  });
  it('a member with a byte-order mark fails even though its digest is listed', async () => {
    const r = await verify((await caseBundle((ms) => ms.map((m) => (m.path === CASE_PATHS.block ? { ...m, bytes: new Uint8Array([0xef, 0xbb, 0xbf, ...m.bytes]) } : m)))).files);
    expect(at(r, 'case.block')).toBe('fail:MEMBER_INVALID');
  });
  it('a member the kind does not define, or one with another artifact type, fails', async () => {
    const extra = await verify((await caseBundle((ms) => [...ms, { path: 'notes.json', artifact_type: 'charter.note/v1', bytes: json({}) }])).files);
    expect(at(extra, 'members.expected')).toBe('fail:UNEXPECTED_MEMBER');
    const typed = await verify((await caseBundle((ms) => ms.map((m) => (m.path === CASE_PATHS.block ? { ...m, artifact_type: ARTIFACT_TYPES.receipt } : m)))).files);
    expect(at(typed, 'members.expected')).toBe('fail:WRONG_ARTIFACT_TYPE');
  });
});

describe('an attestation that does not say what the manifest says', () => {
  it('a predicate naming another height fails', async () => {
    const files = resignStatement((await caseBundle()).files, (st) => { (st['predicate'] as { subject: { height: number } }).subject.height = 999; });
    expect(at(await verify(files), 'attestations.signatures')).toBe('fail:PREDICATE_MISMATCH');
  });
  it('a predicate naming another kind fails', async () => {
    const files = resignStatement((await caseBundle()).files, (st) => { (st['predicate'] as { kind: string }).kind = 'history-segment'; });
    expect(at(await verify(files), 'attestations.signatures')).toBe('fail:PREDICATE_MISMATCH');
  });
  it('a statement without predicateType fails (in-toto v1 requires it)', async () => {
    const files = resignStatement((await caseBundle()).files, (st) => { delete st['predicateType']; });
    expect(at(await verify(files), 'attestations.signatures')).toBe('fail:ATTESTATION_INVALID');
  });
  it('an attestation file named after another key fails', async () => {
    const files = resignStatement((await caseBundle()).files, () => {}, `${ATTESTATIONS_DIR}${'0'.repeat(40)}.dsse.json`);
    expect(at(await verify(files), 'attestations.signatures')).toBe('fail:ATTESTATION_NAME_MISMATCH');
  });
  it('a manifest whose created_by names a key that signed nothing fails', async () => {
    const b = await caseBundle();
    const m = JSON.parse(fromUtf8(b.files.get(MANIFEST_PATH) as Uint8Array)) as { created_by: { key_id: string } };
    m.created_by.key_id = 'ab'.repeat(20);
    const mBytes = json(m);
    const files = new Map(b.files);
    files.set(MANIFEST_PATH, mBytes);
    const digest = Buffer.from(await crypto.subtle.digest('SHA-256', mBytes)).toString('hex');
    const resigned = resignStatement(files, (st) => { (st['subject'] as { digest: { sha256: string } }[])[0]!.digest.sha256 = digest; });
    expect(at(await verify(resigned), 'attestations.signatures')).toBe('fail:SIGNER_MISMATCH');
  });
  it('a manifest with a byte-order mark fails', async () => {
    const b = await caseBundle();
    const files = new Map(b.files);
    files.set(MANIFEST_PATH, new Uint8Array([0xef, 0xbb, 0xbf, ...(b.files.get(MANIFEST_PATH) as Uint8Array)]));
    expect(at(await verify(files), 'manifest')).toBe('fail:MANIFEST_INVALID');
  });
  it('an envelope with a byte-order mark fails', async () => {
    const b = await caseBundle();
    const files = new Map(b.files);
    const name = [...files.keys()].find((k) => k.startsWith(ATTESTATIONS_DIR)) as string;
    files.set(name, new Uint8Array([0xef, 0xbb, 0xbf, ...(files.get(name) as Uint8Array)]));
    expect(at(await verify(files), 'attestations.signatures')).toBe('fail:ATTESTATION_INVALID');
  });
});

describe('a history segment that lies', () => {
  it('re-chained forged receipts fail: they are not the blocks\' transactions', async () => {
    const r = await verify((await segmentBundle(edit(SEGMENT_PATHS.receipts, (v) => {
      const rs = v as unknown as { tx_digest: string }[];
      rs[0]!.tx_digest = 'ab'.repeat(32);
      return rechain(rs);
    }))).files);
    expect(at(r, 'segment.receipts')).toBe('fail:RECEIPTS_INCOMPLETE');
    expect(r.verdict).toBe('fail');
  });
  it('truncated receipts fail', async () => {
    const r = await verify((await segmentBundle(edit(SEGMENT_PATHS.receipts, (v) => (v as unknown as unknown[]).slice(0, -1)))).files);
    expect(at(r, 'segment.receipts')).toBe('fail:RECEIPTS_INCOMPLETE');
  });
  it('consistently forged block hashes fail: headers are hashed again', async () => {
    const fake = 'AB'.repeat(32);
    const r = await verify((await segmentBundle((ms) => edit(SEGMENT_PATHS.block(5), (v) => ({ ...v, last_block_hash: fake }))(edit(SEGMENT_PATHS.block(4), (v) => ({ ...v, hash: fake }))(ms)))).files);
    expect(at(r, 'segment.headers')).toBe('fail:HEADER_MISMATCH');
  });
  it('an extra block outside the range fails', async () => {
    const r = await verify((await segmentBundle((ms) => {
      const b7 = ms.find((m) => m.path === SEGMENT_PATHS.block(7)) as BundleMemberInput;
      return [...ms, { ...b7, path: SEGMENT_PATHS.block(8) }];
    })).files);
    expect(at(r, 'members.expected')).toBe('fail:UNEXPECTED_MEMBER');
  });
  it('a block whose transactions were changed fails: the signed data hash disagrees', async () => {
    const r = await verify((await segmentBundle(edit(SEGMENT_PATHS.block(5), (v) => ({ ...v, txs: [...(v['txs'] as string[]), 'CD'.repeat(32)] })))).files);
    expect(at(r, 'segment.headers')).toBe('fail:DATA_HASH_MISMATCH');
  });
  it('a segment id with a leading zero is not a second name for the range', async () => {
    const parts = await segmentBundle();
    const m = JSON.parse(fromUtf8(parts.files.get(MANIFEST_PATH) as Uint8Array)) as { subject: { id: string } };
    expect(m.subject.id).toBe('3:7');
    const { assembleBundle } = await import('../../core/evidence/bundle/index.js');
    const { segmentMembers } = await import('./bundle-kit.js');
    const sm = await segmentMembers();
    const forged = await assembleBundle({ kind: 'history-segment', subject: { type: 'height-range', id: '03:7', chain_id: 'charter-test', height: 7 }, tool: { name: 'charter-console', version: 'test' }, members: sm.members, signer: { key_id: CONSOLE_KEY.keyId, scheme: 'ed25519', public_key: CONSOLE_KEY.publicKeyHex, sign: (x) => CONSOLE_KEY.sign(x) } });
    expect(at(await verify(forged.files), 'segment.blocks')).toBe('fail:SUBJECT_MISMATCH');
  });
});

describe('a checkpoint that is not what it claims', () => {
  const resignCheckpoint = (c: Record<string, unknown>) => ({ checkpoint: c, signatures: [{ key_id: CONSOLE_KEY.keyId, scheme: 'ed25519', signature: Buffer.from(CONSOLE_KEY.sign(checkpointSigningDigest(c as never))).toString('hex') }] });
  it('an mmr_size that is not a valid MMR size fails checkpoint.quorum', async () => {
    const r = await verify((await caseBundle(edit(CASE_PATHS.checkpoint, (v) => resignCheckpoint({ ...(v['checkpoint'] as object), mmr_size: 14 })))).files);
    expect(at(r, 'checkpoint.quorum')).toBe('fail:MEMBER_INVALID');
  });
  it('a peak count that does not match mmr_size fails checkpoint.quorum', async () => {
    const r = await verify((await caseBundle(edit(CASE_PATHS.checkpoint, (v) => {
      const c = v['checkpoint'] as { peaks: string[] };
      return resignCheckpoint({ ...c, peaks: [...c.peaks, c.peaks[0]] });
    }))).files);
    expect(at(r, 'checkpoint.quorum')).toBe('fail:MEMBER_INVALID');
  });
  it('a checkpoint taken before the receipt\'s height fails', async () => {
    const r = await verify((await caseBundle(edit(CASE_PATHS.checkpoint, (v) => resignCheckpoint({ ...(v['checkpoint'] as object), height: 5 })))).files);
    expect(at(r, 'proofs.inclusion')).toBe('fail:PROOF_NOT_REACHING_CHECKPOINT');
  });
});

/** Recompute next_root of every receipt so the forged run chains again (what a forger would do). */
function rechain(rs: { tx_digest: string }[]): unknown {
  let prev: string | null = null;
  return (rs as unknown as Record<string, unknown>[]).map((r) => {
    const body = { ...r, prev_root: prev ?? (r['prev_root'] as string) };
    delete (body as Record<string, unknown>)['next_root'];
    const next = nextRoot(body['prev_root'] as string, body as never);
    prev = next;
    return { ...body, next_root: next };
  });
}

/**
 * Forged bundles that a console's own attestation key can sign: each is built
 * from the worked examples (./bundle-kit.ts, the real engine's chain), changed
 * the way a lying operator would, then given a fresh manifest and a fresh,
 * valid attestation by the console key (key 9). Each names the checks that must
 * catch it. Used by tests/unit/bundle-forgeries.test.ts and, as a corpus, by
 * tests/integration/independent-verifier.test.ts.
 */
import { canonicalJson, fromUtf8, sha256Hex, utf8 } from '../../core/codec/index.js';
import {
  ARTIFACT_TYPES,
  ATTESTATIONS_DIR,
  CASE_PATHS,
  IN_TOTO_PAYLOAD_TYPE,
  MANIFEST_PATH,
  SEGMENT_PATHS,
  assembleBundle,
  envelopeBytes,
  fromBase64,
  pae,
  toBase64,
  type BundleMemberInput,
  type DsseEnvelope,
} from '../../core/evidence/bundle/index.js';
import { checkpointSigningDigest, type TrustFile } from '../../core/evidence/checkpoint.js';
import { nextRoot } from '../../core/evidence/receipts.js';
import type { TestKey } from '../support/engine-kit.js';
import { CHAIN, CONSOLE_KEY, SECOND_KEY, caseBundle, fixtureTrust, segmentBundle, segmentMembers } from './bundle-kit.js';

export interface Forgery {
  name: string;
  files: () => Promise<Map<string, Uint8Array>>;
  /** The trust file to verify with (default: the worked examples' trust.json, fixtureTrust()). */
  trust?: () => TrustFile;
  /** check id → "verdict:REASON" (one of, when several readings are right). */
  expect: Record<string, string | string[]>;
}

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
const bom = (path: string) => (ms: BundleMemberInput[]) =>
  ms.map((m) => (m.path === path ? { ...m, bytes: new Uint8Array([0xef, 0xbb, 0xbf, ...m.bytes]) } : m));
const files = async (b: Promise<{ files: Map<string, Uint8Array> }>) => (await b).files;

/** Re-sign a bundle's attestation over an edited statement (the console key can sign anything). */
export function resignStatement(input: Map<string, Uint8Array>, f: (st: Record<string, unknown>) => void, name?: string): Map<string, Uint8Array> {
  const out = new Map(input);
  const attName = [...out.keys()].find((k) => k.startsWith(ATTESTATIONS_DIR)) as string;
  const env = JSON.parse(fromUtf8(out.get(attName) as Uint8Array)) as DsseEnvelope;
  const st = JSON.parse(fromUtf8(fromBase64(env.payload) as Uint8Array)) as Record<string, unknown>;
  f(st);
  const payload = json(st);
  const sig = CONSOLE_KEY.sign(pae(IN_TOTO_PAYLOAD_TYPE, payload));
  out.delete(attName);
  out.set(
    name ?? attName,
    envelopeBytes({ payloadType: IN_TOTO_PAYLOAD_TYPE, payload: toBase64(payload), signatures: [{ keyid: CONSOLE_KEY.keyId, sig: toBase64(sig) }] }),
  );
  return out;
}

/** Recompute next_root of every receipt so a forged run chains again (what a forger would do). */
function rechain(rs: Record<string, unknown>[]): unknown {
  let prev: string | null = null;
  return rs.map((r) => {
    const body = { ...r, prev_root: prev ?? (r['prev_root'] as string) };
    delete (body as Record<string, unknown>)['next_root'];
    const next = nextRoot(body['prev_root'] as string, body as never);
    prev = next;
    return { ...body, next_root: next };
  });
}

const resignCheckpoint = (c: Record<string, unknown>, cosignatures?: unknown, by: TestKey = CONSOLE_KEY) => ({
  checkpoint: c,
  signatures: [{ key_id: by.keyId, scheme: 'ed25519', signature: Buffer.from(by.sign(checkpointSigningDigest(c as never))).toString('hex') }],
  ...(cosignatures !== undefined ? { cosignatures } : {}),
});

/** The worked examples' trust file with SECOND_KEY as an attester: a console key that vouches for bundles and nothing else. */
export function trustWithAttester(): TrustFile {
  const t = fixtureTrust();
  return { ...t, attesters: [{ key_id: SECOND_KEY.keyId, scheme: 'ed25519', public_key: SECOND_KEY.publicKeyHex, valid_from_height: 0 }] };
}

const forgedAmount = (v: Record<string, unknown>) => ({ ...v, amount: '999999999' });

export const FORGERIES: Forgery[] = [
  // ── custody case: request.json that lies ──
  {
    name: 'case: changed amount',
    files: () => files(caseBundle(edit(CASE_PATHS.request, forgedAmount))),
    expect: { 'case.request': 'fail:REQUEST_MISMATCH', 'case.request.state': 'fail:REQUEST_MISMATCH' },
  },
  {
    name: 'case: another destination',
    files: () => files(caseBundle(edit(CASE_PATHS.request, (v) => ({ ...v, destination: 'acct:attacker' })))),
    expect: { 'case.request': 'fail:REQUEST_MISMATCH' },
  },
  {
    name: 'case: approvals cut below the threshold',
    files: () => files(caseBundle(edit(CASE_PATHS.request, (v) => ({ ...v, approvals: [] })))),
    expect: { 'case.request.state': 'fail:REQUEST_MISMATCH', 'case.approvals': 'fail:BELOW_THRESHOLD' },
  },
  {
    name: 'case: request and its state proof both forged',
    files: () =>
      files(
        caseBundle((ms) =>
          edit(CASE_PATHS.requestState, (sp) => ({ ...sp, value: forgedAmount(sp['value'] as Record<string, unknown>) }))(
            edit(CASE_PATHS.request, forgedAmount)(ms),
          ),
        ),
      ),
    expect: { 'case.request.state': 'fail:BAD_STATE_PROOF', 'case.request': 'fail:REQUEST_MISMATCH' },
  },
  {
    name: 'case: no request state proof',
    files: () => files(caseBundle(drop(CASE_PATHS.requestState))),
    expect: { 'members.expected': 'fail:CASE_INCOMPLETE', 'case.request.state': 'fail:CASE_INCOMPLETE' },
  },
  {
    name: 'case: no policy state proof',
    files: () => files(caseBundle(drop(CASE_PATHS.stateProof))),
    expect: { 'case.policy': 'fail:CASE_INCOMPLETE', 'case.approvals': 'unknown:NOT_CHECKED' },
  },
  {
    name: 'case: receipt kept, checkpoint left out',
    files: () => files(caseBundle(drop(CASE_PATHS.checkpoint))),
    expect: { 'members.expected': 'fail:CASE_INCOMPLETE' },
  },
  {
    name: 'case: next header left out',
    files: () =>
      files(
        caseBundle(
          edit(CASE_PATHS.block, (v) => {
            delete v['next_header'];
            delete v['next_validator_signatures'];
            return v;
          }),
        ),
      ),
    expect: { 'case.block.signature': 'unknown:NO_NEXT_HEADER' },
  },
  {
    name: 'case: policy.json of another vault',
    files: () => files(caseBundle(edit(CASE_PATHS.policy, (v) => ({ ...v, vault_id: 'other-vault' })))),
    expect: { 'case.policy': 'fail:SUBJECT_MISMATCH' },
  },
  {
    name: 'case: lower-case block hash',
    files: () => files(caseBundle(edit(CASE_PATHS.block, (v) => ({ ...v, hash: String(v['hash']).toLowerCase() })))),
    expect: { 'case.block': 'fail:MEMBER_INVALID' },
  },
  {
    name: 'case: inclusion proof with an extra field',
    files: () => files(caseBundle(edit(CASE_PATHS.inclusion, (v) => ({ ...v, note: 'x' })))),
    expect: { 'proofs.inclusion': 'fail:MEMBER_INVALID' },
  },
  {
    name: 'case: receipt of the creation instead of the execution',
    files: async () => {
      const b = await caseBundle();
      const req = JSON.parse(fromUtf8(b.files.get(CASE_PATHS.request) as Uint8Array)) as { created_tx: string };
      return files(caseBundle(edit(CASE_PATHS.receipt, (v) => ({ ...v, tx_digest: req.created_tx.toLowerCase() }))));
    },
    expect: { 'proofs.receipt': ['fail:SUBJECT_MISMATCH', 'fail:NEXT_ROOT_MISMATCH'] },
  },
  { name: 'case: member with a byte-order mark', files: () => files(caseBundle(bom(CASE_PATHS.block))), expect: { 'case.block': 'fail:MEMBER_INVALID' } },
  {
    name: 'case: a member the kind does not define',
    files: () => files(caseBundle((ms) => [...ms, { path: 'notes.json', artifact_type: 'charter.note/v1', bytes: json({}) }])),
    expect: { 'members.expected': 'fail:UNEXPECTED_MEMBER' },
  },
  {
    name: 'case: a member with another artifact type',
    files: () => files(caseBundle((ms) => ms.map((m) => (m.path === CASE_PATHS.block ? { ...m, artifact_type: ARTIFACT_TYPES.receipt } : m)))),
    expect: { 'members.expected': 'fail:WRONG_ARTIFACT_TYPE' },
  },

  {
    name: 'case: a transaction the request does not name rides along',
    files: () =>
      files(
        caseBundle((ms) => [...ms, { path: CASE_PATHS.tx('AB'.repeat(32)), artifact_type: ARTIFACT_TYPES.signedTx, bytes: utf8('an unsigned "approval"') }]),
      ),
    expect: { 'case.transactions': 'fail:UNEXPECTED_MEMBER' },
  },
  {
    name: 'case: block.json shows another time than its signed header',
    files: () => files(caseBundle(edit(CASE_PATHS.block, (v) => ({ ...v, time: '2031-01-01T00:00:00Z' })))),
    expect: { 'case.block.signature': 'fail:HEADER_MISMATCH' },
  },
  {
    name: 'case: a state proof naming another block',
    files: () => files(caseBundle(edit(CASE_PATHS.requestState, (v) => ({ ...v, block_hash: '00'.repeat(32) })))),
    expect: { 'case.request.state': 'fail:SUBJECT_MISMATCH' },
  },
  {
    name: 'attestation: an unsigned field added to the envelope',
    files: async () => {
      const b = new Map(await files(caseBundle()));
      const name = [...b.keys()].find((k) => k.startsWith(ATTESTATIONS_DIR)) as string;
      b.set(name, json({ ...(JSON.parse(fromUtf8(b.get(name) as Uint8Array)) as object), note: 'approved by the board' }));
      return b;
    },
    expect: { 'attestations.signatures': 'fail:ATTESTATION_INVALID' },
  },
  {
    name: 'attestation: built by an untrusted key, with a trusted extra attestation',
    files: async () => {
      // Signed by SECOND_KEY (created_by), plus the console key's attestation of the same manifest.
      const b = new Map(await files(caseBundle(undefined, SECOND_KEY)));
      const attName = [...b.keys()].find((k) => k.startsWith(ATTESTATIONS_DIR)) as string;
      const env = JSON.parse(fromUtf8(b.get(attName) as Uint8Array)) as DsseEnvelope;
      const st = JSON.parse(fromUtf8(fromBase64(env.payload) as Uint8Array)) as Record<string, unknown>;
      (st['predicate'] as { signer: unknown }).signer = { key_id: CONSOLE_KEY.keyId, scheme: 'ed25519', public_key: CONSOLE_KEY.publicKeyHex };
      const payload = json(st);
      b.set(
        `${ATTESTATIONS_DIR}${CONSOLE_KEY.keyId}.dsse.json`,
        envelopeBytes({
          payloadType: IN_TOTO_PAYLOAD_TYPE,
          payload: toBase64(payload),
          signatures: [{ keyid: CONSOLE_KEY.keyId, sig: toBase64(CONSOLE_KEY.sign(pae(IN_TOTO_PAYLOAD_TYPE, payload))) }],
        }),
      );
      return b;
    },
    expect: { 'attestations.signatures': 'pass:OK', 'attestations.trust': 'fail:UNKNOWN_KEY' },
  },

  // ── attestations that do not say what the manifest says ──
  {
    name: 'attestation: predicate of another height',
    files: async () =>
      resignStatement(await files(caseBundle()), (st) => {
        (st['predicate'] as { subject: { height: number } }).subject.height = 999;
      }),
    expect: { 'attestations.signatures': 'fail:PREDICATE_MISMATCH' },
  },
  {
    name: 'attestation: predicate of another kind',
    files: async () =>
      resignStatement(await files(caseBundle()), (st) => {
        (st['predicate'] as { kind: string }).kind = 'history-segment';
      }),
    expect: { 'attestations.signatures': 'fail:PREDICATE_MISMATCH' },
  },
  {
    name: 'attestation: no predicateType',
    files: async () =>
      resignStatement(await files(caseBundle()), (st) => {
        delete st['predicateType'];
      }),
    expect: { 'attestations.signatures': 'fail:ATTESTATION_INVALID' },
  },
  {
    name: 'attestation: file named after another key',
    files: async () => resignStatement(await files(caseBundle()), () => {}, `${ATTESTATIONS_DIR}${'0'.repeat(40)}.dsse.json`),
    expect: { 'attestations.signatures': 'fail:ATTESTATION_NAME_MISMATCH' },
  },
  {
    name: 'attestation: created_by names a key that signed nothing',
    files: async () => {
      const b = await files(caseBundle());
      const m = JSON.parse(fromUtf8(b.get(MANIFEST_PATH) as Uint8Array)) as { created_by: { key_id: string } };
      m.created_by.key_id = 'ab'.repeat(20);
      const mBytes = json(m);
      const out = new Map(b);
      out.set(MANIFEST_PATH, mBytes);
      return resignStatement(out, (st) => {
        (st['subject'] as { digest: { sha256: string } }[])[0]!.digest.sha256 = sha256Hex(mBytes);
      });
    },
    expect: { 'attestations.signatures': 'fail:SIGNER_MISMATCH' },
  },
  {
    name: 'manifest with a byte-order mark',
    files: async () => {
      const b = new Map(await files(caseBundle()));
      b.set(MANIFEST_PATH, new Uint8Array([0xef, 0xbb, 0xbf, ...(b.get(MANIFEST_PATH) as Uint8Array)]));
      return b;
    },
    expect: { manifest: 'fail:MANIFEST_INVALID' },
  },
  {
    name: 'envelope with a byte-order mark',
    files: async () => {
      const b = new Map(await files(caseBundle()));
      const name = [...b.keys()].find((k) => k.startsWith(ATTESTATIONS_DIR)) as string;
      b.set(name, new Uint8Array([0xef, 0xbb, 0xbf, ...(b.get(name) as Uint8Array)]));
      return b;
    },
    expect: { 'attestations.signatures': 'fail:ATTESTATION_INVALID' },
  },

  // ── history segments that lie ──
  {
    name: 'segment: re-chained forged receipts',
    files: () =>
      files(
        segmentBundle(
          edit(SEGMENT_PATHS.receipts, (v) => {
            const rs = v as unknown as Record<string, unknown>[];
            rs[0]!['tx_digest'] = 'ab'.repeat(32);
            return rechain(rs);
          }),
        ),
      ),
    expect: { 'segment.receipts': 'fail:RECEIPTS_INCOMPLETE' },
  },
  {
    name: 'segment: truncated receipts',
    files: () => files(segmentBundle(edit(SEGMENT_PATHS.receipts, (v) => (v as unknown as unknown[]).slice(0, -1)))),
    expect: { 'segment.receipts': 'fail:RECEIPTS_INCOMPLETE' },
  },
  {
    name: 'segment: consistently forged block hashes',
    files: () =>
      files(
        segmentBundle((ms) =>
          edit(SEGMENT_PATHS.block(5), (v) => ({ ...v, last_block_hash: 'AB'.repeat(32) }))(
            edit(SEGMENT_PATHS.block(4), (v) => ({ ...v, hash: 'AB'.repeat(32) }))(ms),
          ),
        ),
      ),
    expect: { 'segment.headers': 'fail:HEADER_MISMATCH' },
  },
  {
    name: 'segment: an extra block outside the range',
    files: () =>
      files(segmentBundle((ms) => [...ms, { ...(ms.find((m) => m.path === SEGMENT_PATHS.block(7)) as BundleMemberInput), path: SEGMENT_PATHS.block(8) }])),
    expect: { 'members.expected': 'fail:UNEXPECTED_MEMBER' },
  },
  {
    name: "segment: a block's transactions changed",
    files: () => files(segmentBundle(edit(SEGMENT_PATHS.block(5), (v) => ({ ...v, txs: [...(v['txs'] as string[]), 'CD'.repeat(32)] })))),
    expect: { 'segment.headers': 'fail:DATA_HASH_MISMATCH' },
  },
  {
    name: 'segment: id with a leading zero',
    files: async () => {
      const sm = await segmentMembers();
      const b = await assembleBundle({
        kind: 'history-segment',
        subject: { type: 'height-range', id: '03:7', chain_id: CHAIN, height: 7 },
        tool: { name: 'charter-console', version: 'test' },
        members: sm.members,
        signer: { key_id: CONSOLE_KEY.keyId, scheme: 'ed25519', public_key: CONSOLE_KEY.publicKeyHex, sign: (x) => CONSOLE_KEY.sign(x) },
      });
      return b.files;
    },
    expect: { 'segment.blocks': 'fail:SUBJECT_MISMATCH' },
  },

  // ── checkpoints that are not what they claim ──
  {
    name: 'checkpoint: invalid mmr_size',
    files: () => files(caseBundle(edit(CASE_PATHS.checkpoint, (v) => resignCheckpoint({ ...(v['checkpoint'] as object), mmr_size: 14 })))),
    expect: { 'checkpoint.quorum': 'fail:MEMBER_INVALID' },
  },
  {
    name: 'checkpoint: peak count not matching mmr_size',
    files: () =>
      files(
        caseBundle(
          edit(CASE_PATHS.checkpoint, (v) => {
            const c = v['checkpoint'] as { peaks: string[] };
            return resignCheckpoint({ ...c, peaks: [...c.peaks, c.peaks[0]] });
          }),
        ),
      ),
    expect: { 'checkpoint.quorum': 'fail:MEMBER_INVALID' },
  },
  {
    name: 'checkpoint: taken before the receipt',
    files: () => files(caseBundle(edit(CASE_PATHS.checkpoint, (v) => resignCheckpoint({ ...(v['checkpoint'] as object), height: 5 })))),
    expect: { 'proofs.inclusion': 'fail:PROOF_NOT_REACHING_CHECKPOINT' },
  },
  {
    name: 'checkpoint: re-signed by the log with the witness cosignature kept',
    files: () =>
      files(
        caseBundle(edit(CASE_PATHS.checkpoint, (v) => resignCheckpoint({ ...(v['checkpoint'] as object), time: '2030-01-01T00:00:00Z' }, v['cosignatures']))),
      ),
    expect: { 'checkpoint.witnesses': 'fail:BAD_SIGNATURE' },
  },
  {
    name: 'an attester (a console key) signs a forged checkpoint: it does not count as a log key',
    files: () =>
      files(
        caseBundle(
          edit(CASE_PATHS.checkpoint, (v) => resignCheckpoint({ ...(v['checkpoint'] as object), height: 70 }, v['cosignatures'], SECOND_KEY)),
          SECOND_KEY,
        ),
      ),
    trust: trustWithAttester,
    expect: { 'attestations.trust': 'pass:OK', 'checkpoint.quorum': 'fail:UNKNOWN_KEY' },
  },
  {
    name: 'checkpoint: witness cosignature removed',
    files: () =>
      files(
        caseBundle(
          edit(CASE_PATHS.checkpoint, (v) => {
            delete v['cosignatures'];
            return v;
          }),
        ),
      ),
    expect: { 'checkpoint.witnesses': 'unknown:NO_COSIGNATURE' },
  },
];

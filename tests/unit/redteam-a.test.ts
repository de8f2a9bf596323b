// RED-TEAM PROBE (temporary; delete before finishing)
import { describe, expect, it } from 'vitest';
import { canonicalJson, fromUtf8, toHex, utf8 } from '../../core/codec/index.js';
import { CASE_PATHS, ARTIFACT_TYPES, type BundleMemberInput, type VerifyReport } from '../../core/evidence/bundle/index.js';
import { checkpointSigningDigest, type TrustFile } from '../../core/evidence/checkpoint.js';
import { verifyBundleBytes } from '../../main/evidence/bundles.js';
import { writeZip } from '../../main/evidence/zip-write.js';
import { caseBundle, fixtureTrust, segmentBundle, signedBlockDoc, SECOND_KEY, CONSOLE_KEY, WITNESS_KEY, trustFor, cosignCheckpoint } from './bundle-kit.js';

const json = (v: unknown) => utf8(canonicalJson(v));
const sum = (r: VerifyReport) => `${r.verdict} :: ` + r.checks.filter((c) => c.verdict !== 'pass').map((c) => `${c.id}=${c.verdict}:${c.reason}`).join(', ');
const verify = async (files: Map<string, Uint8Array>, trust: TrustFile | null) => verifyBundleBytes(await writeZip(files), { trust });
const edit = (path: string, f: (v: Record<string, unknown>) => unknown) => (ms: BundleMemberInput[]) =>
  ms.map((m) => (m.path !== path ? m : { ...m, bytes: json(f(JSON.parse(fromUtf8(m.bytes)) as Record<string, unknown>) ?? JSON.parse(fromUtf8(m.bytes))) }));
const sk = (k: typeof SECOND_KEY) => ({ key_id: k.keyId, scheme: 'ed25519' as const, public_key: k.publicKeyHex, valid_from_height: 0 });
/** The doc's recipe (§4 "A trust file for a local signing key"): node trust file + the local key appended to keys, quorum kept. */
const trustPlus10 = (): TrustFile => { const t = fixtureTrust(); return { ...t, keys: [...t.keys, sk(SECOND_KEY)] }; };
const resignCp = (c: Record<string, unknown>, k = SECOND_KEY, cos?: unknown) => ({
  checkpoint: c,
  signatures: [{ key_id: k.keyId, scheme: 'ed25519', signature: toHex(k.sign(checkpointSigningDigest(c as never))) }],
  ...(cos !== undefined ? { cosignatures: cos } : {}),
});

describe('A: attestation-only key', () => {
  it('A0 baseline: case attested by key 10 with trust+10', async () => {
    const r = await verify((await caseBundle(undefined, SECOND_KEY)).files, trustPlus10());
    console.log('A0', sum(r));
  });
  it('A1 key 10 re-signs block 6 and 7 headers (validator role)', async () => {
    const b = await caseBundle((ms) => ms.map((m) => (m.path === CASE_PATHS.block ? { ...m, bytes: json(signedBlockDoc({}, SECOND_KEY)) } : m)), SECOND_KEY);
    console.log('A1 trust+10', sum(await verify(b.files, trustPlus10())));
    console.log('A1 fixture trust', sum(await verify(b.files, fixtureTrust())));
  });
  it('A2 key 10 re-signs the checkpoint (log role), witnesses cosign stays', async () => {
    const b = await caseBundle(edit(CASE_PATHS.checkpoint, (v) => resignCp(v['checkpoint'] as Record<string, unknown>, SECOND_KEY, v['cosignatures'])), SECOND_KEY);
    console.log('A2 trust+10', sum(await verify(b.files, trustPlus10())));
  });
  it('A3 key 10 as attester only; no witnesses in trust; key 10 signs everything (blocks + checkpoint)', async () => {
    const b = await caseBundle((ms) => edit(CASE_PATHS.checkpoint, (v) => resignCp(v['checkpoint'] as Record<string, unknown>, SECOND_KEY))(ms.map((m) => (m.path === CASE_PATHS.block ? { ...m, bytes: json(signedBlockDoc({}, SECOND_KEY)) } : m))), SECOND_KEY);
    const t = trustFor([CONSOLE_KEY, SECOND_KEY]);
    console.log('A3 trust{9,10} no witnesses', sum(await verify(b.files, t)));
  });
});

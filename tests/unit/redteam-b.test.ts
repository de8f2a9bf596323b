// RED-TEAM PROBE (temporary; delete before finishing)
import zlib from 'node:zlib';
import fs from 'node:fs';
import { describe, it } from 'vitest';
import { canonicalJson, fromUtf8, toHex, utf8 } from '../../core/codec/index.js';
import { ATTESTATIONS_DIR, BUNDLE_FORMAT_V1, CASE_PATHS, SEGMENT_PATHS, IN_TOTO_PAYLOAD_TYPE, assembleBundle, envelopeBytes, fromBase64, pae, toBase64, type BundleMemberInput, type DsseEnvelope, type VerifyReport } from '../../core/evidence/bundle/index.js';
import { checkpointSigningDigest, type TrustFile } from '../../core/evidence/checkpoint.js';
import { verifyBundleBytes } from '../../main/evidence/bundles.js';
import { writeZip } from '../../main/evidence/zip-write.js';
import { caseBundle, caseMembers, fixtureTrust, segmentBundle, SECOND_KEY, CONSOLE_KEY, WITNESS_KEY, trustFor, cosignCheckpoint, CHAIN } from './bundle-kit.js';

const json = (v: unknown) => utf8(canonicalJson(v));
const sum = (r: VerifyReport) => `${r.verdict} :: ` + r.checks.filter((c) => c.verdict !== 'pass').map((c) => `${c.id}=${c.verdict}:${c.reason}`).join(', ');
const verify = async (files: Map<string, Uint8Array>, trust: TrustFile | null = fixtureTrust()) => verifyBundleBytes(await writeZip(files), { trust });
const editRaw = (path: string, f: (bytes: Uint8Array) => Uint8Array) => (ms: BundleMemberInput[]) => ms.map((m) => (m.path !== path ? m : { ...m, bytes: f(m.bytes) }));
const edit = (path: string, f: (v: Record<string, unknown>) => unknown) => editRaw(path, (b) => { const v = JSON.parse(fromUtf8(b)); const o = f(v); return json(o === undefined ? v : o); });
const log = (name: string, r: VerifyReport, extra = '') => console.log(`PROBE ${name}: ${sum(r)} ${extra}`);
const sk = (k: typeof SECOND_KEY) => ({ key_id: k.keyId, scheme: 'ed25519' as const, public_key: k.publicKeyHex, valid_from_height: 0 });

/** Add an extra attestation (one signature) by key k over the bundle's manifest. */
function addAttestation(files: Map<string, Uint8Array>, k: typeof SECOND_KEY, mutate?: (st: Record<string, unknown>) => void): Map<string, Uint8Array> {
  const out = new Map(files);
  const any = [...out.keys()].find((x) => x.startsWith(ATTESTATIONS_DIR)) as string;
  const env = JSON.parse(fromUtf8(out.get(any) as Uint8Array)) as DsseEnvelope;
  const st = JSON.parse(fromUtf8(fromBase64(env.payload) as Uint8Array)) as Record<string, any>;
  st.predicate.signer = { key_id: k.keyId, scheme: 'ed25519', public_key: k.publicKeyHex };
  mutate?.(st);
  const payload = json(st);
  out.set(`${ATTESTATIONS_DIR}${k.keyId}.dsse.json`, envelopeBytes({ payloadType: IN_TOTO_PAYLOAD_TYPE, payload: toBase64(payload), signatures: [{ keyid: k.keyId, sig: toBase64(k.sign(pae(IN_TOTO_PAYLOAD_TYPE, payload))) }] }));
  return out;
}

describe('B probes', () => {
  it('B1 extra transactions/ member not named by request.json', async () => {
    const b = await caseBundle((ms) => [...ms, { path: `transactions/${'AB'.repeat(32)}.json`, artifact_type: 'charter.signed-tx/v1', bytes: utf8('{"tx_hash":"FORGED","note":"key 2 approved a second withdrawal of 1,000,000 BTC","envelope":{"type":"withdrawal.approve"}}') }]);
    log('B1 unnamed tx member (garbage content)', await verify(b.files));
    const b2 = await caseBundle((ms) => [...ms, { path: `transactions/${'AB'.repeat(32)}.json`, artifact_type: 'charter.signed-tx/v1', bytes: utf8('not json at all') }]);
    log('B1b unnamed tx member (not JSON)', await verify(b2.files));
  });
  it('B2 created_by untrusted key, second attestation by trusted key 9', async () => {
    const b = await caseBundle(undefined, SECOND_KEY);
    log('B2 created_by=key10 (untrusted), +att key9', await verify(addAttestation(b.files, CONSOLE_KEY)));
    const t = fixtureTrust(); const tRev: TrustFile = { ...t, keys: [...t.keys, { ...sk(SECOND_KEY), revoked_at_height: 1 }] };
    log('B2b created_by=key10 revoked at 1, +att key9', await verify(addAttestation(b.files, CONSOLE_KEY), tRev));
  });
  it('B3 witness key == log key', async () => {
    const t = fixtureTrust();
    const self: TrustFile = { ...t, witnesses: { quorum: 1, keys: [t.keys[0]!] } };
    const b = await caseBundle(edit(CASE_PATHS.checkpoint, (v) => ({ ...v, cosignatures: [cosignCheckpoint(v['checkpoint'] as never, CONSOLE_KEY)] })));
    log('B3 log key 9 cosigns as its own witness, trust witnesses={9}', await verify(b.files, self));
  });
  it('B4 v1 manifest with every v2 member', async () => {
    const parts = await caseMembers();
    const b = await assembleBundle({ format: BUNDLE_FORMAT_V1, kind: 'custody-case', subject: { type: 'withdrawal', id: parts.requestId, chain_id: CHAIN, height: parts.height }, tool: { name: 'charter-console', version: 'test' }, members: parts.members, signer: { key_id: CONSOLE_KEY.keyId, scheme: 'ed25519', public_key: CONSOLE_KEY.publicKeyHex, sign: (m) => CONSOLE_KEY.sign(m) } });
    log('B4 v1 + all v2 members', await verify(b.files));
    const b2 = await assembleBundle({ format: BUNDLE_FORMAT_V1, kind: 'custody-case', subject: { type: 'withdrawal', id: parts.requestId, chain_id: CHAIN, height: parts.height }, tool: { name: 'charter-console', version: 'test' }, members: parts.members.filter((m) => m.path !== CASE_PATHS.requestState && m.path !== CASE_PATHS.policy && m.path !== CASE_PATHS.stateProof), signer: { key_id: CONSOLE_KEY.keyId, scheme: 'ed25519', public_key: CONSOLE_KEY.publicKeyHex, sign: (m) => CONSOLE_KEY.sign(m) } });
    log('B4b v1 without request-state/policy', await verify(b2.files));
  });
  it('B5 numbers 6.0 / 6e0 in members', async () => {
    const b = await caseBundle(editRaw(CASE_PATHS.policy, (x) => utf8(fromUtf8(x).replace('"as_of":6', '"as_of":6.0'))));
    log('B5 policy as_of 6.0', await verify(b.files));
    const b2 = await caseBundle((ms) => ms.map((m) => (m.path.startsWith('transactions/') ? { ...m, bytes: utf8(fromUtf8(m.bytes).replace(/"height":(\d)/, '"height":$1e0')) } : m)));
    log('B5b tx heights as 5e0/6e0', await verify(b2.files));
  });
  it('B6 header height as number', async () => {
    const b = await caseBundle(edit(CASE_PATHS.block, (v) => { (v['next_header'] as any).height = 7; }));
    log('B6 next_header.height number', await verify(b.files));
  });
  it('B7 state-proof block_hash of another block', async () => {
    const b = await caseBundle((ms) => edit(CASE_PATHS.stateProof, (v) => ({ ...v, block_hash: '00'.repeat(32) }))(edit(CASE_PATHS.requestState, (v) => ({ ...v, block_hash: 'not even hex' }))(ms)));
    log('B7 state proofs with bogus block_hash', await verify(b.files));
  });
  it('B8 block.json informative fields lie', async () => {
    const b = await caseBundle(edit(CASE_PATHS.block, (v) => ({ ...v, time: '2031-12-31T23:59:59Z', data_hash: 'FF'.repeat(32), proposer_address: 'ATTACKER' })));
    log('B8 block time/data_hash/proposer lie', await verify(b.files));
  });
  it('B9 state proof value extra fields / policy value extra fields', async () => {
    const b = await caseBundle(edit(CASE_PATHS.policy, (v) => ({ ...v, policy: { ...(v['policy'] as object), note: 'x' } })));
    log('B9 policy.json policy extra field', await verify(b.files));
  });
  it('B10 segment: to.json far beyond TO (re-signed by key 9)', async () => {
    const b = await segmentBundle(edit(SEGMENT_PATHS.to, (v) => { const c = { ...(v['checkpoint'] as object), height: 9007199254740991 }; return { checkpoint: c, signatures: [{ key_id: CONSOLE_KEY.keyId, scheme: 'ed25519', signature: toHex(CONSOLE_KEY.sign(checkpointSigningDigest(c as never))) }], cosignatures: [cosignCheckpoint(c as never)] }; }));
    log('B10 to.json at 2^53-1', await verify(b.files));
  });
  it('B11 segment v1 with everything', async () => {
    const sb = await segmentBundle();
    const members = [...sb.files.entries()].filter(([p]) => p !== 'manifest.json' && !p.startsWith(ATTESTATIONS_DIR)).map(([path, bytes]) => ({ path, bytes, artifact_type: sb.manifest.members.find((m) => m.path === path)!.artifact_type }));
    const b = await assembleBundle({ format: BUNDLE_FORMAT_V1, kind: 'history-segment', subject: sb.manifest.subject, tool: { name: 'x', version: 'y' }, members, signer: { key_id: CONSOLE_KEY.keyId, scheme: 'ed25519', public_key: CONSOLE_KEY.publicKeyHex, sign: (m) => CONSOLE_KEY.sign(m) } });
    log('B11 v1 segment, all v2 members', await verify(b.files));
    const m2 = members.filter((m) => m.path !== SEGMENT_PATHS.receiptsInclusion).map((m) => (m.path.startsWith('blocks/') ? { ...m, bytes: (() => { const v = JSON.parse(fromUtf8(m.bytes)); delete v.txs; return json(v); })() } : m));
    const b2 = await assembleBundle({ format: BUNDLE_FORMAT_V1, kind: 'history-segment', subject: sb.manifest.subject, tool: { name: 'x', version: 'y' }, members: m2, signer: { key_id: CONSOLE_KEY.keyId, scheme: 'ed25519', public_key: CONSOLE_KEY.publicKeyHex, sign: (m) => CONSOLE_KEY.sign(m) } });
    log('B11b v1 segment, no txs, no inclusion proofs', await verify(b2.files));
  });
  it('B12 attestation: two signatures files, second by unknown key with bad sig', async () => {
    const b = await caseBundle();
    const f = addAttestation(b.files, SECOND_KEY);
    const name = `${ATTESTATIONS_DIR}${SECOND_KEY.keyId}.dsse.json`;
    const env = JSON.parse(fromUtf8(f.get(name)!)); env.signatures[0].sig = toBase64(new Uint8Array(64)); f.set(name, json(env));
    log('B12 extra att, unknown key, bad sig', await verify(f));
    log('B12b extra att, unknown key, good sig', await verify(addAttestation(b.files, SECOND_KEY)));
  });
  it('B13 envelope with extra top-level fields', async () => {
    const b = await caseBundle();
    const f = new Map(b.files); const name = [...f.keys()].find((k) => k.startsWith(ATTESTATIONS_DIR))!;
    const env = JSON.parse(fromUtf8(f.get(name)!)); env.note = 'I, the operator, certify 9999 BTC'; f.set(name, json(env));
    log('B13 envelope extra field', await verify(f));
  });
  it('B14 receipt group: checkpoint carries empty cosignatures []', async () => {
    const b = await caseBundle(edit(CASE_PATHS.checkpoint, (v) => ({ ...v, cosignatures: [] })));
    log('B14 cosignatures []', await verify(b.files));
  });
  it('B15 block signature duplicated + unknown validator', async () => {
    const b = await caseBundle(edit(CASE_PATHS.block, (v) => { const s = (v['validator_signatures'] as any[])[0]; v['validator_signatures'] = [{ ...s, validator_address: 'AA'.repeat(20) }, s, s]; }));
    log('B15 unknown + dup validator sigs', await verify(b.files));
  });
});

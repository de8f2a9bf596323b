// RED-TEAM PROBE (temporary; delete before finishing)
import { describe, it } from 'vitest';
import { canonicalJson, fromUtf8, utf8 } from '../../core/codec/index.js';
import { CASE_PATHS, type BundleMemberInput, type VerifyReport } from '../../core/evidence/bundle/index.js';
import type { TrustFile } from '../../core/evidence/checkpoint.js';
import { verifyBundleBytes } from '../../main/evidence/bundles.js';
import { writeZip } from '../../main/evidence/zip-write.js';
import { caseBundle as realCase, fixtureTrust, SECOND_KEY, CONSOLE_KEY, trustFor } from './bundle-kit.js';
import { caseBundle as fakeCase } from './redteam-kit.js';

const json = (v: unknown) => utf8(canonicalJson(v));
const sum = (r: VerifyReport) => `${r.verdict} :: ` + r.checks.filter((c) => c.verdict !== 'pass').map((c) => `${c.id}=${c.verdict}:${c.reason}`).join(', ');
const verify = async (files: Map<string, Uint8Array>, trust: TrustFile | null) => verifyBundleBytes(await writeZip(files), { trust });
const noCosig = (ms: BundleMemberInput[]) => ms.map((m) => { if (m.path !== CASE_PATHS.checkpoint) return m; const v = JSON.parse(fromUtf8(m.bytes)); delete v.cosignatures; return { ...m, bytes: json(v) }; });
const sk = (k: typeof SECOND_KEY) => ({ key_id: k.keyId, scheme: 'ed25519' as const, public_key: k.publicKeyHex, valid_from_height: 0 });

describe('A4 fabricated chain, signed by the attestation-only key 10', () => {
  it('runs', async () => {
    const nodeTrust = trustFor([CONSOLE_KEY]); // = GET /explorer/trust of the devnet (main/devnet/evidence.ts trustFile)
    const recipe: TrustFile = { ...nodeTrust, keys: [...nodeTrust.keys, sk(SECOND_KEY)] }; // doc §4 recipe
    const fake = await fakeCase(noCosig, SECOND_KEY);
    const r = await verify(fake.files, recipe);
    console.log('A4 node trust + key10 (doc recipe):', sum(r));
    console.log('   case.request:', r.checks.find((c) => c.id === 'case.request')?.detail);
    console.log('   case.block.signature:', r.checks.find((c) => c.id === 'case.block.signature')?.detail);
    console.log('   checkpoint.quorum:', r.checks.find((c) => c.id === 'checkpoint.quorum')?.detail);
    console.log('   subject', JSON.stringify(r.subject));
    const real = await realCase();
    console.log('   real subject', JSON.stringify(real.manifest.subject));
    const rf = fixtureTrust(); const withW: TrustFile = { ...rf, keys: [...rf.keys, sk(SECOND_KEY)] };
    console.log('A4 fixture trust + key10:', sum(await verify(fake.files, withW)));
    console.log('A4 fixture trust + key10, receipt group dropped:', sum(await verify((await fakeCase((ms) => ms.filter((m) => ![CASE_PATHS.receipt, CASE_PATHS.inclusion, CASE_PATHS.checkpoint].includes(m.path as never)), SECOND_KEY)).files, withW)));
  });
});

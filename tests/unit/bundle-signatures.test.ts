// Signatures a bundle carries beyond the Ed25519 attestation: the validator's
// signature over the executing block's header (case.block.signature), checked
// against the trust file at the block's height. Real keys, real zips, the real
// verifier; nothing is mocked.
import { describe, expect, it } from 'vitest';
import { canonicalJson, utf8 } from '../../core/codec/index.js';
import { CASE_PATHS, type BundleMemberInput, type VerifyReport } from '../../core/evidence/bundle/index.js';
import type { TrustFile } from '../../core/evidence/checkpoint.js';
import { verifyBundleBytes } from '../../main/evidence/bundles.js';
import { writeZip } from '../../main/evidence/zip-write.js';
import { CONSOLE_KEY, SECOND_KEY, caseBundle, signedBlockDoc, trustFor } from './bundle-kit.js';

const trust = trustFor([CONSOLE_KEY]);
const sigCheck = (r: VerifyReport) => r.checks.find((c) => c.id === 'case.block.signature');

async function withBlock(doc: Record<string, unknown>, t: TrustFile | null = trust): Promise<VerifyReport> {
  const clean = Object.fromEntries(Object.entries(doc).filter(([, v]) => v !== undefined));
  const swap = (ms: BundleMemberInput[]) => ms.map((m) => (m.path === CASE_PATHS.block ? { ...m, bytes: utf8(canonicalJson(clean)) } : m));
  const zip = await writeZip((await caseBundle(swap)).files);
  return verifyBundleBytes(zip, t === null ? {} : { trust: t });
}

describe('case.block.signature', () => {
  it('passes when the block and the next header are signed by the trusted validator key', async () => {
    const r = await withBlock(signedBlockDoc());
    expect(sigCheck(r)).toMatchObject({ verdict: 'pass', reason: 'OK' });
    expect(sigCheck(r)?.detail).toContain('result_app_hash BBBB');
    // The other checks are untouched by the new members.
    expect(r.checks.filter((c) => c.verdict !== 'pass').map((c) => c.reason)).toEqual(['NO_STATE_PROOF']);
  });

  it('passes without the next header, saying the result app hash is not covered', async () => {
    const r = await withBlock(signedBlockDoc({ next_header: undefined, next_validator_signatures: undefined }));
    expect(sigCheck(r)).toMatchObject({ verdict: 'pass', reason: 'OK' });
    expect(sigCheck(r)?.detail).toContain('not covered');
  });

  it('is unknown without a trust file (NO_TRUST_FILE) or without a signed header (NO_BLOCK_SIGNATURE)', async () => {
    expect(sigCheck(await withBlock(signedBlockDoc(), null))).toMatchObject({ verdict: 'unknown', reason: 'NO_TRUST_FILE' });
    expect(sigCheck(await withBlock(signedBlockDoc({ header: undefined })))).toMatchObject({ verdict: 'unknown', reason: 'NO_BLOCK_SIGNATURE' });
    expect(sigCheck(await withBlock(signedBlockDoc({ validator_signatures: [] })))).toMatchObject({ verdict: 'unknown', reason: 'NO_BLOCK_SIGNATURE' });
  });

  it('fails when a key the trust file does not name signed the block (UNKNOWN_KEY)', async () => {
    const r = await withBlock(signedBlockDoc({}, SECOND_KEY));
    expect(sigCheck(r)).toMatchObject({ verdict: 'fail', reason: 'UNKNOWN_KEY' });
    expect(r.verdict).toBe('fail');
  });

  it('fails when the signature is not over this header (BAD_SIGNATURE)', async () => {
    const other = signedBlockDoc();
    const sigs = (other['next_validator_signatures'] as { validator_address: string; timestamp: string; signature_base64: string }[]).map((s) => ({ ...s }));
    const r = await withBlock(signedBlockDoc({ validator_signatures: sigs }));
    expect(sigCheck(r)).toMatchObject({ verdict: 'fail', reason: 'BAD_SIGNATURE' });
  });

  it('fails when the header is not the block (HEADER_MISMATCH): other app hash, other hash, other height', async () => {
    const good = signedBlockDoc();
    const header = { ...(good['header'] as Record<string, unknown>), app_hash: 'C'.repeat(64) };
    expect(sigCheck(await withBlock({ ...good, header }))).toMatchObject({ verdict: 'fail', reason: 'HEADER_MISMATCH' });
    expect(sigCheck(await withBlock({ ...good, app_hash: 'C'.repeat(64) }))).toMatchObject({ verdict: 'fail', reason: 'HEADER_MISMATCH' });
    expect(sigCheck(await withBlock({ ...good, hash: '6'.repeat(64) }))).toMatchObject({ verdict: 'fail', reason: 'HEADER_MISMATCH' });
  });

  it('fails when the next header does not state the result app hash the state proof uses', async () => {
    const r = await withBlock(signedBlockDoc({ result_app_hash: 'C'.repeat(64) }));
    expect(sigCheck(r)).toMatchObject({ verdict: 'fail', reason: 'HEADER_MISMATCH' });
    expect(sigCheck(r)?.detail).toContain('block 7');
  });

  it('fails when the validator key is revoked or outside its window at the block height', async () => {
    expect(sigCheck(await withBlock(signedBlockDoc(), trustFor([CONSOLE_KEY], {}, { revoked_at_height: 6 })))).toMatchObject({ verdict: 'fail', reason: 'KEY_REVOKED' });
    expect(sigCheck(await withBlock(signedBlockDoc(), trustFor([CONSOLE_KEY], {}, { valid_from_height: 7 })))).toMatchObject({ verdict: 'fail', reason: 'KEY_OUTSIDE_VALIDITY' });
    // Valid until 6 covers block 6 but not block 7, whose header vouches for the result app hash.
    expect(sigCheck(await withBlock(signedBlockDoc(), trustFor([CONSOLE_KEY], {}, { valid_until_height: 6 })))).toMatchObject({ verdict: 'fail', reason: 'KEY_OUTSIDE_VALIDITY' });
  });

  it('needs the trust file\'s quorum of distinct validator keys (BELOW_QUORUM)', async () => {
    const r = await withBlock(signedBlockDoc(), trustFor([CONSOLE_KEY, SECOND_KEY], { quorum: 2 }));
    expect(sigCheck(r)).toMatchObject({ verdict: 'fail', reason: 'BELOW_QUORUM' });
  });
});

// Signatures in bundles beyond the Ed25519 test-key attestation: the
// validator's signature over the executing block's header
// (case.block.signature), checked against the trust file at the block's
// height; and ECDSA (P-256, secp256k1) attestations by real software keys.
// Real keys, real zips, the real verifier; nothing is mocked.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, fromHex, sha256, utf8 } from '../../core/codec/index.js';
import { ECDSA_CURVES, ecdsaCompactFromDer, ecdsaDerFromCompact } from '../../core/crypto/ecdsa.js';
import { nobleVerifier } from '../../core/crypto/ed25519.js';
import {
  BUNDLE_FORMAT,
  BUNDLE_FORMAT_V1,
  CASE_PATHS,
  assembleBundle,
  pae,
  verifyAttestationSignature,
  type BundleFormat,
  type BundleMemberInput,
  type DsseEnvelope,
  type VerifyReport,
} from '../../core/evidence/bundle/index.js';
import { SoftwareKeystore } from '../../hsm/software.js';
import type { KeyInfo } from '../../hsm/types.js';
import type { TrustFile } from '../../core/evidence/checkpoint.js';
import { verifyBundleBytes } from '../../main/evidence/bundles.js';
import { writeZip } from '../../main/evidence/zip-write.js';
import { CHAIN, CONSOLE_KEY, SECOND_KEY, caseBundle, caseMembers, signedBlockDoc, trustFor } from './bundle-kit.js';

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
    expect(sigCheck(r)?.detail).toContain(`result app hash ${String(signedBlockDoc()['result_app_hash'])} is the signed app hash of block 7`);
    // The other checks are untouched by the new members.
    expect(r.checks.filter((c) => c.verdict !== 'pass').map((c) => c.reason)).toEqual([]);
  });

  it('is unknown without the next header: the result app hash the state proofs reach is then unsigned', async () => {
    const r = await withBlock(signedBlockDoc({ next_header: undefined, next_validator_signatures: undefined }));
    expect(sigCheck(r)).toMatchObject({ verdict: 'unknown', reason: 'NO_NEXT_HEADER' });
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
    expect(sigCheck(await withBlock(signedBlockDoc(), trustFor([CONSOLE_KEY], {}, { revoked_at_height: 6 })))).toMatchObject({
      verdict: 'fail',
      reason: 'KEY_REVOKED',
    });
    expect(sigCheck(await withBlock(signedBlockDoc(), trustFor([CONSOLE_KEY], {}, { valid_from_height: 7 })))).toMatchObject({
      verdict: 'fail',
      reason: 'KEY_OUTSIDE_VALIDITY',
    });
    // Valid until 6 covers block 6 but not block 7, whose header vouches for the result app hash.
    expect(sigCheck(await withBlock(signedBlockDoc(), trustFor([CONSOLE_KEY], {}, { valid_until_height: 6 })))).toMatchObject({
      verdict: 'fail',
      reason: 'KEY_OUTSIDE_VALIDITY',
    });
  });

  it("needs the trust file's quorum of distinct validator keys (BELOW_QUORUM)", async () => {
    const r = await withBlock(signedBlockDoc(), trustFor([CONSOLE_KEY, SECOND_KEY], { quorum: 2 }));
    expect(sigCheck(r)).toMatchObject({ verdict: 'fail', reason: 'BELOW_QUORUM' });
  });
});

// ─── ECDSA attestations ─────────────────────────────────────────────────────
// Real software keys (hsm/software.ts, encrypted keystore files in a temporary
// directory) sign the attestation; the bundle verifier checks it, and
// node:crypto (OpenSSL) checks the same signature as plain "ECDSA with SHA-256
// over PAE", which is what DSSE/Sigstore tooling does: in a v2 bundle the
// signature is ASN.1 DER (what that tooling reads), in a v1 bundle r||s.

const PASS = 'correct horse battery';

async function softwareSigned(ks: SoftwareKeystore, info: KeyInfo, opts: { engineRule?: boolean; format?: BundleFormat } = {}) {
  const parts = await caseMembers();
  return assembleBundle({
    ...(opts.format !== undefined ? { format: opts.format } : {}),
    kind: 'custody-case',
    subject: { type: 'withdrawal', id: parts.requestId, chain_id: CHAIN, height: parts.height },
    tool: { name: 'charter-console', version: 'test' },
    members: parts.members,
    signer: {
      key_id: info.keyId,
      scheme: info.scheme,
      public_key: info.publicKey,
      // engineRule: sign SHA-256(PAE) as if it were a transaction digest (P-256 then hashes it again) — must not verify.
      sign: (pae) =>
        ks.sign(
          info.keyId,
          opts.engineRule ? { scheme: info.scheme, digest: sha256(pae) } : { scheme: info.scheme, digest: sha256(pae), attestationPae: pae },
          { secret: PASS },
        ),
    },
  });
}

function trustWith(info: KeyInfo, extra: TrustFile['keys'] = []): TrustFile {
  return {
    version: 1,
    log_id: CHAIN,
    quorum: 1,
    keys: [{ key_id: info.keyId, scheme: info.scheme, public_key: info.publicKey, valid_from_height: 0 }, ...extra],
  };
}

function nodeKey(scheme: 'p256' | 'secp256k1', publicKeyHex: string): crypto.KeyObject {
  const curve = scheme === 'p256' ? p256 : secp256k1;
  const { x, y } = curve.Point.fromBytes(fromHex(publicKeyHex)).toAffine();
  const b64u = (n: bigint) => Buffer.from(n.toString(16).padStart(64, '0'), 'hex').toString('base64url');
  return crypto.createPublicKey({ key: { kty: 'EC', crv: scheme === 'p256' ? 'P-256' : 'secp256k1', x: b64u(x), y: b64u(y) }, format: 'jwk' });
}

describe('ECDSA attestations (ECDSA with SHA-256 over the DSSE PAE)', () => {
  let dir = '';
  let ks: SoftwareKeystore;
  const keys: Partial<Record<'ed25519' | 'p256' | 'secp256k1', KeyInfo>> = {};
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-ecdsa-'));
    ks = new SoftwareKeystore(dir, { n: 1 << 10, r: 8, p: 1 });
    for (const scheme of ['ed25519', 'p256', 'secp256k1'] as const) keys[scheme] = await ks.generate({ label: `attest ${scheme}`, scheme, secret: PASS });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const scheme of ['p256', 'secp256k1', 'ed25519'] as const) {
    it(`${scheme}: a software key's attestation verifies and is trusted`, async () => {
      const info = keys[scheme] as KeyInfo;
      const b = await softwareSigned(ks, info);
      const r = await verifyBundleBytes(await writeZip(b.files), { trust: trustWith(info, trustFor([CONSOLE_KEY]).keys) });
      expect(r.checks.find((c) => c.id === 'attestations.signatures')).toMatchObject({ verdict: 'pass', reason: 'OK' });
      expect(r.checks.find((c) => c.id === 'attestations.trust')).toMatchObject({ verdict: 'pass', reason: 'OK' });
      expect(r.checks.filter((c) => c.verdict !== 'pass').map((c) => c.reason)).toEqual([]);
      // Without the key in the trust file: the signature verifies by the statement's declared key, trust fails.
      const r2 = await verifyBundleBytes(await writeZip(b.files), { trust: trustFor([CONSOLE_KEY]) });
      expect(r2.checks.find((c) => c.id === 'attestations.signatures')?.verdict).toBe('pass');
      expect(r2.checks.find((c) => c.id === 'attestations.trust')).toMatchObject({ verdict: 'fail', reason: 'UNKNOWN_KEY' });
    });
  }

  const envelopeOf = (b: { files: Map<string, Uint8Array> }, info: KeyInfo) => {
    const name = `attestations/${info.keyId}.dsse.json`;
    const env = JSON.parse(Buffer.from(b.files.get(name) as Uint8Array).toString('utf8')) as DsseEnvelope;
    return { name, env, paeBytes: pae(env.payloadType, Buffer.from(env.payload, 'base64')), sig: Buffer.from(env.signatures[0]!.sig, 'base64') };
  };
  const withSig = async (b: { files: Map<string, Uint8Array> }, info: KeyInfo, sig: Uint8Array) => {
    const { name, env } = envelopeOf(b, info);
    const files = new Map(b.files);
    files.set(name, utf8(canonicalJson({ ...env, signatures: [{ keyid: info.keyId, sig: Buffer.from(sig).toString('base64') }] })));
    return verifyBundleBytes(await writeZip(files), { trust: trustWith(info) });
  };
  const sigVerdict = (r: VerifyReport) => r.checks.find((c) => c.id === 'attestations.signatures');

  for (const scheme of ['p256', 'secp256k1'] as const) {
    it(`${scheme} v2: the signature is strict DER that OpenSSL verifies as ECDSA-SHA256 over PAE; a flipped bit, a high S, r||s or a padded DER do not verify`, async () => {
      const info = keys[scheme] as KeyInfo;
      const b = await softwareSigned(ks, info);
      expect(b.manifest.format).toBe(BUNDLE_FORMAT);
      const { paeBytes, sig } = envelopeOf(b, info);
      expect(sig[0]).toBe(0x30);
      const compact = ecdsaCompactFromDer(scheme, sig) as Uint8Array;
      expect(compact).not.toBeNull();
      expect(crypto.verify('sha256', paeBytes, { key: nodeKey(scheme, info.publicKey), dsaEncoding: 'der' }, sig)).toBe(true);
      expect(verifyAttestationSignature(scheme, fromHex(info.publicKey), paeBytes, sig, nobleVerifier, BUNDLE_FORMAT)).toBe(true);

      const flipped = Buffer.from(sig);
      flipped[sig.length - 3] = (flipped[sig.length - 3] as number) ^ 1;
      const n = ECDSA_CURVES[scheme].n;
      const s = BigInt('0x' + Buffer.from(compact.subarray(32)).toString('hex'));
      const highSCompact = Buffer.concat([compact.subarray(0, 32), Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex')]);
      const curve = scheme === 'p256' ? p256 : secp256k1;
      const highS = curve.Signature.fromBytes(highSCompact, 'compact').toBytes('der');
      // OpenSSL accepts the high-S twin; the format does not (one signature, one encoding).
      expect(crypto.verify('sha256', paeBytes, { key: nodeKey(scheme, info.publicKey), dsaEncoding: 'der' }, highS)).toBe(true);
      const longLength = Buffer.concat([Buffer.from([0x30, 0x81]), sig.subarray(1)]);
      const trailing = Buffer.concat([sig, Buffer.from([0])]);
      for (const bad of [flipped, highS, compact, longLength, trailing])
        expect(sigVerdict(await withSig(b, info, bad))).toMatchObject({ verdict: 'fail', reason: 'BAD_SIGNATURE' });
    });

    it(`${scheme} v1: a v1 bundle still carries 64-byte r||s and verifies; DER in it does not`, async () => {
      const info = keys[scheme] as KeyInfo;
      const b = await softwareSigned(ks, info, { format: BUNDLE_FORMAT_V1 });
      expect(b.manifest.format).toBe(BUNDLE_FORMAT_V1);
      const { paeBytes, sig } = envelopeOf(b, info);
      expect(sig.length).toBe(64);
      expect(crypto.verify('sha256', paeBytes, { key: nodeKey(scheme, info.publicKey), dsaEncoding: 'ieee-p1363' }, sig)).toBe(true);
      const r = await verifyBundleBytes(await writeZip(b.files), { trust: trustWith(info) });
      expect(sigVerdict(r)).toMatchObject({ verdict: 'pass', reason: 'OK' });
      expect(r.checks.find((c) => c.id === 'attestations.trust')).toMatchObject({ verdict: 'pass', reason: 'OK' });
      expect(sigVerdict(await withSig(b, info, ecdsaDerFromCompact(scheme, sig)))).toMatchObject({ verdict: 'fail', reason: 'BAD_SIGNATURE' });
    });
  }

  it("p256: a signature made under the engine's transaction rule (SHA-256 of the 32-byte digest) is refused", async () => {
    const info = keys.p256 as KeyInfo;
    const b = await softwareSigned(ks, info, { engineRule: true });
    const r = await verifyBundleBytes(await writeZip(b.files), { trust: trustWith(info) });
    expect(r.checks.find((c) => c.id === 'attestations.signatures')).toMatchObject({ verdict: 'fail', reason: 'BAD_SIGNATURE' });
  });

  it('the keystore refuses an attestation request whose digest is not SHA-256(PAE), and signs nothing', async () => {
    const info = keys.secp256k1 as KeyInfo;
    await expect(
      ks.sign(info.keyId, { scheme: 'secp256k1', digest: new Uint8Array(32), attestationPae: utf8('DSSEv1 1 x 1 y') }, { secret: PASS }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});

// "Existing tooling recognises our attestations": an existing, independent
// DSSE implementation — securesystemslib (secure-systems-lab, the DSSE
// authors' Python library), pinned in tests/support/dsse-requirements.txt and
// installed from PyPI into a cached virtualenv (tests/support/pyenv.ts) —
// verifies the attestation of a real bundle (format v2) with the signer's
// public key as PEM SubjectPublicKeyInfo printed by `charter keys pem` and
// `charter trust pem` (the real binary: run `npm run build` first when running
// this file alone). Keys are real software keys in a workspace's keystore.
//
// securesystemslib has no secp256k1 scheme: for secp256k1 the script takes the
// PAE from securesystemslib's Envelope.pae() and verifies the DER signature
// with pyca/cryptography (OpenSSL) directly, as ECDSA with SHA-256.
//
// If the virtualenv cannot be made (no python3-venv, no PyPI), the test fails
// with pip's message: it is never skipped.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, fromHex, fromUtf8, sha256, utf8 } from '../../core/codec/index.js';
import { spkiPem } from '../../core/crypto/spki.js';
import {
  BUNDLE_FORMAT,
  BUNDLE_FORMAT_V1,
  assembleBundle,
  fromBase64,
  toBase64,
  type BundleFormat,
  type DsseEnvelope,
} from '../../core/evidence/bundle/index.js';
import type { TrustFile } from '../../core/evidence/checkpoint.js';
import { SoftwareKeystore } from '../../hsm/software.js';
import type { KeyInfo } from '../../hsm/types.js';
import { verifyBundleBytes } from '../../main/evidence/bundles.js';
import { writeZip } from '../../main/evidence/zip-write.js';
import { CHAIN, caseMembers } from '../unit/bundle-kit.js';
import { ensureDssePyenv } from '../support/pyenv.js';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin', 'charter.js');
const script = path.join(root, 'tests', 'support', 'dsse_verify.py');
const PASS = 'dsse-interop-passphrase-5512';
type Scheme = 'ed25519' | 'p256' | 'secp256k1';
const SCHEMES: readonly Scheme[] = ['ed25519', 'p256', 'secp256k1'];

let tmp = '';
let ws = '';
let python = '';
let setupSeconds = 0;
let ks: SoftwareKeystore;
const keys = {} as Record<Scheme, KeyInfo>;
const others = {} as Record<Scheme, KeyInfo>;
const pems = {} as Record<Scheme, string>;

function charter(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, CHARTER_PKCS11_MODULE: '', KP: PASS },
    timeout: 90_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function trustOf(infos: KeyInfo[]): TrustFile {
  return {
    version: 1,
    log_id: CHAIN,
    quorum: 1,
    keys: infos.map((k) => ({ key_id: k.keyId, scheme: k.scheme, public_key: k.publicKey, valid_from_height: 0 })),
  };
}

/** A real custody-case bundle signed by `signer` (its attestation envelope and the zip). */
async function bundle(signer: KeyInfo, format: BundleFormat = BUNDLE_FORMAT) {
  const parts = await caseMembers();
  const b = await assembleBundle({
    format,
    kind: 'custody-case',
    subject: { type: 'withdrawal', id: parts.requestId, chain_id: CHAIN, height: parts.height },
    tool: { name: 'charter-console', version: 'interop-test' },
    members: parts.members,
    signer: {
      key_id: signer.keyId,
      scheme: signer.scheme,
      public_key: signer.publicKey,
      sign: (pae) => ks.sign(signer.keyId, { scheme: signer.scheme, digest: sha256(pae), attestationPae: pae }, { secret: PASS }),
    },
  });
  const envelope = JSON.parse(fromUtf8(b.files.get(`attestations/${signer.keyId}.dsse.json`) as Uint8Array)) as DsseEnvelope;
  return { b, envelope };
}

interface PyVerdict {
  verified: boolean;
  method?: string;
  error?: string;
  keyids?: string[];
}

let n = 0;
/** Run the independent verifier on an envelope with a PEM key and keyid. */
function pyVerify(envelope: unknown, pem: string, keyid: string): PyVerdict & { status: number | null } {
  n++;
  const envFile = path.join(tmp, `env-${n}.json`);
  const pemFile = path.join(tmp, `key-${n}.pem`);
  fs.writeFileSync(envFile, JSON.stringify(envelope));
  fs.writeFileSync(pemFile, pem);
  const r = spawnSync(python, [script, envFile, pemFile, keyid], { encoding: 'utf8', timeout: 60_000 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  let v: PyVerdict;
  try {
    v = JSON.parse(line) as PyVerdict;
  } catch {
    throw new Error(`dsse_verify.py printed no JSON (exit ${r.status}): ${r.stdout}\n${r.stderr}`);
  }
  return { ...v, status: r.status };
}

beforeAll(async () => {
  if (!fs.existsSync(path.join(root, 'dist', 'main', 'cli', 'index.js'))) throw new Error('dist/ is missing: run `npm run build`');
  const t0 = performance.now();
  python = ensureDssePyenv();
  setupSeconds = (performance.now() - t0) / 1000;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-dsse-interop-'));
  ws = path.join(tmp, 'ws');
  // The workspace's own keystore directory (cheap scrypt: the keys only sign here).
  ks = new SoftwareKeystore(path.join(ws, 'keystore'), { n: 1 << 10, r: 8, p: 1 });
  for (const scheme of SCHEMES) {
    keys[scheme] = await ks.generate({ label: `signer ${scheme}`, scheme, secret: PASS });
    others[scheme] = await ks.generate({ label: `other ${scheme}`, scheme, secret: PASS });
  }
  for (const scheme of SCHEMES) {
    const r = charter(['keys', 'pem', keys[scheme].keyId, '--workspace', ws]);
    if (r.status !== 0) throw new Error(`charter keys pem: ${r.stderr}`);
    pems[scheme] = r.stdout;
  }
}, 600_000);
afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('charter keys pem / charter trust pem', () => {
  it('print the same PEM SubjectPublicKeyInfo for a key, which OpenSSL loads as that key', () => {
    const trustFile = path.join(tmp, 'trust.json');
    fs.writeFileSync(trustFile, JSON.stringify(trustOf(SCHEMES.map((s) => keys[s]))));
    const j = charter(['keys', 'pem', keys.secp256k1.keyId, '--workspace', ws, '--json']);
    expect(JSON.parse(j.stdout)).toEqual({ keyId: keys.secp256k1.keyId, scheme: 'secp256k1', publicKey: keys.secp256k1.publicKey, pem: pems.secp256k1 });
    for (const scheme of SCHEMES) {
      expect(pems[scheme]).toMatch(/^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+-----END PUBLIC KEY-----\n$/);
      const t = charter(['trust', 'pem', trustFile, keys[scheme].keyId]);
      expect(t.status, t.stderr).toBe(0);
      expect(t.stdout).toBe(pems[scheme]);
      expect(pems[scheme]).toBe(spkiPem(scheme, fromHex(keys[scheme].publicKey)));
      const k = crypto.createPublicKey(pems[scheme]);
      expect(k.asymmetricKeyType).toBe(scheme === 'ed25519' ? 'ed25519' : 'ec');
    }
  });

  it('refuse an unknown key, a malformed key id and an unusable trust file with stable codes', () => {
    const trustFile = path.join(tmp, 'trust-one.json');
    fs.writeFileSync(trustFile, JSON.stringify(trustOf([keys.p256])));
    const missing = charter(['trust', 'pem', trustFile, keys.ed25519.keyId, '--json']);
    expect(missing.status).toBe(1);
    expect(JSON.parse(missing.stdout).error.code).toBe('NOT_FOUND');
    const notInWs = charter(['keys', 'pem', 'f'.repeat(40), '--workspace', ws, '--json']);
    expect(notInWs.status).toBe(1);
    expect(JSON.parse(notInWs.stdout).error.code).toBe('KEY_NOT_FOUND');
    expect(charter(['keys', 'pem', 'not-a-key-id', '--workspace', ws]).status).toBe(64);
    fs.writeFileSync(path.join(tmp, 'bad-trust.json'), '{"version": 1}');
    expect(charter(['trust', 'pem', path.join(tmp, 'bad-trust.json'), keys.p256.keyId]).status).toBe(64);
  });
});

describe('securesystemslib verifies bundle attestations (DSSE, PEM key)', () => {
  it('the pinned virtualenv is ready', () => {
    expect(fs.existsSync(python)).toBe(true);
    // First run: creation + pip install from PyPI; later runs: the cached venv.
    console.log(`dsse interop: python virtualenv ready in ${setupSeconds.toFixed(1)} s (${python})`);
  });

  for (const scheme of SCHEMES) {
    const tool = scheme === 'secp256k1' ? "pyca/cryptography over securesystemslib's PAE" : 'securesystemslib.dsse.Envelope.verify';
    it(`${scheme}: ${tool} verifies a v2 bundle's attestation, and refuses a tampered payload and another key's signature`, async () => {
      const { b, envelope } = await bundle(keys[scheme]);
      // Charter's own verifier agrees.
      const ours = await verifyBundleBytes(await writeZip(b.files), { trust: trustOf([keys[scheme]]) });
      expect(ours.checks.find((c) => c.id === 'attestations.signatures')).toMatchObject({ verdict: 'pass' });

      const good = pyVerify(envelope, pems[scheme], keys[scheme].keyId);
      expect(good, JSON.stringify(good)).toMatchObject({ verified: true, status: 0, keyids: [keys[scheme].keyId] });
      expect(good.method).toContain(scheme === 'secp256k1' ? 'cryptography' : 'securesystemslib.dsse.Envelope.verify');

      // The payload changed after signing (another manifest digest): refused.
      const statement = JSON.parse(fromUtf8(fromBase64(envelope.payload) as Uint8Array)) as { subject: { digest: { sha256: string } }[] };
      statement.subject[0]!.digest.sha256 = '0'.repeat(64);
      const tampered = { ...envelope, payload: toBase64(utf8(canonicalJson(statement))) };
      expect(pyVerify(tampered, pems[scheme], keys[scheme].keyId)).toMatchObject({ verified: false, status: 1 });

      // A signature by another key of the same scheme under the signer's keyid: refused.
      const other = (await bundle(others[scheme])).envelope;
      const forged = { ...envelope, signatures: [{ keyid: keys[scheme].keyId, sig: other.signatures[0]!.sig }] };
      expect(pyVerify(forged, pems[scheme], keys[scheme].keyId)).toMatchObject({ verified: false, status: 1 });
      // The right signature checked against another key's PEM: refused.
      const otherPem = spkiPem(scheme, fromHex(others[scheme].publicKey));
      expect(pyVerify(envelope, otherPem, keys[scheme].keyId)).toMatchObject({ verified: false, status: 1 });
    });
  }

  it("p256: a v1 bundle's 64-byte r||s signature is not what DSSE tooling reads (why v2 writes DER)", async () => {
    const { envelope } = await bundle(keys.p256, BUNDLE_FORMAT_V1);
    expect((fromBase64(envelope.signatures[0]!.sig) as Uint8Array).length).toBe(64);
    expect(pyVerify(envelope, pems.p256, keys.p256.keyId)).toMatchObject({ verified: false });
  });
});

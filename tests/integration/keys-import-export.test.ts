// keys.import / keys.export through the contract dispatcher of a real console
// (real workspace SQLite, real keystore directory; the node URL points at a
// closed port, so on-chain status reads "unknown" and no devnet is started).
// The audit entry of an import names the key id only: no passphrase, no file text.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { canonicalBytes, keyIdOf, toHex } from '../../core/codec/index.js';
import type { MethodName, MethodOutput } from '../../core/contract/index.js';
import { contractApi, type InputArgs } from '../../core/contract/client.js';
import { encryptWeb3, WEB3_EXTRA_FIELD } from '../../hsm/software.js';
import { createCharter, type Charter } from '../../main/app.js';
import { AuditLog } from '../../main/services/audit.js';
import { findSecrets } from './secrets-scan.js';

const PASS = 'service-import-pass-7702';
const FAST = { n: 1 << 12, r: 8, p: 1 };
let tmp = '';
let a: Charter;
let b: Charter;

/** Call an operation of console `c` with its real types; a refusal rejects with its code. */
function call<M extends MethodName>(c: Charter, method: M, ...input: InputArgs<M>): Promise<MethodOutput<M>> {
  return contractApi(c.dispatch).call(method, ...input);
}
async function fail(c: Charter, method: string, input: unknown): Promise<string> {
  const r = await c.dispatch(method, input);
  if (r.ok) throw new Error(`${method} succeeded`);
  return r.error.code;
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-keyio-svc-'));
  a = await createCharter({ host: 'serve', workspace: path.join(tmp, 'a'), nodeUrl: 'http://127.0.0.1:1', scrypt: FAST, watch: false });
  b = await createCharter({ host: 'serve', workspace: path.join(tmp, 'b'), nodeUrl: 'http://127.0.0.1:1', scrypt: FAST, watch: false });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('keys.import / keys.export through dispatch', () => {
  it('exports a key from one console and imports it into another; the audit entry holds the key id, not the passphrase or the file', async () => {
    const made = await call(a, 'keys.create', { label: 'svc-export', passphrase: PASS });
    const ex = await call(a, 'keys.export', { keyId: made.keyId });
    expect(ex.fileName).toBe(`${made.keyId}.json`);
    expect(JSON.parse(ex.text)).toMatchObject({ key_id: made.keyId, public_key: made.publicKey });

    expect(await fail(b, 'keys.import', { fileText: ex.text, passphrase: 'wrong passphrase 000' })).toBe('WRONG_PASSPHRASE');
    expect((await call(b, 'keys.list', {})).keys).toEqual([]);
    expect(await fail(b, 'keys.import', { fileText: '{"not":"a key"}', passphrase: PASS })).toBe('KEYSTORE_CORRUPT');

    // The label given names the key (it is stored re-encrypted, under a new authenticated header).
    const imp = await call(b, 'keys.import', { fileText: ex.text, passphrase: PASS, label: 'svc-imported' });
    expect(imp).toMatchObject({ keyId: made.keyId, publicKey: made.publicKey, scheme: 'ed25519', backend: 'software', label: 'svc-imported' });
    expect(await fail(b, 'keys.import', { fileText: ex.text, passphrase: PASS })).toBe('KEYSTORE_DUPLICATE');
    expect((await call(b, 'keys.list', {})).keys.map((k) => k.keyId)).toEqual([made.keyId]);

    const entries = new AuditLog(b.workspace).list().filter((e) => e.action === 'keys.import');
    expect(entries.map((e) => e.result).sort()).toEqual(['error', 'error', 'error', 'ok']);
    const ok = entries.find((e) => e.result === 'ok')!;
    expect(ok.subject).toBe(`key ${made.keyId}`);
    expect(ok.details).toMatchObject({ keyId: made.keyId });
    const dump = JSON.stringify(entries);
    expect(findSecrets(dump, [PASS])).toEqual([]);
    expect(dump).not.toContain('fileText');
    expect(dump).not.toContain(JSON.parse(ex.text).crypto.ciphertext);

    const exAudit = new AuditLog(a.workspace).list().find((e) => e.action === 'keys.export')!;
    expect(exAudit).toMatchObject({ subject: `key ${made.keyId}`, result: 'ok' });
    expect(JSON.stringify(exAudit)).not.toContain(JSON.parse(ex.text).crypto.ciphertext);
  });
});

/**
 * A charter-keystore/v1 file made here, independently of hsm/software.ts
 * (docs/formats/keystore.md): scrypt, AES-256-GCM, the canonical header as AAD.
 */
function charterFile(o: { seed: Uint8Array; passphrase: string; n: number; r: number; p: number; label: string; created_at: string }): string {
  const pk = ed25519.getPublicKey(o.seed);
  const header = {
    format: 'charter-keystore/v1',
    key_id: keyIdOf('ed25519', pk),
    scheme: 'ed25519',
    public_key: toHex(pk),
    label: o.label,
    created_at: o.created_at,
  };
  const salt = crypto.randomBytes(32);
  const iv = crypto.randomBytes(12);
  const dk = crypto.scryptSync(Buffer.from(o.passphrase.normalize('NFKC')), salt, 32, { N: o.n, r: o.r, p: o.p, maxmem: 512 * 1024 * 1024 });
  const c = crypto.createCipheriv('aes-256-gcm', dk, iv);
  c.setAAD(canonicalBytes(header));
  const ct = Buffer.concat([c.update(o.seed), c.final()]);
  return JSON.stringify({
    ...header,
    crypto: {
      kdf: 'scrypt',
      kdfparams: { n: o.n, r: o.r, p: o.p, dklen: 32, salt: salt.toString('hex') },
      cipher: 'aes-256-gcm',
      iv: iv.toString('hex'),
      ciphertext: ct.toString('hex'),
      tag: c.getAuthTag().toString('hex'),
    },
  });
}

/** A foreign Web3 v3 file (no x-charter field unless `meta` is given to keep it) for a fresh secp256k1 key. */
async function web3File(kdf: Parameters<typeof encryptWeb3>[3], meta?: { label: string; created_at: string }): Promise<{ text: string; keyId: string }> {
  const sk = secp256k1.utils.randomSecretKey();
  const pk = secp256k1.getPublicKey(sk, true);
  const f = await encryptWeb3(sk, pk, PASS, kdf, meta ?? { label: 'x', created_at: '2026-01-01T00:00:00.000Z' });
  const out: Record<string, unknown> = { ...f };
  if (!meta) delete out[WEB3_EXTRA_FIELD];
  return { text: JSON.stringify(out), keyId: keyIdOf('secp256k1', pk) };
}

const keystore = (c: Charter) => path.join(c.workspace.dir, 'keystore');
const storedFiles = (c: Charter) =>
  fs.existsSync(keystore(c))
    ? fs
        .readdirSync(keystore(c))
        .filter((f) => !f.startsWith('.'))
        .sort()
    : [];
const storedFile = (c: Charter, keyId: string) =>
  JSON.parse(fs.readFileSync(path.join(keystore(c), `${keyId}.json`), 'utf8')) as {
    crypto: { kdf: string; kdfparams: Record<string, unknown> };
    label?: string;
    created_at?: string;
    [WEB3_EXTRA_FIELD]?: { label: string; created_at: string };
  };
async function refusal(c: Charter, input: unknown): Promise<{ code: string; details: unknown; message: string }> {
  const r = await c.dispatch('keys.import', input);
  if (r.ok) throw new Error('keys.import succeeded');
  return { code: r.error.code, details: r.error.details, message: r.error.message };
}

describe('key files from outside: KDF cost capped before it runs, keys re-encrypted, labels and dates checked', () => {
  it('refuses a scrypt or PBKDF2 cost above the limits with KDF_LIMIT_EXCEEDED naming the parameter and the limit; no key file is written', async () => {
    // Crafted files: the KDF fields of a real file with costs no console should run. Were the KDF
    // run, N=2^20 with r=32 would take 4 GiB (it fails the check before that: no file, the code).
    const base = JSON.parse((await web3File({ scrypt: { n: 1024, r: 1, p: 1 } })).text);
    const scrypt = (k: Record<string, number>) => JSON.stringify({ ...base, crypto: { ...base.crypto, kdfparams: { ...base.crypto.kdfparams, ...k } } });
    const pb = JSON.parse((await web3File({ pbkdf2: { c: 1 } })).text);
    const cases: [string, string, number][] = [
      [scrypt({ n: 2 ** 20, r: 32, p: 1 }), 'n', 2 ** 18],
      [scrypt({ n: 2 ** 30, r: 1, p: 1 }), 'n', 2 ** 18],
      [scrypt({ n: 1024, r: 64, p: 1 }), 'r', 16],
      [scrypt({ n: 1024, r: 1, p: 4096 }), 'p', 16],
      [scrypt({ n: 2 ** 18, r: 8, p: 2 }), '128·n·r·p', 256 * 1024 * 1024],
      [JSON.stringify({ ...pb, crypto: { ...pb.crypto, kdfparams: { ...pb.crypto.kdfparams, c: 50_000_000 } } }), 'c', 2_000_000],
    ];
    const seed = crypto.randomBytes(32);
    const good = JSON.parse(charterFile({ seed, passphrase: PASS, n: 1024, r: 8, p: 1, label: 'huge', created_at: '2026-01-01T00:00:00.000Z' }));
    cases.push([JSON.stringify({ ...good, crypto: { ...good.crypto, kdfparams: { ...good.crypto.kdfparams, n: 2 ** 20, r: 32 } } }), 'n', 2 ** 18]);
    const before = storedFiles(b);
    for (const [fileText, parameter, limit] of cases) {
      const e = await refusal(b, { fileText, passphrase: PASS });
      expect(e.code, parameter).toBe('KDF_LIMIT_EXCEEDED');
      expect(e.details).toMatchObject({ parameter, limit });
      expect(e.message).toContain(`${parameter} = `);
      expect(e.message).toContain(`limit of ${limit}`);
    }
    expect(storedFiles(b)).toEqual(before);
  });

  it("imports a weak file (PBKDF2 c=1, scrypt N=2^10) and stores it re-encrypted under the console's own KDF settings; the export is in that form", async () => {
    const weak = await web3File({ pbkdf2: { c: 1 } });
    const k = await call(b, 'keys.import', { fileText: weak.text, passphrase: PASS, label: 'weak-pbkdf2' });
    expect(k).toMatchObject({ keyId: weak.keyId, scheme: 'secp256k1', label: 'weak-pbkdf2' });
    const stored = storedFile(b, weak.keyId);
    expect(stored.crypto.kdf).toBe('scrypt');
    expect(stored.crypto.kdfparams).toMatchObject({ n: FAST.n, r: FAST.r, p: FAST.p, dklen: 32 });
    expect(stored.crypto.kdfparams).not.toHaveProperty('c');
    expect(JSON.parse(weak.text).id).toBe((stored as unknown as { id: string }).id); // the file's own id is kept
    const ex = await call(b, 'keys.export', { keyId: weak.keyId });
    expect(JSON.parse(ex.text).crypto).toMatchObject({ kdf: 'scrypt', kdfparams: { n: FAST.n, r: FAST.r, p: FAST.p } });
    // The same passphrase still unlocks it: it signs an attestation record.
    const att = await call(b, 'keys.attest', { keyId: weak.keyId, secret: PASS });
    expect(att.record.key_id).toBe(weak.keyId);

    const seed = crypto.randomBytes(32);
    const low = charterFile({ seed, passphrase: PASS, n: 1024, r: 1, p: 1, label: 'weak-scrypt', created_at: '2025-05-05T05:05:05.000Z' });
    const k2 = await call(b, 'keys.import', { fileText: low, passphrase: PASS });
    expect(k2).toMatchObject({ label: 'weak-scrypt', createdAt: '2025-05-05T05:05:05.000Z', scheme: 'ed25519' });
    expect(storedFile(b, k2.keyId).crypto.kdfparams).toMatchObject({ n: FAST.n, r: FAST.r, p: FAST.p });
    expect(fs.readFileSync(path.join(keystore(b), `${k2.keyId}.json`), 'utf8')).not.toContain(JSON.parse(low).crypto.ciphertext);
  });

  it("refuses a file whose label breaks the contract's label rule (control characters, too long) unless a label is given; a bad date is replaced by the time of import", async () => {
    const before = storedFiles(b);
    for (const label of ['\u001b[31mred\u001b[0m', 'line\nbreak', 'bidi \u202e flipped', 'x'.repeat(65)]) {
      const seed = crypto.randomBytes(32);
      const e = await refusal(b, {
        fileText: charterFile({ seed, passphrase: PASS, n: 1024, r: 8, p: 1, label, created_at: '2026-01-01T00:00:00.000Z' }),
        passphrase: PASS,
      });
      expect(e.code).toBe('INVALID_INPUT');
      expect(e.details).toMatchObject({ field: 'label' });
      expect(e.message).not.toContain(label);
      const w = await web3File({ scrypt: { n: 1024, r: 8, p: 1 } }, { label, created_at: '2026-01-01T00:00:00.000Z' });
      expect((await refusal(b, { fileText: w.text, passphrase: PASS })).code).toBe('INVALID_INPUT');
    }
    // The label given on import is checked by the same rule.
    const w = await web3File({ scrypt: { n: 1024, r: 8, p: 1 } }, { label: '\u0007bell', created_at: 'not a date' });
    expect(await fail(b, 'keys.import', { fileText: w.text, passphrase: PASS, label: 'tab\tlabel' })).toBe('INVALID_INPUT');
    expect(storedFiles(b)).toEqual(before);
    // With a label of the operator's own, it imports; its unreadable date becomes the time of import.
    const t0 = Date.now();
    const k = await call(b, 'keys.import', { fileText: w.text, passphrase: PASS, label: 'renamed' });
    expect(k.label).toBe('renamed');
    expect(Date.parse(k.createdAt)).toBeGreaterThanOrEqual(t0 - 1000);
    // A date in the future is not believed either.
    const seed = crypto.randomBytes(32);
    const future = await call(b, 'keys.import', {
      fileText: charterFile({ seed, passphrase: PASS, n: 1024, r: 8, p: 1, label: 'future', created_at: '2999-01-01T00:00:00.000Z' }),
      passphrase: PASS,
    });
    expect(Date.parse(future.createdAt)).toBeLessThanOrEqual(Date.now());
  });
});
